package server

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"candour/store"
)

// TestHomeCountsCostTheSameAtTenTimes: the chair's and the coordinator's
// home pages, which count recommendations (wording to agree, to verify,
// overdue), allocate no more with 2,000 recommendations than with 200 (they
// copied every summary to count a few: 7.3 MB a request at 5,000), and
// show the same counts as a walk of every summary gives. Bytes allocated,
// not time: a count of work that does not move with the machine's load.
// (Times are make bench's: its home and recommendations rows at -scale 10.)
func TestHomeCountsCostTheSameAtTenTimes(t *testing.T) {
	pages, runs := []string{"/home (chair)", "/home (coordinator)"}, 20
	allocated := map[string]map[int]uint64{}
	for _, n := range []int{200, 2000} {
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
				all, err := a.store.AllRecommendations(ctx, store.RecommendationFilter{})
				if err != nil {
					t.Fatal(err)
				}
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
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			size := 0
			for range runs {
				size = len(c.get(path).Body)
			}
			runtime.ReadMemStats(&after)
			bytes := (after.TotalAlloc - before.TotalAlloc) / uint64(runs)
			t.Logf("%5d recommendations: %-20s %8d bytes allocated a request, page %7d bytes", n, p, bytes, size)
			if allocated[p] == nil {
				allocated[p] = map[int]uint64{}
			}
			allocated[p][n] = bytes
		}
	}
	for _, p := range pages {
		if one, ten := allocated[p][200], allocated[p][2000]; ten > one+one/2+16<<10 {
			t.Errorf("%s: %d bytes a request at 2,000 recommendations, %d at 200: it grows with the register", p, ten, one)
		}
	}
}
