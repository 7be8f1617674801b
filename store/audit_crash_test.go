package store

import (
	"context"
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestAuditHeadCarriesItsEventsThroughACrash: the chain head moves in one
// write with the events it moved over. Each state a kill -9 can leave
// (head moved, no event written; events on their page but the day not
// noted; everything written but the head not cleared) is put right by the
// repair at start-up, or by the next append, and writing twice never adds
// an event twice. (Before, the head moved first and its events were written
// after: the first state was a gap that verification reported for ever.)
func TestAuditHeadCarriesItsEventsThroughACrash(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	for i := range 48 { // page 0 nearly full, so the next batch spans two pages
		if err := s.Audit(ctx, AuditEvent{Actor: "a@example.org", Action: AuditSignIn, Detail: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	batch := func(n int) []*auditReq {
		var b []*auditReq
		for i := range n {
			b = append(b, &auditReq{ev: AuditEvent{Actor: "b@example.org", Action: AuditSignInFailed, Detail: fmt.Sprint(i)}})
		}
		return b
	}
	pages := func() (n int) {
		for p := int64(0); p < 3; p++ {
			var pg auditPage
			if err := s.r(AuditCollection).FindOne(ctx, bson.D{{Key: "_id", Value: AuditPageID(p*AuditPageSize + 1)}}).Decode(&pg); err == nil {
				n += len(pg.Events)
			}
		}
		return n
	}

	// 1. Killed right after the head moved over events 49 to 53.
	next, left, err := s.moveAuditHeadOver(ctx, batch(5))
	if err != nil || left != nil || next.Seq != 53 || len(next.Pending) != 5 {
		t.Fatalf("move: head %d with %d pending, left %v, %v", next.Seq, len(next.Pending), left, err)
	}
	if brk, _, err := s.VerifyAudit(ctx); err != nil || brk == nil || brk.Seq != 49 {
		t.Fatalf("before the repair: break %+v, %v; want the gap at 49 (else this test proves nothing)", brk, err)
	}
	if n, err := s.RepairAuditChain(ctx); err != nil || n != 5 {
		t.Fatalf("repair carried %d, %v; want 5", n, err)
	}
	if brk, n, err := s.VerifyAudit(ctx); err != nil || brk != nil || n != 53 {
		t.Fatalf("after the repair: break %+v, %d verified, %v", brk, n, err)
	}
	if n, err := s.RepairAuditChain(ctx); err != nil || n != 0 {
		t.Fatalf("second repair carried %d, %v; want 0", n, err)
	}

	// 2. Killed after the events went onto their pages but before the day
	// was noted and the head cleared: the next append writes them again,
	// which adds nothing, and then appends its own.
	next, _, err = s.moveAuditHeadOver(ctx, batch(3))
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range next.Pending {
		if err := s.addToAuditPage(ctx, []AuditEvent{ev}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Audit(ctx, AuditEvent{Actor: "c@example.org", Action: AuditSignIn}); err != nil {
		t.Fatal(err)
	}
	if brk, n, err := s.VerifyAudit(ctx); err != nil || brk != nil || n != 57 {
		t.Fatalf("after the next append: break %+v, %d verified, %v", brk, n, err)
	}
	if got := pages(); got != 57 {
		t.Fatalf("pages hold %d events, want 57 (none twice)", got)
	}
	// The head keeps the last append's own event as pending (it is on its
	// page, counted above) until the next append's move replaces it: the
	// events the crash left are no longer there.
	head, err := s.auditHeadNow(ctx)
	if err != nil || head.Seq != 57 || len(head.Pending) != 1 || head.Pending[0].Seq != 57 {
		t.Fatalf("head %d with %d pending, %v; want 57 carrying only its own event", head.Seq, len(head.Pending), err)
	}
	day, err := s.auditDays(ctx)
	if err != nil || len(day) != 1 || day[0].First != 1 || day[0].Last != 57 || day[0].count() != 57 {
		t.Fatalf("days %+v, %v; want one day of events 1 to 57", day, err)
	}

	// 3. Everything written but the head not cleared: the repair writes
	// nothing twice.
	next, _, err = s.moveAuditHeadOver(ctx, batch(2))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.writeAuditEvents(ctx, next.Pending, next.PendingDays); err != nil {
		t.Fatal(err)
	}
	if n, err := s.RepairAuditChain(ctx); err != nil || n != 2 {
		t.Fatalf("repair carried %d, %v; want 2", n, err)
	}
	if got := pages(); got != 59 {
		t.Fatalf("pages hold %d events, want 59", got)
	}
	if brk, n, err := s.VerifyAudit(ctx); err != nil || brk != nil || n != 59 {
		t.Fatalf("at the end: break %+v, %d verified, %v", brk, n, err)
	}
}
