package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Session is a signed-in (or anonymous, for CSRF) browser session. Only a
// random id travels in the cookie; the document is keyed by the id's SHA-256
// so that a copy of the database holds no usable cookie.
type Session struct {
	ID        string            `bson:"_id"` // sha256 of the cookie's id
	UserID    string            `bson:"userId,omitempty"`
	Values    map[string]string `bson:"values"`
	CreatedAt time.Time         `bson:"createdAt"`
	LastSeen  time.Time         `bson:"lastSeen"`
	ExpiresAt time.Time         `bson:"expiresAt"`
}

// SessionKey hashes a cookie's session id into the document key.
func SessionKey(cookieID string) string {
	h := sha256.Sum256([]byte(cookieID))
	return hex.EncodeToString(h[:])
}

// Session returns the live session for a cookie id. Returns ErrNotFound if it
// does not exist or has expired.
func (s *Store) Session(ctx context.Context, cookieID string) (*Session, error) {
	var ss Session
	err := s.findByID(ctx, "sessions", SessionKey(cookieID), &ss)
	if err != nil {
		return nil, fmt.Errorf("store: session: %w", notFound(err))
	}
	if !s.now().Before(ss.ExpiresAt) {
		return nil, fmt.Errorf("store: session: %w", ErrNotFound)
	}
	return &ss, nil
}

// SaveSession writes the session for a cookie id (insert or replace).
func (s *Store) SaveSession(ctx context.Context, cookieID string, ss *Session) error {
	ss.ID = SessionKey(cookieID)
	if ss.CreatedAt.IsZero() {
		ss.CreatedAt = s.now().UTC()
	}
	_, err := s.c("sessions").ReplaceOne(ctx, bson.D{{Key: "_id", Value: ss.ID}}, ss, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("store: save session: %w", err)
	}
	return nil
}

// UpdateSession rewrites an existing session's values and expiry; a
// session deleted meanwhile (signed out everywhere) stays deleted.
func (s *Store) UpdateSession(ctx context.Context, cookieID string, ss *Session) error {
	ss.ID = SessionKey(cookieID)
	_, err := s.c("sessions").UpdateOne(ctx, bson.D{{Key: "_id", Value: ss.ID}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "userId", Value: ss.UserID}, {Key: "values", Value: ss.Values},
		{Key: "lastSeen", Value: ss.LastSeen}, {Key: "expiresAt", Value: ss.ExpiresAt},
	}}})
	if err != nil {
		return fmt.Errorf("store: update session: %w", err)
	}
	return nil
}

// TouchSession records activity, moving the idle expiry on.
func (s *Store) TouchSession(ctx context.Context, cookieID string, lastSeen, expires time.Time) error {
	_, err := s.c("sessions").UpdateOne(ctx, bson.D{{Key: "_id", Value: SessionKey(cookieID)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "lastSeen", Value: lastSeen}, {Key: "expiresAt", Value: expires}}}})
	if err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

// DeleteSession removes one session (sign out).
func (s *Store) DeleteSession(ctx context.Context, cookieID string) error {
	if _, err := s.c("sessions").DeleteOne(ctx, bson.D{{Key: "_id", Value: SessionKey(cookieID)}}); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions removes every session of a user (sign out everywhere,
// password change, account disabled). It returns how many there were.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) (int64, error) {
	res, err := s.c("sessions").DeleteMany(ctx, bson.D{{Key: "userId", Value: userID}})
	if err != nil {
		return 0, fmt.Errorf("store: delete sessions of %s: %w", userID, err)
	}
	return res.DeletedCount, nil
}

// DeleteExpiredSessions is the periodic clean-up (no TTL indexes on the embedded server).
func (s *Store) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res, err := s.c("sessions").DeleteMany(ctx, bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lte", Value: s.now().UTC()}}}})
	if err != nil {
		return 0, fmt.Errorf("store: delete expired sessions: %w", err)
	}
	return res.DeletedCount, nil
}

// CountSessions counts stored sessions (signed in, or between password and
// two-factor code).
func (s *Store) CountSessions(ctx context.Context) (int64, error) {
	n, err := s.r("sessions").CountDocuments(ctx, bson.D{})
	if err != nil {
		return 0, fmt.Errorf("store: count sessions: %w", err)
	}
	return n, nil
}
