package main

import (
	"context"
	"fmt"
	"time"

	"candour/store"
)

// benchRecommendations is the register's volume in a year of one force.
var benchRecommendations = 500 // multiplied by -scale

// seedRecommendations adds 500 recommendations across every status, area
// and group, each with ten history entries, a third of them published,
// and keeps one's id in sd for its page.
func seedRecommendations(ctx context.Context, db *store.Store, sd *seeded) error {
	groups, err := db.Groups(ctx)
	if err != nil || len(groups) == 0 {
		return fmt.Errorf("seed recommendations: no groups (%v)", err)
	}
	now := time.Now()
	var rs []*store.Recommendation
	for i := 0; i < benchRecommendations; i++ {
		r := &store.Recommendation{
			Title:   fmt.Sprintf("Recommendation %d on the use of police powers", i+1),
			Wording: "The group recommends that the force reviews how it explains its powers to the people it stops, and reports back.",
			Source:  store.RecSources[i%len(store.RecSources)], GroupID: groups[i%len(groups)].ID,
			Area: store.RAPAreas[i%len(store.RAPAreas)], Priority: []string{"high", "medium", "low"}[i%3],
			OwnerDept: fmt.Sprintf("Department %d", i%12), OwnerName: "Superintendent " + lastNames[i%len(lastNames)],
			Status: store.RecStatuses[i%len(store.RecStatuses)], RaisedAt: now.AddDate(0, 0, -(i % 365)),
			DueAt: now.AddDate(0, 0, 90-(i%365)), Published: i%3 == 0, ChairAgreed: i%3 == 0,
			PublicTitle: fmt.Sprintf("You said: recommendation %d", i+1), PublicSummary: "What the group asked for, in plain English.",
		}
		for j := 0; j < 9; j++ {
			r.History = append(r.History, store.HistoryEntry{At: r.RaisedAt.Add(time.Duration(j) * 24 * time.Hour), ByName: "Owner",
				Kind: store.HistProgress, What: "A progress note of a sentence or two, as owners write them.", Percent: j * 10})
		}
		rs = append(rs, r)
	}
	if err := db.CreateRecommendations(ctx, rs, store.Actor{Name: "bench"}, store.HistCreated); err != nil {
		return err
	}
	sd.recommendation = rs[min(7, len(rs)-1)].ID
	return nil
}
