package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestVersionedKeepsNoLoadThatStraddlesAWrite: a value read before an
// invalidation and put after it is not kept; one read after it is.
func TestVersionedKeepsNoLoadThatStraddlesAWrite(t *testing.T) {
	t.Parallel()
	c := newVersioned[string](0, 0)
	g := c.begin()    // a load starts and reads "old"
	c.invalidate("k") // a write lands meanwhile
	c.put("k", anyVersion, "old", g)
	if v, ok := c.get("k", anyVersion); ok {
		t.Fatalf("kept %q, read before the write", v)
	}
	v, err := c.load("k", anyVersion, func() (string, error) { return "new", nil })
	if err != nil || v != "new" {
		t.Fatal(v, err)
	}
	if v, ok := c.get("k", anyVersion); !ok || v != "new" {
		t.Fatalf("not kept: %q %v", v, ok)
	}
	// A versioned value is only good for its version.
	c.put("idx", 3, "at three", c.begin())
	if _, ok := c.get("idx", 4); ok {
		t.Fatal("a value read at version 3 served version 4")
	}
	if v, ok := c.get("idx", 3); !ok || v != "at three" {
		t.Fatal(v, ok)
	}
}

// TestSessionAndAccountCopiesAreCoherent: on the embedded engine every
// write through the store reaches the cached session and account at once,
// including writes that race with reads.
func TestSessionAndAccountCopiesAreCoherent(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := context.Background()
	u := &User{Email: "ann@example.org", Name: "Ann", Role: RoleMember}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got, err := s.User(ctx, u.ID); err != nil || got.Name != "Ann" {
		t.Fatal(got, err)
	}
	if _, err := s.UpdateUser(ctx, u.ID, UserUpdate{Name: "Ann B", Role: RoleChair, Status: StatusDisabled}); err != nil {
		t.Fatal(err)
	}
	got, err := s.User(ctx, u.ID)
	if err != nil || got.Name != "Ann B" || got.Role != RoleChair || got.Status != StatusDisabled {
		t.Fatalf("after the update the cached account is %+v, %v", got, err)
	}
	// Callers may change what they get without changing the copy.
	got.Name = "changed by a caller"
	if again, _ := s.User(ctx, u.ID); again.Name != "Ann B" {
		t.Fatalf("a caller's change reached the copy: %q", again.Name)
	}

	now := s.Now().UTC()
	ss := &Session{UserID: u.ID, Values: map[string]string{"n": "0"}, LastSeen: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.SaveSession(ctx, "cookie", ss); err != nil {
		t.Fatal(err)
	}
	// Readers and writers at once: after the last write every read sees it.
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if _, err := s.Session(ctx, "cookie"); err != nil {
				t.Error(err)
			}
		})
		ss.Values = map[string]string{"n": fmt.Sprint(i + 1)}
		if err := s.UpdateSession(ctx, "cookie", ss); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if got, err := s.Session(ctx, "cookie"); err != nil || got.Values["n"] != "50" {
		t.Fatalf("session after 50 writes: %+v %v", got, err)
	}
	// Signing out everywhere (a write of many documents) drops the copy.
	if n, err := s.DeleteUserSessions(ctx, u.ID); err != nil || n != 1 {
		t.Fatal(n, err)
	}
	if _, err := s.Session(ctx, "cookie"); err == nil {
		t.Fatal("a deleted session is still served from the cache")
	}
}

// TestRemoteCopiesFollowTheRevocationVersion: on MongoDB another instance
// writes without this one hearing of it; the copy is dropped once the
// revocation version moves (the other instance's writer moves it).
func TestRemoteCopiesFollowTheRevocationVersion(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := context.Background()
	s.docs = newDocCache(true) // behave as on MongoDB
	u := &User{Email: "bob@example.org", Name: "Bob", Role: RoleMember}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got, err := s.User(ctx, u.ID); err != nil || got.Name != "Bob" {
		t.Fatal(got, err)
	}
	// Another instance renames Bob: its write does not pass through this
	// store's writer, so the copy here is stale...
	if _, err := s.db.Collection("users").UpdateOne(ctx, bson.D{{Key: "_id", Value: u.ID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "name", Value: "Robert"}}}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.User(ctx, u.ID); got.Name != "Bob" {
		t.Fatalf("the copy should still be the old one before the version moves: %q", got.Name)
	}
	// ...until that instance moves the revocation version on, and this one
	// looks again (at most every revocationCheck).
	s.revoke(ctx)
	time.Sleep(revocationCheck + 50*time.Millisecond)
	if got, _ := s.User(ctx, u.ID); got.Name != "Robert" {
		t.Fatalf("after the revocation version moved: %q", got.Name)
	}
}

// TestRepairCopiesPutsRightWhatACrashLeft: a group summary and an account's
// memberships left wrong (as a crash between a membership change and its
// copies would leave them) are put right, once; a second run finds nothing.
func TestRepairCopiesPutsRightWhatACrashLeft(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := context.Background()
	g := &Group{Name: "Panel", Kind: "panel"}
	if err := s.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	var people []*User
	for i := range 3 {
		u := &User{Email: fmt.Sprintf("m%d@example.org", i), Name: fmt.Sprintf("Member %d", i), Role: RoleMember}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := s.PutMembership(ctx, &Membership{GroupID: g.ID, UserID: u.ID, Chair: i == 0}); err != nil {
			t.Fatal(err)
		}
		people = append(people, u)
	}
	if got, err := s.Repair(ctx); err != nil || len(got.Fixed) != 0 {
		t.Fatalf("nothing to repair yet: %v %v", got.Fixed, err)
	}
	// The crash: the group says 1 member and no chair; one account lost its copy.
	if _, err := s.c("groups").UpdateOne(ctx, bson.D{{Key: "_id", Value: g.ID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "memberCount", Value: 1}, {Key: "chairNames", Value: bson.A{}}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.c("users").UpdateOne(ctx, bson.D{{Key: "_id", Value: people[2].ID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "memberships", Value: bson.A{}}}}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Repair(ctx)
	if err != nil || got.Fixed["group summaries and memberships on accounts"] != 2 {
		t.Fatalf("repairs: %v %v, want 2 (the group and the account)", got.Fixed, err)
	}
	gr, err := s.Group(ctx, g.ID)
	if err != nil || gr.MemberCount != 3 || len(gr.ChairNames) != 1 || gr.ChairNames[0] != "Member 0" {
		t.Fatalf("group after repair: %+v %v", gr, err)
	}
	if ms, err := s.UserMemberships(ctx, people[2].ID); err != nil || len(ms) != 1 || ms[0].GroupID != g.ID {
		t.Fatalf("account copy after repair: %+v %v", ms, err)
	}
	if got, err := s.Repair(ctx); err != nil || len(got.Fixed) != 0 {
		t.Fatalf("a second run repaired %v (%v)", got.Fixed, err)
	}
}

// TestOneProcessOwnsTheEmbeddedStore: the copies are exact only if no
// other process writes the same files, so a second opening of a data
// directory in use is refused (with ErrInUse) until the first closes.
func TestOneProcessOwnsTheEmbeddedStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	if err := PrepareFresh(ctx, dir, "test"); err != nil { // a fresh store, without making one
		t.Fatal(err)
	}
	first, err := Open(ctx, Options{DataDir: dir, Database: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if second, err := Open(ctx, Options{DataDir: dir, Database: "test"}); !errors.Is(err, ErrInUse) {
		if second != nil {
			second.Close(ctx)
		}
		t.Fatalf("a second opening of %s: %v, want ErrInUse", dir, err)
	}
	if err := first.Close(ctx); err != nil {
		t.Fatal(err)
	}
	second, err := Open(ctx, Options{DataDir: dir, Database: "test"})
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	second.Close(ctx)
}
