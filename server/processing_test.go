package server

import (
	"strings"
	"testing"

	"candour/config"
	"candour/store"
)

// TestProcessingRecordFollowsPolicyAndRetention: who can see each kind of
// data is what the policy table grants, and how long referral content is
// kept is what CANDOUR_REFERRAL_RETENTION says, so changing either changes
// the record.
func TestProcessingRecordFollowsPolicyAndRetention(t *testing.T) {
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]DataKind{}
	for _, k := range Processing(cfg) {
		kinds[k.Name] = k
	}
	// By hand from policy.go: ccu.view and ccu.export are the CCU's only
	// (analysts and supervisors); ccu.audit and ccu.review the supervisor's;
	// surveys.public is public; people.edit is admin, members.edit and
	// groups.list are admin and coordinator.
	for name, want := range map[string]string{
		"Referral and report content":     "Counter Corruption Unit, Counter Corruption Unit supervisor",
		"Reporter identity":               "Counter Corruption Unit, Counter Corruption Unit supervisor",
		"Accounts and the audit log":      "Administrator, Counter Corruption Unit supervisor",
		"Survey special category answers": "anyone (the published, suppressed summary)",
		"Vetting data":                    "Administrator, Engagement coordinator",
	} {
		if got := strings.Join(kinds[name].Seen, ", "); got != want {
			t.Errorf("%s seen by %q, want %q", name, got, want)
		}
	}
	// The default retention (config.DefaultRetention), line by line.
	wantKept := []string{
		"Anonymous reports no further action: deleted 12 months after that status (referral-retention job, hourly)",
		"Anonymous reports closed: deleted 24 months after that status (referral-retention job, hourly)",
		"Partner referrals no further action: deleted 24 months after that status (referral-retention job, hourly)",
		"Partner referrals closed: deleted 72 months after that status (referral-retention job, hourly)",
	}
	if got := kinds["Referral and report content"].Kept; strings.Join(got, "\n") != strings.Join(wantKept, "\n") {
		t.Errorf("kept = %q\nwant %q", got, wantKept)
	}
	if got := kinds["Accounts and the audit log"].Kept[0]; got != "Sessions: deleted 30 minutes after the last request (session-cleanup job)" {
		t.Errorf("sessions kept = %q", got)
	}
	// A force's own setting shows instead.
	cfg, _ = config.Load(func(k string) string {
		return map[string]string{"CANDOUR_REFERRAL_RETENTION": "partner:closed=6"}[k]
	})
	if got := Processing(cfg)[0].Kept; len(got) != 1 || !strings.HasPrefix(got[0], "Partner referrals closed: deleted 6 months") {
		t.Errorf("configured retention = %q", got)
	}
	// Granting an action changes the record: the record reads the table.
	saved := policy["ccu.export"]
	policy["ccu.export"] = []store.Role{store.RoleCCU, store.RoleAdmin}
	got := whoMay([]string{"ccu.view", "ccu.export"})
	policy["ccu.export"] = saved
	if strings.Join(got, ", ") != "Administrator, Counter Corruption Unit, Counter Corruption Unit supervisor" {
		t.Errorf("after granting export to admins: %q", got)
	}
}
