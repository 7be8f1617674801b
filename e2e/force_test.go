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

// TestUseOfForceJourney: on a phone-sized screen a panel member reviews a
// use of force (tactics, reasons, injuries, de-escalation, proportionality),
// records watching its body-worn video in the session's viewing log and
// submits; the chair reads the whole log and the use-of-force trends. Every
// page is checked with axe-core, at 320px and 390px too (checkPage).
func TestUseOfForceJourney(t *testing.T) {
	requireBrowser(t)
	p := startPortal(t)
	ctx := context.Background()
	g := &store.Group{Name: "Use of Force Scrutiny Panel", Kind: store.GroupPanel}
	if err := p.store.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	chair := p.user(t, store.RoleChair, "chair@example.org")
	member := p.user(t, store.RoleMember, "member@example.org")
	for _, m := range []store.Membership{{GroupID: g.ID, UserID: chair.ID, Chair: true, VettingLevel: "NPPV2"}, {GroupID: g.ID, UserID: member.ID, VettingLevel: "NPPV2"}} {
		if err := p.store.PutMembership(ctx, &m); err != nil {
			t.Fatal(err)
		}
	}
	// A session that started an hour ago, with the member in it.
	start := time.Now().Add(-time.Hour).Truncate(time.Minute)
	v := &store.Visit{Type: store.VisitUseOfForce, GroupID: g.ID, Location: "County Hall, Dorchester", Start: start, End: start.Add(2 * time.Hour),
		Capacity: 4, MinVetting: "NPPV2", CreatedBy: chair.ID, Attendees: []string{member.ID}}
	if err := p.store.RecordVisit(ctx, v); err != nil {
		t.Fatal(err)
	}
	visit := "/visits/" + v.ID

	mt := p.signInAs(t, member, screen(640, 360))
	mt.visit(t, visit, "a use-of-force session, as a member")
	mt.visit(t, visit+"/findings/record", "review a use of force")
	path, status := mt.submit(t,
		fillIn("#reference", "UOF-2026-0193"),
		fillIn("#date", "2"),
		fillIn("#date-month", "10"),
		fillIn("#date-year", "2026"),
		fillIn("#outcome", "Arrested"),
		chromedp.SetValue(chromedp.CSS("#selfEthnicity"), "Black, Black British, Black Welsh, Caribbean or African: African"),
		chromedp.SetValue(chromedp.CSS("#officerEthnicity"), "Black"),
		chromedp.Click(chromedp.CSS("#tactics-taser")),
		chromedp.Click(chromedp.CSS("#reasons")),
		chromedp.Click(chromedp.CSS("#subjectInjury-2")),
		chromedp.Click(chromedp.CSS("#officerInjury")),
		chromedp.Click(chromedp.CSS("#deescalation-2")),
		chromedp.Click(chromedp.CSS("#bwv")),
		chromedp.Click(chromedp.CSS("#bwvReviewed")),
		chromedp.Click(chromedp.CSS("#rag-3")),
		clickSubmit)
	// Red without a comment: the form comes back with what was typed.
	if status != http.StatusUnprocessableEntity || !strings.Contains(mainText(t, mt), "Say why you rated the force used red") {
		t.Fatalf("red without a comment: on %s (%d), want 422", path, status)
	}
	checkPage(t, mt, "a use-of-force review with an error")
	path, status = mt.submit(t, fillIn("#comment", "Taser drawn within seconds; no attempt to talk first."), clickSubmit)
	if path != visit+"/findings" || status != http.StatusOK {
		t.Fatalf("save the review: on %s (%d)", path, status)
	}
	checkPage(t, mt, "findings with a use of force")

	// The viewing log.
	mt.visit(t, visit+"/bwv", "BWV viewing log, as a member")
	path, status = mt.submit(t,
		fillIn("#footageRef", "BWV-4471-0193"),
		chromedp.SetValue(chromedp.CSS("#time"), start.Add(10*time.Minute).In(london).Format("15:04")),
		chromedp.Click(chromedp.CSS("#purpose")),
		clickSubmit)
	if path != visit+"/bwv" || status != http.StatusOK || !strings.Contains(mainText(t, mt), "BWV-4471-0193") {
		t.Fatalf("record a viewing: on %s (%d)", path, status)
	}
	checkPage(t, mt, "BWV viewing log with a viewing")

	mt.visit(t, visit+"/findings", "findings to submit")
	path, status = mt.submit(t, chromedp.Click(chromedp.CSS(`button[value="submit"]`)))
	if path != visit+"/findings/submit" || status != http.StatusOK {
		t.Fatalf("submit findings: on %s (%d)", path, status)
	}
	if path, status = mt.submit(t, clickSubmit); path != visit || status != http.StatusOK {
		t.Fatalf("confirm: on %s (%d)", path, status)
	}
	checkPage(t, mt, "a use-of-force session with findings submitted")

	// The chair reads the log and the trends.
	ct := p.signInAs(t, chair, screen(640, 360))
	ct.visit(t, visit+"/bwv", "BWV viewing log, as the chair")
	if text := mainText(t, ct); !strings.Contains(text, member.Name) || !strings.Contains(text, "Download the viewing log") {
		t.Fatalf("the chair's log:\n%s", text)
	}
	ct.visit(t, "/visits/trends?group="+g.ID, "panel trends with use of force")
	if text := mainText(t, ct); !strings.Contains(text, "1 use of force reviewed: 1 judged not proportionate, rated red (100%)") {
		t.Errorf("trends page:\n%s", text)
	}
}
