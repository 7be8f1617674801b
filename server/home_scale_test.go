package server

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"candour/store"
	"candour/store/storetest"
)

// TestHomeCountsAgreeWithEveryRecommendation: the chair's and the
// coordinator's home pages, which count recommendations (wording to agree,
// to verify, overdue) from the store's counted copy, show the same counts
// as a walk of every summary gives, with 200 recommendations. That they
// cost the same at ten times the register (bytes allocated a request, at
// 200 and 2,000) is a budget: make bench judges it (bench/budgets.go,
// homeCountsAtTenTimes), not make test.
func TestHomeCountsAgreeWithEveryRecommendation(t *testing.T) {
	pages := []string{"/home (chair)", "/home (coordinator)"}
	n := 200
	w := newVisitWorld(t)
	a := w.a
	ctx := context.Background()
	now := a.store.Now()
	rs := storetest.HomeRecommendations(n, now, []string{w.panel.ID, w.iag.ID}) // as make bench seeds them
	if err := a.store.CreateRecommendations(ctx, rs, store.Actor{Name: "bench"}, store.HistCreated); err != nil {
		t.Fatal(err)
	}
	admin := w.as(a.newUser(store.RoleAdmin, "admin@example.org"))
	chair, coord := w.as(w.chair), w.as(w.coord)
	// A walk of every summary, for the counts each home page should
	// show (read once: nothing changes them between the pages).
	all, err := a.store.AllRecommendations(ctx, store.RecommendationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		c, path := admin, p
		switch p {
		case "/home (chair)":
			c, path = chair, "/home"
		case "/home (coordinator)":
			c, path = coord, "/home"
		}
		r := c.get(path)
		if r.Status != 200 {
			t.Fatalf("%s: %d", p, r.Status)
		}
		if path == "/home" {
			want := store.CountRecs(all, a.store.Now(), []string{w.panel.ID})
			for _, line := range []string{
				fmt.Sprintf("%d recommendations&#39; public wording waits for your agreement", want.AwaitingChair),
				fmt.Sprintf("%d recommendations to verify", want.ToVerify),
				fmt.Sprintf("%d recommendations overdue", want.Overdue),
			} {
				// The chair is shown their groups' wording and verifications,
				// the coordinator what is overdue.
				shown := (c == chair) != strings.Contains(line, "overdue")
				if strings.Contains(r.Body, line) != shown {
					t.Errorf("%d recommendations: %s shows %q: %v, want %v", n, p, line, !shown, shown)
				}
			}
		}
	}
}

// TestMemberHomeTasksAgreeWithEveryVisit: a member's and a chair's home
// pages (their visits to write up, the findings to sign off), with 300
// visits seeded as make bench seeds them (a year of past visits, the
// panel's visits to come one a day), show the same tasks as a walk of
// every visit gives. That they cost the same at 3,000 visits (bytes
// allocated a request) is a budget: make bench judges it
// (bench/budgets.go, memberHomeAtTenTimes), not make test.
func TestMemberHomeTasksAgreeWithEveryVisit(t *testing.T) {
	n := 300
	w := newVisitWorld(t)
	a := w.a
	ctx := context.Background()
	now := a.store.Now()
	vs, fs := storetest.HomeVisits(n, now, w.panel.ID, w.iag.ID, w.m1.ID, w.m2.ID)
	if err := a.store.SeedVisits(ctx, vs, fs); err != nil {
		t.Fatal(err)
	}
	member, chair := w.as(w.m1), w.as(w.chair)
	for _, p := range []struct {
		who  string
		c    *client
		want string
	}{{"member", member, "5 visits need your findings"}, {"chair", chair, fmt.Sprintf("%d findings to sign off", len(fs))}} {
		r := p.c.get("/home")
		if r.Status != 200 || !strings.Contains(r.Body, p.want) {
			t.Fatalf("%d visits: the %s's home (%d) lacks %q", n, p.who, r.Status, p.want)
		}
	}
}
