package store

import (
	"context"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// A counted batch's marks go with the next batch's writes to the same
// counter (step 3 folded into the next step 1: survey_counting.go), and
// what is left goes with clearMarks: the counter is written once a batch.
// By hand: batch b1 adds 1 to n, b2 adds 2 (n = 3); after b2 only b2's
// mark is left, after clearMarks none.
func TestCountedBatchMarksGoWithTheNextBatch(t *testing.T) {
	t.Parallel()
	s := openTestAny(t)
	ctx := context.Background()
	k := pendingKey{coll: TallyCollection, id: "marks-test:1:all:all"}
	pending := func(n int64) map[pendingKey]*pendingInc {
		return map[pendingKey]*pendingInc{k: {survey: "marks-test", version: 1, dim: DimAll, value: DimAll, inc: map[string]int64{"n": n}}}
	}
	marks := func() (int64, []string) {
		t.Helper()
		var d struct {
			N       int64           `bson:"n"`
			Applied map[string]bool `bson:"applied"`
		}
		if err := s.r(TallyCollection).FindOne(ctx, bson.D{{Key: "_id", Value: k.id}}).Decode(&d); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for id := range d.Applied {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		return d.N, ids
	}
	if err := s.applyBatch(ctx, "b1", pending(1), nil, true); err != nil {
		t.Fatal(err)
	}
	if n, ids := marks(); n != 1 || !slices.Equal(ids, []string{"b1"}) {
		t.Fatalf("after b1: n %d, marks %v; want 1, [b1]", n, ids)
	}
	if err := s.applyBatch(ctx, "b2", pending(2), map[pendingKey][]string{k: {"b1"}}, true); err != nil {
		t.Fatal(err)
	}
	if n, ids := marks(); n != 3 || !slices.Equal(ids, []string{"b2"}) {
		t.Fatalf("after b2: n %d, marks %v; want 3, [b2]", n, ids)
	}
	s.clearMarks(map[pendingKey][]string{k: {"b2"}})
	if n, ids := marks(); n != 3 || len(ids) != 0 {
		t.Fatalf("after clearMarks: n %d, marks %v; want 3, none", n, ids)
	}
}
