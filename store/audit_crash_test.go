package store

import (
	"context"
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// insertOnly does the first half of an append and stops, as a kill -9
// between the events' insert and the head's move would leave it: n events
// sealed after the head and inserted, the head not moved. With keep < n
// only the first keep are inserted (an ordered insert stopped part way).
func insertOnly(t *testing.T, s *Store, n, keep int) []AuditEvent {
	t.Helper()
	ctx := context.Background()
	head, err := s.auditHeadNow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	evs := make([]AuditEvent, n)
	prev := head.Hash
	var docs []any
	for i := range evs {
		evs[i] = AuditEvent{Actor: "b@example.org", Action: AuditSignInFailed, Detail: fmt.Sprint(i), At: s.now()}
		evs[i].seal(head.Seq+int64(i)+1, prev)
		prev = evs[i].Hash
		if i < keep {
			docs = append(docs, evs[i])
		}
	}
	if _, err := s.c(AuditEventsCollection).InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	return evs
}

// storedEvents counts the events stored, on pages and unfolded, each time
// it is stored (an event stored twice counts twice).
func storedEvents(t *testing.T, s *Store) (n int64) {
	t.Helper()
	ctx := context.Background()
	cur, err := s.r(AuditCollection).Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var pages []auditPage
	if err := cur.All(ctx, &pages); err != nil {
		t.Fatal(err)
	}
	for _, pg := range pages {
		n += int64(len(pg.Events))
	}
	loose, err := s.r(AuditEventsCollection).CountDocuments(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	return n + loose
}

// TestAuditHeadCarriesItsEventsThroughACrash: an append inserts its events
// (one document each) and then moves the chain head over them. Each state a
// kill -9 can leave (events inserted, the head not moved; an ordered insert
// stopped part way) is put right by the repair at start-up, or by the next
// append, with no event lost and none written twice; the chain verifies
// without anyone doing anything. (Before issue 18's redesign the head
// carried its events and rewrote the newest page on every append.)
func TestAuditHeadCarriesItsEventsThroughACrash(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := context.Background()
	for i := range 48 { // page 0 nearly full, so the next batch spans two pages
		if err := s.Audit(ctx, AuditEvent{Actor: "a@example.org", Action: AuditSignIn, Detail: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}

	// 1. Killed right after events 49 to 53 were inserted: the head is
	// still at 48, which verifies (the events are not on the chain yet).
	insertOnly(t, s, 5, 5)
	if brk, n, err := s.VerifyAudit(ctx); err != nil || brk != nil || n != 48 {
		t.Fatalf("before the repair: break %+v, %d verified, %v; want 48 intact", brk, n, err)
	}
	if head, _ := s.AuditHead(ctx); head != 48 {
		t.Fatalf("head %d before the repair, want 48 (else this test proves nothing)", head)
	}
	s.ForgetCopies() // as after a restart
	if n, err := s.RepairAuditChain(ctx); err != nil || n != 5 {
		t.Fatalf("repair carried %d, %v; want 5", n, err)
	}
	if brk, n, err := s.VerifyAudit(ctx); err != nil || brk != nil || n != 53 {
		t.Fatalf("after the repair: break %+v, %d verified, %v", brk, n, err)
	}
	if n, err := s.RepairAuditChain(ctx); err != nil || n != 0 {
		t.Fatalf("second repair carried %d, %v; want 0", n, err)
	}

	// 2. Killed part way through an ordered insert (2 of 3 stored), and no
	// restart: the next append meets event 54 as a duplicate, carries the
	// head over 54 and 55, and appends its own as 56.
	insertOnly(t, s, 3, 2)
	if err := s.Audit(ctx, AuditEvent{Actor: "c@example.org", Action: AuditSignIn}); err != nil {
		t.Fatal(err)
	}
	if brk, n, err := s.VerifyAudit(ctx); err != nil || brk != nil || n != 56 {
		t.Fatalf("after the next append: break %+v, %d verified, %v", brk, n, err)
	}
	if ev, err := s.AuditEventAt(ctx, 56); err != nil || ev.Actor != "c@example.org" {
		t.Fatalf("event 56: %+v, %v; want c's", ev, err)
	}
	if got := storedEvents(t, s); got != 56 {
		t.Fatalf("%d events stored, want 56 (none twice)", got)
	}
	day, err := s.auditDays(ctx)
	if err != nil || len(day) != 1 || day[0].First != 1 || day[0].Last != 56 || day[0].count() != 56 {
		t.Fatalf("days %+v, %v; want one day of events 1 to 56", day, err)
	}

	// 3. Killed between a fold's page and its delete: the events are on
	// the page and still unfolded; reads take each once, and the next fold
	// deletes the copies.
	// (The repair in 1 folded page 0, as start-up does.)
	var pg auditPage
	if err := s.r(AuditCollection).FindOne(ctx, bson.D{{Key: "_id", Value: AuditPageID(1)}}).Decode(&pg); err != nil || len(pg.Events) != 50 {
		t.Fatalf("page 0: %d events, %v; want 50 (folded at start-up)", len(pg.Events), err)
	}
	var docs []any
	for _, ev := range pg.Events {
		docs = append(docs, ev)
	}
	if _, err := s.c(AuditEventsCollection).InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	if got := storedEvents(t, s); got != 106 {
		t.Fatalf("%d events stored, want 106 (1 to 50 twice; else this test proves nothing)", got)
	}
	if brk, n, err := s.VerifyAudit(ctx); err != nil || brk != nil || n != 56 {
		t.Fatalf("page and unfolded both: break %+v, %d verified, %v", brk, n, err)
	}
	if err := s.foldAudit(ctx, 56, true); err != nil {
		t.Fatal(err)
	}
	if got := storedEvents(t, s); got != 56 {
		t.Fatalf("after the fold %d events stored, want 56", got)
	}
	if left, err := s.auditTail(ctx, 1, 50); err != nil || len(left) != 0 {
		t.Fatalf("events 1 to 50 still unfolded: %d, %v", len(left), err)
	}
	if brk, n, err := s.VerifyAudit(ctx); err != nil || brk != nil || n != 56 {
		t.Fatalf("at the end: break %+v, %d verified, %v", brk, n, err)
	}
}
