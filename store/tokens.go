package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Token kinds.
const (
	TokenInvitation    = "invitation"
	TokenPasswordReset = "reset"
)

// How long emailed links work.
const (
	InvitationLife    = 7 * 24 * time.Hour
	PasswordResetLife = time.Hour
)

// Token is a single-use emailed link. Only its SHA-256 is stored.
type Token struct {
	ID        string    `bson:"_id"` // sha256 of the secret in the link
	Kind      string    `bson:"kind"`
	UserID    string    `bson:"userId"`
	CreatedBy string    `bson:"createdBy,omitempty"`
	CreatedAt time.Time `bson:"createdAt"`
	ExpiresAt time.Time `bson:"expiresAt"`
	UsedAt    time.Time `bson:"usedAt,omitempty"`
}

// RandomSecret returns 32 random bytes, URL-safe encoded.
func RandomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

func tokenKey(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// CreateToken makes a link secret of kind for a user and returns it; the
// secret itself is never stored.
func (s *Store) CreateToken(ctx context.Context, kind, userID, createdBy string, life time.Duration) (string, error) {
	secret := RandomSecret()
	now := s.now().UTC()
	t := Token{ID: tokenKey(secret), Kind: kind, UserID: userID, CreatedBy: createdBy, CreatedAt: now, ExpiresAt: now.Add(life)}
	if _, err := s.c("tokens").InsertOne(ctx, t); err != nil {
		return "", fmt.Errorf("store: create token: %w", err)
	}
	return secret, nil
}

// PeekToken returns the token for a secret without using it. Returns
// ErrNotFound if unknown or already used, ErrExpired if too old.
func (s *Store) PeekToken(ctx context.Context, kind, secret string) (*Token, error) {
	var t Token
	err := s.r("tokens").FindOne(ctx, bson.D{{Key: "_id", Value: tokenKey(secret)}, {Key: "kind", Value: kind}}).Decode(&t)
	if err != nil {
		return nil, fmt.Errorf("store: token: %w", notFound(err))
	}
	if !t.UsedAt.IsZero() {
		return nil, fmt.Errorf("store: token used: %w", ErrNotFound)
	}
	if !s.now().Before(t.ExpiresAt) {
		return nil, fmt.Errorf("store: token: %w", ErrExpired)
	}
	return &t, nil
}

// UseToken marks the token used, once: a second use (even concurrent) gets
// ErrNotFound, an expired one ErrExpired.
func (s *Store) UseToken(ctx context.Context, kind, secret string) (*Token, error) {
	if _, err := s.PeekToken(ctx, kind, secret); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	var t Token
	err := s.findAndUpdateIf(ctx, "tokens", tokenKey(secret), Eq("kind", kind).And(Exists("usedAt", false)),
		bson.D{{Key: "$set", Value: bson.D{{Key: "usedAt", Value: now}}}}, false).Decode(&t)
	if err != nil {
		return nil, fmt.Errorf("store: use token: %w", notFound(err))
	}
	return &t, nil
}
