package store

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestResponsesInsertedTogether: one insert of a group of responses tells
// each submission its own outcome. Of five, the second has an id already
// stored and the fifth repeats the first's: those two are duplicates (the
// submission says "already submitted"), the other three are stored, and
// the stored one is unchanged.
func TestResponsesInsertedTogether(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openEmbeddedForSync(t, nil)
	if _, err := s.c("survey_responses").InsertOne(ctx, &Response{ID: "kept", SurveyID: "sv", Version: 1, Day: "2026-12-01"}); err != nil {
		t.Fatal(err)
	}
	ids := []string{"r1", "kept", "r2", "r3", "r1"}
	group := make([]pendingResponse, len(ids))
	for i, id := range ids {
		group[i] = pendingResponse{r: &Response{ID: id, SurveyID: "sv", Version: 1, Day: "2026-12-07"}}
	}
	errs := s.insertResponses(group)
	for i, err := range errs {
		dup := i == 1 || i == 4
		switch {
		case dup && !isDuplicate(err):
			t.Errorf("response %d (%s): %v, want a duplicate key error", i, ids[i], err)
		case !dup && err != nil:
			t.Errorf("response %d (%s): %v, want it stored", i, ids[i], err)
		}
	}
	n, err := s.r("survey_responses").CountDocuments(ctx, bson.D{})
	if err != nil || n != 4 {
		t.Fatalf("%d responses stored (err %v), want 4: kept, r1, r2, r3", n, err)
	}
	var kept Response
	if err := s.r("survey_responses").FindOne(ctx, bson.D{{Key: "_id", Value: "kept"}}).Decode(&kept); err != nil || kept.Day != "2026-12-01" {
		t.Errorf("the response stored before: %+v (err %v), want it unchanged", kept, err)
	}
}
