package store_test

import (
	"context"
	"testing"
	"time"

	"candour/store"
	"candour/store/storetest"
)

// Bulk-seeded events join the chain as if Audit had appended them one by
// one: the chain verifies across the seams, and the newest page reads them.
func TestSeedAuditEventsKeepsTheChain(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	if err := s.Audit(ctx, store.AuditEvent{Actor: "system", Action: store.AuditUserCreated}); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 1, 9, 0, 0, 123456789, time.UTC)
	err := s.SeedAuditEvents(ctx, 2500, func(i int) store.AuditEvent {
		return store.AuditEvent{At: start.Add(time.Duration(i) * time.Minute), Actor: "member@example.org",
			Action: store.AuditSignIn, Target: "user:1"}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Audit(ctx, store.AuditEvent{Actor: "system", Action: store.AuditSignOut}); err != nil {
		t.Fatal(err)
	}
	brk, n, err := s.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if brk != nil {
		t.Fatalf("chain breaks at %d: %s", brk.Seq, brk.Reason)
	}
	if got, want := n, int64(2502); got != want {
		t.Fatalf("verified %d events, want %d", got, want)
	}
	evs, more, err := s.ListAudit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != store.PageSize || !more {
		t.Fatalf("newest page: %d events, more=%v; want %d and more", len(evs), more, store.PageSize)
	}
	if got, want := evs[1].Seq, int64(2501); got != want {
		t.Fatalf("second newest seq=%d, want %d", got, want)
	}
	if got, want := evs[1].Day, "2026-01-03"; got != want { // i=2499: 1 January 09:00 + 41h39m
		t.Fatalf("day=%q, want %q", got, want)
	}

	if err := s.TamperAuditForTest(ctx, 1500); err != nil {
		t.Fatal(err)
	}
	if brk, _, _ := s.VerifyAudit(ctx); brk == nil || brk.Seq != 1500 {
		t.Fatalf("tampering with a seeded event: break=%v, want at 1500", brk)
	}
}
