package store

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestCountersMadeAgainKeepWhatTheyCount: publication makes each counter
// of the version, empty, in one unordered insert; making them again (a
// publication repeated after a crash) adds the counters that are missing,
// wherever they are in the list, and leaves those there as they are,
// counts and all.
func TestCountersMadeAgainKeepWhatTheyCount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTestAny(t)
	sv := &Survey{Title: "Confidence", AboutYou: true, OpenLink: true}
	if err := s.CreateSurvey(ctx, sv); err != nil {
		t.Fatal(err)
	}
	sv, err := s.ChangeSurvey(ctx, sv.ID, sv.Rev, func(sv *Survey, now time.Time) error {
		sv.Draft = []Question{{ID: "q1", Type: QAgree, Text: "The police in your area can be relied on"}}
		return sv.Publish(now)
	})
	if err != nil {
		t.Fatal(err)
	}
	keys := tallyKeys(sv, sv.Version(1))
	if len(keys) < 3 {
		t.Fatalf("%d counters, want the breakdowns' too", len(keys))
	}
	ts, err := s.Tallies(ctx, sv.ID, 1)
	if err != nil || len(ts) != len(keys) {
		t.Fatalf("%d counters after publication (%v), want %d", len(ts), err, len(keys))
	}
	for _, c := range ts {
		if c.N != 0 {
			t.Fatalf("counter %s counts %d at publication", c.ID, c.N)
		}
	}
	// The first counter counts; the second and the last are gone.
	first := tallyID(sv.ID, 1, keys[0][0], keys[0][1])
	if _, err := s.c(TallyCollection).UpdateOne(ctx, bson.D{{Key: "_id", Value: first}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 7}}}}); err != nil {
		t.Fatal(err)
	}
	for _, k := range [][2]string{keys[1], keys[len(keys)-1]} {
		if _, err := s.c(TallyCollection).DeleteOne(ctx, bson.D{{Key: "_id", Value: tallyID(sv.ID, 1, k[0], k[1])}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.ensureTallies(ctx, sv, 1); err != nil {
		t.Fatalf("counters made again: %v", err)
	}
	ts, err = s.Tallies(ctx, sv.ID, 1)
	if err != nil || len(ts) != len(keys) {
		t.Fatalf("%d counters made again (%v), want %d", len(ts), err, len(keys))
	}
	for _, c := range ts {
		want := int64(0)
		if c.ID == first {
			want = 7
		}
		if c.N != want {
			t.Errorf("counter %s counts %d after being made again, want %d", c.ID, c.N, want)
		}
	}
}
