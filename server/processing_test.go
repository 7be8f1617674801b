package server

import (
	"context"
	"net/http"
	"net/url"
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

func TestProcessingPageIsForAdmins(t *testing.T) {
	a := newTestApp(t)
	ad := a.client()
	ad.signIn(a.newUser(store.RoleAdmin, "admin@example.org"))
	r := ad.get("/admin/processing")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Referral and report content") || !strings.Contains(r.Body, "deleted 12 months after that status") {
		t.Fatalf("record of processing: %d\n%s", r.Status, r.Body)
	}
}

// TestLawfulBasisEditedByTheDPO: the record's lawful basis and condition
// for a kind of data can be changed from the page (an administrator enters
// the DPO's decision); an empty basis is refused with 422, what was typed
// kept and nothing stored; the record and candour dpia then show the new
// wording and who set it; the change is audited.
func TestLawfulBasisEditedByTheDPO(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	ad := a.client()
	ad.signIn(a.newUser(store.RoleAdmin, "dpo@example.org"))
	page := "/admin/processing/vetting-data"
	if r := ad.get(page); r.Status != http.StatusOK || !strings.Contains(r.Body, "UK GDPR article 6(1)(e) public task") {
		t.Fatalf("edit page: %d\n%s", r.Status, r.Body)
	}
	r := ad.submit(page, page, url.Values{"lawfulBasis": {"  "}, "condition": {"Kept condition"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter the lawful basis") || !strings.Contains(r.Body, "Kept condition") {
		t.Fatalf("empty basis: %d\n%s", r.Status, r.Body)
	}
	if bs, _ := a.store.ProcessingBases(ctx); len(bs) != 0 {
		t.Fatalf("a refused basis was stored: %+v", bs)
	}
	r = ad.submit(page, page, url.Values{"lawfulBasis": {"UK GDPR article 6(1)(c) legal obligation"}, "condition": {"DPA 2018 Schedule 1, paragraph 1"}})
	if r.Status != http.StatusSeeOther || r.Location != "/admin/processing" {
		t.Fatalf("save: %d to %q\n%s", r.Status, r.Location, r.Body)
	}
	body := ad.get("/admin/processing").Body
	if !strings.Contains(body, "UK GDPR article 6(1)(c) legal obligation") || !strings.Contains(body, "Set by dpo@example.org") {
		t.Fatalf("record after the change:\n%s", body)
	}
	bases, err := a.store.ProcessingBases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	md := ProcessingMarkdown(a.srv.cfg, bases)
	if !strings.Contains(md, "## Vetting data\n\n- Held: Scrutiny members' vetting level and its expiry date\n- Purpose: Letting only vetted members take part in visits\n- Lawful basis: UK GDPR article 6(1)(c) legal obligation\n- Basis and condition set by dpo@example.org") ||
		!strings.Contains(md, "- Condition: DPA 2018 Schedule 1, paragraph 1\n") {
		t.Fatalf("dpia:\n%s", md)
	}
	// The other kinds keep their defaults.
	if !strings.Contains(md, "## Visit details\n\n- Held: Scrutiny visits, who signed up, what they observed and recorded\n- Purpose: Independent scrutiny of custody, stop and search and use of force\n- Lawful basis: UK GDPR article 6(1)(e) public task\n- Who") {
		t.Fatalf("dpia, other kinds:\n%s", md)
	}
	if evs := auditOf(t, a, store.AuditBasisChanged); len(evs) != 1 || evs[0].Target != "processing:vetting-data" {
		t.Fatalf("audit: %+v", evs)
	}
	if r := ad.get("/admin/processing/no-such-kind"); r.Status != http.StatusNotFound {
		t.Fatalf("unknown kind: %d", r.Status)
	}
}
