package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"candour/store"
	"candour/store/storetest"
)

// TestCheckHeadsSkipsPrunedHeads: after the audit-retention job removed
// the days older than seven years, a published head before the anchor
// (where the kept chain starts) is skipped, whatever hash it carries; a
// head at the anchor must still carry the anchor's hash; a head after it is
// checked event by event as before.
func TestCheckHeadsSkipsPrunedHeads(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	// Events 1-10 on 2 January 2017, 11-20 on 3 January 2017 (both older
	// than seven years on 1 June 2026), 21-30 today.
	days := []time.Time{time.Date(2017, 1, 2, 9, 0, 0, 0, time.UTC), time.Date(2017, 1, 3, 9, 0, 0, 0, time.UTC), now.Add(-time.Hour)}
	err := s.SeedAuditEvents(ctx, 30, func(i int) store.AuditEvent {
		return store.AuditEvent{At: days[i/10].Add(time.Duration(i) * time.Minute), Actor: "a@example.org", Action: store.AuditSignIn}
	})
	if err != nil {
		t.Fatal(err)
	}
	hashOf := func(seq int64) string {
		ev, err := s.AuditEventAt(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		return ev.Hash
	}
	before := store.PublishedHead{Day: "2017-01-02", Seq: 5, Hash: strings.Repeat("0", 64)} // not event 5's hash
	atAnchor := store.PublishedHead{Day: "2017-01-03", Seq: 20, Hash: hashOf(20)}
	after := store.PublishedHead{Day: "2026-06-01", Seq: 25, Hash: hashOf(25)}
	heads := []store.PublishedHead{after, atAnchor, before}

	// Before pruning every head is checked: the wrong hash at 5 is found.
	bad, err := s.CheckHeads(ctx, heads)
	if err != nil || len(bad) != 1 || bad[0].Head.Seq != 5 {
		t.Fatalf("before pruning: %+v, %v; want only the head at 5 reported", bad, err)
	}

	removed, anchor, err := s.PruneAudit(ctx)
	if err != nil || removed != 20 || anchor == nil || anchor.Seq != 20 {
		t.Fatalf("prune: %d removed, anchor %+v, %v; want 20 removed and the anchor at 20", removed, anchor, err)
	}
	if _, err := s.AuditEventAt(ctx, 5); err == nil {
		t.Fatal("event 5 is still stored after pruning")
	}
	bad, err = s.CheckHeads(ctx, heads)
	if err != nil || len(bad) != 0 {
		t.Fatalf("after pruning: %+v, %v; want the head before the anchor skipped and the others matching", bad, err)
	}

	// The anchor's published hash is still checked ...
	forged := atAnchor
	forged.Hash = hashOf(25)
	bad, err = s.CheckHeads(ctx, []store.PublishedHead{forged})
	if err != nil || len(bad) != 1 || !strings.Contains(bad[0].Reason, "where the kept chain starts") {
		t.Fatalf("a head at the anchor with another hash: %+v, %v", bad, err)
	}
	// ... and so is every head after it.
	wrong := after
	wrong.Hash = hashOf(24)
	bad, err = s.CheckHeads(ctx, []store.PublishedHead{wrong})
	if err != nil || len(bad) != 1 || bad[0].Head.Seq != 25 {
		t.Fatalf("a head after the anchor with another hash: %+v, %v", bad, err)
	}
}
