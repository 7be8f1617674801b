package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Training a scheme asks of its volunteers before they visit.
var TrainingKinds = []string{"custody-induction", "panel-training"}

// TrainingRecord is one piece of training a member completed, and the last
// day (a UK date) it counts for.
type TrainingRecord struct {
	Kind       string    `bson:"kind"`
	Completed  time.Time `bson:"completed"` // midnight UK time of the day
	Expires    time.Time `bson:"expires"`   // midnight UK time of the last day it counts
	RecordedBy string    `bson:"recordedBy"`
	RecordedAt time.Time `bson:"recordedAt"`
}

// Lapsed reports whether the training no longer counts at t: it counts to
// the end of its expiry day in the UK, so it lapses at the midnight that
// starts the next day (Europe/London, whatever the clocks do).
func (r TrainingRecord) Lapsed(t time.Time) bool {
	e := r.Expires.In(London)
	return !t.Before(time.Date(e.Year(), e.Month(), e.Day()+1, 0, 0, 0, 0, London))
}

// Training is one person's training records by kind; its id is the
// person's id, so eligibility reads it by _id, and recording one kind is
// one field ($set records.<kind>).
type Training struct {
	ID      string                    `bson:"_id"`
	Records map[string]TrainingRecord `bson:"records"`
}

// Valid says whether the person holds kind, not lapsed at t, and the
// record (nil if they have none).
func (t *Training) Valid(kind string, at time.Time) (bool, *TrainingRecord) {
	r, ok := t.Records[kind]
	if !ok {
		return false, nil
	}
	return !r.Lapsed(at), &r
}

// SetTraining records (or replaces) one kind of training for userID.
func (s *Store) SetTraining(ctx context.Context, userID string, r TrainingRecord) error {
	r.RecordedAt = s.now().UTC()
	_, err := s.c("training").UpdateOne(ctx, bson.D{{Key: "_id", Value: userID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "records." + r.Kind, Value: r}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("store: set training: %w", err)
	}
	return nil
}

// TrainingOf returns userID's training (none recorded: empty).
func (s *Store) TrainingOf(ctx context.Context, userID string) (*Training, error) {
	t := Training{ID: userID}
	err := s.r("training").FindOne(ctx, bson.D{{Key: "_id", Value: userID}}).Decode(&t)
	if err != nil && !errors.Is(notFound(err), ErrNotFound) {
		return nil, fmt.Errorf("store: training: %w", err)
	}
	if t.Records == nil {
		t.Records = map[string]TrainingRecord{}
	}
	return &t, nil
}

// trainingRefusal says why userID cannot go on a visit that needs kind and
// ends at end, or "" if they can.
func (s *Store) trainingRefusal(ctx context.Context, userID, kind string, end time.Time) (string, error) {
	t, err := s.TrainingOf(ctx, userID)
	if err != nil {
		return "", err
	}
	ok, r := t.Valid(kind, end)
	switch {
	case ok:
		return "", nil
	case r == nil:
		return "This visit needs training you have no record of. Contact your engagement coordinator to arrange it.", nil
	}
	return fmt.Sprintf("This visit needs training that counts only until %s for you, before the visit ends. Contact your engagement coordinator to renew it.",
		r.Expires.In(London).Format("2 January 2006")), nil
}
