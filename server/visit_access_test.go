package server

import (
	"testing"

	"candour/store"
)

// TestRaiseIsDecidedOnceInAccessTo: who may raise a recommendation from a
// visit's findings, the one rule the visit page's link and the new
// recommendation's form both read (visitAccess.Raise): staff for any
// group's visit; a chair only for the group they chair, not for one they
// merely belong to; a member never; nobody for a visit they cannot see.
func TestRaiseIsDecidedOnceInAccessTo(t *testing.T) {
	v := &store.Visit{ID: "v1", GroupID: "g1"}
	for _, tc := range []struct {
		who  string
		u    *store.User
		want bool
	}{
		{"coordinator", &store.User{ID: "c", Role: store.RoleCoordinator}, true},
		{"the group's chair", &store.User{ID: "ch", Role: store.RoleChair, Memberships: []store.Membership{{GroupID: "g1", Chair: true}}}, true},
		{"a chair who is only a member here", &store.User{ID: "ch2", Role: store.RoleChair,
			Memberships: []store.Membership{{GroupID: "g1"}, {GroupID: "g2", Chair: true}}}, false},
		{"another group's chair", &store.User{ID: "ch3", Role: store.RoleChair, Memberships: []store.Membership{{GroupID: "g2", Chair: true}}}, false},
		{"a member", &store.User{ID: "m", Role: store.RoleMember, Memberships: []store.Membership{{GroupID: "g1"}}}, false},
		{"nobody signed in", nil, false},
	} {
		if got := accessTo(tc.u, v).Raise; got != tc.want {
			t.Errorf("%s: Raise = %v, want %v", tc.who, got, tc.want)
		}
	}
}
