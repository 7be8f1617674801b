package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"candour/store"
)

// TestVolunteerLogisticsJourney: on a phone-sized screen a member says
// which weeks of next quarter they can do (a 422 first); the coordinator
// records their training. Every page is checked with axe-core, at 320px
// and 390px too (checkPage).
func TestVolunteerLogisticsJourney(t *testing.T) {
	requireBrowser(t)
	p := startPortal(t)
	ctx := context.Background()
	g := &store.Group{Name: "Police Race Action Plan Group", Kind: store.GroupPanel}
	if err := p.store.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	member := p.user(t, store.RoleMember, "member@example.org")
	coord := p.user(t, store.RoleCoordinator, "coordinator@example.org")
	if err := p.store.PutMembership(ctx, &store.Membership{GroupID: g.ID, UserID: member.ID, VettingLevel: "NPPV2"}); err != nil {
		t.Fatal(err)
	}

	mt := p.signInAs(t, member, screen(640, 360))
	mt.visit(t, "/visits/availability", "availability poll")
	path, status := mt.submit(t, chromedp.Click(chromedp.CSS(`main form[method=post] button[type=submit]`)))
	if status != http.StatusUnprocessableEntity || !strings.Contains(mainText(t, mt), "Tick the weeks you can do") {
		t.Fatalf("nothing ticked: on %s (%d), want 422", path, status)
	}
	checkPage(t, mt, "availability poll with an error")
	path, status = mt.submit(t, chromedp.Click(chromedp.CSS("#weeks")), chromedp.Click(chromedp.CSS(`main form[method=post] button[type=submit]`)))
	if status != http.StatusOK || !strings.Contains(mainText(t, mt), "Your availability for") {
		t.Fatalf("save availability: on %s (%d)", path, status)
	}
	checkPage(t, mt, "availability poll answered")

	ct := p.signInAs(t, coord, screen(640, 360))
	ct.visit(t, "/training/"+member.ID, "training records")
	path, status = ct.submit(t,
		chromedp.Click(chromedp.CSS("#kind")),
		fillIn("#completed", "10"),
		fillIn("#completed-month", "9"),
		fillIn("#completed-year", "2026"),
		fillIn("#expires", "9"),
		fillIn("#expires-month", "9"),
		fillIn("#expires-year", "2029"),
		clickSubmit)
	if status != http.StatusOK || !strings.Contains(mainText(t, ct), "9 September 2029") {
		t.Fatalf("record training: on %s (%d)", path, status)
	}
	checkPage(t, ct, "training recorded")
}

// TestExpensesClaimJourney: on a phone a member who was at a panel session
// claims expenses (negative miles first: a 422 that keeps the rest), sees
// it waiting; the coordinator rejects it without a reason (a 422), then
// approves it, and the member sees it approved. By hand: 37 miles x 45p =
// £16.65, plus £4.50 parking = £21.15. Every page is checked with axe.
func TestExpensesClaimJourney(t *testing.T) {
	requireBrowser(t)
	p := startPortal(t)
	ctx := context.Background()
	g := &store.Group{Name: "Stop and Search Scrutiny Panel", Kind: store.GroupPanel}
	if err := p.store.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	member := p.user(t, store.RoleMember, "member@example.org")
	coord := p.user(t, store.RoleCoordinator, "coordinator@example.org")
	if err := p.store.PutMembership(ctx, &store.Membership{GroupID: g.ID, UserID: member.ID, VettingLevel: "NPPV2"}); err != nil {
		t.Fatal(err)
	}
	start := p.store.Now().AddDate(0, 0, -7).Truncate(time.Hour)
	v := &store.Visit{Type: store.VisitStopSearch, GroupID: g.ID, Location: "Kings Park Community Hub", Start: start, End: start.Add(2 * time.Hour),
		Capacity: 4, MinVetting: "NPPV1", CreatedBy: coord.ID, Attendees: []string{member.ID}}
	if err := p.store.RecordVisit(ctx, v); err != nil {
		t.Fatal(err)
	}

	mt := p.signInAs(t, member, screen(640, 360))
	mt.visit(t, "/expenses", "your expenses claims")
	mt.visit(t, "/expenses/visit/"+v.ID, "claim form")
	path, status := mt.submit(t,
		fillIn("#miles", "-37"),
		fillIn("#parking", "4.50"),
		clickSubmit)
	if status != http.StatusUnprocessableEntity || !strings.Contains(mainText(t, mt), "Miles must be 0 or more") {
		t.Fatalf("negative miles: on %s (%d), want 422", path, status)
	}
	checkPage(t, mt, "claim form with an error")
	path, status = mt.submit(t,
		chromedp.SetValue(chromedp.CSS("#miles"), "37"),
		clickSubmit)
	if status != http.StatusOK || !strings.Contains(mainText(t, mt), "£21.15") || !strings.Contains(mainText(t, mt), "Waiting for approval") {
		t.Fatalf("claim: on %s (%d)\n%s", path, status, mainText(t, mt))
	}
	checkPage(t, mt, "claim sent")

	ct := p.signInAs(t, coord, screen(640, 360))
	// signInAs lands on the home page and checks it (signIn).
	if !strings.Contains(mainText(t, ct), "1 expenses claim waiting for a decision") {
		t.Errorf("the coordinator's home does not count the claim waiting:\n%s", mainText(t, ct))
	}
	ct.visit(t, "/expenses/claims", "expenses claims")
	path, status = ct.submit(t, chromedp.Click(chromedp.CSS(`input[value=reject]`)), clickSubmit)
	if status != http.StatusUnprocessableEntity || !strings.Contains(mainText(t, ct), "Enter why the claim is rejected") {
		t.Fatalf("reject without a reason: on %s (%d)", path, status)
	}
	checkPage(t, ct, "expenses claims with an error")
	path, status = ct.submit(t, chromedp.Click(chromedp.CSS(`input[value=approve]`)), clickSubmit)
	if status != http.StatusOK || !strings.Contains(mainText(t, ct), "approved") {
		t.Fatalf("approve: on %s (%d)", path, status)
	}
	checkPage(t, ct, "claim approved")
	mt.visit(t, "/expenses", "your claims after approval")
	if !strings.Contains(mainText(t, mt), "Approved") {
		t.Fatal("the member does not see the approval")
	}
	mt.visit(t, "/home", "the member's home after the decision")
	if !strings.Contains(mainText(t, mt), "Your expenses claim for") || !strings.Contains(mainText(t, mt), "was approved.") {
		t.Errorf("the member's home does not give the decision:\n%s", mainText(t, mt))
	}
	ct.visit(t, "/home", "the coordinator's home with no claim waiting")
	if strings.Contains(mainText(t, ct), "waiting for a decision") {
		t.Error("the coordinator's home still counts a decided claim")
	}
}
