package server

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"candour/store"
)

// TestAvailabilityPoll: members tick the weeks they can do; the chair's
// pairing then gives them only a week they ticked, and the poll closes.
// The chair's 404 and bad answers are tested on fakes
// (TestAvailabilityPollRefusalsWithFakes).
func TestAvailabilityPoll(t *testing.T) {
	w := newVisitWorld(t)
	ctx := context.Background()
	next := store.QuarterOf(w.a.store.Now().AddDate(0, 3, 0))
	start, _ := store.ParseQuarter(next)
	weeks := store.QuarterWeeks(start, w.a.store.Now())
	wk := func(i int) string { return store.WeekKey(weeks[i]) }
	page := "/visits/availability?group=" + w.panel.ID + "&quarter=" + next
	m1 := w.as(w.m1)
	if r := m1.get(page); r.Status != http.StatusOK || !strings.Contains(r.Body, "Week beginning "+weeks[0].In(london).Format("Monday 2 January")) {
		t.Fatalf("poll page: %d", r.Status)
	}
	// m1 and m2 can do only week 3; m3 cannot do any week.
	for _, c := range []struct {
		u *store.User
		f url.Values
	}{{w.m1, url.Values{"weeks": {wk(3)}}}, {w.m2, url.Values{"weeks": {wk(3)}}}, {w.m3, url.Values{"none": {"yes"}}}} {
		c.f.Set("group", w.panel.ID)
		c.f.Set("quarter", next)
		if r := w.as(c.u).submit(page, "/visits/availability", c.f); r.Status != http.StatusSeeOther {
			t.Fatalf("answer: %d\n%s", r.Status, r.Body)
		}
	}
	// Give m3 the vetting to be eligible, so only the answer keeps them out.
	if err := w.a.store.PutMembership(ctx, &store.Membership{GroupID: w.panel.ID, UserID: w.m3.ID, VettingLevel: "NPPV2"}); err != nil {
		t.Fatal(err)
	}
	chair := w.as(w.chair)
	plan := url.Values{"group": {w.panel.ID}, "quarter": {next}, "locations": {"Weymouth custody suite"}, "minVetting": {"NPPV2"}}
	if r := chair.submit("/visits/plan", "/visits/plan", plan); r.Status != http.StatusOK || !strings.Contains(r.Body, "3 of the 3 have said which weeks they can do") {
		t.Fatalf("plan confirmation: %d\n%s", r.Status, r.Body)
	}
	plan.Set("confirmed", "yes")
	if r := chair.submit("/visits/plan", "/visits/plan", plan); r.Status != http.StatusSeeOther {
		t.Fatalf("plan: %d\n%s", r.Status, r.Body)
	}
	p, err := w.a.store.VisitPlanByID(ctx, w.panel.ID+"/"+next)
	if err != nil || len(p.Pairs) != 1 || !slices.Equal(p.Unpaired, []string{w.m3.ID}) {
		t.Fatalf("plan = %+v (%v), want m1 and m2 paired, m3 left out", p, err)
	}
	v, _ := w.a.store.Visit(ctx, p.VisitIDs[0])
	if store.WeekKey(v.Week) != wk(3) {
		t.Fatalf("paired in the week of %s, want %s (the only week both can do)", store.WeekKey(v.Week), wk(3))
	}
	// The poll is closed.
	r := m1.submit(page, "/visits/availability", url.Values{"group": {w.panel.ID}, "quarter": {next}, "weeks": {wk(4)}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "already been paired") {
		t.Fatalf("answer after pairing: %d", r.Status)
	}
}
