package jobs

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"candour/config"
	"candour/store"
	"candour/store/storetest"
)

// A pair member who has left the group is not mailed the unannounced
// visit's day and time; the one still in it is.
func TestUnannouncedReminderOnlyToPairStillInGroup(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	offset := time.Duration(0)
	db.SetClock(func() time.Time { return time.Now().Add(offset) })
	cfg := config.Config{BaseURL: "https://candour.example", ForceName: "Dorset Police"}
	g := &store.Group{Name: "Custody IAG", Kind: store.GroupIAG}
	if err := db.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range []string{"ann@example.org", "bob@example.org"} {
		u := &store.User{Email: e, Name: e[:3], Role: store.RoleMember, Status: store.StatusActive}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := db.PutMembership(ctx, &store.Membership{GroupID: g.ID, UserID: u.ID, VettingLevel: "NPPV3"}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	q := store.QuarterOf(db.Now().AddDate(0, 3, 0))
	p, err := db.PlanQuarter(ctx, g.ID, q, ids, []string{"Weymouth custody suite"}, "NPPV2", "chair", rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	v, _ := db.Visit(ctx, p.VisitIDs[0])
	start := v.Week.Add(2*24*time.Hour + 19*time.Hour)
	if err := db.SetVisitTime(ctx, v.ID, start, start.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.RemoveMembership(ctx, g.ID, ids[1]); err != nil {
		t.Fatal(err)
	}
	offset = time.Until(start.Add(-24 * time.Hour))
	if _, err := sendVisitReminders(ctx, cfg, db); err != nil {
		t.Fatal(err)
	}
	mail, _ := db.RecentMail(ctx, 10)
	got := map[string]bool{}
	for _, m := range mail {
		got[m.To] = true
	}
	if !got["ann@example.org"] || got["bob@example.org"] {
		t.Fatalf("reminders went to %v; want ann only (bob left the group)", got)
	}
}
