package store

import "testing"

// TestRoleFlags: a CCU supervisor signs in like the rest of the unit (two
// factors, the staff idle timeout) and counts as the unit for assignment;
// the table is by hand from the role list in users.go.
func TestRoleFlags(t *testing.T) {
	for _, tc := range []struct {
		role                  Role
		twoFactor, staff, ccu bool
		label                 string
	}{
		{RoleAdmin, true, true, false, "Administrator"},
		{RoleCoordinator, false, true, false, "Engagement coordinator"},
		{RoleCCU, true, true, true, "Counter Corruption Unit"},
		{RoleCCUSupervisor, true, true, true, "Counter Corruption Unit supervisor"},
		{RoleChair, false, false, false, "Group chair"},
		{RoleMember, false, false, false, "Group member"},
		{RolePartner, false, false, false, "Partner organisation worker"},
		{RoleSchemeManager, false, false, false, "Custody visiting scheme manager"},
		{RoleOfficer, false, true, false, "Police officer (vehicle stops)"},
	} {
		r := tc.role
		if !r.Valid() || r.NeedsTwoFactor() != tc.twoFactor || r.Staff() != tc.staff || r.CCU() != tc.ccu || r.Label() != tc.label {
			t.Errorf("%s: valid %v, two-factor %v, staff %v, CCU %v, label %q", r, r.Valid(), r.NeedsTwoFactor(), r.Staff(), r.CCU(), r.Label())
		}
	}
	if len(Roles) != 9 || Role("supervisor").Valid() {
		t.Errorf("Roles = %v", Roles)
	}
}
