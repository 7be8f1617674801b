package jobs

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"candour/config"
	"candour/store"
	"candour/store/storetest"
)

// TestVisitReminders: attendees are mailed once 48 hours before; after the
// visit, those without submitted findings are mailed once at 3 days and
// once at 7; an unannounced pair without a chosen time gets nothing.
func TestVisitReminders(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	offset := time.Duration(0)
	db.SetClock(func() time.Time { return time.Now().Add(offset) })
	cfg := config.Config{BaseURL: "https://candour.example", ForceName: "Dorset Police"}
	var users []*store.User
	for _, e := range []string{"ann@example.org", "bob@example.org", "cat@example.org"} {
		u := &store.User{Email: e, Name: e[:3], Role: store.RoleMember, Status: store.StatusActive}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	ms := []store.Membership{{GroupID: "g1", VettingLevel: "NPPV3"}}
	start := time.Now().Add(24 * time.Hour)
	v := &store.Visit{Type: store.VisitCustody, GroupID: "g1", Location: "Weymouth", Start: start, End: start.Add(2 * time.Hour), Capacity: 4, MinVetting: "NPPV2"}
	if err := db.CreateVisit(ctx, v); err != nil {
		t.Fatal(err)
	}
	far := &store.Visit{Type: store.VisitCustody, GroupID: "g1", Location: "Poole", Start: start.AddDate(0, 0, 5), End: start.AddDate(0, 0, 5).Add(time.Hour), Capacity: 4, MinVetting: "NPPV2"}
	if err := db.CreateVisit(ctx, far); err != nil {
		t.Fatal(err)
	}
	for _, u := range users[:2] {
		if _, err := db.SignUp(ctx, v.ID, u.ID, ms); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SignUp(ctx, far.ID, u.ID, ms); err != nil {
			t.Fatal(err)
		}
	}
	// A planned pair without a time.
	if _, err := db.PlanQuarter(ctx, "g1", store.QuarterOf(time.Now().AddDate(0, 3, 0)), []string{users[0].ID, users[2].ID}, []string{"Poole"}, "NPPV2", "chair",
		rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
	run := func(want int, what string) []store.Mail {
		t.Helper()
		before, _ := db.RecentMail(ctx, 100)
		n, err := sendVisitReminders(ctx, cfg, db)
		if err != nil || n != want {
			t.Fatalf("%s: queued %d (%v), want %d", what, n, err, want)
		}
		after, _ := db.RecentMail(ctx, 100)
		return after[:len(after)-len(before)]
	}
	got := run(2, "48 hours before")
	for _, m := range got {
		if !strings.Contains(m.Subject, "Reminder") || !strings.Contains(m.Body, "Weymouth") || strings.Contains(m.Body, "Poole") {
			t.Errorf("reminder to %s: %s\n%s", m.To, m.Subject, m.Body)
		}
	}
	run(0, "again the same day")
	// Ann submits her findings; three days after, only Bob is reminded.
	offset = 24*time.Hour + 2*time.Hour + 3*24*time.Hour + time.Minute
	f := &store.Finding{VisitID: v.ID, UserID: users[0].ID, GroupID: "g1", VisitType: v.Type}
	if err := db.SaveFinding(ctx, f, 0, true); err != nil {
		t.Fatal(err)
	}
	got = run(3, "three days after (Bob), and 48 hours before the Poole visit (Ann and Bob)")
	findings := 0
	for _, m := range got {
		if strings.Contains(m.Subject, "findings") {
			findings++
			if m.To != "bob@example.org" {
				t.Errorf("findings reminder to %s", m.To)
			}
		}
	}
	if findings != 1 {
		t.Fatalf("%d findings reminders, want 1", findings)
	}
	run(0, "again")
	offset = 24*time.Hour + 2*time.Hour + 7*24*time.Hour + time.Minute
	got = run(1, "seven days after (Bob only; Poole ended two days ago)")
	for _, m := range got {
		if m.To == "ann@example.org" && strings.Contains(m.Body, "Weymouth") {
			t.Errorf("Ann was reminded though she submitted")
		}
	}
	run(0, "after the seventh day")
}

// TestVisitRemindersClaimNothingTwice: a run that finds only reminders an
// earlier run claimed inserts nothing; it reads the claims by _id.
// Each run claimed every reminder of its window again, an insert that
// failed as a duplicate (6 a run at 1×, about 60 at 10×; issue 18).
func TestVisitRemindersClaimNothingTwice(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	cfg := config.Config{BaseURL: "https://candour.example", ForceName: "Dorset Police"}
	ms := []store.Membership{{GroupID: "g1", VettingLevel: "NPPV3"}}
	start := time.Now().Add(24 * time.Hour)
	v := &store.Visit{Type: store.VisitCustody, GroupID: "g1", Location: "Weymouth", Start: start, End: start.Add(2 * time.Hour), Capacity: 4, MinVetting: "NPPV2"}
	if err := db.CreateVisit(ctx, v); err != nil {
		t.Fatal(err)
	}
	for _, e := range []string{"ann@example.org", "bob@example.org", "cat@example.org"} {
		u := &store.User{Email: e, Name: e[:3], Role: store.RoleMember, Status: store.StatusActive}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SignUp(ctx, v.ID, u.ID, ms); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := sendVisitReminders(ctx, cfg, db); err != nil || n != 3 {
		t.Fatalf("the first run: queued %d (%v), want 3", n, err)
	}

	sent := recordCommands(t, db)
	if n, err := sendVisitReminders(ctx, cfg, db); err != nil || n != 0 {
		t.Fatalf("the second run: queued %d (%v), want 0", n, err)
	}
	cmds := sent()
	t.Logf("the second run sent %d commands: %v", len(cmds), cmds)
	inserts := 0
	for _, c := range cmds {
		if strings.HasPrefix(c, "insert ") {
			inserts++
		}
	}
	if inserts != 0 {
		t.Errorf("the second run sent %d inserts, want 0 (it sent %v)", inserts, cmds)
	}
}
