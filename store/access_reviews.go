package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Audit actions of the CCU's access review.
const (
	AuditAccessReviewed = "access-review-signed-off"
	AuditAccessExported = "access-review-exported"
)

// AccessReview is a CCU supervisor's sign-off of one month's accesses to
// referrals and reports. The sign-off is also an audit event in the chain;
// this document lets the review page say at once whether a month is done.
type AccessReview struct {
	Month  string    `bson:"_id"` // YYYY-MM
	ByID   string    `bson:"byId"`
	ByName string    `bson:"byName"`
	At     time.Time `bson:"at"`
	Note   string    `bson:"note,omitempty"`
}

// SignOffAccessReview records a month's sign-off. Returns ErrConflict if
// the month is already signed off (the first sign-off stands).
func (s *Store) SignOffAccessReview(ctx context.Context, r AccessReview) error {
	r.At = s.now().UTC().Truncate(time.Millisecond)
	if _, err := s.c("access_reviews").InsertOne(ctx, r); err != nil {
		if isDuplicate(err) {
			return fmt.Errorf("store: sign off %s: %w", r.Month, ErrConflict)
		}
		return fmt.Errorf("store: sign off %s: %w", r.Month, err)
	}
	return nil
}

// AccessReviewFor returns a month's sign-off. Returns ErrNotFound if the
// month has not been signed off.
func (s *Store) AccessReviewFor(ctx context.Context, month string) (*AccessReview, error) {
	var r AccessReview
	if err := s.c("access_reviews").FindOne(ctx, bson.D{{Key: "_id", Value: month}}).Decode(&r); err != nil {
		return nil, fmt.Errorf("store: access review %s: %w", month, notFound(err))
	}
	return &r, nil
}
