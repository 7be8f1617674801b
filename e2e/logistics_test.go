package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"

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

	mt := newTab(t, p.url, false)
	mt.emulate(t, 640, 360)
	signIn(t, mt, member)
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

	ct := newTab(t, p.url, false)
	ct.emulate(t, 640, 360)
	signIn(t, ct, coord)
	ct.visit(t, "/training/"+member.ID, "training records")
	path, status = ct.submit(t,
		chromedp.Click(chromedp.CSS("#kind")),
		chromedp.SendKeys(chromedp.CSS("#completed"), "10"),
		chromedp.SendKeys(chromedp.CSS("#completed-month"), "9"),
		chromedp.SendKeys(chromedp.CSS("#completed-year"), "2026"),
		chromedp.SendKeys(chromedp.CSS("#expires"), "9"),
		chromedp.SendKeys(chromedp.CSS("#expires-month"), "9"),
		chromedp.SendKeys(chromedp.CSS("#expires-year"), "2029"),
		clickSubmit)
	if status != http.StatusOK || !strings.Contains(mainText(t, ct), "9 September 2029") {
		t.Fatalf("record training: on %s (%d)", path, status)
	}
	checkPage(t, ct, "training recorded")
}
