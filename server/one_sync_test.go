package server

import (
	"net/http"
	"net/url"
	"testing"
)

// TestAnonymousAnswersWaitForTheDiskOnce: the anonymous report's send (four
// writes) and the receipt's return (four writes) each wait for one fsync,
// and only answer once every write is on disk (store.OneSync through
// oneSync). Without oneSync each write waits for its own: four fsyncs one
// after another for a client alone. Since 8 December 2026 a right receipt
// writes once (the visit's nonce): its try is counted in memory and given
// back before anything of it is written (store/limits_attempts.go). (A
// wrong one writes its try at the request's wait:
// store.TestAttemptUnderOneSyncIsWrittenBeforeTheAnswer.)
func TestAnonymousAnswersWaitForTheDiskOnce(t *testing.T) {
	a := newTestAppWith(t, Options{SignInsPerMinute: 1000, SurveyPostsPerMinute: 100000, ReportsPerHour: 1000})
	if _, _, _, ok := a.store.DiskState(); !ok {
		t.Skip("no group commit: the store is not the embedded engine in process")
	}
	check := func(what string, req func() response, want int, least uint64) {
		t.Helper()
		f0, _, c0, _ := a.store.DiskState()
		r := req()
		if r.Status != want {
			t.Fatalf("%s: %d, want %d\n%s", what, r.Status, want, r.Body)
		}
		f1, synced, c1, _ := a.store.DiskState()
		if c1-c0 < least {
			t.Fatalf("%s: %d commits, want the request's writes (%d or more): the check proves nothing", what, c1-c0, least)
		}
		if synced != c1 {
			t.Errorf("%s answered with %d of %d commits on disk", what, synced, c1)
		}
		if f1-f0 != 1 {
			t.Errorf("%s: %d fsyncs for %d commits, want 1", what, f1-f0, c1-c0)
		}
	}
	c := a.client()
	receipt := submitReport(t, c, publicAnswers("A"))
	mustFill(t, c, "/report/new", publicAnswers("B"))
	tok := c.csrf("/report/new/immediate-danger")
	check("POST /report/new/check-answers", func() response {
		return c.post("/report/new/check-answers", url.Values{"csrf_token": {tok}})
	}, http.StatusOK, 3)

	back := a.client()
	tok = back.csrf("/report/return")
	back.post("/report/return", url.Values{"csrf_token": {tok}, "receipt": {receipt}}) // the portal has counted receipts before
	check("POST /report/return", func() response {
		return back.post("/report/return", url.Values{"csrf_token": {tok}, "receipt": {receipt}})
	}, http.StatusSeeOther, 1)
}

// TestVisitSignUpWaitsForTheDiskOnce: a sign-up's own writes are on disk
// when the redirect leaves, after one fsync. Since 7 December 2026 the seat
// on the visit is its one write: the booking in the member's diary is
// written after the answer (store/visit_diary_later.go), held back here so
// that the commits counted are the request's own. Before, the booking was
// the request's second write and shared the seat's fsync (oneSync); before
// that each waited for its own, and between the two the request queued
// again for the writer (the sign-up row at 50 members).
func TestVisitSignUpWaitsForTheDiskOnce(t *testing.T) {
	w := newVisitWorld(t)
	if _, _, _, ok := w.a.store.DiskState(); !ok {
		t.Skip("no group commit: the store is not the embedded engine in process")
	}
	id := w.createVisit(w.as(w.chair), visitFormAt(w.panel.ID, tomorrow10(w.a), "3"))
	m1 := w.as(w.m1)
	tok := m1.csrf("/visits/" + id)
	release := w.a.store.HoldDiaryWritesForTest()
	defer release()
	f0, _, c0, _ := w.a.store.DiskState()
	r := m1.post("/visits/"+id+"/sign-up", url.Values{"csrf_token": {tok}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("sign-up: %d\n%s", r.Status, r.Body)
	}
	f1, synced, c1, _ := w.a.store.DiskState()
	if c1-c0 < 1 {
		t.Fatalf("sign-up: %d commits, want the seat's (1 or more): the check proves nothing", c1-c0)
	}
	if synced != c1 {
		t.Errorf("the sign-up answered with %d of %d commits on disk", synced, c1)
	}
	if f1-f0 != 1 {
		t.Errorf("sign-up: %d fsyncs for %d commits, want 1", f1-f0, c1-c0)
	}
}

// TestAdviceAnswerWaitsForTheDiskOnce: a member changing their answer to a
// request for advice, as the benchmark's members do. The store refuses the
// first try ("not answered yet") without writing, writes the change, and
// the audit appends the event: one fsync covers the answer and the event,
// and the redirect leaves once both are on disk. Until 7 December 2026
// three, one after another: the refused try waited for one (a release of
// the writer lock always did), the answer for its own, and the audit's
// insert for a third.
func TestAdviceAnswerWaitsForTheDiskOnce(t *testing.T) {
	a, page, mc, tok := adviceAsked(t)
	if _, _, _, ok := a.store.DiskState(); !ok {
		t.Skip("no group commit: the store is not the embedded engine in process")
	}
	if r := mc.post(page+"/answer", url.Values{"csrf_token": {tok}, "advice": {"A first answer."}}); r.Status != http.StatusSeeOther {
		t.Fatalf("first answer: %d\n%s", r.Status, r.Body)
	}
	f0, _, c0, _ := a.store.DiskState()
	r := mc.post(page+"/answer", url.Values{"csrf_token": {tok}, "advice": {"A second answer, which replaces the first."}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("changed answer: %d\n%s", r.Status, r.Body)
	}
	f1, synced, c1, _ := a.store.DiskState()
	if c1-c0 < 2 {
		t.Fatalf("changed answer: %d commits, want the answer's and the audit event's (2 or more): the check proves nothing", c1-c0)
	}
	// The last commit is the audit head's move, which nobody waits for by
	// design (store.unsynced: start-up moves the head over stored events).
	if synced < c1-1 {
		t.Errorf("the changed answer answered with %d of %d commits on disk, want all but the audit head's", synced, c1)
	}
	if f1-f0 != 1 {
		t.Errorf("changed answer: %d fsyncs for %d commits, want 1", f1-f0, c1-c0)
	}
}
