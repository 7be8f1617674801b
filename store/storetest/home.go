package storetest

import (
	"fmt"
	"time"

	"candour/store"
)

// HomeRecommendations are n recommendations spread as make bench's seeding
// spreads the register (bench/seed_recommendations.go, without its
// history): over every source, area, status and the groups given, a third
// of them published and agreed; what the home pages' counts are checked on, by
// the handler tests at 1x and by make bench's judged check at 1x and 10x.
func HomeRecommendations(n int, now time.Time, groups []string) []*store.Recommendation {
	rs := make([]*store.Recommendation, 0, n)
	for i := range n {
		rs = append(rs, &store.Recommendation{Title: fmt.Sprintf("Recommendation %d on the use of police powers", i+1),
			Wording: "The group recommends that the force reviews how it explains its powers to the people it stops, and reports back.",
			Source:  store.RecSources[i%len(store.RecSources)], GroupID: groups[i%len(groups)],
			Area: store.RAPAreas[i%len(store.RAPAreas)], Priority: []string{"high", "medium", "low"}[i%3],
			OwnerDept: fmt.Sprintf("Department %d", i%12), OwnerName: "Superintendent Example",
			Status: store.RecStatuses[i%len(store.RecStatuses)], RaisedAt: now.AddDate(0, 0, -(i % 365)),
			DueAt: now.AddDate(0, 0, 90-(i%365)), Published: i%3 == 0, ChairAgreed: i%3 == 0,
			PublicTitle: fmt.Sprintf("You said: recommendation %d", i+1), PublicSummary: "What the group asked for, in plain English."})
	}
	return rs
}

// HomeVisits are n visits as make bench seeds them for the home pages: two
// thirds a year of past visits (a quarter of them the panel's, each with a
// finding written by writer; member went to five of them, whatever n), the
// rest the panel's visits to come, one a day from the day after tomorrow.
// panel and iag are the two groups' ids. The handler tests check the home
// pages' tasks on them at 1x, make bench's judged check at 1x and 10x.
func HomeVisits(n int, now time.Time, panel, iag, member, writer string) ([]*store.Visit, []*store.Finding) {
	var vs []*store.Visit
	var fs []*store.Finding
	past := n * 2 / 3
	for i := range past {
		g := iag
		if i%4 == 0 {
			g = panel
		}
		start := now.AddDate(0, 0, -1-(i*359/past)).Truncate(time.Hour)
		v := &store.Visit{ID: store.NewID(), Type: store.VisitStopSearch, GroupID: g, Location: fmt.Sprintf("Bench location %d", i%12), Start: start,
			End: start.Add(2 * time.Hour), Capacity: 6, MinVetting: "none"}
		if g == panel && i%40 == 0 && i < 200 {
			// The member went to five of them, whatever the scale.
			v.Attendees = []string{member}
		}
		if g == panel {
			fs = append(fs, &store.Finding{VisitID: v.ID, GroupID: g, VisitType: v.Type, VisitStart: start, UserID: writer})
		}
		vs = append(vs, v)
	}
	for i := range n - past {
		start := now.AddDate(0, 0, 2+i).Truncate(time.Hour)
		vs = append(vs, &store.Visit{ID: store.NewID(), Type: store.VisitStopSearch, GroupID: panel, Location: "Kings Park Community Hub", Start: start,
			End: start.Add(2 * time.Hour), Capacity: 10, MinVetting: "none"})
	}
	return vs, fs
}
