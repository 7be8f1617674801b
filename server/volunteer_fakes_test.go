package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// Volunteers' logistics on fakes (volunteerStore, with fakeVisits for the
// visit a claim is for): a receipt the virus check refuses, and training
// dates that do not make sense. TestExpensesClaimJourney,
// TestTrainingRecordsSignUpAndPairing and TestAvailabilityPoll keep the
// real store.

// TestExpenseReceiptRefusedByScanWithFakes: a receipt the virus check
// refuses leaves no claim and no receipt content behind.
func TestExpenseReceiptRefusedByScanWithFakes(t *testing.T) {
	a := newFakeApp(t)
	now := time.Now()
	m1 := &store.User{ID: store.NewID(), Email: "m1@example.org", Name: "Test member", Role: store.RoleMember, Status: store.StatusActive,
		Memberships: []store.Membership{{GroupID: "g1", VettingLevel: "NPPV3"}}}
	// A panel session the member had a place at, over yesterday.
	v := &store.Visit{ID: store.NewID(), Type: store.VisitOther, GroupID: "g1", Location: "Dorchester police station",
		Start: now.Add(-26 * time.Hour), End: now.Add(-24 * time.Hour), Capacity: 3, SeatsTaken: 1, Attendees: []string{m1.ID}, Version: 1}
	a.srv.visits = &fakeVisits{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: now}}, visit: func(id string) (*store.Visit, error) {
		if id != v.ID {
			return nil, store.ErrNotFound
		}
		cp := *v
		return &cp, nil
	}}
	var stored fakeBlobs
	fv := &fakeVolunteer{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: now}}}
	fv.claim = func(string) (*store.ExpenseClaim, error) { return nil, store.ErrNotFound }
	fv.storeReceipt = stored.put
	fv.openReceipt = stored.open
	fv.deleteReceipt = func(p store.Paper) error {
		stored.drop(p)
		return nil
	}
	// createClaim is nil: a claim stored after the refusal fails the test.
	a.srv.volunteer = fv
	sc := &refuseScanner{}
	a.srv.scanner = sc
	c := a.as(m1)
	page := "/expenses/visit/" + v.ID
	r := c.upload(page, page, "receipts", map[string][]byte{"r.pdf": []byte("%PDF-1.4\n")}, url.Values{"miles": {"10"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "refused by the virus check") || !strings.Contains(r.Body, `value="10"`) {
		t.Fatalf("refused receipt: %d\n%s", r.Status, r.Body)
	}
	if sc.read != int64(len("%PDF-1.4\n")) {
		t.Fatalf("the scanner read %d bytes", sc.read)
	}
	if n := fv.calls("CreateClaim"); n != 0 || stored.count() != 0 {
		t.Fatalf("claim after a refused receipt: %d claims, %d receipts kept", n, stored.count())
	}
	if n := a.audits.count(auditReceiptRejected, "visit:"+v.ID); n != 1 {
		t.Errorf("%d %s events, want 1", n, auditReceiptRejected)
	}
}

// TestTrainingBadDatesWithFakes: only staff read training records; an
// expiry before completion is a 422 that keeps what was typed and stores
// nothing.
func TestTrainingBadDatesWithFakes(t *testing.T) {
	a := newFakeApp(t)
	m1 := &store.User{ID: store.NewID(), Email: "m1@example.org", Name: "Test member", Role: store.RoleMember, Status: store.StatusActive}
	fv := &fakeVolunteer{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: time.Now()}}}
	fv.user = func(id string) (*store.User, error) { return a.users.User(t.Context(), id) }
	fv.trainingOf = func(id string) (*store.Training, error) { return &store.Training{ID: id}, nil }
	// setTraining is nil: a refused record stored fails the test.
	a.srv.volunteer = fv
	member := a.as(m1)
	coord := a.as(&store.User{Email: "coord@example.org", Name: "Test coordinator", Role: store.RoleCoordinator, Status: store.StatusActive})
	page := "/training/" + m1.ID
	if r := member.get(page); r.Status != http.StatusForbidden {
		t.Fatalf("a member reads training records: %d, want 403", r.Status)
	}
	bad := url.Values{"kind": {"panel-training"}, "completed-day": {"10"}, "completed-month": {"9"}, "completed-year": {"2026"},
		"expires-day": {"9"}, "expires-month": {"9"}, "expires-year": {"2026"}}
	r := coord.submit(page, page, bad)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "must be on or after the date completed") || !strings.Contains(r.Body, `name="completed-day" type="text" inputmode="numeric" value="10"`) {
		t.Fatalf("expiry before completion: %d", r.Status)
	}
	if n := fv.calls("SetTraining"); n != 0 {
		t.Fatal("a refused record was stored")
	}
	if r := coord.get("/training/" + store.NewID()); r.Status != http.StatusNotFound {
		t.Errorf("training of an unknown person: %d, want 404", r.Status)
	}
}
