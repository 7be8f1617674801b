package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// TestSubjectAccessDownload: an administrator downloads everything held
// about an account holder: the account, memberships with vetting, declared
// conflicts, what they did and what was done to their account (without
// who did it), never a password or two-factor secret; the download is
// audited. Other roles and an unknown account are refused on fakes
// (TestSubjectAccessRefusalsWithFakes; the route-by-role test walks it too).
func TestSubjectAccessDownload(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	admin, ac := a.signedIn(store.RoleAdmin, "admin@example.org")
	ana := a.newUser(store.RoleCCU, "ana@example.org")
	g := &store.Group{Name: "Dorset Rural IAG", Kind: store.GroupIAG}
	if err := a.store.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	expires := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	if err := a.store.PutMembership(ctx, &store.Membership{GroupID: g.ID, UserID: ana.ID, VettingLevel: "NPPV2", VettingExpires: expires}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.DeclareConflict(ctx, ana.ID, store.ConflictPerson{Collar: "4242", Connection: "My cousin"}); err != nil {
		t.Fatal(err)
	}
	// Her part in the scheme's work (every kind: store TestSubjectAccessHoldsTheirWork).
	if err := a.store.SetTraining(ctx, ana.ID, store.TrainingRecord{Kind: "custody-induction", Completed: expires.AddDate(-1, 0, 0), Expires: expires}); err != nil {
		t.Fatal(err)
	}
	cc := a.client()
	cc.signIn(ana) // a sign-in: an action of theirs
	// One action on their account by the administrator.
	if err := a.store.Audit(ctx, store.AuditEvent{ActorID: admin.ID, Actor: admin.Email, Action: store.AuditRoleChange, Target: "user:" + ana.ID, Detail: "member to ccu"}); err != nil {
		t.Fatal(err)
	}

	person := "/admin/people/" + ana.ID
	if r := ac.get(person); !strings.Contains(r.Body, "Download what is held about") {
		t.Fatalf("no subject access button on the person page:\n%s", r.Body)
	}
	r := ac.submit(person, person+"/subject-access", url.Values{})
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") ||
		!strings.Contains(r.Header.Get("Content-Disposition"), "attachment") || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("download: %d %v\n%s", r.Status, r.Header, r.Body)
	}
	var sa store.SubjectAccess
	if err := json.Unmarshal([]byte(r.Body), &sa); err != nil {
		t.Fatal(err)
	}
	if sa.Account.Email != "ana@example.org" || sa.Account.Role != "ccu" {
		t.Errorf("account: %+v", sa.Account)
	}
	if len(sa.Memberships) != 1 || sa.Memberships[0].Group != "Dorset Rural IAG" || sa.Memberships[0].VettingLevel != "NPPV2" || !sa.Memberships[0].VettingExpires.Equal(expires) {
		t.Errorf("memberships: %+v", sa.Memberships)
	}
	if len(sa.Conflicts) != 1 || sa.Conflicts[0].Connection != "My cousin" {
		t.Errorf("conflicts: %+v", sa.Conflicts)
	}
	if len(sa.Training) != 1 || sa.Training[0].Kind != "custody-induction" || !sa.Training[0].Expires.Equal(expires) {
		t.Errorf("training: %+v", sa.Training)
	}
	for _, section := range []string{"custodyVisits", "bodyWornVideoViewings", "availabilityAnswers", "trainingRecords", "expenseClaims", "criticalIncidentAdvice", "meetingAttendance"} {
		if !strings.Contains(r.Body, `"`+section+`"`) {
			t.Errorf("the download has no %s section", section)
		}
	}
	actions := func(rs []store.SubjectAuditRecord) (out []string) {
		for _, r := range rs {
			out = append(out, r.Action)
		}
		return out
	}
	if got := strings.Join(actions(sa.ByThem), " "); !strings.Contains(got, store.AuditSignIn) {
		t.Errorf("their actions: %s", got)
	}
	if got := strings.Join(actions(sa.AboutThem), " "); !strings.Contains(got, store.AuditRoleChange) {
		t.Errorf("actions on their account: %s", got)
	}
	for _, secret := range []string{"argon2id", ana.PasswordHash, "admin@example.org"} {
		if strings.Contains(r.Body, secret) {
			t.Errorf("the download holds %q", secret)
		}
	}
	evs := auditOf(t, a, store.AuditSubjectAccess)
	if len(evs) != 1 || evs[0].Target != "user:"+ana.ID || evs[0].ActorID != admin.ID {
		t.Fatalf("audit: %+v", evs)
	}
}
