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

// auditPagesAgree fails unless the audit pages that ListAudit serves (on
// the embedded engine the unfolded events come from the store's copy in
// memory, store/audit_tail.go) are the same events as a read of what is
// stored (ListAuditStoredForTest: the find on audit_events that
// MONGODB_URI keeps), for the newest page, the second page and the newest
// day filtered by action. It returns the newest page.
func auditPagesAgree(t *testing.T, s *store.Store, what string) []store.AuditEvent {
	t.Helper()
	ctx := context.Background()
	var newest []store.AuditEvent
	for _, f := range []store.AuditFilter{{}, {Page: 2}, {Action: store.AuditSignIn}, {Action: store.AuditAuditViewed}} {
		got, gotMore, err := s.ListAudit(ctx, f)
		if err != nil {
			t.Fatalf("%s: %+v: %v", what, f, err)
		}
		want, wantMore, err := s.ListAuditStoredForTest(ctx, f)
		if err != nil {
			t.Fatalf("%s: %+v stored: %v", what, f, err)
		}
		if gotMore != wantMore || !reflect.DeepEqual(utcEvents(got), utcEvents(want)) {
			t.Fatalf("%s: %+v: the page from memory differs from the stored read:\n got %d events (more %v) %s\nwant %d events (more %v) %s",
				what, f, len(got), gotMore, seqs(got), len(want), wantMore, seqs(want))
		}
		if f == (store.AuditFilter{}) {
			newest = got
		}
	}
	return newest
}

func utcEvents(evs []store.AuditEvent) []store.AuditEvent {
	out := make([]store.AuditEvent, len(evs))
	for i, ev := range evs {
		ev.At = ev.At.UTC()
		out[i] = ev
	}
	return out
}

func seqs(evs []store.AuditEvent) string {
	var b []int64
	for _, ev := range evs {
		b = append(b, ev.Seq)
	}
	return fmt.Sprint(b)
}

// auditFinds counts the finds on the unfolded events (audit_events) that f
// sends.
func auditFinds(s *store.Store, f func()) int {
	var mu sync.Mutex
	n := 0
	stop := s.TraceCommands(func(cmd, coll string) {
		if cmd == "find" && coll == store.AuditEventsCollection {
			mu.Lock()
			n++
			mu.Unlock()
		}
	})
	f()
	stop()
	return n
}

// TestAuditPageFromMemory: the newest audit page served from the copy of
// the unfolded events in memory equals the stored read after concurrent
// appends (run with -race; 130 of them, so background folds run among
// them: a fold starts at 2 × 50 unfolded events), after a fold of every
// event, after more appends, and after a restart; on the embedded engine a
// warm newest page sends no find on audit_events.
func TestAuditPageFromMemory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := storetest.Options(t)
	open := storetest.Reopener(t, o, storetest.Sealer(t))
	s := open()
	embedded := s.Embedded()
	closed := false
	t.Cleanup(func() {
		if !closed {
			if o.URI != "" {
				_ = s.DropDatabase(ctx)
			}
			_ = s.Close(ctx)
		}
	})
	appendN := func(n int, action string) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				errs <- s.Audit(ctx, store.AuditEvent{Actor: fmt.Sprintf("a%d@example.org", i%7), Action: action, Detail: fmt.Sprint(i)})
			})
			if i%10 == 0 {
				// Readers among the writers.
				wg.Go(func() {
					if _, _, err := s.ListAudit(ctx, store.AuditFilter{}); err != nil {
						errs <- err
					}
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	appendN(130, store.AuditSignIn)
	appendN(20, store.AuditAuditViewed)
	newest := auditPagesAgree(t, s, "after 150 concurrent appends")
	// By hand: 150 events, so the newest page is 150 down to 101.
	if len(newest) != store.PageSize || newest[0].Seq != 150 || newest[len(newest)-1].Seq != 101 {
		t.Fatalf("newest page %s, want 150 down to 101", seqs(newest))
	}
	if n := auditFinds(s, func() { auditPagesAgree(t, s, "traced") }); embedded && n != 4 {
		// Only the four stored reads find; the four from memory do not.
		t.Fatalf("%d finds on audit_events for four pages from memory and four stored, want 4", n)
	}

	if err := s.FoldAuditForTest(ctx); err != nil {
		t.Fatal(err)
	}
	auditPagesAgree(t, s, "after a fold of every event")
	appendN(7, store.AuditSignIn)
	newest = auditPagesAgree(t, s, "after 7 appends past the fold")
	if newest[0].Seq != 157 {
		t.Fatalf("newest event %d, want 157", newest[0].Seq)
	}

	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	closed = true
	s = open()
	closed = false
	newest = auditPagesAgree(t, s, "after a restart")
	if newest[0].Seq != 157 {
		t.Fatalf("newest event after a restart %d, want 157", newest[0].Seq)
	}
	if n := auditFinds(s, func() { s.ListAudit(ctx, store.AuditFilter{}) }); embedded && n != 0 {
		t.Fatalf("%d finds on audit_events for the newest page after a restart, want 0", n)
	}
	appendN(3, store.AuditAuditViewed)
	auditPagesAgree(t, s, "after appends after a restart")
	if _, err := s.RepairAuditChain(ctx); err != nil { // as at start-up
		t.Fatal(err)
	}
	auditPagesAgree(t, s, "after the start-up repair")
	if brk, n, err := s.VerifyAudit(ctx); err != nil || brk != nil || n != 160 {
		t.Fatalf("verify: %+v, %d, %v; want 160 on one chain", brk, n, err)
	}
}

// TestAuditPageFromMemoryAfterPrune: events older than the retention
// period are removed while still unfolded (in audit_events and so in the
// copy in memory); the newest page must not show them afterwards.
// By hand: 30 events eight years ago (seq 1–30, one day), then 3 today
// (31–33): the prune removes the old day's 30, and the newest page is
// 33, 32, 31.
func TestAuditPageFromMemoryAfterPrune(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.Open(t)
	now := time.Now()
	s.SetClock(func() time.Time { return now.AddDate(-8, 0, 0) })
	for i := range 30 {
		if err := s.Audit(ctx, store.AuditEvent{Actor: "old@example.org", Action: store.AuditSignIn, Detail: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	auditPagesAgree(t, s, "before the prune") // loads the copy
	s.SetClock(func() time.Time { return now })
	for range 3 {
		if err := s.Audit(ctx, store.AuditEvent{Actor: "new@example.org", Action: store.AuditSignIn}); err != nil {
			t.Fatal(err)
		}
	}
	removed, anchor, err := s.PruneAudit(ctx)
	if err != nil || removed != 30 || anchor == nil || anchor.Seq != 30 {
		t.Fatalf("prune: %d removed, anchor %+v, %v; want 30 up to 30", removed, anchor, err)
	}
	newest := auditPagesAgree(t, s, "after the prune")
	if seqs(newest) != "[33 32 31]" {
		t.Fatalf("newest page after the prune %s, want [33 32 31]", seqs(newest))
	}
}
