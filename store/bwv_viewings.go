package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// BWV viewing purposes: why footage was watched, as the College of
// Policing's guidance on body-worn video asks a viewing log to say.
var BWVPurposes = []string{"scrutiny", "record-check", "learning", "other"}

// BWVViewing is one viewing of body-worn video footage during a panel
// session: which footage, who watched it, when and why. The log is
// append-only: the store has no method to change or delete an entry.
type BWVViewing struct {
	ID         string    `bson:"_id"`
	VisitID    string    `bson:"visitId"`
	GroupID    string    `bson:"groupId"`
	FootageRef string    `bson:"footageRef"`
	ViewerID   string    `bson:"viewerId"`
	ViewerName string    `bson:"viewerName"`
	ViewedAt   time.Time `bson:"viewedAt"`
	Purpose    string    `bson:"purpose"`          // one of BWVPurposes
	Detail     string    `bson:"detail,omitempty"` // what "other" means, or more about the purpose
	RecordedBy string    `bson:"recordedBy"`       // the account that wrote the entry (the viewer, the chair or staff)
	RecordedAt time.Time `bson:"recordedAt"`
}

// maxBWVViewings caps what one session's log page reads; a panel watches
// tens of clips.
const maxBWVViewings = 1000

// RecordBWVViewing appends v to the log, giving it an id and the time it
// was recorded.
func (s *Store) RecordBWVViewing(ctx context.Context, v *BWVViewing) error {
	v.ID, v.RecordedAt = NewID(), s.now().UTC().Truncate(time.Millisecond)
	v.ViewedAt = v.ViewedAt.UTC().Truncate(time.Millisecond)
	if _, err := s.c("bwv_viewings").InsertOne(ctx, v); err != nil {
		return fmt.Errorf("store: record BWV viewing: %w", err)
	}
	return nil
}

// BWVViewings lists a session's viewings in the order they happened (by
// the time viewed, then as recorded), at most 1,000.
func (s *Store) BWVViewings(ctx context.Context, visitID string) ([]BWVViewing, error) {
	cur, err := s.r("bwv_viewings").Find(ctx, bson.D{{Key: "visitId", Value: visitID}},
		options.Find().SetSort(bson.D{{Key: "viewedAt", Value: 1}, {Key: "recordedAt", Value: 1}}).SetLimit(maxBWVViewings))
	if err != nil {
		return nil, fmt.Errorf("store: BWV viewings: %w", err)
	}
	vs := []BWVViewing{}
	if err := cur.All(ctx, &vs); err != nil {
		return nil, fmt.Errorf("store: BWV viewings: %w", err)
	}
	return vs, nil
}
