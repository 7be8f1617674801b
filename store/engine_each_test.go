package store

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// updateEachIf writes exactly the documents that meet their own condition,
// on either engine: of four counters, "a" and "c" have no mark for the
// batch and are incremented and marked, "b" is marked already and is left
// alone, and "d" does not exist and is not made. Matched: 2. Run again, it
// matches none (every counter that exists is marked now).
func TestUpdateEachIfWritesOnlyWhatMeetsItsCondition(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	for _, d := range []bson.D{
		{{Key: "_id", Value: "a"}, {Key: "n", Value: 1}},
		{{Key: "_id", Value: "b"}, {Key: "n", Value: 10}, {Key: "applied", Value: bson.D{{Key: "batch1", Value: true}}}},
		{{Key: "_id", Value: "c"}, {Key: "n", Value: 100}},
	} {
		if _, err := s.c("each_test").InsertOne(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	ups := func() []condUpdate {
		var out []condUpdate
		for _, id := range []string{"a", "b", "c", "d"} {
			out = append(out, condUpdate{id: id, cond: Exists("applied.batch1", false), update: bson.D{
				{Key: "$inc", Value: bson.D{{Key: "n", Value: 5}}},
				{Key: "$set", Value: bson.D{{Key: "applied.batch1", Value: true}}},
			}})
		}
		return out
	}
	matched, err := s.eng.updateEachIf(ctx, "each_test", ups())
	if err != nil || matched != 2 {
		t.Fatalf("%s: matched %d (%v), want 2 (a and c)", s.eng.name(), matched, err)
	}
	// By hand: a 1 + 5 = 6, b stays 10, c 100 + 5 = 105, no d.
	want := map[string]int32{"a": 6, "b": 10, "c": 105}
	var got []struct {
		ID string `bson:"_id"`
		N  int32  `bson:"n"`
	}
	if err := s.findAll(ctx, "each_test", bson.D{}, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d documents, want 3 (no d made)", len(got))
	}
	for _, d := range got {
		if d.N != want[d.ID] {
			t.Errorf("%s: n = %d, want %d", d.ID, d.N, want[d.ID])
		}
	}
	if matched, err := s.eng.updateEachIf(ctx, "each_test", ups()); err != nil || matched != 0 {
		t.Fatalf("again: matched %d (%v), want 0", matched, err)
	}
}
