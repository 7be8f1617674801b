package server

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"candour/store"
)

// TestDisparityRefusalsAndSummerMonths walks the refusals a coordinator can
// meet on the web that only the data held can decide (each a 422 with the
// error summary, nothing stored) and the two real BST files uploaded in
// reverse month order.
func TestDisparityRefusalsAndSummerMonths(t *testing.T) {
	a, _, w := powerWorldFakes(t)
	coord := a.as(a.newUser(store.RoleCoordinator, "coord@example.org"))
	public := a.client()
	aug, sep := "2018-08-dorset-stop-and-search.csv", "2018-09-dorset-stop-and-search.csv"

	// Publishing before there is anything: refused, nothing published.
	r := coord.submit("/disparity", "/disparity/publish", url.Values{"force": {"dorset"}, "from": {"2018-08"}, "to": {"2018-09"}, "ethnicity": {"self"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "govuk-error-summary") ||
		!strings.Contains(r.Body, "there is no stop and search data for dorset") {
		t.Fatalf("publish with no data: %d", r.Status)
	}
	// (A force that disagrees with the file name, and one broken file of
	// two: TestDisparityImportRefusalsWithFakes.)
	// Dorset's Census table loaded as Wiltshire's: refused with the reason, typed force kept.
	r = coord.upload("/disparity/import", "/disparity/population", "population",
		map[string][]byte{"census2021-ts021-dorset-force-area.csv": readData(t, "census2021-ts021-dorset-force-area.csv")},
		url.Values{"population-force": {"wiltshire"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "this table is not for the Wiltshire police force area") ||
		!strings.Contains(r.Body, `value="wiltshire"`) {
		t.Fatalf("wrong force's population: %d", r.Status)
	}
	if _, err := w.Population(t.Context(), "wiltshire"); err == nil {
		t.Fatal("the refused population was stored")
	}
	// September, then August: each lands whole in its own month.
	for _, f := range []string{sep, aug} {
		r = coord.upload("/disparity/import", "/disparity/import", "files", map[string][]byte{f: readData(t, f)}, nil)
		if r.Status != 200 {
			t.Fatalf("import %s: %d", f, r.Status)
		}
	}
	if !strings.Contains(r.Body, "144 searches stored for dorset: August 2018 (144)") {
		t.Errorf("August's summary is not its own month")
	}
	// Data but no population: publishing is refused.
	r = coord.submit("/disparity", "/disparity/publish", url.Values{"force": {"dorset"}, "from": {"2018-08"}, "to": {"2018-09"}, "ethnicity": {"self"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "there is no Census population for dorset") {
		t.Fatalf("publish without population: %d", r.Status)
	}
	r = coord.upload("/disparity/import", "/disparity/population", "population",
		map[string][]byte{"census2021-ts021-dorset-force-area.csv": readData(t, "census2021-ts021-dorset-force-area.csv")},
		url.Values{"population-force": {"dorset"}})
	if r.Status != 200 || !strings.Contains(r.Body, "Bournemouth, Christchurch and Poole (E06000058): 400195") {
		t.Fatalf("population: %d", r.Status)
	}
	// A typo in the force: refused.
	r = coord.submit("/disparity", "/disparity/publish", url.Values{"force": {"dorsett"}, "from": {"2018-08"}, "to": {"2018-09"}, "ethnicity": {"self"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "&#34;dorsett&#34; is not a police force area") {
		t.Fatalf("publish a typo: %d\n%s", r.Status, r.Body)
	}
	if r := public.get("/public/stop-and-search"); !strings.Contains(r.Body, "No figures have been published yet") {
		t.Fatal("a refused publication reached the public page")
	}
	r = coord.submit("/disparity", "/disparity/publish", url.Values{"force": {"dorset"}, "from": {"2018-08"}, "to": {"2018-09"}, "ethnicity": {"self"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("publish: %d", r.Status)
	}
	r = public.get("/public/stop-and-search")
	body := html.UnescapeString(r.Body)
	for _, want := range []string{
		"Dorset: August to September 2018 (both months have data)",
		// 25 Black, 207 White: (25/5315)/(207/733925) = 16.68 (11.0 to 25.2).
		"Black people were 16.7 times as likely as White people to be searched (95% interval 11.0 to 25.2)",
		"16.68 (11.0 to 25.2)",
		"About these figures", "What police.uk data cannot show", "What changed when",
		"Bournemouth, Christchurch and Poole (E06000058, 400195 residents) and Dorset (E06000059, 379580 residents)",
		"This period was published on",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("public page lacks %q", want)
		}
	}
	if strings.Contains(body, "coord@example.org") {
		t.Error("the public page names who published")
	}
	// Officer-defined: Mixed is not a category officers record, never 0.
	r = coord.get("/disparity?force=dorset&from=2018-08&to=2018-09&ethnicity=officer")
	mixedColumn := `<th scope="col" class="govuk-table__header govuk-table__header--numeric">Mixed</th>`
	if !strings.Contains(r.Body, "Not a category officers record") || strings.Contains(r.Body, mixedColumn) {
		t.Error("officer-defined Mixed is not explained, or has a column of zeros")
	}
	if r := coord.get("/disparity?force=dorset&from=2018-08&to=2018-09&ethnicity=self"); !strings.Contains(r.Body, mixedColumn) {
		t.Error("self-defined Mixed lost its column")
	}
}

// A file whose rows spread into a neighbouring month says so on the page.
func TestDisparityImportSaysWhenAFileSpansMonths(t *testing.T) {
	a, _, _ := powerWorldFakes(t)
	coord := a.as(a.newUser(store.RoleCoordinator, "coord@example.org"))
	sep := "2018-09-dorset-stop-and-search.csv"
	// The real September file with its first row dated in August.
	spanning := strings.Replace(string(readData(t, sep)), "2018-08-31T23:00:00+00:00", "2018-08-15T10:00:00+00:00", 1)
	r := coord.upload("/disparity/import", "/disparity/import", "files", map[string][]byte{sep: []byte(spanning)}, nil)
	body := html.UnescapeString(r.Body)
	if r.Status != 200 || !strings.Contains(body, "172 searches stored for dorset: August 2018 (1), September 2018 (171)") ||
		!strings.Contains(body, "The file is named for September 2018, but its rows are dated in 2 months: August 2018 (1 row), September 2018 (171 rows).") {
		t.Fatalf("spanning import: %d", r.Status)
	}
}
