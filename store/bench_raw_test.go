package store

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestRawInsertsCountsWhatItStored: the benchmark's yardstick (run in the
// server's process beside the survey submissions, and while seeding)
// reports exactly the documents it stored (not a refused one: here every
// other document repeats one id).
func TestRawInsertsCountsWhatItStored(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := context.Background()
	var made atomic.Int64
	n := s.RawInserts(ctx, "survey_responses", 8, 300*time.Millisecond, func() any {
		id := NewID()
		if made.Add(1)%2 == 0 {
			id = "the-same-id"
		}
		return &Response{ID: id, SurveyID: "bench-raw-inserts", Version: 1, Answers: Answers{"q1": {"yes"}}}
	})
	stored, err := s.c("survey_responses").CountDocuments(ctx, bson.D{{Key: "surveyId", Value: "bench-raw-inserts"}})
	if err != nil {
		t.Fatal(err)
	}
	if n < 2 || n != stored {
		t.Errorf("RawInserts reported %d inserts, %d stored", n, stored)
	}
}
