package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"candour/store"
	"candour/store/storetest"
)

// Bulk-seeded events join the chain as if Audit had appended them one by
// one: the chain verifies across the seams, and the newest page reads them.
func TestSeedAuditEventsKeepsTheChain(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	if err := s.Audit(ctx, store.AuditEvent{Actor: "system", Action: store.AuditUserCreated}); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 1, 9, 0, 0, 123456789, time.UTC)
	err := s.SeedAuditEvents(ctx, 2500, func(i int) store.AuditEvent {
		return store.AuditEvent{At: start.Add(time.Duration(i) * time.Minute), Actor: "member@example.org",
			Action: store.AuditSignIn, Target: "user:1"}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Audit(ctx, store.AuditEvent{Actor: "system", Action: store.AuditSignOut}); err != nil {
		t.Fatal(err)
	}
	brk, n, err := s.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if brk != nil {
		t.Fatalf("chain breaks at %d: %s", brk.Seq, brk.Reason)
	}
	if got, want := n, int64(2502); got != want {
		t.Fatalf("verified %d events, want %d", got, want)
	}
	evs, more, err := s.ListAudit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != store.PageSize || !more {
		t.Fatalf("newest page: %d events, more=%v; want %d and more", len(evs), more, store.PageSize)
	}
	if got, want := evs[1].Seq, int64(2501); got != want {
		t.Fatalf("second newest seq=%d, want %d", got, want)
	}
	if got, want := evs[1].Day, "2026-01-03"; got != want { // i=2499: 1 January 09:00 + 41h39m
		t.Fatalf("day=%q, want %q", got, want)
	}

	if err := s.TamperAuditForTest(ctx, 1500); err != nil {
		t.Fatal(err)
	}
	if brk, _, _ := s.VerifyAudit(ctx); brk == nil || brk.Seq != 1500 {
		t.Fatalf("tampering with a seeded event: break=%v, want at 1500", brk)
	}
}

// Bulk-seeded memberships leave the documents PutMembership would: the
// same account copies and group summaries as one-by-one puts into another
// store, and nothing for the repair of those copies to put right.
func TestSeedMembershipsLeavesWhatPutMembershipWould(t *testing.T) {
	ctx := context.Background()
	joined := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	build := func(s *store.Store) ([]*store.User, []*store.Group, []*store.Membership) {
		var us []*store.User
		for i, name := range []string{"Ann Chair", "Bob Member", "Cat Member"} {
			u := &store.User{ID: fmt.Sprintf("u%d", i), Email: fmt.Sprintf("u%d@example.org", i), Name: name, Role: store.RoleMember, Status: store.StatusActive}
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			us = append(us, u)
		}
		var gs []*store.Group
		for i := range 2 {
			g := &store.Group{ID: fmt.Sprintf("g%d", i), Name: fmt.Sprintf("Group %d", i), Kind: store.GroupPanel}
			if err := s.CreateGroup(ctx, g); err != nil {
				t.Fatal(err)
			}
			gs = append(gs, g)
		}
		// Ann chairs group 0 and is in group 1; Bob is in both; Cat in
		// group 1 with vetting that expires.
		ms := []*store.Membership{
			{GroupID: "g0", UserID: "u0", Chair: true, VettingLevel: store.VettingLevels[0], JoinedAt: joined},
			{GroupID: "g1", UserID: "u0", VettingLevel: store.VettingLevels[0], JoinedAt: joined.Add(time.Hour)},
			{GroupID: "g1", UserID: "u1", VettingLevel: store.VettingLevels[0], JoinedAt: joined.Add(2 * time.Hour)},
			{GroupID: "g0", UserID: "u1", VettingLevel: store.VettingLevels[0], JoinedAt: joined.Add(3 * time.Hour)},
			{GroupID: "g1", UserID: "u2", VettingLevel: store.VettingLevels[0], JoinedAt: joined.Add(4 * time.Hour), VettingExpires: joined.AddDate(1, 0, 0)},
		}
		return us, gs, ms
	}
	one, bulk := storetest.Open(t), storetest.Open(t)
	_, _, ms := build(one)
	for _, m := range ms {
		if err := one.PutMembership(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	_, _, ms = build(bulk)
	if err := bulk.SeedMemberships(ctx, ms); err != nil {
		t.Fatal(err)
	}
	if n, err := bulk.RepairGroupCopies(ctx); err != nil || n != 0 {
		t.Fatalf("repair after seeding rewrote %d copies (err %v), want 0", n, err)
	}
	for _, id := range []string{"u0", "u1", "u2"} {
		want, err := one.UserMemberships(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := bulk.UserMemberships(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("user %s memberships:\n got %+v\nwant %+v", id, got, want)
		}
	}
	// By hand: g0 has Ann (chair) and Bob, g1 has Ann, Bob and Cat, one
	// expiry (Cat's).
	for _, c := range []struct {
		id     string
		n      int
		chairs []string
		exp    int
	}{{"g0", 2, []string{"Ann Chair"}, 0}, {"g1", 3, []string{}, 1}} {
		want, err := one.Group(ctx, c.id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := bulk.Group(ctx, c.id)
		if err != nil {
			t.Fatal(err)
		}
		if got.MemberCount != c.n || !reflect.DeepEqual(got.ChairNames, c.chairs) || len(got.VettingExpiries) != c.exp {
			t.Errorf("group %s: %d members, chairs %q, %d expiries; want %d, %q, %d", c.id, got.MemberCount, got.ChairNames, len(got.VettingExpiries), c.n, c.chairs, c.exp)
		}
		got.CreatedAt, want.CreatedAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("group %s summary:\n got %+v\nwant %+v", c.id, got, want)
		}
	}
}
