package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// planUnannounced plans next quarter for the panel (pair m1 and m2) and has
// the pair choose the Wednesday of their week, 19:45 to 21:15.
func planUnannounced(t *testing.T, w *visitWorld) (string, *store.Visit) {
	t.Helper()
	ctx := context.Background()
	next := store.QuarterOf(w.a.store.Now().AddDate(0, 3, 0))
	if r := w.as(w.chair).submit("/visits/plan", "/visits/plan", url.Values{"group": {w.panel.ID}, "quarter": {next},
		"locations": {"Weymouth custody suite"}, "minVetting": {"NPPV2"}, "confirmed": {"yes"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("plan: %d\n%s", r.Status, r.Body)
	}
	p, err := w.a.store.VisitPlanByID(ctx, w.panel.ID+"/"+next)
	if err != nil || len(p.Pairs) != 1 {
		t.Fatalf("plan = %+v (%v)", p, err)
	}
	id := p.VisitIDs[0]
	v, _ := w.a.store.Visit(ctx, id)
	day := v.Week.In(london).AddDate(0, 0, 2)
	if r := w.as(w.m1).submit("/visits/"+id, "/visits/"+id+"/time", url.Values{"date-day": {day.Format("2")}, "date-month": {day.Format("1")},
		"date-year": {day.Format("2006")}, "startTime": {"19:45"}, "endTime": {"21:15"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("set time: %d\n%s", r.Status, r.Body)
	}
	v, _ = w.a.store.Visit(ctx, id)
	return id, v
}

// The order of the export and of the "coming up" list, and when a visit
// leaves that list, must not tell staff an unannounced visit's day.
func TestUnannouncedDayNotLeakedByOrderOrList(t *testing.T) {
	w := newVisitWorld(t)
	id, v := planUnannounced(t, w)
	coord := w.as(w.coord)
	// An announced visit on the Monday of the pair's week, 10:00.
	monday := v.Week.In(london)
	ann := w.createVisit(coord, visitFormAt(w.panel.ID, time.Date(monday.Year(), monday.Month(), monday.Day(), 10, 0, 0, 0, london), "4"))
	csvOut := coord.get("/visits/export.csv").Body
	iu, ia := strings.Index(csvOut, id+","), strings.Index(csvOut, ann+",")
	if iu < 0 || ia < 0 || iu > ia {
		t.Fatalf("the export orders the unannounced visit by its secret start (unannounced at %d, Monday's visit at %d)\n%s", iu, ia, csvOut)
	}
	// Thursday of that week: the visit (Wednesday evening) is over, but its
	// week is not, so the coming-up list still shows it.
	w.a.advance(monday.AddDate(0, 0, 3).Add(9 * time.Hour).Sub(w.a.store.Now()))
	if list := w.as(w.coord).get("/visits?view=list"); !strings.Contains(list.Body, "/visits/"+id) {
		t.Fatal("the coming-up list drops the unannounced visit once its secret day has passed")
	}
	// After the week it goes, like any past visit.
	w.a.advance(7 * 24 * time.Hour)
	if list := w.as(w.coord).get("/visits?view=list"); strings.Contains(list.Body, "/visits/"+id) {
		t.Fatal("the coming-up list keeps a past week")
	}
}

// Odd input anywhere in the visit routes is a 4xx, never a 500.
func TestVisitBadInputNever500(t *testing.T) {
	w := newVisitWorld(t)
	start := w.a.store.Now().Add(time.Hour)
	id := w.createVisit(w.as(w.chair), visitFormAt(w.panel.ID, start, "2"))
	w.as(w.m1).submit("/visits/"+id, "/visits/"+id+"/sign-up", nil)
	uid, _ := planUnannounced(t, w)
	w.a.advance(2 * time.Hour)
	long := strings.Repeat("x", 300000)
	chair, m1, coord := w.as(w.chair), w.as(w.m1), w.as(w.coord)
	gets := []string{"/visits?month=99999-99", "/visits?month=0000-00", "/visits?month=9999-12", "/visits?month=2026-13", "/visits?view=list&month=x",
		"/visits?group=nope", "/visits?type=%00", "/visits/trends?group=nope", "/visits/trends?group=" + w.iag.ID,
		"/visits/zzz", "/visits/" + strings.Repeat("a", 24), "/visits/%2e%2e", "/visits/zzz/ics", "/visits/zzz/edit", "/visits/zzz/findings",
		"/visits/" + id + "/findings/record?n=-1", "/visits/" + id + "/findings/record?n=99999999999999999999", "/visits/" + id + "/findings/record?n=x",
		"/calendar/zzz", "/calendar/" + long[:5000], "/visits/new?group=" + long[:3000]}
	for _, c := range []*client{chair, m1, coord} {
		for _, p := range gets {
			if r := c.get(p); r.Status >= 500 {
				t.Errorf("GET %s: %d", p[:min(len(p), 80)], r.Status)
			}
		}
	}
	form := visitFormAt(w.panel.ID, start.AddDate(0, 0, 3), "2")
	bad := []url.Values{}
	for k, v := range map[string]string{"date-day": "30", "date-month": "2", "date-year": "99999999999999999999", "capacity": "99999999999999999999",
		"startTime": "25:00", "endTime": "-1:-1", "location": long, "notes": long, "type": "x", "group": w.iag.ID, "minVetting": long} {
		f := url.Values{}
		for kk, vv := range form {
			f[kk] = vv
		}
		f.Set(k, v)
		if k == "date-day" {
			f.Set("date-month", "2")
			f.Set("date-year", "2027")
		}
		bad = append(bad, f)
	}
	for i, f := range bad {
		if r := chair.submit("/visits/new", "/visits/new", f); r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("create %d: %d", i, r.Status)
		}
		if r := chair.submit("/visits/"+id+"/edit", "/visits/"+id+"/edit", f); r.Status < 400 || r.Status >= 500 {
			t.Errorf("edit %d: %d", i, r.Status)
		}
	}
	posts := []struct {
		c    *client
		page string
		path string
		form url.Values
	}{
		{m1, "/visits/" + id + "/findings", "/visits/" + id + "/findings", url.Values{"action": {"submit"}, "version": {"abc"}}},
		{m1, "/visits/" + id + "/findings", "/visits/" + id + "/findings", url.Values{"version": {"99999999999999999999"}}},
		{m1, "/visits/" + id + "/findings/record", "/visits/" + id + "/findings/record", url.Values{"n": {"7"}, "reference": {"x"}}},
		{m1, "/visits/" + id + "/findings/record", "/visits/" + id + "/findings/record", url.Values{"reference": {"x"}, "date-day": {"31"}, "date-month": {"4"}, "date-year": {"2026"}, "legislation": {"x"}, "object": {"x"}, "outcome": {"x"}, "selfEthnicity": {"x"}, "grounds": {"x"}, "rag": {"x"}, "bwv": {"x"}, "gowisely": {"x", "y"}}},
		{m1, "/visits/" + id + "/findings/record", "/visits/" + id + "/findings/record/remove", url.Values{"n": {"-5"}}},
		{m1, "/visits/" + id + "/findings/record", "/visits/" + id + "/findings/record/remove", url.Values{"n": {"x"}}},
		{m1, "/visits/" + uid, "/visits/" + uid + "/time", url.Values{"date-day": {"30"}, "date-month": {"2"}, "date-year": {"2027"}, "startTime": {"x"}, "endTime": {"99:99"}}},
		{m1, "/visits/" + uid, "/visits/" + uid + "/time", url.Values{"date-day": {"1"}, "date-month": {"1"}, "date-year": {"99999999999"}, "startTime": {"10:00"}, "endTime": {"11:00"}}},
		{chair, "/visits/plan", "/visits/plan", url.Values{"group": {w.panel.ID}, "quarter": {"99999-Q9"}, "locations": {"A"}, "minVetting": {"NPPV2"}}},
		{chair, "/visits/plan", "/visits/plan", url.Values{"group": {w.iag.ID}, "quarter": {"2027-Q1"}, "locations": {"A"}, "minVetting": {"NPPV2"}}},
		{chair, "/visits/plan", "/visits/plan", url.Values{"group": {w.panel.ID}, "quarter": {""}, "locations": {strings.Repeat("\n", 1999)}, "minVetting": {"x"}}},
		{coord, "/visits/" + id, "/visits/" + id + "/findings/zzz/response", url.Values{"response-zzz": {"x"}}},
		{coord, "/visits/" + id, "/visits/" + id + "/findings/" + w.m1.ID + "/response", url.Values{"response-" + w.m1.ID: {long[:5000]}}},
		{chair, "/visits/" + id, "/visits/" + id + "/sign-off", url.Values{"version": {"x"}}},
		{chair, "/visits/" + id, "/visits/zzz/sign-off", nil},
		{m1, "/visits/" + id, "/visits/zzz/sign-up", nil},
		{m1, "/visits/" + id, "/visits/zzz/cancel", nil},
		{m1, "/visits/" + id, "/visits/" + id + "/findings/submit", url.Values{"version": {"abc"}}},
	}
	for _, p := range posts {
		if r := p.c.submit(p.page, p.path, p.form); r.Status >= 500 || r.Status < 400 {
			t.Errorf("POST %s %.200v: %d", p.path, p.form, r.Status)
		}
	}
}

// The feed address outlives sessions and memberships: it must stop giving
// an unannounced visit's time to someone who has left the group, and stop
// altogether for a disabled account.
func TestUnannouncedFeedFollowsAccess(t *testing.T) {
	w := newVisitWorld(t)
	ctx := context.Background()
	id, _ := planUnannounced(t, w)
	m1 := w.as(w.m1)
	r := m1.submit("/visits/feed", "/visits/feed", nil)
	m := feedURLRe.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no feed address: %d", r.Status)
	}
	path := strings.TrimPrefix(m[1], w.a.http.URL)
	if f := w.a.client().get(path); f.Status != 200 || !strings.Contains(f.Body, id+"@candour") {
		t.Fatalf("the pair's feed lacks the visit: %d", f.Status)
	}
	if err := w.a.store.RemoveMembership(ctx, w.panel.ID, w.m1.ID); err != nil {
		t.Fatal(err)
	}
	if f := w.a.client().get(path); f.Status != 200 || strings.Contains(f.Body, id+"@candour") {
		t.Fatalf("after leaving the group the feed still has the unannounced visit: %d", f.Status)
	}
	if _, err := w.a.store.UpdateUser(ctx, w.m1.ID, store.UserUpdate{Name: w.m1.Name, Role: w.m1.Role, Status: store.StatusDisabled}); err != nil {
		t.Fatal(err)
	}
	if f := w.a.client().get(path); f.Status != http.StatusNotFound {
		t.Fatalf("a disabled account's feed: %d, want 404", f.Status)
	}
}

// Shares are whole percentages rounded as by hand: 1 of 8 is 13%, 5 of 8
// is 63%, 1 of 3 is 33%.
func TestPanelTrendsRoundHalvesUp(t *testing.T) {
	tally := &store.PanelTally{Months: map[string]store.TrendCount{"2026-10": {Records: 8, NoGrounds: 1, Red: 5}, "2026-11": {Records: 3, NoGrounds: 1, Red: 2}},
		Ethnicity: map[string]store.TrendCount{}}
	byMonth, _, total := panelTrends(tally)
	got := []string{}
	for _, r := range append(byMonth, total) {
		got = append(got, fmt.Sprintf("%.0f/%.0f", r.NoGroundsPercent, r.RedPercent))
	}
	// Total: 2 of 11 = 18.2%, 7 of 11 = 63.6%.
	if want := "13/63 33/67 18/64"; strings.Join(got, " ") != want {
		t.Fatalf("shares %q, want %q", strings.Join(got, " "), want)
	}
}

// Raising the places after a visit has started must not move the waiting
// list into seats: they did not go, so they must not get an email saying
// a place is theirs, nor the right to write findings.
func TestVisitNoPromotionAfterStart(t *testing.T) {
	w := newVisitWorld(t)
	ctx := context.Background()
	start := w.a.store.Now().Add(time.Hour)
	chair := w.as(w.chair)
	id := w.createVisit(chair, visitFormAt(w.panel.ID, start, "1"))
	w.as(w.m1).submit("/visits/"+id, "/visits/"+id+"/sign-up", nil)
	w.as(w.m2).submit("/visits/"+id, "/visits/"+id+"/sign-up", nil)
	if v, _ := w.a.store.Visit(ctx, id); len(v.Waiting) != 1 {
		t.Fatalf("waiting = %v", v.Waiting)
	}
	w.a.advance(3 * time.Hour)
	v, _ := w.a.store.Visit(ctx, id)
	f := visitFormAt(w.panel.ID, start, "2")
	f.Set("version", strconv.Itoa(v.Version))
	chair = w.as(w.chair)
	r := chair.submit("/visits/"+id+"/edit", "/visits/"+id+"/edit", f)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("edit after start: %d", r.Status)
	}
	v, _ = w.a.store.Visit(ctx, id)
	if v.Attending(w.m2.ID) {
		t.Fatal("someone on the waiting list was given a seat on a visit that had already started")
	}
	if r := w.as(w.m2).get("/visits/" + id + "/findings"); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("the waiting member may write findings: %d", r.Status)
	}
	mail, _ := w.a.store.RecentMail(ctx, 20)
	for _, m := range mail {
		if m.To == w.m2.Email && strings.Contains(m.Subject, "place has come up") {
			t.Fatal("the waiting member was told a place had come up on a past visit")
		}
	}
}

// A person moved up from the waiting list by an edit that also moves the
// visit is told the new time, not the old one.
func TestVisitPromotionMailGivesNewTime(t *testing.T) {
	w := newVisitWorld(t)
	ctx := context.Background()
	start := tomorrow10(w.a)
	chair := w.as(w.chair)
	id := w.createVisit(chair, visitFormAt(w.panel.ID, start, "1"))
	w.as(w.m1).submit("/visits/"+id, "/visits/"+id+"/sign-up", nil)
	w.as(w.m2).submit("/visits/"+id, "/visits/"+id+"/sign-up", nil)
	v, _ := w.a.store.Visit(ctx, id)
	moved := start.AddDate(0, 0, 1).Add(4 * time.Hour) // the next day, 2pm
	f := visitFormAt(w.panel.ID, moved, "2")
	f.Set("version", strconv.Itoa(v.Version))
	if r := chair.submit("/visits/"+id+"/edit", "/visits/"+id+"/edit", f); r.Status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", r.Status, r.Body)
	}
	mail, _ := w.a.store.RecentMail(ctx, 20)
	found := false
	for _, m := range mail {
		if m.To == w.m2.Email && strings.Contains(m.Subject, "place has come up") {
			found = true
			if want := moved.In(london).Format("Monday 2 January 2006, 3:04pm"); !strings.Contains(m.Body, want) {
				t.Fatalf("promotion mail does not give the new time %q:\n%s", want, m.Body)
			}
		}
	}
	if !found {
		t.Fatal("no promotion mail")
	}
}

// When the pair submit their findings on the evening of the visit, the
// staff who see the findings must not learn that day from "submitted on".
func TestUnannouncedFindingDateHiddenFromStaff(t *testing.T) {
	w := newVisitWorld(t)
	id, v := planUnannounced(t, w)
	w.a.advance(v.End.Add(10 * time.Minute).Sub(w.a.store.Now()))
	form := url.Values{"action": {"submit"}}
	for _, k := range store.CustodySections {
		form.Set("rag-"+k, "green")
	}
	submitFindings(t, w.as(w.m1), id, form)
	day := v.Start.In(london).Format("2 January 2006")
	if page := w.as(w.chair).get("/visits/" + id); !strings.Contains(page.Body, "submitted") {
		t.Fatal("the chair does not see the finding")
	}
	page := w.as(w.coord).get("/visits/" + id)
	if page.Status != 200 || !strings.Contains(page.Body, "finding-"+w.m1.ID) {
		t.Fatalf("the coordinator does not see the finding: %d", page.Status)
	}
	if strings.Contains(page.Body, day) {
		t.Fatalf("the coordinator's page gives the day of the visit (%s)", day)
	}
}

// A review's records are capped (the finding is one document saved whole):
// one more is a 422 that stores nothing.
func TestVisitRecordsCapped(t *testing.T) {
	old := maxRecordsPerFinding
	maxRecordsPerFinding = 2
	defer func() { maxRecordsPerFinding = old }()
	w := newVisitWorld(t)
	ctx := context.Background()
	id := w.createVisit(w.as(w.chair), visitFormAt(w.panel.ID, w.a.store.Now().Add(time.Hour), "2"))
	w.as(w.m1).submit("/visits/"+id, "/visits/"+id+"/sign-up", nil)
	w.a.advance(2 * time.Hour)
	m1 := w.as(w.m1)
	rec := url.Values{"reference": {"DOR-1"}, "date-day": {"3"}, "date-month": {"10"}, "date-year": {"2026"},
		"legislation": {"PACE s1"}, "object": {"Drugs"}, "outcome": {"NFA"}, "selfEthnicity": {"Not stated"}, "officerEthnicity": {"Not stated"},
		"bwv": {"yes"}, "grounds": {"yes"}, "rag": {"green"}}
	for i := 0; i < 3; i++ {
		f, _ := w.a.store.Finding(ctx, store.FindingID(id, w.m1.ID))
		if f != nil {
			rec.Set("version", strconv.Itoa(f.Version))
		}
		r := m1.submit("/visits/"+id+"/findings/record", "/visits/"+id+"/findings/record", rec)
		want := http.StatusSeeOther
		if i == 2 {
			want = http.StatusUnprocessableEntity
		}
		if r.Status != want {
			t.Fatalf("record %d: %d, want %d\n%.500s", i+1, r.Status, want, r.Body)
		}
	}
	if f, _ := w.a.store.Finding(ctx, store.FindingID(id, w.m1.ID)); len(f.Records) != 2 {
		t.Fatalf("%d records stored, want 2", len(f.Records))
	}
}

// TestPlanDrawIsCommittedAndRevealedAfterTheVisits: the commitment to the
// draw is in the audit log before the plan exists and on the chair's plan
// page; the seed is on no page until the last planned week is over, then
// it is shown with the inputs, and they match the commitment.
func TestPlanDrawIsCommittedAndRevealedAfterTheVisits(t *testing.T) {
	w := newVisitWorld(t)
	ctx := context.Background()
	_, v := planUnannounced(t, w)
	p, err := w.a.store.VisitPlanByID(ctx, v.PlanID)
	if err != nil || p.Commitment == "" || p.Seed == "" {
		t.Fatalf("plan %+v %v", p, err)
	}
	evs, _, err := w.a.store.ListAudit(ctx, store.AuditFilter{Target: "plan:" + p.ID})
	if err != nil || len(evs) != 2 || !strings.Contains(evs[len(evs)-1].Detail, "sha256 "+p.Commitment) || evs[len(evs)-1].At.After(evs[0].At) {
		t.Fatalf("audit: %+v %v", evs, err)
	}
	sum := sha256.Sum256([]byte(p.Seed + "\n" + p.Inputs))
	if hex.EncodeToString(sum[:]) != p.Commitment {
		t.Fatal("the commitment is not the SHA-256 of the seed and the inputs")
	}
	for _, who := range []*store.User{w.chair, w.m1, w.coord} {
		for _, path := range []string{"/visits/plan", "/visits/" + v.ID, "/visits?view=list", "/home"} {
			if r := w.as(who).get(path); strings.Contains(r.Body, p.Seed) {
				t.Errorf("%s sees the seed on %s before the visits", who.Email, path)
			}
		}
	}
	if r := w.as(w.chair).get("/visits/plan"); !strings.Contains(r.Body, p.Commitment) {
		t.Error("the chair's plan page does not show the commitment")
	}
	w.a.advance(p.RevealAfter.Add(time.Hour).Sub(w.a.store.Now()))
	if r := w.as(w.chair).get("/visits/plan"); !strings.Contains(r.Body, p.Seed) || !strings.Contains(r.Body, "group="+w.panel.ID) {
		t.Error("the seed and inputs are not shown after the last planned week")
	}
}
