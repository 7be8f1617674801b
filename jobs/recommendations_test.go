package jobs

import (
	"context"
	"strings"
	"testing"
	"time"

	"candour/config"
	"candour/store"
	"candour/store/storetest"
)

// TestRecommendationReminders: the owner of an overdue recommendation and
// each coordinator are mailed once a week, however often the job wakes.
func TestRecommendationReminders(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	coord := &store.User{Email: "coord@example.org", Name: "Coord", Role: store.RoleCoordinator, Status: store.StatusActive}
	if err := db.CreateUser(ctx, coord); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, r := range []*store.Recommendation{
		{Title: "Late one", Status: store.RecInProgress, OwnerEmail: "owner@police.example", OwnerName: "Owner", DueAt: now.AddDate(0, 0, -10)},
		{Title: "On time", Status: store.RecInProgress, OwnerEmail: "owner@police.example", DueAt: now.AddDate(0, 0, 10)},
		{Title: "Done late", Status: store.RecImplemented, OwnerEmail: "owner@police.example", DueAt: now.AddDate(0, 0, -10)},
	} {
		if err := db.CreateRecommendation(ctx, r, store.Actor{}); err != nil {
			t.Fatal(err)
		}
	}
	cfg := config.Config{BaseURL: "https://candour.example", ForceName: "Dorset Police"}
	n, err := sendRecommendationReminders(ctx, cfg, db)
	if err != nil || n != 2 {
		t.Fatalf("first run queued %d (%v), want 2", n, err)
	}
	if n, _ := sendRecommendationReminders(ctx, cfg, db); n != 0 {
		t.Fatalf("second run in the same week queued %d", n)
	}
	mail, _ := db.RecentMail(ctx, 10)
	if len(mail) != 2 {
		t.Fatalf("%d messages in the outbox, want 2", len(mail))
	}
	for _, m := range mail {
		if !strings.Contains(m.Body, "Late one") || strings.Contains(m.Body, "On time") || strings.Contains(m.Body, "Done late") {
			t.Errorf("mail to %s lists the wrong recommendations:\n%s", m.To, m.Body)
		}
	}
}
