package server

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"candour/store"
)

// The Counter Corruption Unit's case reasons and links on fakes (ccuStore):
// nothing of a case is opened or linked without a reason given in this
// session. TestOpeningACaseAsksForAReasonOncePerSession (the openings and
// their audit chain), TestExportRecordsReasonAndRecipient, TestAccessReview
// and the supervisor's tests keep the real store.

// ccuFakes is an analyst and two referrals, CCU-00001 and CCU-00002, behind
// a fakeCCU; only their triage fields are there, as Store.Referral reads
// them (the case's content would show only through OpenReferral, which the
// fake does not answer).
func ccuFakes(t *testing.T) (*fakeApp, *fakeCCU, *store.User, [2]string) {
	a := newFakeApp(t)
	ids := [2]string{store.NewID(), store.NewID()}
	fc := &fakeCCU{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: time.Now()}}}
	fc.referral = func(id string) (*store.Referral, error) {
		for i, x := range ids {
			if x == id {
				return &store.Referral{ID: id, Ref: "CCU-0000" + string(rune('1'+i)), Kind: store.KindPartner, Status: store.RefReceived, Version: 1}, nil
			}
		}
		return nil, store.ErrNotFound
	}
	a.srv.ccu = fc
	ccu := &store.User{ID: store.NewID(), Email: "analyst@example.org", Name: "Test analyst", Role: store.RoleCCU, Status: store.StatusActive}
	return a, fc, ccu, ids
}

// TestCaseReasonAskedFirstWithFakes: opening a case asks why first; bad
// answers are 422s that show nothing of the case and keep it closed; a
// reason is kept for that case in that session only; an unknown case is
// a 404, not a question.
func TestCaseReasonAskedFirstWithFakes(t *testing.T) {
	a, _, ccu, ids := ccuFakes(t)
	id, other := ids[0], ids[1]
	cc := a.as(ccu)
	page := "/ccu/referrals/" + id

	// No reason yet: the case is not opened, the question is asked.
	r := cc.get(page)
	if r.Status != http.StatusSeeOther || r.Location != page+"/reason" {
		t.Fatalf("open without a reason: %d to %q, want 303 to the reason page", r.Status, r.Location)
	}
	r = cc.get(page + "/reason")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Why do you need to open CCU-00001?") || strings.Contains(r.Body, "WhatHappenedR1") {
		t.Fatalf("reason page: %d\n%s", r.Status, r.Body)
	}
	for _, want := range []string{"Assessing what was reported", "An investigation", "Safeguarding someone",
		"Disclosure to another force", "Supervising the case or an analyst", "An audit or inspection", "Another reason"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("reason page lacks %q", want)
		}
	}

	// Bad answers: 422 with the error summary, what was typed kept, nothing kept, nothing shown.
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"no reason", url.Values{}, "Choose why you need to open this case"},
		{"not on the list", url.Values{"reason": {"curiosity"}}, "Choose why you need to open this case"},
		{"other without words", url.Values{"reason": {"other"}, "other": {"  "}}, "Say why you need to open this case"},
		{"other too long", url.Values{"reason": {"other"}, "other": {strings.Repeat("x", 301)}}, "300 characters or fewer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := cc.submit(page+"/reason", page+"/reason", tc.form)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "govuk-error-summary") || !strings.Contains(r.Body, tc.want) {
				t.Fatalf("%d, want 422 with %q\n%s", r.Status, tc.want, r.Body)
			}
			if strings.Contains(r.Body, "WhatHappenedR1") {
				t.Fatal("the refusal shows the case")
			}
			if r := cc.get(page); r.Status != http.StatusSeeOther {
				t.Fatalf("after a refused reason the case opens: %d", r.Status)
			}
		})
	}
	if r := cc.submit(page+"/reason", page+"/reason", url.Values{"reason": {"other"}, "other": {"kept words"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("other with words: %d", r.Status)
	}
	if n := a.audits.count(store.AuditRefViewed, ""); n != 0 {
		t.Fatalf("refused or unopened cases were audited as viewed: %d events", n)
	}
	// Another case needs its own reason.
	if r := cc.get("/ccu/referrals/" + other); r.Status != http.StatusSeeOther {
		t.Fatalf("another case opened on the first one's reason: %d", r.Status)
	}
	// A new session asks again.
	cc2 := a.as(ccu)
	if r := cc2.get(page); r.Status != http.StatusSeeOther {
		t.Fatalf("a new session opened the case without a reason: %d", r.Status)
	}
	// The reason page of an unknown case is a 404, not a question.
	if r := cc.get("/ccu/referrals/nope/reason"); r.Status != http.StatusNotFound {
		t.Fatalf("unknown case: %d", r.Status)
	}
}

// TestLinkingNeedsAReasonWithFakes: a link posted without a reason for the
// case (a form from another session) is refused and nothing is linked;
// with one, the link is made and audited with the reason.
func TestLinkingNeedsAReasonWithFakes(t *testing.T) {
	a, fc, ccu, ids := ccuFakes(t)
	first, second := ids[0], ids[1]
	var (
		mu     sync.Mutex
		linked [][2]string
	)
	fc.linkReferrals = func(a, b string, confirm bool) error {
		mu.Lock()
		defer mu.Unlock()
		if confirm {
			linked = append(linked, [2]string{a, b})
		}
		return nil
	}
	cc := a.as(ccu)
	page := "/ccu/referrals/" + first
	// A link posted without a reason for the case (a form from another session): refused.
	r := cc.submit(page+"/reason", page+"/links", url.Values{"other": {second}, "decision": {"confirm"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "before you link it to another") || strings.Contains(r.Body, "WhatHappenedK1") {
		t.Fatalf("link without a reason: %d\n%s", r.Status, r.Body)
	}
	if len(linked) != 0 {
		t.Fatalf("linked without a reason: %+v", linked)
	}
	cc.openCase(first, store.ReasonInvestigation)
	if r := cc.submit(page+"/reason", page+"/links", url.Values{"other": {second}, "decision": {"confirm"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("link: %d", r.Status)
	}
	var evs []store.AuditEvent
	for _, e := range a.audits.all() {
		if e.Action == store.AuditRefLinked {
			evs = append(evs, e)
		}
	}
	if len(evs) != 1 || evs[0].Reason != store.ReasonInvestigation {
		t.Fatalf("link events = %+v", evs)
	}
	if len(linked) != 1 || linked[0] != [2]string{first, second} {
		t.Fatalf("links made = %+v", linked)
	}
}

// ccuCaseFakes is ccuFakes with what a case's page reads answered: the
// case itself (its triage fields, no conflict, no matches or links), the
// unit's people for the assignee list (the analyst and a supervisor) and
// a partner worker who is not in the unit.
func ccuCaseFakes(t *testing.T) (*fakeApp, *fakeCCU, *store.User, [2]string, *store.User) {
	a, fc, ccu, ids := ccuFakes(t)
	sup := &store.User{ID: store.NewID(), Email: "supervisor@example.org", Name: "Test supervisor", Role: store.RoleCCUSupervisor, Status: store.StatusActive}
	partner := &store.User{ID: store.NewID(), Email: "w@refuge.example", Name: "Test worker", Role: store.RolePartner, Status: store.StatusActive}
	people := []store.User{*ccu, *sup, *partner}
	fc.openReferral = fc.referral
	fc.conflictsWith = func(string, *store.Referral) (bool, error) { return false, nil }
	fc.referralMatches = func(*store.Referral) ([]store.RefSummary, error) { return nil, nil }
	fc.referralsByID = func([]string) ([]store.RefSummary, error) { return nil, nil }
	fc.listUsers = func(f store.UserFilter) ([]store.User, bool, error) {
		var out []store.User
		for _, u := range people {
			if u.Role == f.Role {
				out = append(out, u)
			}
		}
		return out, false, nil
	}
	fc.user = func(id string) (*store.User, error) {
		for _, u := range people {
			if u.ID == id {
				return &u, nil
			}
		}
		return nil, store.ErrNotFound
	}
	return a, fc, ccu, ids, partner
}

// TestCCUAssessmentBadInputWithFakes: a grading that is wrong or half
// given, or a case assigned to someone outside the unit, is a 422 and
// nothing is assessed. TestCCUAssessmentLinksAndAudit and
// TestSupervisorIsInTheUnit keep the real store for the assessment, the
// stale form, the queue's order and the audit chain.
func TestCCUAssessmentBadInputWithFakes(t *testing.T) {
	a, fc, ccu, ids, partner := ccuCaseFakes(t)
	first := ids[0]
	cc := a.as(ccu)
	page := "/ccu/referrals/" + first
	cc.openCase(first, store.ReasonAssessment)

	// Bad grading: 422, nothing changed.
	bad := url.Values{"version": {"1"}, "status": {store.RefAssessing}, "risk": {"high"}, "source": {"2"}, "intel": {"Z"}, "handling": {"P"}}
	if r := cc.submit(page, page+"/assess", bad); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Choose an intelligence assessment from A to E") {
		t.Fatalf("bad grading: %d", r.Status)
	}
	half := url.Values{"version": {"1"}, "status": {store.RefAssessing}, "source": {"2"}}
	if r := cc.submit(page, page+"/assess", half); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("half a grading: %d", r.Status)
	}
	form := url.Values{"version": {"1"}, "status": {store.RefAssessing}, "assignee": {partner.ID}}
	if r := cc.submit(page, page+"/assess", form); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Choose someone in the Counter Corruption Unit") {
		t.Fatalf("assigning a partner worker: %d, want 422", r.Status)
	}
	a.storedNothing(fc, "AssessReferral", store.AuditRefAssessed)
}

// TestOnlyASupervisorReviewsAccessWithFakes: an analyst is refused the
// referral audit, the access review, its export and its sign-off (403,
// nothing recorded), and their queue does not link to them; the
// supervisor's does. A month not on the list, and signing off a month not
// yet over, are 422s that sign nothing off. TestOnlyASupervisorReviewsAccess
// and TestAccessReview keep the real store for the role change, the
// review's figures, the export and the sign-off.
func TestOnlyASupervisorReviewsAccessWithFakes(t *testing.T) {
	a, fc, ben, _ := ccuFakes(t)
	fc.listReferrals = func(store.ReferralFilter) ([]store.RefSummary, bool, error) { return nil, false, nil }
	fc.auditEventsBetween = func(time.Time, time.Time, []string) ([]store.AuditEvent, error) { return nil, nil }
	fc.conflictIndex = func() (map[string][]string, error) { return nil, nil }
	fc.accessReviewFor = func(string) (*store.AccessReview, error) { return nil, store.ErrNotFound }
	// signOffAccessReview and listAudit are nil: reaching them fails the test.
	now := time.Now().In(london)
	last := now.AddDate(0, 0, -now.Day()) // the last day of last month
	month := last.Format("2006-01")

	// The analyst: refused everything the supervisor adds; the queue does
	// not link to it; nothing is signed off or exported.
	cb := a.as(ben)
	for _, p := range []string{"/ccu/audit", "/ccu/review?month=" + month, "/ccu/review/export.csv?month=" + month} {
		if r := cb.get(p); r.Status != http.StatusForbidden {
			t.Errorf("analyst GET %s: %d, want 403", p, r.Status)
		}
	}
	if r := cb.submit("/ccu", "/ccu/review/sign-off", url.Values{"month": {month}}); r.Status != http.StatusForbidden {
		t.Errorf("analyst signing off: %d, want 403", r.Status)
	}
	if body := cb.get("/ccu").Body; strings.Contains(body, `href="/ccu/review"`) || strings.Contains(body, `href="/ccu/audit"`) || !strings.Contains(body, `href="/ccu/conflicts"`) {
		t.Error("the analyst's queue links to the supervisor's pages, or not to their conflicts")
	}
	if n := a.audits.count(store.AuditAccessReviewed, ""); n != 0 {
		t.Fatalf("an analyst's refused sign-off was recorded: %d events", n)
	}
	if n := a.audits.count(store.AuditAccessExported, ""); n != 0 {
		t.Fatalf("an analyst's refused export was recorded: %d events", n)
	}

	cs := a.as(&store.User{Email: "supervisor@example.org", Name: "Test supervisor", Role: store.RoleCCUSupervisor, Status: store.StatusActive})
	if body := cs.get("/ccu").Body; !strings.Contains(body, `href="/ccu/review"`) || !strings.Contains(body, `href="/ccu/audit"`) {
		t.Error("the supervisor's queue does not link to the review and the audit")
	}
	if r := cs.get("/ccu/review?month=1999-01"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Choose a month from the list") {
		t.Errorf("bad month: %d", r.Status)
	}
	// Sign-off: not this month (not over).
	this := now.Format("2006-01")
	if r := cs.submit("/ccu/review?month="+month, "/ccu/review/sign-off", url.Values{"month": {this}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "once the month has ended") {
		t.Fatalf("sign off this month: %d", r.Status)
	}
	a.storedNothing(fc, "SignOffAccessReview", store.AuditAccessReviewed)
}

// TestCCUAuditPageWithFakes: the supervisor's referral audit names the
// analyst and the action, is itself audited, and shows a broken chain; a
// filter not on the lists is a 422 that reads no events. TestCCUAssessmentLinksAndAudit keeps the real store for the
// chain's check against an event altered in the database.
func TestCCUAuditPageWithFakes(t *testing.T) {
	a, fc, ccu, ids := ccuFakes(t)
	fa := &fakeAuditPages{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: time.Now()}}}
	fa.usersByID = a.users.byID
	fa.groups = func() ([]store.Group, error) { return nil, nil }
	fa.recommendationsByID = func([]string) ([]store.RecSummary, error) { return nil, nil }
	fa.schedules = func([]string) ([]store.Visit, error) { return nil, nil }
	fa.referralsByID = func(rs []string) ([]store.RefSummary, error) {
		return []store.RefSummary{{ID: ids[0], Ref: "CCU-00001"}}, nil
	}
	fa.verifyAudit = func() (*store.AuditBreak, int64, error) {
		return &store.AuditBreak{Seq: 7, Reason: "event altered"}, 12, nil
	}
	a.srv.auditPages = fa
	cs := a.as(&store.User{Email: "supervisor@example.org", Name: "Test supervisor", Role: store.RoleCCUSupervisor, Status: store.StatusActive})
	a.as(ccu)
	fc.listAudit = func(f store.AuditFilter) ([]store.AuditEvent, bool, error) {
		if f.Action != store.AuditRefViewed {
			t.Errorf("listed %q, want the openings (the page's first action)", f.Action)
		}
		return []store.AuditEvent{{Seq: 3, ActorID: ccu.ID, Actor: ccu.Email, Action: store.AuditRefViewed, Target: "referral:" + ids[0], At: time.Now()}}, false, nil
	}
	r := cs.get("/ccu/audit?verify=1")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Test analyst") || !strings.Contains(r.Body, "Opened a referral") ||
		!strings.Contains(r.Body, "The audit chain is broken") || !strings.Contains(r.Body, "event altered") {
		t.Fatalf("audit page: %d\n%s", r.Status, r.Body)
	}
	if n := a.audits.count(store.AuditAuditViewed, ""); n != 1 {
		t.Fatalf("%d %s events, want 1", n, store.AuditAuditViewed)
	}
	for _, q := range []string{"action=nope", "day=14-03-2026"} {
		if r := cs.get("/ccu/audit?" + q); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "govuk-error-summary") {
			t.Errorf("%s: %d, want 422", q, r.Status)
		}
	}
	if n := fc.calls("ListAudit"); n != 1 {
		t.Errorf("events read %d times, want once (the bad filters read none)", n)
	}
}

// storedNothing fails the test if, after refusals, the handler asked the
// fake to write through method or audited action.
func (a *fakeApp) storedNothing(f interface{ calls(string) int }, method, action string) {
	a.t.Helper()
	if n := f.calls(method); n != 0 {
		a.t.Fatalf("%d calls of %s after the refusals, want none", n, method)
	}
	if n := a.audits.count(action, ""); n != 0 {
		a.t.Fatalf("%d %s events after the refusals, want none", n, action)
	}
}
