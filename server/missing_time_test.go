package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"candour/store"
)

// TestMissingPeopleMonitor: a coordinator imports the example episodes on
// the shared import page (a refused file first), the shared monitor links
// to time to find, and that page shows the hand-counted medians of
// powers/missing_people_test.go (White 6 hours, 4 to 12; Black 24 hours,
// 20 to 100, longer).
func TestMissingPeopleMonitor(t *testing.T) {
	a, _, _ := powerWorldFakes(t)
	coord := a.as(a.newUser(store.RoleCoordinator, "coord@example.org"))
	member := a.as(a.newUser(store.RoleMember, "member@example.org"))
	if r := member.get("/missing-people/time-to-find"); r.Status != 200 || !strings.Contains(r.Body, "No missing person episodes have been imported yet") {
		t.Fatalf("empty: %d", r.Status)
	}
	good := readData(t, "missing-people-example.csv")
	bad := strings.Replace(string(good), "2025-03-02T10:00:00Z", "2025-03-01T10:00:00Z", 1)
	r := coord.upload("/powers/missing-people/import", "/powers/missing-people/import", "file", map[string][]byte{"missing.csv": []byte(bad)}, url.Values{"force": {"dorset"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "missing.csv, line 2, Found at: is before the time") {
		t.Fatalf("bad file: %d\n%s", r.Status, r.Body)
	}
	r = coord.upload("/disparity/import", "/disparity/population", "population",
		map[string][]byte{"census2021-ts021-dorset-force-area.csv": readData(t, "census2021-ts021-dorset-force-area.csv")},
		url.Values{"population-force": {"dorset"}})
	if r.Status != 200 {
		t.Fatalf("population: %d", r.Status)
	}
	if r := coord.upload("/powers/missing-people/import", "/powers/missing-people/import", "file", map[string][]byte{"missing.csv": good}, url.Values{"force": {"dorset"}}); r.Status != 200 || !strings.Contains(r.Body, "79 rows imported") {
		t.Fatalf("import: %d", r.Status)
	}
	if r := member.get("/powers/missing-people"); r.Status != 200 || !strings.Contains(r.Body, `href="/missing-people/time-to-find"`) || !strings.Contains(r.Body, "70.0% (54.6% to 81.9%), 28 of 40") {
		t.Fatalf("shared monitor: %d", r.Status)
	}
	r = member.get("/missing-people/time-to-find?force=dorset")
	for _, want := range []string{"6 hours (4 to 12)", "24 hours (20 to 100)", "100 hours (100 to no upper end)", "Longer than White people",
		"Black people reported missing took longer to be found than White people"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("time to find lacks %q", want)
		}
	}
	if r := member.get("/missing-people/time-to-find?force=dorset&from=2025-04&to=2025-03"); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("backwards period: %d", r.Status)
	}
	if r := a.client().get("/missing-people/time-to-find"); r.Status != http.StatusSeeOther {
		t.Errorf("anonymous: %d", r.Status)
	}
	if strings.Contains(r.Body, `action="/missing-people/time-to-find/publish"`) {
		t.Error("a member sees the publish button")
	}
}

// TestMissingTimePublished: a coordinator publishes time to find (a
// period with no episodes is refused with 422 and nothing published); the
// public page then shows the published period's hand-counted medians, the
// difference from White people and the quality statement, and never who
// published.
func TestMissingTimePublished(t *testing.T) {
	a, _, _ := powerWorldFakes(t)
	coord := a.as(a.newUser(store.RoleCoordinator, "coord@example.org"))
	anon := a.client()
	if r := anon.get("/public/missing-people/time-to-find"); r.Status != 200 || !strings.Contains(r.Body, "No figures have been published yet") {
		t.Fatalf("before publishing: %d", r.Status)
	}
	if r := coord.upload("/disparity/import", "/disparity/population", "population",
		map[string][]byte{"census2021-ts021-dorset-force-area.csv": readData(t, "census2021-ts021-dorset-force-area.csv")},
		url.Values{"population-force": {"dorset"}}); r.Status != 200 {
		t.Fatalf("population: %d", r.Status)
	}
	if r := coord.upload("/powers/missing-people/import", "/powers/missing-people/import", "file", map[string][]byte{"missing.csv": readData(t, "missing-people-example.csv")}, url.Values{"force": {"dorset"}}); r.Status != 200 {
		t.Fatalf("import: %d", r.Status)
	}
	page := "/missing-people/time-to-find?force=dorset"
	if r := coord.get(page); !strings.Contains(r.Body, `action="/missing-people/time-to-find/publish"`) {
		t.Fatal("no publish button for a coordinator")
	}
	r := coord.submit(page, "/missing-people/time-to-find/publish", url.Values{"force": {"dorset"}, "from": {"2024-01"}, "to": {"2024-02"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Nothing was published: there are no episodes for dorset") {
		t.Fatalf("an empty period: %d", r.Status)
	}
	if r := anon.get("/public/missing-people/time-to-find"); !strings.Contains(r.Body, "No figures have been published yet") {
		t.Fatal("a refused publication was published")
	}
	r = coord.submit(page, "/missing-people/time-to-find/publish", url.Values{"force": {"dorset"}, "from": {"2025-03"}, "to": {"2025-04"}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/missing-people/time-to-find?force=dorset") {
		t.Fatalf("publish: %d to %q", r.Status, r.Location)
	}
	r = anon.get("/public/missing-people/time-to-find")
	for _, want := range []string{"March to April 2025", "6 hours (4 to 12)", "24 hours (20 to 100)", "&#43;18 hours (&#43;12 to &#43;94)",
		"took longer to be found than White people", "About these figures", "percentile bootstrap", "Asian</th>"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("public page lacks %q", want)
		}
	}
	// Asian people's 3 episodes are withheld: no times.
	if strings.Contains(r.Body, "coord@example.org") || strings.Contains(r.Body, `action="/missing-people/time-to-find/publish"`) {
		t.Error("the public page names who published, or offers to publish")
	}
	if r := coord.get(page); !strings.Contains(r.Body, "The public page shows March to April 2025") {
		t.Error("the signed-in page does not say what is published")
	}
}
