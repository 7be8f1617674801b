package server

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// TestOnlyASupervisorReviewsAccess: an admin makes an analyst a CCU
// supervisor (audited like any role change); from then on the supervisor
// is given the referral audit and the access review, with last month's
// sign-off a task on their home page and not on an analyst's. (An
// analyst's refusals: TestOnlyASupervisorReviewsAccessWithFakes.)
func TestOnlyASupervisorReviewsAccess(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	ana := a.newUser(store.RoleCCU, "ana@example.org")
	ben := a.newUser(store.RoleCCU, "ben@example.org")
	_, admin := a.signedIn(store.RoleAdmin, "admin@example.org")

	// The admin's people page offers the role and gives it, audited.
	page := "/admin/people/" + ana.ID
	if body := admin.get(page).Body; !strings.Contains(body, `value="ccusupervisor"`) || !strings.Contains(body, "Counter Corruption Unit supervisor") {
		t.Fatal("the person page does not offer the supervisor role")
	}
	r := admin.submit(page, page, url.Values{"name": {ana.Name}, "role": {"ccusupervisor"}, "status": {"active"}})
	wantStatus(t, "make a supervisor", r, http.StatusSeeOther, page)
	if u, _ := a.store.User(ctx, ana.ID); u.Role != store.RoleCCUSupervisor {
		t.Fatalf("role = %q", u.Role)
	}
	evs, _, _ := a.store.ListAudit(ctx, store.AuditFilter{Action: store.AuditRoleChange, Target: "user:" + ana.ID})
	if len(evs) != 1 || evs[0].Detail != "ccu → ccusupervisor" {
		t.Fatalf("role-changed events = %+v", evs)
	}

	last := time.Now().In(london).AddDate(0, 0, -time.Now().In(london).Day()) // the last day of last month
	month := last.Format("2006-01")

	// The analyst is refused the supervisor's pages, and their queue does
	// not link to them: TestOnlyASupervisorReviewsAccessWithFakes.
	cb := a.client()
	cb.signIn(ben)

	// The supervisor (signed in again: a role change ends sessions). Their
	// home page says last month's review waits; the analyst's does not.
	sup, _ := a.store.User(ctx, ana.ID)
	cs := a.client()
	cs.signIn(sup)
	task := `href="/ccu/review?month=` + month + `">Sign off the access review for ` + last.Format("January 2006")
	if !strings.Contains(cs.get("/home").Body, task) {
		t.Errorf("the supervisor's home page lacks %q", task)
	}
	if strings.Contains(cb.get("/home").Body, "Sign off the access review") {
		t.Error("the analyst's home page offers the sign-off")
	}
	if r := cs.get("/ccu/audit"); r.Status != http.StatusOK {
		t.Errorf("supervisor on the audit page: %d", r.Status)
	}
	if r := cs.get("/ccu/conflicts"); r.Status != http.StatusOK {
		t.Errorf("supervisor on their own conflicts: %d", r.Status)
	}
	if r := cs.submit("/ccu/review?month="+month, "/ccu/review/sign-off", url.Values{"month": {month}, "note": {"Nothing to raise"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("supervisor signing off: %d\n%s", r.Status, r.Body)
	}
	evs = auditOf(t, a, store.AuditAccessReviewed)
	if len(evs) != 1 || evs[0].Actor != sup.Email || evs[0].Target != "review:"+month {
		t.Fatalf("sign-off events = %+v", evs)
	}
	if strings.Contains(cs.get("/home").Body, "Sign off the access review") {
		t.Error("the signed-off review is still a task on the supervisor's home page")
	}
}

// TestSupervisorIsInTheUnit: a supervisor is told of new referrals like
// any analyst, is on the assignee list and can be assigned a case; someone
// outside the unit cannot.
func TestSupervisorIsInTheUnit(t *testing.T) {
	a, _, w := ccuRefFakes(t)
	ben := a.newUser(store.RoleCCU, "ben@example.org")
	sup := a.newUser(store.RoleCCUSupervisor, "sup@example.org")
	a.newUser(store.RoleCoordinator, "coordinator@example.org")
	_, pc := a.newPartnerUser("Refuge Dorset", "w@refuge.example")
	id := submitReferral(t, pc, referralAnswers("S1"))

	// "A new referral is waiting" went to both members of the unit, and to nobody else.
	mail := a.outbox.queued()
	var to []string
	for _, m := range mail {
		to = append(to, m.To)
	}
	slices.Sort(to)
	if !slices.Equal(to, []string{ben.Email, sup.Email}) {
		t.Fatalf("mail went to %v, want ben and the supervisor", to)
	}

	cb := a.as(ben)
	cb.openCase(id, store.ReasonAssessment)
	page := "/ccu/referrals/" + id
	if body := cb.get(page).Body; !strings.Contains(body, `value="`+sup.ID+`"`) {
		t.Fatal("the supervisor is not on the assignee list")
	}
	// (A partner worker is refused: TestCCUAssessmentBadInputWithFakes.)
	form := url.Values{"version": {"1"}, "status": {store.RefAssessing}, "assignee": {sup.ID}}
	if r := cb.submit(page, page+"/assess", form); r.Status != http.StatusSeeOther {
		t.Fatalf("assigning the supervisor: %d\n%s", r.Status, r.Body)
	}
	if got, _ := w.get(id); got.AssigneeID != sup.ID || got.AssigneeName != sup.Name {
		t.Fatalf("assignee = %q %q", got.AssigneeID, got.AssigneeName)
	}
}
