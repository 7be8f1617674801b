package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"candour/store"
)

// TestVettingMonitor: only the CCU and administrators see vetting
// decisions; a bad file is refused naming each wrong line and keeps the
// force typed; a good one shows the hand-counted figures of
// powers/vetting_test.go (Black refusals 12 of 40, 3.60 times White's 10
// of 120, 1.69 to 7.69), with small counts withheld and no way to publish.
// The file goes through powers' own import and figures on a powerWorld.
func TestVettingMonitor(t *testing.T) {
	a, _, _ := powerWorldFakes(t)
	analyst := a.newUser(store.RoleCCU, "analyst@example.org")
	ccu := a.as(analyst)
	coord := a.as(a.newUser(store.RoleCoordinator, "coord@example.org"))
	public := a.client()

	if r := ccu.get("/vetting"); r.Status != 200 || !strings.Contains(r.Body, "No vetting decisions have been imported yet") {
		t.Fatalf("empty page: %d", r.Status)
	}
	// (A coordinator refused: TestPowerImportRefusalsWithFakes.)
	good := readData(t, "vetting-decisions-example.csv")
	bad := strings.Replace(string(good), "Withdrawn", "Dropped", 1)
	r := ccu.upload("/vetting/import", "/vetting/import", "file", map[string][]byte{"vetting.csv": []byte(bad)}, url.Values{"force": {"dorset"}})
	// The first "Withdrawn" is line 8 (after the header, White's 6 refusals).
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "vetting.csv, line 8, Outcome: &#34;Dropped&#34; is not one of") ||
		!strings.Contains(r.Body, "govuk-error-summary") || !strings.Contains(r.Body, `value="dorset"`) || !strings.Contains(r.Body, "Nothing was stored") {
		t.Fatalf("bad file: %d\n%s", r.Status, r.Body)
	}
	if r := ccu.get("/vetting"); !strings.Contains(r.Body, "No vetting decisions have been imported yet") {
		t.Fatal("a refused file left data behind")
	}
	// (An unknown force: TestPowerImportRefusalsWithFakes.)
	r = ccu.upload("/vetting/import", "/vetting/import", "file", map[string][]byte{"vetting.csv": good}, url.Values{"force": {"dorset"}})
	if r.Status != 200 || !strings.Contains(r.Body, "226 rows imported") || !strings.Contains(r.Body, "April 2025: 40 rows") {
		t.Fatalf("import: %d\n%s", r.Status, r.Body)
	}
	evs, _, err := a.audits.list(context.Background(), store.AuditFilter{Action: store.AuditDataImported, Target: "vetting:dorset"})
	if err != nil || len(evs) != 1 || evs[0].Actor != analyst.Email {
		t.Fatalf("audit %+v %v", evs, err)
	}
	r = ccu.get("/vetting?force=dorset&from=2025-01&to=2025-06")
	for _, want := range []string{
		"Applications from Black people were 3.6 times as likely as White applicants&#39; to be refused (95% interval 1.7 to 7.7).",
		"3.60 (1.69 to 7.69)",    // the table
		"30.0% (18.1% to 45.4%)", // Black refusal rate
		"fewer than 10",          // withdrawals of 1 to 9
		"January to March 2025",  // the trend
		"What these figures cannot show",
		// By sex, type and level (hand counts in powers/vetting_test.go):
		// Male refusals 16 of 90.
		"Decisions by sex, all ethnic groups", "17.8% (11.2% to 26.9%)",
		"Decisions by application type", "Police support volunteer</th>",
		"Decisions by vetting level", "NPPV2</th>",
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("monitor lacks %q", want)
		}
	}
	if strings.Contains(r.Body, "/publish") || strings.Contains(r.Body, ">Publish") {
		t.Error("the vetting page offers to publish")
	}
	if r := ccu.get("/vetting?force=dorset&from=2025-06&to=2025-01"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "govuk-error-summary") {
		t.Errorf("backwards period: %d", r.Status)
	}
	// Never on a shared or public route.
	for _, path := range []string{"/powers/vetting", "/powers/vetting/import"} {
		if r := coord.get(path); r.Status != http.StatusNotFound {
			t.Errorf("%s: %d", path, r.Status)
		}
	}
	if r := public.get("/public/powers/vetting"); r.Status != http.StatusNotFound {
		t.Errorf("public: %d", r.Status)
	}
	if r := coord.submit("/powers", "/powers/vetting/publish", url.Values{"force": {"dorset"}, "from": {"2025-01"}, "to": {"2025-06"}}); r.Status != http.StatusNotFound {
		t.Errorf("publish: %d", r.Status)
	}
	if r := coord.get("/powers"); strings.Contains(r.Body, "Vetting") {
		t.Error("the overview shows vetting")
	}
}
