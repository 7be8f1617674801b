package server

import (
	"bytes"
	"net/url"
	"sort"
	"strings"
	"testing"

	"candour/store"
)

// statsDocuments counts the documents of every collection the stop and
// search import, population and publishing write, by collection name
// (records are kept in a collection per import, so new names count too).
func statsDocuments(t *testing.T, a *testApp) map[string]int64 {
	t.Helper()
	db := a.store.RawDatabase()
	names, err := db.ListCollectionNames(t.Context(), map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	out := map[string]int64{}
	for _, n := range names {
		if strings.HasPrefix(n, "power") || n == "populations" || n == "disparity_publications" {
			out[n], err = db.Collection(n).CountDocuments(t.Context(), map[string]any{})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

// TestDisparityOddInputsStoreNothing sends the import, population and
// publish forms what the world sends: wrong field names, binary, a file cut
// after its header, a stray quote, a force of 300 characters, a file over
// the upload limit. Each is refused (422 with the error summary, or 413
// for the size) and never a 500, and the documents of every collection
// those forms write are the same before and after.
func TestDisparityOddInputsStoreNothing(t *testing.T) {
	a := newTestApp(t)
	coord := a.client()
	coord.signIn(a.newUser(store.RoleCoordinator, "coord@example.org"))
	aug := "2018-08-dorset-stop-and-search.csv"
	census := "census2021-ts021-dorset-force-area.csv"
	if r := coord.upload("/disparity/import", "/disparity/import", "files", map[string][]byte{aug: readData(t, aug)}, nil); r.Status != 200 {
		t.Fatalf("import: %d", r.Status)
	}
	if r := coord.upload("/disparity/import", "/disparity/population", "population", map[string][]byte{census: readData(t, census)},
		url.Values{"population-force": {"dorset"}}); r.Status != 200 {
		t.Fatalf("population: %d", r.Status)
	}
	before := statsDocuments(t, a)
	if before["power_months"] != 1 || before["populations"] != 1 {
		t.Fatalf("before: %v", before)
	}
	header := strings.SplitAfter(string(readData(t, aug)), "\n")[0]
	long := strings.Repeat("x", 300)
	binary := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\"\x00")
	huge := bytes.Repeat([]byte("Person search,2018-08-01T00:00:00+00:00,False,,,,Male,18-24,,White,,,,,\n"), MaxUploadBytes/70+10)
	for _, tc := range []struct {
		name   string
		send   func() response
		status int
		want   string
	}{
		{"files under another field name", func() response {
			return coord.upload("/disparity/import", "/disparity/import", "file", map[string][]byte{aug: readData(t, aug)}, nil)
		}, 422, "Choose one or more police.uk stop and search CSV files"},
		{"import form sent as a plain form", func() response {
			return coord.submit("/disparity/import", "/disparity/import", url.Values{"force": {"dorset"}})
		}, 422, "Choose one or more police.uk stop and search CSV files"},
		{"a force of 300 characters", func() response {
			return coord.upload("/disparity/import", "/disparity/import", "files", map[string][]byte{"search.csv": readData(t, aug)}, url.Values{"force": {long}})
		}, 422, "is not a police force area"},
		{"binary", func() response {
			return coord.upload("/disparity/import", "/disparity/import", "files", map[string][]byte{aug: binary}, nil)
		}, 422, aug + ": line 1"},
		{"cut after the header", func() response {
			return coord.upload("/disparity/import", "/disparity/import", "files", map[string][]byte{aug: []byte(header)}, nil)
		}, 422, "the file has a header but no searches"},
		{"a stray quote in a first field", func() response {
			return coord.upload("/disparity/import", "/disparity/import", "files", map[string][]byte{aug: []byte(header + "Per\"son search,2018-08-01T00:00:00+00:00,,,,,,,,,,,,,\n")}, nil)
		}, 422, aug + ": line 2"},
		{"a file over the upload limit", func() response {
			return coord.upload("/disparity/import", "/disparity/import", "files", map[string][]byte{aug: append([]byte(header), huge...)}, nil)
		}, 413, "too large"},
		{"population under another field name", func() response {
			return coord.upload("/disparity/import", "/disparity/population", "file", map[string][]byte{census: readData(t, census)}, url.Values{"population-force": {"dorset"}})
		}, 422, "Choose the Census 2021 TS021 CSV file"},
		{"population for a force of 300 characters", func() response {
			return coord.upload("/disparity/import", "/disparity/population", "population", map[string][]byte{census: readData(t, census)}, url.Values{"population-force": {long}})
		}, 422, "is not a police force area"},
		{"population that is binary", func() response {
			return coord.upload("/disparity/import", "/disparity/population", "population", map[string][]byte{census: binary}, url.Values{"population-force": {"dorset"}})
		}, 422, "govuk-error-summary"},
		{"publish a force of 300 characters", func() response {
			return coord.submit("/disparity", "/disparity/publish", url.Values{"force": {long}, "from": {"2018-08"}, "to": {"2018-08"}, "ethnicity": {"self"}})
		}, 422, "govuk-error-summary"},
		{"publish a month that is not one", func() response {
			return coord.submit("/disparity", "/disparity/publish", url.Values{"force": {"dorset"}, "from": {"2018-13"}, "to": {"2018-13"}, "ethnicity": {"self"}})
		}, 422, "govuk-error-summary"},
		{"publish under other field names", func() response {
			return coord.submit("/disparity", "/disparity/publish", url.Values{"forces": {"dorset"}, "start": {"2018-08"}})
		}, 422, "govuk-error-summary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.send()
			if r.Status != tc.status || !strings.Contains(r.Body, tc.want) {
				t.Errorf("status %d, want %d with %q", r.Status, tc.status, tc.want)
			}
			if tc.status == 422 && !strings.Contains(r.Body, "govuk-error-summary") {
				t.Error("no error summary")
			}
			after := statsDocuments(t, a)
			if len(after) != len(before) {
				t.Errorf("collections %v, before %v", after, before)
			}
			for n, c := range before {
				if after[n] != c {
					t.Errorf("%s: %d documents, before %d", n, after[n], c)
				}
			}
		})
	}
	if r := coord.get("/public/stop-and-search"); !strings.Contains(r.Body, "No figures have been published yet") {
		t.Error("a refused publication reached the public page")
	}
}
