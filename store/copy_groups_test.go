package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestGroupsCopyFollowsEveryChange: the list of groups, kept in memory on
// the embedded server, shows every change made through the store at once
// (a new group, a renamed one, a member joining as chair, the chair's new
// name, the member leaving), in the list and one by one; a read with nothing changed sends nothing to
// the store, and what a caller does to its list does not reach the next.
func TestGroupsCopyFollowsEveryChange(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := context.Background()
	var mu sync.Mutex
	var trips []string
	stop := s.TraceCommands(func(cmd, coll string) {
		mu.Lock()
		defer mu.Unlock()
		trips = append(trips, cmd+" "+coll)
	})
	defer stop()
	// list is the groups as "name members chairs" lines, and the finds of
	// groups the read sent.
	list := func() (string, int) {
		t.Helper()
		mu.Lock()
		trips = nil
		mu.Unlock()
		gs, err := s.Groups(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, g := range gs {
			lines = append(lines, fmt.Sprintf("%s %d %s", g.Name, g.MemberCount, strings.Join(g.ChairNames, ",")))
			one, err := s.Group(ctx, g.ID)
			if err != nil || one.Name != g.Name || one.MemberCount != g.MemberCount || !slices.Equal(one.ChairNames, g.ChairNames) {
				t.Fatalf("Group(%s) = %+v (%v), in the list %+v", g.ID, one, err, g)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		finds := 0
		for _, tr := range trips {
			if tr == "find groups" {
				finds++
			}
		}
		return strings.Join(lines, "; "), finds
	}
	check := func(what, want string) {
		t.Helper()
		got, _ := list()
		if got != want {
			t.Fatalf("%s: groups %q, want %q", what, got, want)
		}
		if got, finds := list(); got != want || finds != 0 {
			t.Fatalf("%s, read again: groups %q with %d finds of groups, want %q with none", what, got, finds, want)
		}
	}

	b := &Group{Name: "Bravo panel", Kind: GroupPanel}
	if err := s.CreateGroup(ctx, b); err != nil {
		t.Fatal(err)
	}
	check("one group", "Bravo panel 0 ")
	a := &Group{Name: "Alpha IAG", Kind: GroupIAG}
	if err := s.CreateGroup(ctx, a); err != nil {
		t.Fatal(err)
	}
	check("a second group, listed by name", "Alpha IAG 0 ; Bravo panel 0 ")
	b.Name = "Charlie panel"
	if err := s.UpdateGroup(ctx, b); err != nil {
		t.Fatal(err)
	}
	check("renamed", "Alpha IAG 0 ; Charlie panel 0 ")
	u := &User{Email: "ann@example.org", Name: "Ann", Role: RoleChair}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := s.PutMembership(ctx, &Membership{GroupID: a.ID, UserID: u.ID, Chair: true, VettingLevel: "NPPV2"}); err != nil {
		t.Fatal(err)
	}
	check("a chair joined", "Alpha IAG 1 Ann; Charlie panel 0 ")
	if _, err := s.UpdateUser(ctx, u.ID, UserUpdate{Name: "Ann Bee", Role: RoleChair, Status: StatusActive}); err != nil {
		t.Fatal(err)
	}
	check("the chair renamed", "Alpha IAG 1 Ann Bee; Charlie panel 0 ")

	gs, err := s.Groups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gs[0].Name = "changed by a caller"
	gs[0], gs[1] = gs[1], gs[0]
	check("after a caller changed its list", "Alpha IAG 1 Ann Bee; Charlie panel 0 ")

	if err := s.RemoveMembership(ctx, a.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	check("the chair left", "Alpha IAG 0 ; Charlie panel 0 ")
	if _, err := s.Group(ctx, "no-such-group"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("an unknown group: %v, want ErrNotFound", err)
	}
}

// TestGroupCopiesRepairKeepsNoAccountsInMemory: the full repair of the
// group copies puts right every account's memberships and every group's
// summary a crash left behind, and leaves nothing of the accounts in
// memory (it once read the people list's copy of every account, which then
// stayed: issue 18's idle memory at ten times the data).
func TestGroupCopiesRepairKeepsNoAccountsInMemory(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := context.Background()
	g := &Group{Name: "Poole"}
	if err := s.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i, name := range []string{"Ann", "Bob", "Cat"} {
		u := &User{Email: fmt.Sprintf("u%d@example.org", i), Name: name, Role: RoleMember, Status: StatusActive}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := s.PutMembership(ctx, &Membership{GroupID: g.ID, UserID: u.ID, Chair: i == 0, VettingLevel: VettingLevels[0]}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	// What a crash between the memberships and their copies leaves.
	for _, id := range ids[1:] {
		if _, err := s.c("users").UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "memberships", Value: bson.A{}}}}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.c("groups").UpdateOne(ctx, bson.D{{Key: "_id", Value: g.ID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "memberCount", Value: 1}, {Key: "chairNames", Value: bson.A{}}}}}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.repairGroupCopies(ctx); err != nil || n != 3 {
		t.Fatalf("repairGroupCopies = %d, %v; want 3 (two accounts, one group)", n, err)
	}
	for _, id := range ids {
		ms, err := s.UserMemberships(ctx, id)
		if err != nil || len(ms) != 1 || ms[0].GroupID != g.ID {
			t.Errorf("UserMemberships(%s) = %+v, %v; want the one membership of %s", id, ms, err, g.ID)
		}
	}
	got, err := s.Group(ctx, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.MemberCount != 3 || !slices.Equal(got.ChairNames, []string{"Ann"}) {
		t.Errorf("group summary: %d members, chairs %v; want 3 and [Ann]", got.MemberCount, got.ChairNames)
	}
	s.dir.mu.Lock()
	loaded := s.dir.loaded
	s.dir.mu.Unlock()
	if loaded {
		t.Error("the repair loaded the people list's copy of every account; it must read them a batch at a time and keep none")
	}
	if n, err := s.repairGroupCopies(ctx); err != nil || n != 0 {
		t.Errorf("repairGroupCopies again = %d, %v; want 0", n, err)
	}
}
