package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// listUsersByQuery is ListUsers as a query, as it was before the
// directory: the reference the copy is checked against.
func listUsersByQuery(ctx context.Context, s *Store, f UserFilter) ([]User, bool, error) {
	filter := bson.D{}
	if f.Role != "" {
		filter = append(filter, bson.E{Key: "role", Value: f.Role})
	}
	if q := strings.ToLower(strings.TrimSpace(f.Search)); q != "" {
		re := bson.Regex{Pattern: regexQuote(q)}
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "nameLower", Value: re}},
			bson.D{{Key: "email", Value: re}},
		}})
	}
	var users []User
	more, err := s.page(ctx, "users", filter, bson.D{{Key: "nameLower", Value: 1}, {Key: "_id", Value: 1}}, f.Page, &users)
	return users, more, err
}

func ids(us []User) string {
	var out []string
	for _, u := range us {
		out = append(out, u.Name)
	}
	return strings.Join(out, ",")
}

// TestPeopleDirectoryAgreesWithTheQuery: every filter and page of the
// people list gives the same accounts, in the same order, from the copy as
// from the query, before and after accounts change.
func TestPeopleDirectoryAgreesWithTheQuery(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := context.Background()
	roles := []Role{RoleMember, RoleChair, RoleAdmin}
	var made []*User
	for i := range 130 {
		// Names that sort differently from their ids, with ties.
		u := &User{Email: fmt.Sprintf("p%03d@example.org", i), Name: fmt.Sprintf("%c%s %d", 'A'+rune(i*7%26), []string{"nne", "ob", "an"}[i%3], i%40), Role: roles[i%3]}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		made = append(made, u)
	}
	filters := []UserFilter{{}, {Page: 2}, {Page: 3}, {Page: 4}, {Role: RoleChair}, {Role: RoleMember, Page: 1}, {Search: "an"}, {Search: " AN ", Page: 2},
		{Search: "p01"}, {Search: "example.org", Role: RoleAdmin}, {Search: "nobody"}, {Search: "(."}}
	check := func(when string) {
		t.Helper()
		for _, f := range filters {
			want, wantMore, err := listUsersByQuery(ctx, s, f)
			if err != nil {
				t.Fatal(err)
			}
			got, gotMore, err := s.ListUsers(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if ids(got) != ids(want) || gotMore != wantMore || !slices.EqualFunc(got, want, func(a, b User) bool { return a.ID == b.ID && a.Status == b.Status }) {
				t.Errorf("%s, filter %+v:\n copy  %v (more %v)\n query %v (more %v)", when, f, ids(got), gotMore, ids(want), wantMore)
			}
		}
	}
	check("at first")
	// Renames, a role change and a new account reach the copy.
	if _, err := s.UpdateUser(ctx, made[5].ID, UserUpdate{Name: "Aaron First", Role: RoleAdmin, Status: StatusActive}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateUser(ctx, made[6].ID, UserUpdate{Name: "Zed Last", Role: RoleChair, Status: StatusDisabled}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUser(ctx, &User{Email: "new@example.org", Name: "Mid Ann", Role: RoleMember}); err != nil {
		t.Fatal(err)
	}
	check("after changes")
	// A write that may touch any account (behind the copy's back, then a
	// write of many) is caught too.
	if _, err := s.c("users").UpdateMany(ctx, bson.D{{Key: "role", Value: RoleAdmin}}, bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: StatusDisabled}}}}); err != nil {
		t.Fatal(err)
	}
	check("after a write of many")
}

// TestUsersByIDManyFromTheDirectory: asked for more accounts than it reads
// one by one, UsersByID answers from the people directory, and the answer
// is the one the look-ups by _id give, before and after a rename; an
// unknown id is left out either way.
func TestUsersByIDManyFromTheDirectory(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := context.Background()
	var all []string
	for i := range usersReadOneByOne + 4 {
		u := &User{Email: fmt.Sprintf("m%02d@example.org", i), Name: fmt.Sprintf("Member %d", i), Role: RoleMember}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		all = append(all, u.ID)
	}
	asked := append(slices.Clone(all), "no-such-account")
	check := func(when string) {
		t.Helper()
		many, err := s.UsersByID(ctx, asked)
		if err != nil {
			t.Fatal(err)
		}
		if len(many) != len(all) {
			t.Fatalf("%s: %d accounts, want %d", when, len(many), len(all))
		}
		for _, id := range all {
			one, err := s.UsersByID(ctx, []string{id}) // read by _id
			if err != nil {
				t.Fatal(err)
			}
			if many[id].Name != one[id].Name || many[id].Email != one[id].Email || many[id].Role != one[id].Role {
				t.Errorf("%s: %s from the directory %+v, by _id %+v", when, id, many[id], one[id])
			}
		}
	}
	check("at first")
	if _, err := s.UpdateUser(ctx, all[3], UserUpdate{Name: "Renamed Member", Role: RoleChair, Status: StatusActive}); err != nil {
		t.Fatal(err)
	}
	check("after a rename")
	if got, _ := s.UsersByID(ctx, asked); got[all[3]].Name != "Renamed Member" {
		t.Errorf("the rename did not reach the directory: %q", got[all[3]].Name)
	}
}

// TestUsersByIDReadsOnlyTheAsked: asked for many accounts while the people
// directory is not current (after accounts were made, or a restart),
// UsersByID reads the accounts asked for by _id, not every account to
// bring the directory up to date (a critical-incident request asking 200
// of 5,000 accounts read all 5,000 before its messages were queued); once
// the people list has loaded the directory, it answers from it without a
// read. The answers are the same.
func TestUsersByIDReadsOnlyTheAsked(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := context.Background()
	var all []string
	for i := range 3 * (usersReadOneByOne + 4) {
		u := &User{Email: fmt.Sprintf("a%03d@example.org", i), Name: fmt.Sprintf("Asked %d", i), Role: RoleMember, Status: StatusActive}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		all = append(all, u.ID)
	}
	asked := append(slices.Clone(all[:usersReadOneByOne+4]), "no-such-account")
	var scans, reads atomic.Int32
	stop := s.TraceFilters(func(cmd, coll string, filter bson.Raw) {
		if coll != "users" {
			return
		}
		if elems, err := filter.Elements(); cmd == "find" && err == nil && len(elems) == 1 && elems[0].Key() == "_id" {
			reads.Add(1)
		} else {
			scans.Add(1)
		}
	})
	defer stop()

	byID, err := s.UsersByID(ctx, asked)
	if err != nil {
		t.Fatal(err)
	}
	if n := scans.Load(); n != 0 {
		t.Errorf("UsersByID of %d accounts among %d, the directory not current: %d reads of users not by _id (every account read), want none", len(asked), len(all), n)
	}
	if len(byID) != len(asked)-1 {
		t.Fatalf("%d accounts, want %d", len(byID), len(asked)-1)
	}

	if _, _, err := s.ListUsers(ctx, UserFilter{}); err != nil { // the people list loads the directory
		t.Fatal(err)
	}
	scans.Store(0)
	reads.Store(0)
	fromDirectory, err := s.UsersByID(ctx, asked)
	if err != nil {
		t.Fatal(err)
	}
	if n := scans.Load() + reads.Load(); n != 0 {
		t.Errorf("UsersByID with the directory current: %d reads of users, want none", n)
	}
	for _, id := range all[:usersReadOneByOne+4] {
		if a, b := byID[id], fromDirectory[id]; a.ID != id || a.Name != b.Name || a.Email != b.Email || a.Status != b.Status || a.Role != b.Role {
			t.Errorf("%s: by _id %+v, from the directory %+v", id, a, b)
		}
	}
}

// TestNewAccountPlacedInTheDirectory: a new account is placed in the
// people directory by its _id (one read of it), not by reading every
// account again: after the people list has loaded the directory and an
// account is made, the list shows it in its place and UsersByID of many
// accounts answers from the directory, with no read of users but that one
// by _id. (On MongoDB, where other instances make accounts too, the
// directory is still read again whole.)
func TestNewAccountPlacedInTheDirectory(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := context.Background()
	var made []string
	for i := range usersReadOneByOne + 4 {
		u := &User{Email: fmt.Sprintf("d%03d@example.org", i), Name: fmt.Sprintf("Placed %02d", i), Role: RoleMember, Status: StatusActive}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		made = append(made, u.ID)
	}
	if _, _, err := s.ListUsers(ctx, UserFilter{}); err != nil { // the people list loads the directory
		t.Fatal(err)
	}
	newcomer := &User{Email: "newcomer@example.org", Name: "Placed 05a", Role: RoleChair, Status: StatusInvited}
	if err := s.CreateUser(ctx, newcomer); err != nil {
		t.Fatal(err)
	}
	var scans, reads atomic.Int32
	stop := s.TraceFilters(func(cmd, coll string, filter bson.Raw) {
		if coll != "users" {
			return
		}
		if elems, err := filter.Elements(); cmd == "find" && err == nil && len(elems) == 1 && elems[0].Key() == "_id" {
			reads.Add(1)
		} else {
			scans.Add(1)
		}
	})
	defer stop()
	byID, err := s.UsersByID(ctx, append(slices.Clone(made), newcomer.ID))
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := s.ListUsers(ctx, UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	remote := s.docs.remote
	if n := scans.Load(); !remote && n != 0 {
		t.Errorf("after a new account: %d reads of users not by _id (every account read again), want none", n)
	}
	if n := reads.Load(); !remote && n != 1 {
		t.Errorf("after a new account: %d reads of users by _id, want 1 (the new account)", n)
	}
	if u := byID[newcomer.ID]; u.Email != newcomer.Email || u.Role != RoleChair || len(byID) != len(made)+1 {
		t.Errorf("UsersByID: the new account %+v, %d accounts; want %s and %d", u, len(byID), newcomer.Email, len(made)+1)
	}
	want, _, err := listUsersByQuery(ctx, s, UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if ids(got) != ids(want) || !strings.Contains(ids(got), "Placed 05,Placed 05a,Placed 06") {
		t.Errorf("the people list after a new account:\n copy  %v\n query %v", ids(got), ids(want))
	}
}

// TestOneRoleListLooksOnlyAtThatRole: a list of one role (the CCU's
// analysts, on every view of a referral and every partner referral sent)
// looks at that role's accounts only, by the copy's index by role, however
// many members the force has; a role changed or an account made since
// reaches the index.
func TestOneRoleListLooksOnlyAtThatRole(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := context.Background()
	members := func(from, n int) []*User {
		var made []*User
		for i := from; i < from+n; i++ {
			u := &User{Email: fmt.Sprintf("m%03d@example.org", i), Name: fmt.Sprintf("Member %03d", i), Role: RoleMember, Status: StatusActive}
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			made = append(made, u)
		}
		return made
	}
	for _, name := range []string{"Ann Analyst", "Bob Analyst"} {
		if err := s.CreateUser(ctx, &User{Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.org", Name: name, Role: RoleCCU, Status: StatusActive}); err != nil {
			t.Fatal(err)
		}
	}
	made := members(0, 30)
	check := func(when, want string) {
		t.Helper()
		before := s.usersLooked.Load()
		got, more, err := s.ListUsers(ctx, UserFilter{Role: RoleCCU})
		if err != nil {
			t.Fatal(err)
		}
		if ids(got) != want || more {
			t.Errorf("%s: analysts %q (more %v), want %q", when, ids(got), more, want)
		}
		if looked, n := s.usersLooked.Load()-before, int64(strings.Count(want, ",")+1); looked != n {
			t.Errorf("%s: looked at %d accounts, want %d (the analysts')", when, looked, n)
		}
	}
	check("beside 30 members", "Ann Analyst,Bob Analyst")
	members(30, 200)
	check("beside 230 members", "Ann Analyst,Bob Analyst")
	if _, err := s.UpdateUser(ctx, made[3].ID, UserUpdate{Name: "Cat Analyst", Role: RoleCCU, Status: StatusActive}); err != nil {
		t.Fatal(err)
	}
	check("after a member became an analyst", "Ann Analyst,Bob Analyst,Cat Analyst")
}
