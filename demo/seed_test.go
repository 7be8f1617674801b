package demo

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"candour/store"
)

// TestSeedPrintsEveryRole: the demo has one sign-in per role, the CCU
// supervisor among them, each an active account with that role, and the
// printed list names them all (eight lines after the heading).
func TestSeedPrintsEveryRole(t *testing.T) {
	db, logins, _ := seeded(t)
	ctx := context.Background()
	roles := map[store.Role]string{}
	for _, l := range logins {
		if l.Role != "" && l.Role.Valid() {
			roles[l.Role] = l.Email
		}
	}
	for _, r := range store.Roles {
		if roles[r] == "" {
			t.Errorf("no demo sign-in for %s", r)
		}
	}
	sup, err := db.UserByEmail(ctx, "supervisor@candour.example")
	if err != nil || sup.Role != store.RoleCCUSupervisor || sup.Status != store.StatusActive {
		t.Fatalf("the demo supervisor: %+v, %v", sup, err)
	}
	var out bytes.Buffer
	PrintLogins(&out, logins)
	if !strings.Contains(out.String(), "  ccusupervisor  supervisor@candour.example") {
		t.Errorf("the printed sign-ins lack the supervisor:\n%s", out.String())
	}
}
