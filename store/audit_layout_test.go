package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestAuditOldLayoutKeepsWorking: a store written before events had a
// document each (every event on a page of AuditCollection; the head
// carrying a crash's last events as pending, and, as before it held its
// day's range, no bucketFirst) is read as it is, put right by the repair
// at start-up with no command, and appended to in the new layout; the
// chain verifies throughout and the days keep their ranges.
func TestAuditOldLayoutKeepsWorking(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := context.Background()
	db := s.RawDatabase()

	// The old layout, written as the old code left it: events 1 to 30 on
	// 1 March, 31 to 73 on 2 March; 1 to 70 on pages 0 (1–50) and 1
	// (51–70); 71 to 73 still pending in the head (a kill -9 after the head
	// moved). audit_days has 1 March whole and 2 March up to 70 (every
	// append noted its day then).
	day1 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	var evs []AuditEvent
	prev := ""
	for seq := int64(1); seq <= 73; seq++ {
		at := day1.Add(time.Duration(seq) * time.Minute)
		if seq > 30 {
			at = at.Add(24 * time.Hour)
		}
		ev := AuditEvent{At: at, Actor: "old@example.org", Action: AuditSignIn, Detail: fmt.Sprint(seq)}
		ev.seal(seq, prev)
		prev = ev.Hash
		evs = append(evs, ev)
	}
	pages := []auditPage{{ID: AuditPageID(1), Events: evs[:50], Last: 50}, {ID: AuditPageID(51), Events: evs[50:70], Last: 70}}
	for _, pg := range pages {
		if _, err := db.Collection(AuditCollection).InsertOne(ctx, pg); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []auditDay{{Day: "2026-03-01", First: 1, Last: 30}, {Day: "2026-03-02", First: 31, Last: 70}} {
		if _, err := db.Collection("audit_days").InsertOne(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	oldHead := auditHead{ID: "audit", Seq: 73, Hash: evs[72].Hash, Bucket: "2026-03-02",
		Pending: evs[70:73], PendingDays: []string{"2026-03-02", "2026-03-02", "2026-03-02"}}
	if _, err := db.Collection("counters").InsertOne(ctx, oldHead); err != nil {
		t.Fatal(err)
	}
	s.ForgetCopies()
	if brk, _, err := s.VerifyAudit(ctx); err != nil || brk == nil || brk.Seq != 71 {
		t.Fatalf("before the repair: break %+v, %v; want events 71 on missing (else this test proves nothing)", brk, err)
	}

	// Start-up.
	if n, err := s.RepairAuditChain(ctx); err != nil || n != 3 {
		t.Fatalf("repair carried %d, %v; want the 3 pending", n, err)
	}
	if brk, n, err := s.VerifyAudit(ctx); err != nil || brk != nil || n != 73 {
		t.Fatalf("after the repair: break %+v, %d verified, %v", brk, n, err)
	}

	// 100 appends on 3 March: 74 to 173, each a document of its own; the
	// first closes 2 March, whose first event (31) the head did not hold.
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	for i := range 100 {
		if err := s.Audit(ctx, AuditEvent{Actor: "new@example.org", Action: AuditSignOut, Detail: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.FoldAuditForTest(ctx); err != nil {
		t.Fatal(err)
	}
	if brk, n, err := s.VerifyAudit(ctx); err != nil || brk != nil || n != 173 {
		t.Fatalf("after the appends: break %+v, %d verified, %v", brk, n, err)
	}
	if got := storedEvents(t, s); got != 173 {
		t.Fatalf("%d events stored, want 173 (none twice)", got)
	}
	var pg1 auditPage
	if err := s.r(AuditCollection).FindOne(ctx, bson.D{{Key: "_id", Value: AuditPageID(51)}}).Decode(&pg1); err != nil || len(pg1.Events) != 50 || pg1.Last != 100 {
		t.Fatalf("page 1: %d events, last %d, %v; want 51 to 100, old and new together", len(pg1.Events), pg1.Last, err)
	}
	days, err := s.auditDays(ctx)
	want := []auditDay{{Day: "2026-03-03", First: 74, Last: 173}, {Day: "2026-03-02", First: 31, Last: 73}, {Day: "2026-03-01", First: 1, Last: 30}}
	if err != nil || len(days) != 3 || days[0] != want[0] || days[1] != want[1] || days[2] != want[2] {
		t.Fatalf("days %+v, %v; want %+v", days, err, want)
	}
	// The old events read as before: 2 March's, newest first.
	got, more, err := s.ListAudit(ctx, AuditFilter{Day: "2026-03-02", Action: AuditSignIn})
	if err != nil || len(got) != 43 || more || got[0].Seq != 73 || got[42].Seq != 31 {
		t.Fatalf("2 March: %d events (more %v), %v; want 73 down to 31, 43 in all", len(got), more, err)
	}
	if head, err := s.auditHeadNow(ctx); err != nil || len(head.Pending) != 0 || head.BucketFirst != 74 {
		t.Fatalf("head %+v, %v; want no pending and 3 March from 74", head, err)
	}
}

// TestPruneAuditRemovesUnfoldedEvents: events appended one document each
// and not yet folded onto a page are removed by the retention prune as
// their days go, and the chain verifies from the anchor after.
func TestPruneAuditRemovesUnfoldedEvents(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := context.Background()
	now := time.Date(2017, 1, 2, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	appendN := func(n int) {
		t.Helper()
		for range n {
			if err := s.Audit(ctx, AuditEvent{Actor: "a@example.org", Action: AuditSignIn}); err != nil {
				t.Fatal(err)
			}
		}
	}
	appendN(10) // 1 to 10 on 2 January 2017, more than seven years before
	now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	appendN(5) // 11 to 15 today
	if tail, err := s.auditTail(ctx, 1, 15); err != nil || len(tail) != 15 {
		t.Fatalf("%d unfolded, %v; want all 15 (else this test proves nothing)", len(tail), err)
	}
	removed, anchor, err := s.PruneAudit(ctx)
	if err != nil || removed != 10 || anchor == nil || anchor.Seq != 10 {
		t.Fatalf("pruned %d, anchor %+v, %v; want 10 and the anchor at 10", removed, anchor, err)
	}
	if tail, err := s.auditTail(ctx, 1, 15); err != nil || len(tail) != 5 || tail[0].Seq != 11 {
		t.Fatalf("%d unfolded left, %v; want 11 to 15", len(tail), err)
	}
	if brk, n, err := s.VerifyAudit(ctx); err != nil || brk != nil || n != 15 {
		t.Fatalf("after the prune: break %+v, %d, %v", brk, n, err)
	}
}
