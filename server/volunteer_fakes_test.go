package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"candour/apperr"
	"candour/store"
)

// Volunteers' logistics on fakes (volunteerStore, with fakeVisits for the
// visit a claim is for): a receipt the virus check refuses, and training
// dates that do not make sense, and the availability poll's refusals.
// TestExpensesClaimJourney, TestTrainingRecordsSignUpAndPairing and
// TestAvailabilityPoll keep the real store.

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
	if sc.read.Load() != int64(len("%PDF-1.4\n")) {
		t.Fatalf("the scanner read %d bytes", sc.read.Load())
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

// TestAvailabilityPollRefusalsWithFakes: the poll page lists the quarter's
// weeks; the chair of the group, who is not paired, gets a 404; bad
// answers are 422s that keep what was ticked and store nothing; an answer
// after the quarter was paired (the store's duplicate) is a 422 that says
// so. TestAvailabilityPoll keeps the real store for answers
// stored and the pairing that reads them.
func TestAvailabilityPollRefusalsWithFakes(t *testing.T) {
	a := newFakeApp(t)
	now := time.Now()
	panel := store.Group{ID: store.NewID(), Name: "Stop and search panel", Kind: store.GroupPanel}
	in := func(chair bool) []store.Membership {
		return []store.Membership{{GroupID: panel.ID, Chair: chair, VettingLevel: "NPPV2"}}
	}
	m1 := &store.User{Email: "m1@example.org", Name: "Test member", Role: store.RoleMember, Status: store.StatusActive, Memberships: in(false)}
	chair := &store.User{Email: "chair@example.org", Name: "Test chair", Role: store.RoleChair, Status: store.StatusActive, Memberships: in(true)}
	fv := &fakeVolunteer{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: now}}}
	fv.groups = func() ([]store.Group, error) { return []store.Group{panel}, nil }
	fv.availabilityPollOf = func(string, string) (*store.AvailabilityPoll, error) {
		return &store.AvailabilityPoll{Answers: map[string]store.AvailabilityAnswer{}}, nil
	}
	fv.visitPlanByID = func(string) (*store.VisitPlan, error) { return nil, store.ErrNotFound }
	// The store's answer to an answer stored, given below once the
	// quarter is paired (none until then: a refused answer stored fails
	// the test).
	var paired swappable[func(userID, groupID, quarter string, weeks []string) error]
	fv.setAvailability = func(userID, groupID, quarter string, weeks []string) error {
		return paired.get()(userID, groupID, quarter, weeks)
	}
	a.srv.volunteer = fv

	next := store.QuarterOf(now.AddDate(0, 3, 0))
	start, _ := store.ParseQuarter(next)
	weeks := store.QuarterWeeks(start, now)
	wk := func(i int) string { return store.WeekKey(weeks[i]) }
	page := "/visits/availability?group=" + panel.ID + "&quarter=" + next
	m1c := a.as(m1)
	if r := m1c.get(page); r.Status != http.StatusOK || !strings.Contains(r.Body, "Week beginning "+weeks[0].In(london).Format("Monday 2 January")) {
		t.Fatalf("poll page: %d", r.Status)
	}
	if r := a.as(chair).get(page); r.Status != http.StatusNotFound {
		t.Fatalf("the chair of the group answers: %d, want 404 (chairs are not paired)", r.Status)
	}
	for _, tc := range []struct {
		name string
		form url.Values
		msg  string
	}{
		{"nothing ticked", url.Values{}, "Tick the weeks you can do, or tick that you cannot do any week"},
		{"both", url.Values{"weeks": {wk(1)}, "none": {"yes"}}, "untick one or the other"},
		{"a week not offered", url.Values{"weeks": {wk(1), "2001-01-01"}}, "Tick only the weeks listed"},
	} {
		f := tc.form
		f.Set("group", panel.ID)
		f.Set("quarter", next)
		r := m1c.submit(page, "/visits/availability", f)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.msg) || !strings.Contains(r.Body, "govuk-error-summary") {
			t.Fatalf("%s: %d, want 422 with %q", tc.name, r.Status, tc.msg)
		}
		if len(tc.form["weeks"]) > 0 && !strings.Contains(r.Body, `value="`+wk(1)+`" checked`) {
			t.Errorf("%s: what was ticked is lost", tc.name)
		}
		if n := fv.calls("SetAvailability"); n != 0 {
			t.Fatalf("%s: stored %d answers", tc.name, n)
		}
	}
	// The poll is closed: the store refuses the answer as a duplicate.
	paired.set(func(string, string, string, []string) error {
		return apperr.New(apperr.Duplicate, "", "store: the quarter is paired")
	})
	r := m1c.submit(page, "/visits/availability", url.Values{"group": {panel.ID}, "quarter": {next}, "weeks": {wk(4)}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "already been paired") {
		t.Fatalf("answer after pairing: %d", r.Status)
	}
}
