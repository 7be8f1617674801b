package store

import (
	"context"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// openEmbeddedForSync opens a fresh embedded store (openTestStore: the group
// commit exists only there) and counts its fsyncs through hold, which runs
// before each.
func openEmbeddedForSync(t *testing.T, hold func(call int64)) (*Store, *atomic.Int64) {
	t.Helper()
	s := openTestStore(t)
	if s.w.disk == nil {
		t.Fatal("the embedded store has no group commit")
	}
	var calls atomic.Int64
	s.w.disk.sync = func(path string) error {
		n := calls.Add(1)
		if hold != nil {
			hold(n)
		}
		return fsyncFile(path)
	}
	return s, &calls
}

// TestWriteReturnsOnceOnDisk: a write through the writer returns only after
// an fsync of the WAL that began after it committed (synced catches up with
// the tickets), and the WAL is the file that is synced.
func TestWriteReturnsOnceOnDisk(t *testing.T) {
	t.Parallel()
	s, calls := openEmbeddedForSync(t, nil)
	ctx := context.Background()
	if _, err := s.c("probe").InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}, {Key: "n", Value: 0}}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		before := calls.Load()
		if _, err := s.c("probe").UpdateOne(ctx, bson.D{{Key: "_id", Value: "a"}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}}); err != nil {
			t.Fatal(err)
		}
		g := s.w.disk
		g.mu.Lock()
		synced, committed := g.synced, g.committed
		g.mu.Unlock()
		if synced != committed || committed == 0 || calls.Load() == before {
			t.Fatalf("write %d returned with %d of %d commits synced (%d fsyncs before, %d after)", i, synced, committed, before, calls.Load())
		}
	}
	if _, err := os.Stat(s.w.disk.path); err != nil {
		t.Errorf("the file synced is not the WAL: %v", err)
	}
}

// TestRefusedWriteWaitsForNoFsync: a conditional write whose condition
// does not hold (or whose document is absent) writes nothing, so it takes
// no ticket and waits for no fsync; one that writes still waits. Until
// 7 December 2026 every release of the writer lock did: a changed answer to
// a request for advice (whose first try, "not answered yet", is refused)
// waited for an fsync of nothing before its write waited for its own.
func TestRefusedWriteWaitsForNoFsync(t *testing.T) {
	t.Parallel()
	s, calls := openEmbeddedForSync(t, nil)
	ctx := context.Background()
	if _, err := s.c("probe").InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}, {Key: "n", Value: 0}}); err != nil {
		t.Fatal(err)
	}
	state := func() (uint64, int64) {
		s.w.disk.mu.Lock()
		defer s.w.disk.mu.Unlock()
		return s.w.disk.committed, calls.Load()
	}
	inc := bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}}
	for _, tc := range []struct {
		what  string
		write func() error
	}{
		{"updateIf, condition false", func() error { _, err := s.updateIf(ctx, "probe", "a", Gt("n", 5), inc); return err }},
		{"updateIf, no such document", func() error { _, err := s.updateIf(ctx, "probe", "b", Gte("n", 0), inc); return err }},
		{"deleteIf, condition false", func() error { _, err := s.deleteIf(ctx, "probe", "a", Eq("n", 7)); return err }},
		{"findAndUpdateIf, condition false", func() error {
			err := s.findAndUpdateIf(ctx, "probe", "a", Lt("n", 0), inc, true).Err()
			if err == nil {
				return errors.New("matched")
			}
			return nil
		}},
	} {
		c0, f0 := state()
		if err := tc.write(); err != nil {
			t.Fatalf("%s: %v", tc.what, err)
		}
		if c1, f1 := state(); c1 != c0 || f1 != f0 {
			t.Errorf("%s: %d tickets and %d fsyncs for a write that wrote nothing, want 0 and 0", tc.what, c1-c0, f1-f0)
		}
	}
	c0, f0 := state()
	res, err := s.updateIf(ctx, "probe", "a", Gte("n", 0), inc)
	if err != nil || res.MatchedCount != 1 {
		t.Fatalf("updateIf that holds: %v, %+v", err, res)
	}
	if c1, f1 := state(); c1 == c0 || f1 == f0 {
		t.Errorf("a write that wrote took %d tickets and %d fsyncs, want at least one of each", c1-c0, f1-f0)
	}
}

// TestWritersShareAnFsync: 20 writers at once. The first fsync after they
// start is held until all 20 have committed (each takes its ticket as it
// releases the writer lock), so it covers only the first, and the next
// covers the other 19: two fsyncs for 20 writes, none waited for under the
// lock. The 20 increments of one document are all there (no lost write).
func TestWritersShareAnFsync(t *testing.T) {
	t.Parallel()
	var s *Store
	var target atomic.Uint64 // hold the next fsync until this many commits; 0: do not
	s, calls := openEmbeddedForSync(t, func(int64) {
		want := target.Swap(0)
		if want == 0 {
			return
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			s.w.disk.mu.Lock()
			n := s.w.disk.committed
			s.w.disk.mu.Unlock()
			if n >= want || time.Now().After(deadline) {
				return
			}
			time.Sleep(time.Millisecond)
		}
	})
	ctx := context.Background()
	if _, err := s.c("probe").InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}, {Key: "n", Value: 0}}); err != nil {
		t.Fatal(err)
	}
	s.w.disk.mu.Lock()
	base := s.w.disk.committed
	s.w.disk.mu.Unlock()
	before := calls.Load()
	target.Store(base + 20)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := s.c("probe").UpdateOne(ctx, bson.D{{Key: "_id", Value: "a"}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := calls.Load() - before; got != 2 {
		t.Errorf("%d fsyncs for 20 updates at once, want 2", got)
	}
	var d struct{ N int }
	if err := s.r("probe").FindOne(ctx, bson.D{{Key: "_id", Value: "a"}}).Decode(&d); err != nil || d.N != 20 {
		t.Errorf("n = %d (%v), want 20", d.N, err)
	}
}

// TestAuditAppendWaitsForOneFsync: an audited action waits for its events'
// insert to be on disk, and not for a second fsync of the head's move (the
// head a power cut may lose is carried forward at start-up: audit.go). The
// events' commit is synced when the append returns; the head's move is the
// one commit left, synced by the next write.
func TestAuditAppendWaitsForOneFsync(t *testing.T) {
	t.Parallel()
	s, calls := openEmbeddedForSync(t, nil)
	ctx := context.Background()
	if err := s.Audit(ctx, AuditEvent{Action: AuditSignIn, Actor: "warm@example.org"}); err != nil {
		t.Fatal(err)
	}
	s.auditQ.folds.Wait()
	for i := range 3 {
		before := calls.Load()
		if err := s.Audit(ctx, AuditEvent{Action: AuditSignIn, Actor: "a@example.org"}); err != nil {
			t.Fatal(err)
		}
		g := s.w.disk
		g.mu.Lock()
		synced, committed := g.synced, g.committed
		g.mu.Unlock()
		if got := calls.Load() - before; got != 1 || committed-synced != 1 {
			t.Fatalf("append %d: %d fsyncs waited for, %d commits of %d synced; want 1 fsync and only the head's move left", i, got, synced, committed)
		}
	}
	if brk, n, err := s.VerifyAudit(ctx); err != nil || brk != nil || n != 4 {
		t.Fatalf("verify: %v, %d events, %v; want 4 unbroken", brk, n, err)
	}
}

// TestOneSyncWaitsOnceForARequestsWrites: four writes under OneSync (as an
// anonymous report's send makes) return without any fsync, and the wait
// then runs one, after which every one of them is on disk. Without
// OneSync each of the four waits for an fsync of its own (four, one after
// another, for a writer alone).
func TestOneSyncWaitsOnceForARequestsWrites(t *testing.T) {
	t.Parallel()
	s, calls := openEmbeddedForSync(t, nil)
	writes := func(ctx context.Context) {
		t.Helper()
		for i := range 4 {
			if _, err := s.c("probe").UpdateOne(ctx, bson.D{{Key: "_id", Value: "a"}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}},
				options.UpdateOne().SetUpsert(true)); err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
		}
	}
	state := func() (synced, committed uint64) {
		g := s.w.disk
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.synced, g.committed
	}
	before := calls.Load()
	writes(context.Background())
	if got := calls.Load() - before; got != 4 {
		t.Fatalf("four writes alone waited for %d fsyncs, want 4 (one each): the comparison below proves nothing", got)
	}
	ctx, wait := s.OneSync(context.Background())
	before = calls.Load()
	writes(ctx)
	if got := calls.Load() - before; got != 0 {
		t.Fatalf("four writes under OneSync waited for %d fsyncs before the request's wait, want 0", got)
	}
	if synced, committed := state(); committed-synced != 4 {
		t.Fatalf("%d of %d commits synced before the wait, want the four left", synced, committed)
	}
	wait()
	if got := calls.Load() - before; got != 1 {
		t.Errorf("the request's wait ran %d fsyncs, want 1", got)
	}
	if synced, committed := state(); synced != committed {
		t.Errorf("after the wait %d of %d commits synced, want all", synced, committed)
	}
	var d struct{ N int }
	if err := s.r("probe").FindOne(context.Background(), bson.D{{Key: "_id", Value: "a"}}).Decode(&d); err != nil || d.N != 8 {
		t.Errorf("n = %d (%v), want 8", d.N, err)
	}
	before = calls.Load()
	_, idle := s.OneSync(context.Background())
	idle() // no write: nothing to wait for
	if got := calls.Load() - before; got != 0 {
		t.Errorf("a request without writes ran %d fsyncs", got)
	}
}

// TestAuditUnderOneSyncWaitsForItsEvents: an audit append made by a request
// under OneSync (the answer to a request for advice) returns only once its
// events are on disk, as without OneSync: the append's group commit
// carries other requests' events, whose requests answer when it returns,
// so its insert must not leave the wait to one request's answer (ownSync).
// Only the head's move is left unsynced, as always (unsynced).
func TestAuditUnderOneSyncWaitsForItsEvents(t *testing.T) {
	t.Parallel()
	s, calls := openEmbeddedForSync(t, nil)
	for range 2 { // past the chain's first write
		if err := s.Audit(context.Background(), AuditEvent{Actor: "system", Action: AuditPublished, Detail: "warm"}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, wait := s.OneSync(context.Background())
	before := calls.Load()
	if err := s.Audit(ctx, AuditEvent{Actor: "system", Action: AuditPublished, Detail: "under OneSync"}); err != nil {
		t.Fatal(err)
	}
	g := s.w.disk
	g.mu.Lock()
	synced, committed := g.synced, g.committed
	g.mu.Unlock()
	if calls.Load() == before || synced < committed-1 {
		t.Errorf("Audit under OneSync returned after %d fsyncs with %d of %d commits synced, want its events' insert on disk (all but the head's move)",
			calls.Load()-before, synced, committed)
	}
	wait()
}
