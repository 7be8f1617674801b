package server

import (
	"net/url"
	"strings"
	"testing"

	"candour/store"
)

// TestDisparityOddInputsStoreNothing sends the population form what the
// world sends and only the Census table's own reading refuses (a force of
// 300 characters, binary): each is refused (422 with the error summary)
// and never a 500, and the documents of every collection those forms
// write are the same before and after. (The odd inputs the handlers and
// powers.Check refuse before anything reaches the store:
// TestDisparityOddInputsStoreNothingWithFakes.)
func TestDisparityOddInputsStoreNothing(t *testing.T) {
	a, _, w := powerWorldFakes(t)
	coord := a.as(a.newUser(store.RoleCoordinator, "coord@example.org"))
	aug := "2018-08-dorset-stop-and-search.csv"
	census := "census2021-ts021-dorset-force-area.csv"
	if r := coord.upload("/disparity/import", "/disparity/import", "files", map[string][]byte{aug: readData(t, aug)}, nil); r.Status != 200 {
		t.Fatalf("import: %d", r.Status)
	}
	if r := coord.upload("/disparity/import", "/disparity/population", "population", map[string][]byte{census: readData(t, census)},
		url.Values{"population-force": {"dorset"}}); r.Status != 200 {
		t.Fatalf("population: %d", r.Status)
	}
	before := w.documents()
	if before["power_months"] != 1 || before["populations"] != 1 {
		t.Fatalf("before: %v", before)
	}
	long := strings.Repeat("x", 300)
	binary := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\"\x00")
	for _, tc := range []struct {
		name   string
		send   func() response
		status int
		want   string
	}{
		{"population for a force of 300 characters", func() response {
			return coord.upload("/disparity/import", "/disparity/population", "population", map[string][]byte{census: readData(t, census)}, url.Values{"population-force": {long}})
		}, 422, "is not a police force area"},
		{"population that is binary", func() response {
			return coord.upload("/disparity/import", "/disparity/population", "population", map[string][]byte{census: binary}, url.Values{"population-force": {"dorset"}})
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
			after := w.documents()
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
