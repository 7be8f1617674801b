package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"candour/store"
)

// TestUseOfForceIncidentsMonitor imports the example incident file (hand
// counts in powers/use_of_force_test.go: Black 10 incidents, White 24,
// ratio 57.54 (27.5 to 120.3); Taser Black 3 of 10; protect self Black 4
// of 10 = 40.0% (16.8% to 68.7%)) and reads the page, with a bad file
// refused first.
func TestUseOfForceIncidentsMonitor(t *testing.T) {
	a, _, _ := powerWorldFakes(t)
	coord := a.as(a.newUser(store.RoleCoordinator, "coord@example.org"))
	a.upload(coord, "census2021-ts021-dorset-force-area.csv")
	good := readData(t, "use-of-force-incidents-example.csv")
	bad := strings.Replace(string(good), "Hospitalised", "Sent home", 1)
	r := coord.upload("/powers/use-of-force-incidents/import", "/powers/use-of-force-incidents/import", "file",
		map[string][]byte{"uof.csv": []byte(bad)}, url.Values{"force": {"dorset"}})
	// The first Hospitalised is the 19th White row: line 20.
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "uof.csv, line 20, Outcome: &#34;Sent home&#34; is not one of") {
		t.Fatalf("bad file: %d", r.Status)
	}
	if r := coord.get("/powers/use-of-force-incidents"); !strings.Contains(r.Body, "No incidents have been imported yet") {
		t.Fatal("a refused file left data behind")
	}
	r = coord.upload("/powers/use-of-force-incidents/import", "/powers/use-of-force-incidents/import", "file",
		map[string][]byte{"uof.csv": good}, url.Values{"force": {"dorset"}})
	if r.Status != 200 || !strings.Contains(r.Body, "40 rows imported") || !strings.Contains(r.Body, "April 2024: 20 rows") {
		t.Fatalf("import: %d", r.Status)
	}
	r = coord.get("/powers/use-of-force-incidents")
	for _, want := range []string{
		"Black people were 57.5 times as likely as White people to have force used on them (95% interval 27.5 to 120.3).",
		"57.54 (27.5 to 120.3)",
		"30.0% (10.8% to 60.3%), 3 of 10", // Taser, Black
		"By main reason", "By subject injury", "By officer injury", "By outcome",
		"4 (40.0%, 16.8% to 68.7%)", // protect self, Black
		"had no officer-perceived ethnicity recorded",
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("incidents page lacks %q", want)
		}
	}
	// The Home Office table now shows its tactics by group too: ground
	// restraint Black 154 of 768 = 20.1% (17.4% to 23.0%).
	if r := coord.upload("/powers/use-of-force/import", "/powers/use-of-force/import", "file",
		map[string][]byte{"t.csv": readData(t, "use-of-force-dorset-2019-20-by-ethnicity-extract.csv")}, url.Values{"force": {"dorset"}, "year": {"2019-20"}}); r.Status != 200 {
		t.Fatalf("table import: %d", r.Status)
	}
	if r := coord.get("/powers/use-of-force"); !strings.Contains(r.Body, "By tactic") || !strings.Contains(r.Body, "154 (20.1%, 17.4% to 23.0%)") {
		t.Error("use of force page lacks its tactics by group")
	}
}

// TestCustodyStripSearchMonitor imports the example custody extract (hand
// counts in powers/custody_test.go): children's searches come first (59:
// White 24 with an appropriate adult at 14, 58.3% (38.8% to 75.5%);
// Black 21, 11 with one, 52.4% (32.4% to 71.7%); Mixed 2, Asian 12 and not
// stated withheld), then all 129 (Black 33, 71.20 times as likely as
// White, 64, 46.8 to 108.3).
func TestCustodyStripSearchMonitor(t *testing.T) {
	a, _, _ := powerWorldFakes(t)
	coord := a.as(a.newUser(store.RoleCoordinator, "coord@example.org"))
	a.upload(coord, "census2021-ts021-dorset-force-area.csv")
	good := readData(t, "custody-strip-search-example.csv")
	bad := strings.Replace(string(good), "10 to 13,Yes,Yes", "25 to 34,Yes,Yes", 1)
	r := coord.upload("/powers/custody-strip-search/import", "/powers/custody-strip-search/import", "file",
		map[string][]byte{"custody.csv": []byte(bad)}, url.Values{"force": {"dorset"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "custody.csv, line 2, Child: is &#34;Yes&#34; but the age band is &#34;25 to 34&#34;") {
		t.Fatalf("bad file: %d", r.Status)
	}
	if r := coord.get("/powers/custody-strip-search"); !strings.Contains(r.Body, "No strip searches have been imported yet") {
		t.Fatal("a refused file left data behind")
	}
	r = coord.upload("/powers/custody-strip-search/import", "/powers/custody-strip-search/import", "file",
		map[string][]byte{"custody.csv": good}, url.Values{"force": {"dorset"}})
	if r.Status != 200 || !strings.Contains(r.Body, "129 rows imported") || !strings.Contains(r.Body, "May 2024: 1 rows") {
		t.Fatalf("import: %d", r.Status)
	}
	r = coord.get("/powers/custody-strip-search")
	for _, want := range []string{
		"Strip searches of children",
		"Of children&#39;s strip searches of White people, 58% (14 of 24) had an appropriate adult present (95% interval 39% to 76%).",
		"58.3% (38.8% to 75.5%), 14 of 24",
		"52.4% (32.4% to 71.7%), 11 of 21",
		"How many of the 59 strip searches of children had no self-defined ethnicity recorded is withheld",
		"Black people were 71.2 times as likely as White people to be strip searched in custody (95% interval 46.8 to 108.3).",
		"There is no rate per 1,000 for children",
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("custody page lacks %q", want)
		}
	}
	// Children come before everyone.
	if i, j := strings.Index(r.Body, "Strip searches of children by ethnic group"), strings.Index(r.Body, "Figures by ethnic group"); i < 0 || j < i {
		t.Errorf("children's table at %d, everyone's at %d", i, j)
	}
	if strings.Contains(r.Body, ">12<") || strings.Contains(r.Body, ">2<") {
		t.Error("a withheld children's count is on the page")
	}
}
