package server

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"candour/store"
	"candour/store/storetest"
	"candour/words"
)

// custodyWorld is a made custody visit: m1 and m2 were the pair, m3 is
// another member of the group, with a coordinator and a scheme manager.
type custodyWorld struct {
	*visitWorld
	v      *store.Visit
	scheme *store.User
}

func newCustodyWorld(t *testing.T) *custodyWorld {
	t.Helper()
	w := newVisitWorld(t)
	start := w.a.store.Now().Add(-72 * time.Hour).In(london).Truncate(time.Minute)
	start = time.Date(start.Year(), start.Month(), start.Day(), 10, 0, 0, 0, london)
	v := &store.Visit{Type: store.VisitCustody, GroupID: w.panel.ID, Location: "Weymouth custody suite", Start: start, End: start.Add(2 * time.Hour),
		Capacity: 2, MinVetting: "NPPV2", Attendees: []string{w.m1.ID, w.m2.ID}, Unannounced: true, Week: mondayOf(start), TimeSet: true, CreatedBy: w.chair.ID}
	if err := w.a.store.RecordVisit(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	return &custodyWorld{visitWorld: w, v: v, scheme: w.a.newUser(store.RoleSchemeManager, "scheme@example.org")}
}

func (w *custodyWorld) arrival(held, offered, seen, declined, notSeen string) url.Values {
	d := w.v.Start.In(london)
	return url.Values{"arrived-day": {d.Format("2")}, "arrived-month": {d.Format("1")}, "arrived-year": {d.Format("2006")},
		"arrivedTime": {"10:00"}, "admittedTime": {"10:15"}, "delayReason": {"A detainee was being booked in"},
		"held": {held}, "offered": {offered}, "seen": {seen}, "declined": {declined}, "notSeen": {notSeen}}
}

// withVersion sets the form's version to the stored report's, as the
// page's hidden field does (0 before the first save).
func (w *custodyWorld) withVersion(f url.Values) url.Values {
	w.a.t.Helper()
	f.Set("version", "0")
	if r, err := w.a.store.CustodyReport(context.Background(), w.v.ID); err == nil {
		f.Set("version", itoa(r.Version))
	}
	return f
}

func seenDetainee(number string) url.Values {
	f := url.Values{"number": {number}, "outcome": {"seen"}, "vulnerable": {"child"}, "seenFirst": {"yes"}, "recordCheck": {"checked"},
		"comment": {"Asked when the appropriate adult would come"}}
	for _, k := range store.CustodyChecks {
		f.Set("check-"+k, "yes")
	}
	f.Set("check-food", "no")
	return f
}

// TestCustodyReportJourney: the pair write one report together, one submits and the other confirms; the scheme manager
// is told by mail (no detail), reads it and records the force's response;
// the force sees matters and issues but no detainee; the return adds up.
func TestCustodyReportJourney(t *testing.T) {
	w := newCustodyWorld(t)
	a, ctx := w.a, context.Background()
	base := "/visits/" + w.v.ID + "/custody-report"
	m1, m2 := w.as(w.m1), w.as(w.m2)

	// (Who may write it, and refused pages: TestCustodyReportRefusalsWithFakes.)
	var r response
	wantStatus(t, "arrival", m1.submit(base+"/arrival", base+"/arrival", w.withVersion(w.arrival("3", "3", "1", "1", "1"))), http.StatusSeeOther, base)

	// Detainees by custody number only.
	wantStatus(t, "detainee 1", m1.submit(base+"/detainees/new", base+"/detainees/new", w.withVersion(seenDetainee("do/11111/26"))), http.StatusSeeOther, base+"#detainees")
	// The partner adds to the same report; a page opened before the other's
	// save is refused (409), not merged over it.
	notSeen := url.Values{"number": {"DO/22222/26"}, "outcome": {"notseen"}, "notSeenReason": {"Asleep"}, "vulnerable": {"no"}, "version": {"1"}}
	if r := m2.submit(base+"/detainees/new", base+"/detainees/new", notSeen); r.Status != http.StatusConflict {
		t.Fatalf("a stale page: %d, want 409", r.Status)
	}
	wantStatus(t, "detainee 2", m2.submit(base+"/detainees/new", base+"/detainees/new", w.withVersion(notSeen)), http.StatusSeeOther, base+"#detainees")
	if r := m2.submit(base+"/detainees/new", base+"/detainees/new", w.withVersion(seenDetainee("DO/11111/26"))); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "already added custody number DO/11111/26") {
		t.Fatalf("the same number twice: %d", r.Status)
	}
	wantStatus(t, "matters", m2.submit(base+"/matters", base+"/matters", w.withVersion(url.Values{"matters": {"Cell 4 had no blanket"}, "answer": {"Blanket brought at once"},
		"issue-welfare": {"Blankets run out at night"}, "issue-conditions": {"Graffiti in cell 2"}})), http.StatusSeeOther, base)

	// The lines do not match the counts yet (one declined is missing): 422 with the summary.
	if r := m1.get(base + "/submit"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "the lines say 1, 0 and 1") {
		t.Fatalf("submitting with a missing line: %d\n%s", r.Status, r.Body)
	}
	wantStatus(t, "detainee 3", m1.submit(base+"/detainees/new", base+"/detainees/new",
		w.withVersion(url.Values{"number": {"DO/33333/26"}, "outcome": {"declined"}, "vulnerable": {"adult"}})), http.StatusSeeOther, base+"#detainees")
	rep, err := a.store.CustodyReport(ctx, w.v.ID)
	if err != nil || len(rep.Content.Detainees) != 3 || rep.Content.Detainees[0].Number != "DO/11111/26" {
		t.Fatalf("report = %+v (%v)", rep, err)
	}
	if r := m1.get(base + "/submit"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Are you sure you want to submit the report?") {
		t.Fatalf("confirmation: %d", r.Status)
	}
	wantStatus(t, "submit", m1.submit(base+"/submit", base+"/submit", url.Values{"version": {itoa(rep.Version)}}), http.StatusSeeOther, base)
	if r := m2.submit(base, base+"/detainees/new", seenDetainee("DO/44444/26")); r.Status != http.StatusConflict {
		t.Fatalf("changing a submitted report: %d, want 409", r.Status)
	}

	// The scheme manager is told, with a link and nothing else.
	var mail *store.Mail
	for _, m := range a.outbox() {
		if m.To == w.scheme.Email {
			mail = &m
		}
	}
	if mail == nil || !strings.Contains(mail.Body, "/custody/reports/"+w.v.ID) {
		t.Fatalf("scheme manager's mail = %+v", mail)
	}
	for _, secret := range []string{"DO/", "Weymouth", "blanket", "Blanket", w.v.Start.In(london).Format("2 January")} {
		if strings.Contains(mail.Body+mail.Subject, secret) {
			t.Errorf("the mail gives away %q", secret)
		}
	}

	// The submitter does not confirm; the partner does, and adds.
	if r := m1.get(base + "/confirm"); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("submitter confirming: %d, want 422", r.Status)
	}
	rep, _ = a.store.CustodyReport(ctx, w.v.ID)
	wantStatus(t, "confirm", m2.submit(base+"/confirm", base+"/confirm", url.Values{"version": {itoa(rep.Version)}, "addendum": {"The exercise yard was locked"}}), http.StatusSeeOther, base)

	// The scheme manager reads everything (audited) and follows up.
	sm := w.as(w.scheme)
	if r := sm.get("/custody?quarter=" + store.FinancialQuarterOf(w.v.Start).String()); r.Status != http.StatusOK || !strings.Contains(r.Body, "/custody/reports/"+w.v.ID) {
		t.Fatalf("scheme manager's list: %d", r.Status)
	}
	r = sm.get("/custody/reports/" + w.v.ID)
	for _, want := range []string{"DO/11111/26", "A child (under 18)", "seen first", "Asleep", "Cell 4 had no blanket", "The exercise yard was locked", "15 minutes"} {
		if !strings.Contains(r.Body, want) && !strings.Contains(r.Body, strings.ToLower(want)) {
			t.Errorf("the scheme manager's page lacks %q", want)
		}
	}
	if n := a.auditCount(auditCustodyViewed, "visit:"+w.v.ID); n != 1 {
		t.Errorf("%d view events, want 1", n)
	}
	rep, _ = a.store.CustodyReport(ctx, w.v.ID)
	if r := sm.submit("/custody/reports/"+w.v.ID, "/custody/reports/"+w.v.ID+"/issues", url.Values{"version": {itoa(rep.Version)}, "response-1": {"Stock checked nightly"}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "Mark the issue raised with the force") {
		t.Fatalf("a response to an issue not raised: %d", r.Status)
	}
	wantStatus(t, "follow-up", sm.submit("/custody/reports/"+w.v.ID, "/custody/reports/"+w.v.ID+"/issues",
		url.Values{"version": {itoa(rep.Version)}, "raised-1": {"true"}, "response-1": {"Stock checked nightly"}}), http.StatusSeeOther, "/custody/reports/"+w.v.ID+"#issues")

	// The force: matters raised and issues, no detainee, no time, no visitor.
	coord := w.as(w.coord)
	if r := coord.get("/custody/reports/" + w.v.ID); r.Status != http.StatusForbidden {
		t.Fatalf("coordinator reading the report: %d, want 403", r.Status)
	}
	r = coord.get("/custody/force?quarter=" + store.FinancialQuarterOf(w.v.Start).String())
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Cell 4 had no blanket") || !strings.Contains(r.Body, "Blankets run out at night") ||
		!strings.Contains(r.Body, "Stock checked nightly") || !strings.Contains(r.Body, "Week beginning "+w.v.Week.In(london).Format("2 January 2006")) {
		t.Fatalf("force view: %d\n%s", r.Status, r.Body)
	}
	for _, secret := range []string{"DO/11111", "DO/22222", "Asleep", "10:00", "10:15", w.m1.Name, "exercise yard"} {
		if strings.Contains(r.Body, secret) {
			t.Errorf("the force sees %q", secret)
		}
	}

	// The return for the quarter: 1 visit made, 3 held, 3 offered, 1 seen,
	// 1 declined, 1 not seen, 15 minutes' delay (10:00 to 10:15), issues:
	// welfare 1, conditions 1.
	q := store.FinancialQuarterOf(w.v.Start).String()
	r = sm.get("/custody/return?quarter=" + q)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "15 minutes") {
		t.Fatalf("return: %d\n%s", r.Status, r.Body)
	}
	// Every custody page names its quarter, and the previous one, in words
	// ("Q1 2026/27 (April to June 2026)": words.FinancialQuarter).
	fq := store.FinancialQuarterOf(w.v.Start)
	for path, body := range map[string]string{"/custody/return": r.Body, "/custody": sm.get("/custody?quarter=" + q).Body, "/custody/force": coord.get("/custody/force?quarter=" + q).Body} {
		for _, name := range []string{words.FinancialQuarter(fq.Year, fq.Q), words.FinancialQuarter(fq.Previous().Year, fq.Previous().Q)} {
			if !strings.Contains(body, name) {
				t.Errorf("%s does not name the quarter %q", path, name)
			}
		}
	}
	r = sm.get("/custody/return.csv?quarter=" + q)
	if r.Status != http.StatusOK || !bytes.HasPrefix([]byte(r.Body), []byte("\xef\xbb\xbf")) {
		t.Fatalf("CSV: %d, BOM %v", r.Status, strings.HasPrefix(r.Body, "\xef\xbb\xbf"))
	}
	for _, row := range []string{"quarter," + words.FinancialQuarter(fq.Year, fq.Q) + "," + q, "visits,made,1", "detainees,held,3", "detainees,offered a visit,3", "detainees,seen,1", "detainees,declined,1",
		"detainees,not seen,1", "delay,average delay in admission (minutes),15", "visits made by suite,Weymouth custody suite,1",
		"issues raised by category,\"Welfare: food, drink, bedding, hygiene\",1", "issues raised by category,Cell and suite conditions,1",
		"issues raised by category,Health and medical care,0"} {
		if !strings.Contains(r.Body, row+"\n") {
			t.Errorf("CSV lacks %q:\n%s", row, r.Body)
		}
	}
	if r := coord.get("/custody/return?quarter=" + q); r.Status != http.StatusForbidden {
		t.Errorf("coordinator reading the return: %d, want 403", r.Status)
	}
	if r := sm.get("/custody/return?quarter=2026-Q1"); r.Status != http.StatusNotFound {
		t.Errorf("a calendar quarter: %d, want 404", r.Status)
	}
	for _, action := range []string{auditCustodySaved, auditCustodySubmitted, auditCustodyConfirmed, auditCustodyIssues, auditCustodyReturn, auditCustodyReturnCSV, auditCustodyForce} {
		if n := a.auditCount(action, ""); n == 0 {
			t.Errorf("no %s event", action)
		}
	}
	// Sealed at rest: no detainee number or comment in a raw dump.
	dump := storetest.RawDump(t, a.store)
	for _, secret := range []string{"DO/11111/26", "appropriate adult", "Cell 4 had no blanket", "exercise yard"} {
		if bytes.Contains(dump, []byte(secret)) {
			t.Errorf("%q is stored in plain text", secret)
		}
	}
}
