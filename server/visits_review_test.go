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
