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
	a := newTestApp(t)
	coord := a.client()
	coord.signIn(a.newUser(store.RoleCoordinator, "coord@example.org"))
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
