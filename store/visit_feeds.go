package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// A person's private calendar feed is named by a secret token; only the
// token's SHA-256 is stored (visit_feeds, id = hash), with a copy of it
// on the person's diary so that a reset can delete the old one.

// ResetFeedToken makes a new feed token for userID, ending the old one,
// and returns it. The token is shown once and never stored.
func (s *Store) ResetFeedToken(ctx context.Context, userID string) (string, error) {
	d, err := s.Diary(ctx, userID)
	if err != nil {
		return "", err
	}
	secret := RandomSecret()
	key := tokenKey(secret)
	if _, err := s.c("visit_feeds").InsertOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "userId", Value: userID}, {Key: "createdAt", Value: s.now().UTC()}}); err != nil {
		return "", fmt.Errorf("store: create feed token: %w", err)
	}
	_, err = s.c("visit_diaries").UpdateOne(ctx, bson.D{{Key: "_id", Value: userID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "feedHash", Value: key}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return "", fmt.Errorf("store: record feed token: %w", err)
	}
	if d.FeedHash != "" {
		if _, err := s.c("visit_feeds").DeleteOne(ctx, bson.D{{Key: "_id", Value: d.FeedHash}}); err != nil {
			return "", fmt.Errorf("store: end old feed token: %w", err)
		}
	}
	return secret, nil
}

// FeedOwner returns the user id a feed token belongs to. Returns ErrNotFound.
func (s *Store) FeedOwner(ctx context.Context, token string) (string, error) {
	var doc struct {
		UserID string `bson:"userId"`
	}
	if err := s.r("visit_feeds").FindOne(ctx, bson.D{{Key: "_id", Value: tokenKey(token)}}).Decode(&doc); err != nil {
		return "", fmt.Errorf("store: feed token: %w", notFound(err))
	}
	return doc.UserID, nil
}
