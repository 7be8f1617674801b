package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"candour/store"
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
	groups := []string{w.panel.ID, w.iag.ID}
	var rs []*store.Recommendation
	for i := range n { // as bench/seed_recommendations.go
		rs = append(rs, &store.Recommendation{Title: fmt.Sprintf("Recommendation %d on the use of police powers", i+1),
			Wording: "The group recommends that the force reviews how it explains its powers to the people it stops, and reports back.",
			Source:  store.RecSources[i%len(store.RecSources)], GroupID: groups[i%len(groups)],
			Area: store.RAPAreas[i%len(store.RAPAreas)], Priority: []string{"high", "medium", "low"}[i%3],
			OwnerDept: fmt.Sprintf("Department %d", i%12), OwnerName: "Superintendent Example",
			Status: store.RecStatuses[i%len(store.RecStatuses)], RaisedAt: now.AddDate(0, 0, -(i % 365)),
			DueAt: now.AddDate(0, 0, 90-(i%365)), Published: i%3 == 0, ChairAgreed: i%3 == 0,
			PublicTitle: fmt.Sprintf("You said: recommendation %d", i+1), PublicSummary: "What the group asked for, in plain English."})
	}
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
	var vs []*store.Visit
	var fs []*store.Finding
	past := n * 2 / 3
	for i := range past {
		g := w.iag
		if i%4 == 0 {
			g = w.panel
		}
		start := now.AddDate(0, 0, -1-(i*359/past)).Truncate(time.Hour)
		v := &store.Visit{ID: store.NewID(), Type: store.VisitStopSearch, GroupID: g.ID, Location: fmt.Sprintf("Bench location %d", i%12), Start: start,
			End: start.Add(2 * time.Hour), Capacity: 6, MinVetting: "none"}
		if g == w.panel && i%40 == 0 && i < 200 {
			// The member went to five of them, whatever the scale.
			v.Attendees = []string{w.m1.ID}
		}
		if g == w.panel {
			fs = append(fs, &store.Finding{VisitID: v.ID, GroupID: g.ID, VisitType: v.Type, VisitStart: start, UserID: w.m2.ID})
		}
		vs = append(vs, v)
	}
	for i := range n - past {
		start := now.AddDate(0, 0, 2+i).Truncate(time.Hour)
		vs = append(vs, &store.Visit{ID: store.NewID(), Type: store.VisitStopSearch, GroupID: w.panel.ID, Location: "Kings Park Community Hub", Start: start,
			End: start.Add(2 * time.Hour), Capacity: 10, MinVetting: "none"})
	}
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
