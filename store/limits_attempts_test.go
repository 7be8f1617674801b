package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"candour/store"
	"candour/store/storetest"
)

// storedBudget is key's attempt budget as the store holds it (n and
// strikes), and whether it holds one.
func storedBudget(t *testing.T, s *store.Store, key string) (n, strikes int, ok bool) {
	t.Helper()
	var d struct {
		N       int `bson:"n"`
		Strikes int `bson:"strikes"`
	}
	err := s.RawDatabase().Collection("limits").FindOne(context.Background(), bson.D{{Key: "_id", Value: key}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, 0, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return d.N, d.Strikes, true
}

// TestAttemptUnderOneSyncIsWrittenBeforeTheAnswer: on the embedded server a
// request under OneSync (the receipt's return) has its try counted at once
// and written at its wait, before it answers, on disk. A try given back
// before the wait (a right receipt) writes nothing when the store held no
// budget for the key, and deletes the budget when it did. Before 8 December
// 2026 each try was written before TakeAttempt returned, and a right
// receipt wrote twice (the budget inserted, then deleted).
func TestAttemptUnderOneSyncIsWrittenBeforeTheAnswer(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	if _, _, _, ok := s.DiskState(); !ok {
		t.Skip("no group commit: the store is not the embedded engine in process")
	}
	b := store.AttemptBudget{Free: 5, Window: 15 * time.Minute, FirstLock: 15 * time.Minute, MaxLock: 24 * time.Hour}
	var mu sync.Mutex
	var writes []string
	stop := s.TraceCommands(func(cmd, coll string) {
		if coll == "limits" && cmd != "find" {
			mu.Lock()
			writes = append(writes, cmd)
			mu.Unlock()
		}
	})
	defer stop()
	written := func() []string { mu.Lock(); defer mu.Unlock(); w := writes; writes = nil; return w }

	// A wrong try: counted, not yet written; written and on disk at the wait.
	ctx, wait := s.OneSync(context.Background())
	if a, err := s.TakeAttempt(ctx, "test:wrong", "", b); err != nil || !a.OK {
		t.Fatalf("first try: %+v, %v", a, err)
	}
	if _, _, ok := storedBudget(t, s, "test:wrong"); ok {
		t.Fatalf("the try was written before the wait: want it written with the request's other writes")
	}
	wait()
	if n, _, ok := storedBudget(t, s, "test:wrong"); !ok || n != 1 {
		t.Fatalf("after the wait: n=%d stored=%v, want the try written", n, ok)
	}
	if _, synced, committed, _ := s.DiskState(); synced != committed {
		t.Fatalf("after the wait %d of %d commits on disk", synced, committed)
	}
	if got := written(); len(got) != 1 {
		t.Fatalf("a wrong try wrote %v, want one write", got)
	}

	// A right try from a key with no budget stored: nothing written.
	ctx, wait = s.OneSync(context.Background())
	if a, err := s.TakeAttempt(ctx, "test:right", "", b); err != nil || !a.OK {
		t.Fatalf("right try: %+v, %v", a, err)
	}
	if err := s.ForgetAttempt(ctx, "test:right"); err != nil {
		t.Fatal(err)
	}
	wait()
	if got := written(); len(got) != 0 {
		t.Fatalf("a try given back wrote %v, want nothing", got)
	}
	if _, _, ok := storedBudget(t, s, "test:right"); ok {
		t.Fatalf("a budget given back is stored")
	}

	// A right try after the wrong one: the stored budget deleted, once.
	ctx, wait = s.OneSync(context.Background())
	if a, err := s.TakeAttempt(ctx, "test:wrong", "", b); err != nil || !a.OK {
		t.Fatalf("second try: %+v, %v", a, err)
	}
	if err := s.ForgetAttempt(ctx, "test:wrong"); err != nil {
		t.Fatal(err)
	}
	wait()
	if got := written(); len(got) != 1 || got[0] != "delete" {
		t.Fatalf("a try given back after a stored budget wrote %v, want one delete", got)
	}
	if _, _, ok := storedBudget(t, s, "test:wrong"); ok {
		t.Fatalf("the budget given back is still stored")
	}

	// Outside OneSync (sign-in) a try is written before TakeAttempt returns.
	if a, err := s.TakeAttempt(context.Background(), "test:now", "", b); err != nil || !a.OK {
		t.Fatalf("try outside OneSync: %+v, %v", a, err)
	}
	if n, _, ok := storedBudget(t, s, "test:now"); !ok || n != 1 {
		t.Fatalf("outside OneSync: n=%d stored=%v, want the try written at once", n, ok)
	}
}

// TestAttemptBudgetsHoldAcrossARestart: three tries, the store closed and
// opened again (a restart): two more are allowed, the second of them
// starts the lock, and the lock holds after another restart. On the
// embedded server budgets are decided in memory from what the store held
// at the key's first try in the process (limits_attempts.go).
func TestAttemptBudgetsHoldAcrossARestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := storetest.Options(t)
	open := storetest.Reopener(t, o, storetest.Sealer(t))
	var mu sync.Mutex
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	b := store.AttemptBudget{Free: 5, Window: 15 * time.Minute, FirstLock: 15 * time.Minute, MaxLock: 24 * time.Hour}
	s := open()
	s.SetClock(clock)
	for i := range 3 {
		if a, err := s.TakeAttempt(ctx, "test:restart", "", b); err != nil || !a.OK {
			t.Fatalf("try %d: %+v, %v", i+1, a, err)
		}
	}
	s = storetest.Restart(t, s, o, open)
	s.SetClock(clock)
	if a, err := s.TakeAttempt(ctx, "test:restart", "", b); err != nil || !a.OK || a.LockedNow {
		t.Fatalf("fourth try after the restart: %+v, %v; want allowed", a, err)
	}
	if a, err := s.TakeAttempt(ctx, "test:restart", "", b); err != nil || !a.OK || !a.LockedNow {
		t.Fatalf("fifth try after the restart: %+v, %v; want allowed, starting the lock", a, err)
	}
	s = storetest.Restart(t, s, o, open)
	s.SetClock(clock)
	if a, err := s.TakeAttempt(ctx, "test:restart", "", b); err != nil || a.OK || a.Wait != 15*time.Minute {
		t.Fatalf("a try after the second restart: %+v, %v; want refused for 15m", a, err)
	}
}
