package main

import (
	"context"
	"testing"

	"candour/config"
	"candour/store"
	"candour/store/storetest"
)

// TestSeedVisits: the demo calendar has visits of every kind to come,
// panel sessions with reviewed records, a full visit with a waiting list,
// and next quarter's unannounced pairs.
func TestSeedVisits(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"CANDOUR_ARGON_MEMORY_KIB": "64", "CANDOUR_DEMO_DATA": "../shared/data"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seedDemoData(ctx, db, cfg); err != nil {
		t.Fatal(err)
	}
	vs, err := db.Visits(ctx, store.VisitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	kinds, unannounced, waiting, future := map[string]bool{}, 0, 0, 0
	for _, v := range vs {
		kinds[v.Type] = true
		if v.Unannounced {
			unannounced++
		}
		waiting += len(v.Waiting)
		if !v.Past(db.Now()) {
			future++
		}
		if v.SeatsTaken > v.Capacity || v.SeatsTaken != len(v.Attendees) {
			t.Errorf("visit %s at %s: %d seats taken, %d attendees, capacity %d", v.ID, v.Location, v.SeatsTaken, len(v.Attendees), v.Capacity)
		}
	}
	if len(kinds) != len(store.VisitTypes)-1 || unannounced == 0 || waiting == 0 || future < 7 {
		t.Fatalf("demo calendar: %d kinds, %d unannounced, %d waiting, %d to come", len(kinds), unannounced, waiting, future)
	}
	groups, _ := db.Groups(ctx)
	records := 0
	for _, g := range groups {
		fs, err := db.GroupRecordFindings(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			records += len(f.Records)
		}
	}
	if records < 20 {
		t.Fatalf("%d reviewed records submitted, want at least 20", records)
	}
}
