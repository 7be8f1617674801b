package store

import "testing"

// TestRoleFlags: a CCU supervisor signs in like the rest of the unit (two
// factors, the staff idle timeout) and counts as the unit for assignment;
// the table is by hand from the role list in users.go. (The roles' labels
// moved to words: TestRoleLabels there.)
func TestRoleFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		role                  Role
		twoFactor, staff, ccu bool
	}{
		{RoleAdmin, true, true, false},
		{RoleCoordinator, false, true, false},
		{RoleCCU, true, true, true},
		{RoleCCUSupervisor, true, true, true},
		{RoleChair, false, false, false},
		{RoleMember, false, false, false},
		{RolePartner, false, false, false},
		{RoleSchemeManager, false, false, false},
		{RoleOfficer, false, true, false},
	} {
		r := tc.role
		if !r.Valid() || r.NeedsTwoFactor() != tc.twoFactor || r.Staff() != tc.staff || r.CCU() != tc.ccu {
			t.Errorf("%s: valid %v, two-factor %v, staff %v, CCU %v", r, r.Valid(), r.NeedsTwoFactor(), r.Staff(), r.CCU())
		}
	}
	if len(Roles) != 9 || Role("supervisor").Valid() {
		t.Errorf("Roles = %v", Roles)
	}
}
