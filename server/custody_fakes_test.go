package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// Custody visit reports' refusals and access on fakes (custodyStore, with
// fakeVisits for the visit). TestCustodyReportJourney keeps the real
// store: the report written by the pair, a stale page, submitting and
// confirming, the scheme manager, the force, the return and the sealing.

// TestCustodyReportRefusalsWithFakes: only the pair write the report; counts
// that do not agree, a delay without its reason, a date away from the
// visit, a name for a custody number and a detainee not seen without a
// reason are 422s that keep what was typed and store nothing.
func TestCustodyReportRefusalsWithFakes(t *testing.T) {
	a := newFakeApp(t)
	now := time.Now()
	in := func(level string, chair bool) []store.Membership {
		return []store.Membership{{GroupID: "panel", VettingLevel: level, Chair: chair}}
	}
	m1 := &store.User{ID: store.NewID(), Email: "m1@example.org", Name: "Test member", Role: store.RoleMember, Status: store.StatusActive, Memberships: in("NPPV2", false)}
	m2 := &store.User{ID: store.NewID(), Email: "m2@example.org", Name: "Test member 2", Role: store.RoleMember, Status: store.StatusActive, Memberships: in("NPPV2", false)}
	m3 := &store.User{Email: "m3@example.org", Name: "Test member 3", Role: store.RoleMember, Status: store.StatusActive, Memberships: in("NPPV1", false)}
	chair := &store.User{Email: "chair@example.org", Name: "Test chair", Role: store.RoleChair, Status: store.StatusActive, Memberships: in("NPPV3", true)}
	start := now.Add(-72 * time.Hour).In(london)
	start = time.Date(start.Year(), start.Month(), start.Day(), 10, 0, 0, 0, london)
	v := &store.Visit{ID: store.NewID(), Type: store.VisitCustody, GroupID: "panel", Location: "Weymouth custody suite", Start: start, End: start.Add(2 * time.Hour),
		Capacity: 2, MinVetting: "NPPV2", Attendees: []string{m1.ID, m2.ID}, SeatsTaken: 2, Unannounced: true, Week: mondayOf(start), TimeSet: true, Version: 1}
	a.srv.visits = &fakeVisits{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: now}}, visit: func(id string) (*store.Visit, error) {
		if id != v.ID {
			return nil, store.ErrNotFound
		}
		cp := *v
		return &cp, nil
	}}
	fc := &fakeCustody{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: now}}}
	fc.custodyReport = func(string) (*store.CustodyReport, error) { return nil, store.ErrNotFound }
	// saveCustodyReport is nil: a refused page that stores fails the test.
	a.srv.custody = fc
	base := "/visits/" + v.ID + "/custody-report"
	p1 := a.as(m1)

	// Only the pair: another member of the group does not even see the visit.
	if r := a.as(m3).get(base); r.Status != http.StatusNotFound {
		t.Fatalf("another member: %d, want 404", r.Status)
	}
	if r := a.as(chair).get(base); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("the chair: %d, want 422 (did not make the visit)", r.Status)
	}

	arrival := func(held, offered, seen, declined, notSeen string) url.Values {
		d := v.Start.In(london)
		return url.Values{"arrived-day": {d.Format("2")}, "arrived-month": {d.Format("1")}, "arrived-year": {d.Format("2006")},
			"arrivedTime": {"10:00"}, "admittedTime": {"10:15"}, "delayReason": {"A detainee was being booked in"},
			"held": {held}, "offered": {offered}, "seen": {seen}, "declined": {declined}, "notSeen": {notSeen}, "version": {"0"}}
	}
	// Counts that do not agree: 422 with the summary, what was typed kept, nothing stored.
	r := p1.submit(base+"/arrival", base+"/arrival", arrival("3", "4", "1", "1", "1"))
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "govuk-error-summary") ||
		!strings.Contains(r.Body, "cannot be more than the number held (3)") || !strings.Contains(r.Body, "add up to 3: they must add up to the number offered a visit (4)") ||
		!strings.Contains(r.Body, `value="A detainee was being booked in"`) && !strings.Contains(r.Body, "A detainee was being booked in") {
		t.Fatalf("bad counts: %d\n%s", r.Status, r.Body)
	}
	// A delay needs its reason.
	f := arrival("3", "3", "1", "1", "1")
	f.Set("delayReason", "")
	if r := p1.submit(base+"/arrival", base+"/arrival", f); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Say why you were not admitted at once") {
		t.Fatalf("delay without a reason: %d", r.Status)
	}
	// A date far from the visit would file it in another quarter's return.
	f = arrival("3", "3", "1", "1", "1")
	f.Set("arrived-day", v.Start.In(london).AddDate(0, 0, -5).Format("2"))
	f.Set("arrived-month", v.Start.In(london).AddDate(0, 0, -5).Format("1"))
	f.Set("arrived-year", v.Start.In(london).AddDate(0, 0, -5).Format("2006"))
	if r := p1.submit(base+"/arrival", base+"/arrival", f); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "must be the day of this visit") {
		t.Fatalf("an arrival five days before the visit: %d", r.Status)
	}

	// Detainees by custody number only: a name is refused.
	named := seenDetainee("John Smith")
	named.Set("version", "0")
	if r := p1.submit(base+"/detainees/new", base+"/detainees/new", named); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "Never write a name") {
		t.Fatalf("a name for a custody number: %d", r.Status)
	}
	noReason := url.Values{"number": {"DO/22222/26"}, "outcome": {"notseen"}, "vulnerable": {"no"}, "version": {"0"}}
	if r := p1.submit(base+"/detainees/new", base+"/detainees/new", noReason); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Say why the detainee was not seen") {
		t.Fatalf("not seen without a reason: %d", r.Status)
	}
	if n := fc.calls("SaveCustodyReport"); n != 0 {
		t.Fatalf("a refused page stored a report (%d saves)", n)
	}
	if n := a.audits.count("", ""); n != 0 {
		t.Errorf("%d audit events from refused pages, want none", n)
	}
}
