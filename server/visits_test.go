package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"candour/store"
)

// visitWorld is a force with two groups: a scrutiny panel (chair, three
// members) and an IAG (one member), plus a coordinator and a partner.
type visitWorld struct {
	a                      *testApp
	panel, iag             *store.Group
	chair, m1, m2, m3, out *store.User
	coord, partner         *store.User
}

func newVisitWorld(t *testing.T) *visitWorld {
	t.Helper()
	a := newTestApp(t)
	ctx := context.Background()
	w := &visitWorld{a: a, panel: &store.Group{Name: "Stop and search panel", Kind: store.GroupPanel}, iag: &store.Group{Name: "East IAG", Kind: store.GroupIAG}}
	for _, g := range []*store.Group{w.panel, w.iag} {
		if err := a.store.CreateGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	w.chair = a.newUser(store.RoleChair, "chair@example.org")
	w.m1 = a.newUser(store.RoleMember, "m1@example.org")
	w.m2 = a.newUser(store.RoleMember, "m2@example.org")
	w.m3 = a.newUser(store.RoleMember, "m3@example.org")
	w.out = a.newUser(store.RoleMember, "out@example.org")
	w.coord = a.newUser(store.RoleCoordinator, "coord@example.org")
	w.partner = a.newUser(store.RolePartner, "partner@example.org")
	for _, m := range []store.Membership{
		{GroupID: w.panel.ID, UserID: w.chair.ID, Chair: true, VettingLevel: "NPPV3"},
		{GroupID: w.panel.ID, UserID: w.m1.ID, VettingLevel: "NPPV2"},
		{GroupID: w.panel.ID, UserID: w.m2.ID, VettingLevel: "NPPV2"},
		{GroupID: w.panel.ID, UserID: w.m3.ID, VettingLevel: "NPPV1"},
		{GroupID: w.iag.ID, UserID: w.out.ID, VettingLevel: "NPPV3"},
	} {
		if err := a.store.PutMembership(ctx, &m); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *visitWorld) as(u *store.User) *client {
	c := w.a.client()
	c.signIn(u)
	return c
}

// visitForm is a valid form for a visit starting at start (UK time).
func visitFormAt(group string, start time.Time, capacity string) url.Values {
	st := start.In(london)
	// A visit ends on the day it starts: one starting after 22:00 (a test
	// run late in the evening at now + an hour) ends at 23:59, not at an
	// hour past midnight that the form reads as before its start.
	end := st.Add(2 * time.Hour).Format("15:04")
	if st.Add(2*time.Hour).Day() != st.Day() {
		end = "23:59"
		if st.Format("15:04") == end {
			st = st.Add(-time.Minute)
		}
	}
	return url.Values{"type": {store.VisitStopSearch}, "group": {group}, "location": {"Weymouth police station"},
		"date-day": {st.Format("2")}, "date-month": {st.Format("1")}, "date-year": {st.Format("2006")},
		"startTime": {st.Format("15:04")}, "endTime": {end}, "capacity": {capacity}, "minVetting": {"NPPV2"}}
}

var visitIDRe = regexp.MustCompile(`^/visits/([0-9a-f]{24})$`)

func (w *visitWorld) createVisit(c *client, form url.Values) string {
	w.a.t.Helper()
	r := c.submit("/visits/new", "/visits/new", form)
	m := visitIDRe.FindStringSubmatch(r.Location)
	if r.Status != http.StatusSeeOther || m == nil {
		w.a.t.Fatalf("create visit: %d to %q\n%s", r.Status, r.Location, r.Body)
	}
	return m[1]
}

// tomorrow10 is 10:00 UK time the day after the store's today.
func tomorrow10(a *testApp) time.Time {
	n := a.store.Now().In(london).AddDate(0, 0, 1)
	return time.Date(n.Year(), n.Month(), n.Day(), 10, 0, 0, 0, london)
}

func TestVisitSignUpWaitingListAndReasons(t *testing.T) {
	w := newVisitWorld(t)
	ctx := context.Background()
	id := w.createVisit(w.as(w.chair), visitFormAt(w.panel.ID, tomorrow10(w.a), "1"))
	m1, m2, m3 := w.as(w.m1), w.as(w.m2), w.as(w.m3)
	if r := m1.submit("/visits/"+id, "/visits/"+id+"/sign-up", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("sign-up: %d", r.Status)
	}
	if r := m2.get("/visits/" + id); !strings.Contains(r.Body, "Join the waiting list") {
		t.Fatal("a full visit does not offer the waiting list")
	}
	m2.submit("/visits/"+id, "/visits/"+id+"/sign-up", nil)
	if r := m2.get("/visits/" + id); !strings.Contains(r.Body, "You are number 1 on the waiting list") {
		t.Fatal("waiting place not shown")
	}
	// m3's vetting is too low: the page says why, and a POST is 422 changing nothing.
	if r := m3.get("/visits/" + id); !strings.Contains(r.Body, "needs vetting to NPPV2 or higher, and your vetting is NPPV1") {
		t.Fatal("the reason is not shown on the page")
	}
	r := m3.submit("/visits/"+id, "/visits/"+id+"/sign-up", nil)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "govuk-error-summary") {
		t.Fatalf("ineligible sign-up: %d", r.Status)
	}
	// m1 cancels: m2 gets the seat and an email.
	if r := m1.submit("/visits/"+id, "/visits/"+id+"/cancel", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", r.Status)
	}
	v, _ := w.a.store.Visit(ctx, id)
	if !v.Attending(w.m2.ID) || v.SeatsTaken != 1 || len(v.Waiting) != 0 {
		t.Fatalf("after cancel: %+v", v)
	}
	mail, _ := w.a.store.RecentMail(ctx, 10)
	if len(mail) != 1 || mail[0].To != w.m2.Email || !strings.Contains(mail[0].Body, "A place has come up") {
		t.Fatalf("promotion mail = %+v", mail)
	}
}

func TestVisitFindingsSignOffAndResponse(t *testing.T) {
	w := newVisitWorld(t)
	ctx := context.Background()
	start := w.a.store.Now().Add(time.Hour)
	id := w.createVisit(w.as(w.chair), visitFormAt(w.panel.ID, start, "2"))
	w.as(w.m1).submit("/visits/"+id, "/visits/"+id+"/sign-up", nil)
	w.a.advance(2 * time.Hour)
	m1, chair, coord := w.as(w.m1), w.as(w.chair), w.as(w.coord)

	// The refusals on the way (someone who did not attend, an incomplete
	// submission, a red record without a reason, a change after
	// submitting, a sign-off or response refused) are
	// TestVisitFindingRefusalsWithFakes.
	rec := url.Values{"reference": {"DOR-2026-0041"}, "date-day": {"3"}, "date-month": {"10"}, "date-year": {"2026"},
		"legislation": {"Misuse of Drugs Act 1971 (section 23)"}, "object": {"Controlled drugs"}, "outcome": {"A no further action disposal"},
		"selfEthnicity": {"Black, Black British, Black Welsh, Caribbean or African: Caribbean"}, "officerEthnicity": {"Black"},
		"bwv": {"partial"}, "grounds": {"no"}, "gowisely": {"grounds", "object", "legal"}, "rag": {"red"}}
	rec.Set("comment", "Grounds were the smell of cannabis alone")
	rec.Set("version", "0")
	if r := m1.submit("/visits/"+id+"/findings/record", "/visits/"+id+"/findings/record", rec); r.Status != http.StatusSeeOther {
		t.Fatalf("save record: %d\n%s", r.Status, r.Body)
	}
	f, err := w.a.store.Finding(ctx, store.FindingID(id, w.m1.ID))
	if err != nil || len(f.Records) != 1 || !f.Records[0].Gowisely["legal"] || f.Records[0].Gowisely["station"] || f.Status != store.FindingDraft {
		t.Fatalf("draft = %+v (%v)", f, err)
	}
	submitFindings(t, m1, id, url.Values{"action": {"submit"}, "version": {"1"}, "proposals": {"Brief officers on grounds"}})
	// The chair signs off.
	if r := chair.submit("/visits/"+id, "/visits/"+id+"/sign-off", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("chair sign-off: %d", r.Status)
	}
	// The coordinator sees a link to raise a recommendation from the finding, and responds.
	page := coord.get("/visits/" + id)
	if !strings.Contains(page.Body, "/recommendations/new?finding="+url.QueryEscape(store.FindingID(id, w.m1.ID))) || !strings.Contains(page.Body, "Raise the proposed recommendation") {
		t.Fatal("no link to raise a recommendation from the finding")
	}
	field := "response-" + w.m1.ID
	r := coord.submit("/visits/"+id, "/visits/"+id+"/findings/"+w.m1.ID+"/response", url.Values{field: {"Officers are being briefed on grounds."}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("response: %d\n%s", r.Status, r.Body)
	}
	mail, _ := w.a.store.RecentMail(ctx, 10)
	got := map[string]bool{}
	for _, m := range mail {
		if strings.Contains(m.Subject, "responded") {
			got[m.To] = true
		}
	}
	if !got[w.m1.Email] || !got[w.chair.Email] || len(got) != 2 {
		t.Fatalf("response mailed to %v, want the writer and the chair", got)
	}
	if page := w.as(w.m2).get("/visits/" + id); !strings.Contains(page.Body, "Officers are being briefed on grounds.") || !strings.Contains(page.Body, "Signed off") {
		t.Fatal("group members do not see the signed-off finding and its response")
	}
}

// TestUnannouncedVisitTimingIsSecret: only the pair and the chair see the
// day and time, in pages, the .ics download and calendar feeds.
func TestUnannouncedVisitTimingIsSecret(t *testing.T) {
	w := newVisitWorld(t)
	ctx := context.Background()
	chair := w.as(w.chair)
	next := store.QuarterOf(w.a.store.Now().AddDate(0, 3, 0))
	plan := url.Values{"group": {w.panel.ID}, "quarter": {next}, "locations": {"Weymouth custody suite"}, "minVetting": {"NPPV2"}}
	// First the confirmation: pairing mails everyone, so nothing happens yet.
	r := chair.submit("/visits/plan", "/visits/plan", plan)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Are you sure you want to pair members and plan "+next+"?") ||
		!strings.Contains(r.Body, "2 members of Stop and search panel will be paired") || !strings.Contains(r.Body, `name="confirmed" value="yes"`) {
		t.Fatalf("plan confirmation: %d\n%s", r.Status, r.Body)
	}
	if _, err := w.a.store.VisitPlanByID(ctx, w.panel.ID+"/"+next); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("planned before confirmation (%v)", err)
	}
	plan.Set("confirmed", "yes")
	r = chair.submit("/visits/plan", "/visits/plan", plan)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("plan: %d\n%s", r.Status, r.Body)
	}
	// m1 and m2 are the only eligible pair (m3's vetting is too low; chairs are not paired).
	p, err := w.a.store.VisitPlanByID(ctx, w.panel.ID+"/"+next)
	if err != nil || len(p.Pairs) != 1 {
		t.Fatalf("plan = %+v (%v)", p, err)
	}
	id := p.VisitIDs[0]
	v, _ := w.a.store.Visit(ctx, id)
	day := v.Week.In(london).AddDate(0, 0, 2)
	// The week has begun, and the pair choose the day. (The refusals on the
	// way, planning twice, findings before the day is chosen and a time
	// already gone, are TestUnannouncedRefusalsWithFakes.)
	w.a.advance(v.Week.Add(time.Hour).Sub(w.a.store.Now()))
	m1 := w.as(w.m1)
	r = m1.submit("/visits/"+id, "/visits/"+id+"/time", url.Values{"date-day": {day.Format("2")}, "date-month": {day.Format("1")}, "date-year": {day.Format("2006")},
		"startTime": {"19:45"}, "endTime": {"21:15"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("set time: %d\n%s", r.Status, r.Body)
	}
	secret := "7:45pm"
	for _, tc := range []struct {
		name     string
		u        *store.User
		status   int
		seesTime bool
	}{
		{"pair member", w.m1, 200, true},
		{"other pair member", w.m2, 200, true},
		{"chair", w.chair, 200, true},
		{"coordinator", w.coord, 200, false},
		{"other group member", w.m3, 404, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := w.as(tc.u)
			page := c.get("/visits/" + id)
			if page.Status != tc.status || strings.Contains(page.Body, secret) != tc.seesTime {
				t.Fatalf("page: %d, shows time %v; want %d, %v", page.Status, strings.Contains(page.Body, secret), tc.status, tc.seesTime)
			}
			cal := c.get("/visits?view=month&month=" + v.Week.In(london).Format("2006-01"))
			if strings.Contains(cal.Body, secret) || strings.Contains(cal.Body, "19:45") {
				if !tc.seesTime {
					t.Fatal("the calendar shows the time")
				}
			}
			ics := c.get("/visits/" + id + "/ics")
			if (ics.Status == 200) != tc.seesTime {
				t.Fatalf(".ics: %d", ics.Status)
			}
			// The person's own feed has the visit only if they are in the pair.
			c.submit("/visits/feed", "/visits/feed", nil)
			feed := feedOf(t, c)
			inFeed := false
			for _, e := range feed.Events() {
				inFeed = inFeed || e.Id() == id+"@candour"
			}
			if inFeed != (tc.u == w.m1 || tc.u == w.m2) {
				t.Fatalf("in %s's feed: %v", tc.name, inFeed)
			}
		})
	}
	// The coordinator's CSV export gives the week, not the day or time.
	csvOut := w.as(w.coord).get("/visits/export.csv")
	if csvOut.Status != 200 || !strings.Contains(csvOut.Body, id+",Custody suite visit") || strings.Contains(csvOut.Body, "19:45") ||
		!strings.Contains(csvOut.Body, v.Week.In(london).Format(time.DateOnly)) {
		t.Fatalf("export: %d\n%s", csvOut.Status, csvOut.Body)
	}
	// The plan's mail goes to the pair only and gives no day or time.
	mail, _ := w.a.store.RecentMail(ctx, 20)
	for _, m := range mail {
		if m.To != w.m1.Email && m.To != w.m2.Email {
			t.Errorf("plan mail to %s", m.To)
		}
		if strings.Contains(m.Body, "7:45") || strings.Contains(m.Body, "19:45") {
			t.Errorf("mail gives the time: %s", m.Body)
		}
	}
}

var feedURLRe = regexp.MustCompile(`<code[^>]*>([^<]+)</code>`)

// feedOf makes a fresh feed address for the client's person and parses
// what it serves with a real iCalendar parser.
func feedOf(t *testing.T, c *client) *ics.Calendar {
	t.Helper()
	r := c.submit("/visits/feed", "/visits/feed", nil)
	m := feedURLRe.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no feed address shown: %d", r.Status)
	}
	path := strings.TrimPrefix(m[1], c.a.http.URL)
	res := c.a.client().get(path) // a calendar app: no session
	if res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("feed: %d %s", res.Status, res.Header.Get("Content-Type"))
	}
	cal, err := ics.ParseCalendar(strings.NewReader(res.Body))
	if err != nil {
		t.Fatalf("feed does not parse: %v\n%s", err, res.Body)
	}
	return cal
}

func TestVisitCalendarFeedAndICS(t *testing.T) {
	w := newVisitWorld(t)
	start := tomorrow10(w.a)
	id := w.createVisit(w.as(w.chair), visitFormAt(w.panel.ID, start, "2"))
	other := w.createVisit(w.as(w.chair), visitFormAt(w.panel.ID, start.AddDate(0, 0, 1), "2"))
	m1 := w.as(w.m1)
	m1.submit("/visits/"+id, "/visits/"+id+"/sign-up", nil)

	// The feed reads the person's diary, which the sign-up wrote: it has
	// the booked visit, not the other. (The feed's shape, a reset and the
	// per-visit download are TestVisitCalendarFeedAndICSWithFakes.)
	cal := feedOf(t, m1)
	evs := cal.Events()
	if len(evs) != 1 || evs[0].Id() != id+"@candour" {
		t.Fatalf("feed has %d events, want only the booked visit", len(evs))
	}
	st, err := evs[0].GetStartAt()
	if err != nil || !st.Equal(start) {
		t.Fatalf("DTSTART = %v (%v), want %v", st, err, start)
	}
	if !strings.Contains(m1.get("/visits?view=list").Body, "/visits/"+other) {
		t.Fatal("the calendar does not list the visit not booked")
	}
}

// TestPanelTrendsFigures checks the trends against figures worked out by
// hand: two sessions (October and November), five records.
func TestPanelTrendsFigures(t *testing.T) {
	mk := func(grounds, rag, eth string) store.RecordReview {
		return store.RecordReview{Grounds: grounds, RAG: rag, SelfEthnicity: eth}
	}
	black := "Black, Black British, Black Welsh, Caribbean or African: African"
	white := "White: English, Welsh, Scottish, Northern Irish or British"
	oct := time.Date(2026, 10, 14, 18, 0, 0, 0, london)
	nov := time.Date(2026, 11, 11, 18, 0, 0, 0, london)
	sub, panel := store.FindingSubmitted, store.VisitStopSearch
	fs := []store.Finding{
		{VisitStart: oct, Status: sub, VisitType: panel, Records: []store.RecordReview{mk("no", "red", black), mk("yes", "green", white), mk("unsure", "amber", black)}},
		{VisitStart: nov, Status: sub, VisitType: panel, Records: []store.RecordReview{mk("no", "amber", black), mk("yes", "red", "Not stated")}},
		// A draft and a custody finding do not count.
		{VisitStart: nov, Status: store.FindingDraft, VisitType: panel, Records: []store.RecordReview{mk("no", "red", black)}},
		{VisitStart: nov, Status: sub, VisitType: store.VisitCustody, Records: []store.RecordReview{mk("no", "red", black)}},
	}
	tally := store.TallyOf("g", fs)
	byMonth, byGroup, total := panelTrends(&tally)
	// October: 3 records, 1 without grounds (33%), 1 red (33%).
	// November: 2 records, 1 without grounds (50%), 1 red (50%).
	// Black: 3 records, 2 without grounds (67%), 1 red. White: 1, 0, 0. Not stated: 1, 0, 1 red.
	if len(byMonth) != 2 || byMonth[0].Label != "October 2026" || byMonth[0].Records != 3 || byMonth[0].NoGrounds != 1 || byMonth[0].Red != 1 ||
		byMonth[1].Records != 2 || byMonth[1].NoGroundsPercent != 50 || byMonth[1].RedPercent != 50 {
		t.Fatalf("by month = %+v", byMonth)
	}
	want := map[string][3]int{"Black, Black British, Black Welsh, Caribbean or African": {3, 2, 1}, "White": {1, 0, 0}, "Not stated": {1, 0, 1}}
	if len(byGroup) != 3 {
		t.Fatalf("by group = %+v", byGroup)
	}
	for _, r := range byGroup {
		if w := want[r.Label]; [3]int{r.Records, r.NoGrounds, r.Red} != w {
			t.Errorf("%s: %d records, %d without grounds, %d red; want %v", r.Label, r.Records, r.NoGrounds, r.Red, w)
		}
	}
	if byGroup[0].Label != want0 {
		t.Errorf("groups not in Census order: first is %s", byGroup[0].Label)
	}
	if total.Records != 5 || total.NoGrounds != 2 || total.Red != 2 || total.NoGroundsPercent != 40 {
		t.Fatalf("total = %+v", total)
	}
}

const want0 = "Black, Black British, Black Welsh, Caribbean or African"

// submitFindings presses "Submit findings" on the findings form, checks
// the confirmation page, and confirms; it fails the test unless the
// findings end up submitted.
func submitFindings(t *testing.T, c *client, id string, form url.Values) {
	t.Helper()
	r := c.submit("/visits/"+id+"/findings", "/visits/"+id+"/findings", form)
	confirm := "/visits/" + id + "/findings/submit"
	if r.Status != http.StatusSeeOther || r.Location != confirm {
		t.Fatalf("submit: %d to %q\n%s", r.Status, r.Location, r.Body)
	}
	page := c.get(confirm)
	m := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(page.Body)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Are you sure you want to submit your findings?") || m == nil {
		t.Fatalf("confirmation: %d\n%s", page.Status, page.Body)
	}
	if r := c.submit(confirm, confirm, url.Values{"version": {m[1]}}); r.Status != http.StatusSeeOther || r.Location != "/visits/"+id {
		t.Fatalf("confirm submit: %d to %q\n%s", r.Status, r.Location, r.Body)
	}
}
