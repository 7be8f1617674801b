package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"candour/store"
	"candour/tz"
)

// TestCustodyReportJourney: the pair who made an unannounced custody visit
// write its report on phone-sized screens without JavaScript (counts that
// do not agree first, then detainees one page at a time), one submits and
// the other confirms; the scheme manager reads it and the quarterly
// return; the coordinator sees the force's view. Every page is checked
// with axe-core (at 320 px and 390 px too, in checkPage).
func TestCustodyReportJourney(t *testing.T) {
	requireBrowser(t)
	p := startPortal(t)
	ctx := context.Background()
	london := tz.London
	day := time.Now().In(london).AddDate(0, 0, -2)
	start := time.Date(day.Year(), day.Month(), day.Day(), 14, 0, 0, 0, london)
	g := &store.Group{Name: "Race Action Plan Group", Kind: store.GroupPanel}
	if err := p.store.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	m1 := p.user(t, store.RoleMember, "visitor1@example.org")
	m2 := p.user(t, store.RoleMember, "visitor2@example.org")
	scheme := p.user(t, store.RoleSchemeManager, "scheme@example.org")
	coord := p.user(t, store.RoleCoordinator, "coordinator@example.org")
	for _, u := range []*store.User{m1, m2} {
		if err := p.store.PutMembership(ctx, &store.Membership{GroupID: g.ID, UserID: u.ID, VettingLevel: "NPPV2"}); err != nil {
			t.Fatal(err)
		}
	}
	back := (int(start.Weekday()) + 6) % 7
	v := &store.Visit{Type: store.VisitCustody, GroupID: g.ID, Location: "Weymouth custody suite", Start: start, End: start.Add(2 * time.Hour),
		Capacity: 2, MinVetting: "NPPV2", Attendees: []string{m1.ID, m2.ID}, Unannounced: true, TimeSet: true, CreatedBy: coord.ID,
		Week: time.Date(start.Year(), start.Month(), start.Day()-back, 0, 0, 0, 0, london)}
	if err := p.store.RecordVisit(ctx, v); err != nil {
		t.Fatal(err)
	}
	base := "/visits/" + v.ID + "/custody-report"

	t1 := p.signInAs(t, m1, withoutScripts, phone)
	t1.visit(t, "/visits/"+v.ID, "a custody visit, as one of the pair")
	t1.visit(t, base, "the custody visit report, empty")
	t1.visit(t, base+"/arrival", "arrival and detainees")
	fill := func(tb *tab, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		for i, s := range steps {
			if _, err := chromedp.Run(tb.ctx, s); err != nil {
				t.Fatalf("filling in, step %d: %v", i, err)
			}
		}
	}
	fill(t1, fillIn("#arrivedTime", "14:00"), fillIn("#admittedTime", "14:12"),
		fillIn("#delayReason", "A detainee was being booked in"),
		fillIn("#held", "4"), fillIn("#offered", "3"), fillIn("#seen", "2"),
		fillIn("#declined", "0"), fillIn("#notSeen", "0"))
	path, status := t1.submit(t, clickSubmit)
	if status != http.StatusUnprocessableEntity || !strings.Contains(mainText(t, t1), "must add up to the number offered a visit (3)") {
		t.Fatalf("counts that disagree: on %s (%d)", path, status)
	}
	checkPage(t, t1, "arrival and detainees, with errors")
	fill(t1, chromedp.SetValue(chromedp.CSS("#notSeen"), "1"))
	if path, status = t1.submit(t, clickSubmit); path != base || status != http.StatusOK {
		t.Fatalf("arrival: on %s (%d)", path, status)
	}
	t1.visit(t, base+"/detainees/new", "a detainee offered a visit")
	fill(t1, fillIn("#number", "DO/12345/26"), chromedp.Click(chromedp.CSS(`label[for="outcome"]`)),
		chromedp.Click(chromedp.CSS(`label[for="vulnerable-3"]`)), chromedp.Click(chromedp.CSS(`label[for="seenFirst"]`)),
		chromedp.Click(chromedp.CSS(`label[for="recordCheck"]`)))
	for _, k := range store.CustodyChecks {
		fill(t1, chromedp.Click(chromedp.CSS(`label[for="check-`+k+`"]`)))
	}
	if path, status = t1.submit(t, clickSubmit); path != base || status != http.StatusOK {
		t.Fatalf("first detainee: on %s (%d)", path, status)
	}
	checkPage(t, t1, "the report with one detainee")
	t1.visit(t, base+"/detainees/new", "another detainee")
	fill(t1, fillIn("#number", "DO/12399/26"), chromedp.Click(chromedp.CSS(`label[for="outcome"]`)),
		chromedp.Click(chromedp.CSS(`label[for="vulnerable"]`)), chromedp.Click(chromedp.CSS(`label[for="recordCheck-2"]`)))
	for _, k := range store.CustodyChecks {
		fill(t1, chromedp.Click(chromedp.CSS(`label[for="check-`+k+`"]`)))
	}
	if path, status = t1.submit(t, clickSubmit); path != base || status != http.StatusOK {
		t.Fatalf("second detainee: on %s (%d)", path, status)
	}

	// The partner adds the third detainee and the matters raised.
	t2 := p.signInAs(t, m2, withoutScripts, phone)
	t2.visit(t, base+"/detainees/new", "a detainee, as the partner")
	fill(t2, fillIn("#number", "DO/12401/26"), chromedp.Click(chromedp.CSS(`label[for="outcome-3"]`)),
		fillIn("#notSeenReason", "Asleep"), chromedp.Click(chromedp.CSS(`label[for="vulnerable"]`)))
	if path, status = t2.submit(t, clickSubmit); path != base || status != http.StatusOK {
		t.Fatalf("third detainee: on %s (%d)", path, status)
	}
	t2.visit(t, base+"/matters", "matters raised and issues")
	fill(t2, fillIn("#matters", "Cell 4 had no blanket"), fillIn("#answer", "Brought at once"),
		fillIn("#issue-welfare", "Blankets run out at night"))
	if path, status = t2.submit(t, clickSubmit); path != base || status != http.StatusOK {
		t.Fatalf("matters: on %s (%d)", path, status)
	}

	// One submits (after the "Are you sure" page), the other confirms.
	t1.visit(t, base+"/submit", "are you sure you want to submit the report")
	if path, status = t1.submit(t, clickSubmit); path != base || status != http.StatusOK || !strings.Contains(mainText(t, t1), "Submitted, waiting for confirmation") {
		t.Fatalf("submit: on %s (%d)", path, status)
	}
	checkPage(t, t1, "the submitted report")
	t2.visit(t, base+"/confirm", "confirm the report")
	fill(t2, fillIn("#addendum", "The exercise yard was locked"))
	if path, status = t2.submit(t, clickSubmit); path != base || status != http.StatusOK || !strings.Contains(mainText(t, t2), "Submitted and confirmed") {
		t.Fatalf("confirm: on %s (%d)", path, status)
	}
	checkPage(t, t2, "the confirmed report")

	// The scheme manager reads it and the return; the force sees its view.
	ts := p.signInAs(t, scheme, phone)
	q := store.FinancialQuarterOf(start).String()
	// signInAs lands on the home page and checks it (signIn).
	if text := mainText(t, ts); !strings.Contains(text, "1 custody visit report to read") || !strings.Contains(text, "to raise with the force") {
		t.Errorf("the scheme manager's home does not count the report and its issues:\n%s", text)
	}
	ts.visit(t, "/custody?quarter="+q, "the scheme manager's reports")
	ts.visit(t, "/custody/reports/"+v.ID, "a custody visit report, as the scheme manager")
	if text := mainText(t, ts); !strings.Contains(text, "DO/12345/26") || !strings.Contains(text, "The exercise yard was locked") {
		t.Errorf("the scheme manager's page lacks the detainee or the addendum:\n%s", text)
	}
	ts.visit(t, "/home", "the scheme manager's home once the report is read")
	if strings.Contains(mainText(t, ts), "report to read") {
		t.Error("the scheme manager's home still counts a report they read")
	}
	ts.visit(t, "/custody/return?quarter="+q, "the quarterly return")
	if text := mainText(t, ts); !strings.Contains(text, "12 minutes") {
		t.Errorf("the return lacks the 12 minutes' delay (14:00 to 14:12)")
	}
	tc := p.signInAs(t, coord, phone)
	tc.visit(t, "/custody/force?quarter="+q, "the force's view of custody visits")
	if text := mainText(t, tc); !strings.Contains(text, "Blankets run out at night") || strings.Contains(text, "DO/12345/26") {
		t.Errorf("the force's view: issue shown %v, detainee hidden %v", strings.Contains(text, "Blankets run out at night"), !strings.Contains(text, "DO/12345/26"))
	}
}
