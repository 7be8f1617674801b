package server

import (
	"context"
	"net/http"
	"net/url"
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
		"locations": {"Weymouth custody suite"}, "minVetting": {"NPPV2"}}); r.Status != http.StatusSeeOther {
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
