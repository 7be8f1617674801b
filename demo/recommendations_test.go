package demo

import (
	"context"
	"testing"

	"candour/store"
	"candour/store/storetest"
)

// TestSeedRecommendations: the demo register covers the lifecycle, with
// overdue and published recommendations, and every history is valid.
func TestSeedRecommendations(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	for _, dg := range demoGroups {
		g := dg.Group
		if err := db.CreateGroup(ctx, &g); err != nil {
			t.Fatal(err)
		}
	}
	demo := map[string]*store.User{}
	for _, e := range []string{"coordinator@candour.example", "chair@candour.example", "member@candour.example"} {
		u := &store.User{Email: e, Name: e, Role: store.RoleMember, Status: store.StatusActive}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		demo[e] = u
	}
	if err := seedRecommendations(ctx, db, demo); err != nil {
		t.Fatal(err)
	}
	rs, err := db.ExportRecommendations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[string]int{}
	published, overdue := 0, 0
	for _, r := range rs {
		statuses[r.Status]++
		if r.Published {
			published++
		}
		if r.Overdue(db.Now()) {
			overdue++
		}
		if len(r.History) == 0 || r.Version != len(r.History) {
			t.Errorf("%s: version %d with %d history entries", r.Title, r.Version, len(r.History))
		}
	}
	if len(rs) < 15 || published < 4 || overdue < 2 || len(statuses) < 8 {
		t.Fatalf("%d recommendations, %d published, %d overdue, statuses %v", len(rs), published, overdue, statuses)
	}
}
