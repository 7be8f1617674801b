package store_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"candour/store"
	"candour/store/storetest"
)

// TestRepairCountsWhatACrashLeft: responses stored but left uncounted by
// a crash (before counting, or part-way through the counters) are counted
// by RepairCounts exactly once: the results equal a recount of the stored
// responses, running it again changes nothing, two repairs at once do
// not count twice, and a batch another instance is still counting (its
// lease live) is left to it until the lease ends.
func TestRepairCountsWhatACrashLeft(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.Open(t)
	var mu sync.Mutex
	now := time.Now()
	db.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	sv := publishedSurvey(t, db)
	responses := func(prefix string, n int) []*store.Response {
		var rs []*store.Response
		for i := range n {
			a := store.Answers{"q1": {[]string{"o1", "o2"}[i%2]}, "q3": {[]string{"sa", "a", "d"}[i%3]}, "q5": {"words " + prefix}}
			if i%2 == 0 {
				a["ay_eth"] = []string{"black_african"}
			}
			rs = append(rs, &store.Response{ID: fmt.Sprintf("%s-%d", prefix, i), SurveyID: sv.ID, Version: 1, Answers: a})
		}
		return rs
	}
	// Some counted the ordinary way first.
	for _, r := range responses("ok", 4) {
		if err := db.SubmitResponse(ctx, sv.Current(), r, ""); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string, want int64) {
		t.Helper()
		stored, err := db.Tallies(ctx, sv.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		recount, err := db.Recount(ctx, sv, 1)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := tallyMap(stored), tallyMap(recount); !reflect.DeepEqual(a, b) {
			t.Fatalf("%s: counters differ from the recount:\n%v\n%v", when, a, b)
		}
		if n := tallyMap(stored)["all"].N; n != want {
			t.Fatalf("%s: %d counted, want %d", when, n, want)
		}
	}
	check("before the crash", 4)

	if err := db.CrashBeforeCountingForTest(ctx, sv, responses("a", 3), "batch-a", true, false); err != nil {
		t.Fatal(err)
	}
	if err := db.CrashBeforeCountingForTest(ctx, sv, responses("b", 5), "batch-b", true, true); err != nil {
		t.Fatal(err)
	}
	if err := db.CrashBeforeCountingForTest(ctx, sv, responses("c", 2), "batch-c", false, false); err != nil {
		t.Fatal(err)
	}
	// Two repairs at once (two instances starting together).
	var wg sync.WaitGroup
	counted := make([]int, 2)
	waits := make([]time.Duration, 2)
	for i := range 2 {
		wg.Go(func() {
			n, wait, err := db.RepairCounts(ctx)
			if err != nil {
				t.Error(err)
			}
			counted[i], waits[i] = n, wait
		})
	}
	wg.Wait()
	if counted[0]+counted[1] != 8 {
		t.Fatalf("the two repairs counted %v, want 8 between them (3 + 5)", counted)
	}
	if waits[0] <= 0 && waits[1] <= 0 {
		t.Fatal("no repair said to come back for the batch still leased")
	}
	// Batch c's lease is live: not counted yet, so the counters are short by 2.
	stored, _ := db.Tallies(ctx, sv.ID, 1)
	if n := tallyMap(stored)["all"].N; n != 12 {
		t.Fatalf("after the first repair: %d counted, want 12 (batch c still leased)", n)
	}
	mu.Lock()
	now = now.Add(16 * time.Second)
	mu.Unlock()
	if n, wait, err := db.RepairCounts(ctx); err != nil || n != 2 || wait != 0 {
		t.Fatalf("after the lease: counted %d (wait %v, err %v), want 2", n, wait, err)
	}
	check("after the repair", 14)
	if n, _, err := db.RepairCounts(ctx); err != nil || n != 0 {
		t.Fatalf("a second repair counted %d (err %v), want 0", n, err)
	}
	check("after a second repair", 14)
	texts, err := db.SurveyTexts(ctx, sv.ID, "q5", false)
	if err != nil || len(texts) != 14 {
		t.Fatalf("%d free-text answers kept (err %v), want 14", len(texts), err)
	}
}

// TestCountingRunOutOfTime: under load the writer queue can be so long
// that counting a batch runs out of its time (here forced: a counting
// time of 1 ns). The responses are stored by then, so the submission
// succeeds (it used to fail with "finish counting batch: context deadline
// exceeded", a 500 for every respondent in the batch), nothing is counted
// while the batch's lease is live, and the store counts the batch itself
// once the lease ends (its clock moved on here), exactly once: the
// counters then equal a recount, and no batch is left to repair.
func TestCountingRunOutOfTime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.Open(t)
	var mu sync.Mutex
	now := time.Now()
	db.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	sv := publishedSurvey(t, db)
	db.SetCountTimeoutForTest(time.Nanosecond)
	for i, a := range []store.Answers{
		{"q1": {"o1"}, "q3": {"a"}, "ay_eth": {"black_african"}},
		{"q1": {"o2"}, "q3": {"sa"}},
	} {
		r := &store.Response{ID: fmt.Sprintf("late-%d", i), SurveyID: sv.ID, Version: 1, Answers: a}
		if err := db.SubmitResponse(ctx, sv.Current(), r, ""); err != nil {
			t.Fatalf("submission %d: %v; want it accepted (the response is stored)", i, err)
		}
	}
	if rs, err := db.Responses(ctx, sv.ID); err != nil || len(rs) != 2 {
		t.Fatalf("%d responses stored (err %v), want 2", len(rs), err)
	}
	counted := func() int64 {
		t.Helper()
		stored, err := db.Tallies(ctx, sv.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		return tallyMap(stored)["all"].N
	}
	if n := counted(); n != 0 {
		t.Fatalf("%d counted while the batches' leases are live, want 0 (the counting ran out of time)", n)
	}
	db.SetCountTimeoutForTest(0)
	mu.Lock()
	now = now.Add(16 * time.Second) // batchLease is 15 s
	mu.Unlock()
	// The store's own recount looks at its clock each second; wait until
	// it is done (the counters equal a recount of the two responses). The
	// clock goes on moving, a second every tenth of a second, as a real one
	// would: a recount that found the store busy waits a lease of the
	// store's clock before it tries again.
	a, b := countedAfterLease(t, ctx, db, sv, func() { mu.Lock(); now = now.Add(time.Second); mu.Unlock() }, 2)
	if !reflect.DeepEqual(a, b) || a["all"].N != 2 {
		t.Fatalf("after the lease: counters %v, recount %v; want both to count 2", a, b)
	}
	// The counters move before the batch's document goes (applyBatch): a
	// repair may still be finishing, under its lease (as in
	// TestUnansweredInsertIsCounted). Nothing is left to count, and the
	// document goes.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		n, wait, err := db.RepairCounts(ctx)
		if err != nil || n != 0 {
			t.Fatalf("a repair afterwards counted %d (wait %v, err %v), want nothing left", n, wait, err)
		}
		if wait == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a repair afterwards: a batch still waits to be counted (%v), want nothing left", wait)
		}
	}
}

// TestUnansweredInsertIsCounted: under load an insert of responses can
// store them and still not answer in time (here forced). Its submission
// is told the store was busy, but its response is stored, naming its
// batch, and another submission then joins that batch and is counted. The
// batch must not be counted from the second submission's increments alone
// (that deleted its document, which marks every response naming it
// counted: the first was then never counted, and the counters differed
// from a recount for good, as TestTwoHundredConcurrentRespondents saw
// under load). It is counted from the responses that name it once its
// lease ends, both of them, exactly once.
func TestUnansweredInsertIsCounted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.Open(t)
	var mu sync.Mutex
	now := time.Now()
	db.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	sv := publishedSurvey(t, db)
	db.AnswerStoredInsertsForTest(context.DeadlineExceeded)
	first := &store.Response{ID: "unanswered", SurveyID: sv.ID, Version: 1, Answers: store.Answers{"q1": {"o1"}, "q3": {"a"}}}
	if err := db.SubmitResponse(ctx, sv.Current(), first, ""); !store.IsBusy(err) {
		t.Fatalf("the submission whose insert did not answer: %v, want the store busy", err)
	}
	db.AnswerStoredInsertsForTest(nil)
	second := &store.Response{ID: "answered", SurveyID: sv.ID, Version: 1, Answers: store.Answers{"q1": {"o2"}, "q3": {"sa"}}}
	if err := db.SubmitResponse(ctx, sv.Current(), second, ""); err != nil {
		t.Fatalf("the next submission: %v", err)
	}
	if rs, err := db.Responses(ctx, sv.ID); err != nil || len(rs) != 2 {
		t.Fatalf("%d responses stored (err %v), want 2", len(rs), err)
	}
	mu.Lock()
	now = now.Add(16 * time.Second) // batchLease is 15 s
	mu.Unlock()
	// As in TestCountingRunOutOfTime: the store counts the batch itself
	// once its lease ends. Both responses are stored, so the recount is
	// made once.
	a, b := countedAfterLease(t, ctx, db, sv, func() { mu.Lock(); now = now.Add(time.Second); mu.Unlock() }, 2)
	if !reflect.DeepEqual(a, b) || a["all"].N != 2 {
		t.Fatalf("after the lease: counters %v, recount %v; want both to count 2", a, b)
	}
	// The counters move before the batch's document goes (applyBatch): a
	// repair may still be finishing, under its lease. Nothing is left to
	// count, and the document goes.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		n, wait, err := db.RepairCounts(ctx)
		if err != nil || n != 0 {
			t.Fatalf("a repair afterwards counted %d (err %v), want nothing left", n, err)
		}
		if wait == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a batch still waits to be counted (%v), want none left", wait)
		}
	}
}
