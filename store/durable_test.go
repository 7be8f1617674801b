package store

import (
	"context"
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
