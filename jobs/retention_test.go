package jobs

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"candour/store"
	"candour/store/storetest"
)

// TestClosedAccountsAreDeletedAfter12Months backs the privacy notice's
// "deleted 12 months after your account is closed": an account disabled
// 12 months and a day ago goes, with its membership (the group's count
// drops from 2 to 1), sessions and tokens, and the deletion is audited; one
// disabled 11 months ago, and an active account of two years, stay.
func TestClosedAccountsAreDeletedAfter12Months(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	clock := now
	db.SetClock(func() time.Time { return clock })

	g := &store.Group{Name: "Bournemouth ICV panel", Kind: "icv"}
	if err := db.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	mk := func(email string, age time.Duration, closedAgo *time.Duration) *store.User {
		clock = now.Add(-age)
		u := &store.User{Email: email, Name: email, Role: store.RoleMember, Status: store.StatusActive}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := db.PutMembership(ctx, &store.Membership{GroupID: g.ID, UserID: u.ID, VettingLevel: "none"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateToken(ctx, "reset", u.ID, "", time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveSession(ctx, "cookie-"+email, &store.Session{UserID: u.ID, Values: map[string]string{}}); err != nil {
			t.Fatal(err)
		}
		if closedAgo != nil {
			clock = now.Add(-*closedAgo)
			if _, err := db.UpdateUser(ctx, u.ID, store.UserUpdate{Name: u.Name, Role: u.Role, Status: store.StatusDisabled}); err != nil {
				t.Fatal(err)
			}
		}
		return u
	}
	year := 365 * 24 * time.Hour
	// 12 months back from 1 June 2026 is 1 June 2025: closed on 31 May 2025 is due, on 1 July 2025 is not.
	due := now.Sub(time.Date(2025, 5, 31, 9, 0, 0, 0, time.UTC))
	notYet := now.Sub(time.Date(2025, 7, 1, 9, 0, 0, 0, time.UTC))
	old := mk("closed-long-ago@example.org", 3*year, &due)
	recent := mk("closed-recently@example.org", 3*year, &notYet)
	active := mk("active@example.org", 2*year, nil)
	clock = now

	if gr, _ := db.Group(ctx, g.ID); gr.MemberCount != 3 {
		t.Fatalf("group has %d members before, want 3", gr.MemberCount)
	}
	n, err := deleteClosedAccounts(ctx, db)
	if err != nil || n != 1 {
		t.Fatalf("deleted %d accounts (%v), want 1", n, err)
	}
	if _, err := db.User(ctx, old.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the account closed 12 months and a day ago is still there: %v", err)
	}
	for _, u := range []*store.User{recent, active} {
		if _, err := db.User(ctx, u.ID); err != nil {
			t.Fatalf("%s was deleted: %v", u.Email, err)
		}
	}
	if gr, _ := db.Group(ctx, g.ID); gr.MemberCount != 2 {
		t.Fatalf("group has %d members after, want 2", gr.MemberCount)
	}
	if ms, _ := db.UserMemberships(ctx, old.ID); len(ms) != 0 {
		t.Fatalf("the deleted account still has memberships %+v", ms)
	}
	if s, err := db.Session(ctx, "cookie-closed-long-ago@example.org"); err == nil && s != nil {
		t.Fatal("the deleted account's session is still there")
	}
	for _, coll := range []string{"tokens", "sessions", "memberships"} {
		if n, _ := db.RawDatabase().Collection(coll).CountDocuments(ctx, map[string]any{"userId": old.ID}); n != 0 {
			t.Errorf("%d %s rows still name the deleted account", n, coll)
		}
	}
	evs, _, err := db.ListAudit(ctx, store.AuditFilter{Action: store.AuditAccountDeleted})
	if err != nil || len(evs) != 1 || evs[0].Target != "user:"+old.ID {
		t.Fatalf("audit = %+v, %v", evs, err)
	}
	if n, _ := deleteClosedAccounts(ctx, db); n != 0 {
		t.Fatalf("a second run deleted %d more", n)
	}
}

// TestAuditRetentionKeepsTheChainVerifiable backs "security records are
// kept for 7 years": events of days more than 7 years old are removed (4
// of the 6 written: 2 on each of two days 8 years back), the rest stay,
// the removal is itself an audit event naming the anchor, and the chain
// still verifies. Altering the anchor breaks verification.
func TestAuditRetentionKeepsTheChainVerifiable(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	clock := now
	db.SetClock(func() time.Time { return clock })
	write := func(at time.Time, n int) {
		clock = at
		for range n {
			if err := db.Audit(ctx, store.AuditEvent{Actor: "system", Action: store.AuditSignIn}); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(now.AddDate(-8, 0, 0), 2) // events 1-2
	write(now.AddDate(-8, 0, 1), 2) // events 3-4
	write(now.AddDate(-6, 0, 0), 1) // event 5: within 7 years
	write(now.AddDate(0, 0, -1), 1) // event 6
	clock = now

	n, err := pruneAudit(ctx, db)
	if err != nil || n != 4 {
		t.Fatalf("removed %d events (%v), want 4", n, err)
	}
	brk, last, err := db.VerifyAudit(ctx)
	if err != nil || brk != nil || last != 7 {
		t.Fatalf("after pruning: break %+v, last %d, %v; want an intact chain up to event 7 (the removal's)", brk, last, err)
	}
	evs, _, err := db.ListAudit(ctx, store.AuditFilter{})
	if err != nil || len(evs) != 3 {
		t.Fatalf("%d events left (%v), want 3: events 5, 6 and the removal", len(evs), err)
	}
	a, _ := db.AuditAnchorNow(ctx)
	if a == nil || a.Seq != 4 || !strings.Contains(evs[0].Detail, "after event 4, hash "+a.Hash) || evs[0].Action != store.AuditPruned {
		t.Fatalf("anchor %+v, newest event %+v", a, evs[0])
	}
	if n, _ := pruneAudit(ctx, db); n != 0 {
		t.Fatalf("a second run removed %d more", n)
	}
	// Moving the anchor (say, to hide the removal of more events) is caught.
	if _, err := db.RawDatabase().Collection("counters").UpdateOne(ctx, map[string]any{"_id": "audit-anchor"},
		map[string]any{"$set": map[string]any{"hash": strings.Repeat("0", 64)}}); err != nil {
		t.Fatal(err)
	}
	if brk, _, _ := db.VerifyAudit(ctx); brk == nil {
		t.Fatal("an altered anchor verified")
	}
}
