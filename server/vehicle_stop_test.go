package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"candour/powers"
	"candour/store"
)

// TestVehicleStopCaptureForm: staff record a stop on one page; a form
// with answers missing is shown again with 422, the error summary and what
// was typed, and stores nothing; a good one is counted with the imported
// stops, changing the figures by exactly one; members may not use it.
func TestVehicleStopCaptureForm(t *testing.T) {
	a, _, w := powerWorldFakes(t)
	coord := a.as(a.newUser(store.RoleCoordinator, "coord@example.org"))
	member := a.as(a.newUser(store.RoleMember, "member@example.org"))
	ctx := context.Background()
	if r := member.get("/vehicle-stops/new"); r.Status != http.StatusForbidden {
		t.Fatalf("member: %d", r.Status)
	}
	r := coord.get("/vehicle-stops/new")
	if r.Status != 200 || !strings.Contains(r.Body, `name="date" type="date" value="20`) || strings.Contains(r.Body, "<script>") {
		t.Fatalf("form: %d", r.Status)
	}
	if r := coord.upload("/disparity/import", "/disparity/population", "population",
		map[string][]byte{"census2021-ts021-dorset-force-area.csv": readData(t, "census2021-ts021-dorset-force-area.csv")},
		url.Values{"population-force": {"dorset"}}); r.Status != 200 {
		t.Fatalf("population: %d", r.Status)
	}
	if r := coord.upload("/powers/vehicle-stops/import", "/powers/vehicle-stops/import", "file", map[string][]byte{"stops.csv": readData(t, "vehicle-stops-example.csv")}, url.Values{"force": {"dorset"}}); r.Status != 200 {
		t.Fatalf("import: %d", r.Status)
	}
	events := func() (int64, int64) {
		rep, err := powers.Build(ctx, w, powers.VehicleStops, "dorset", "", "")
		if err != nil {
			t.Fatal(err)
		}
		return rep.Events, rep.Group("Black").Events
	}
	if all, black := events(); all != 65 || black != 20 {
		t.Fatalf("before: %d, %d", all, black)
	}
	r = coord.submit("/vehicle-stops/new", "/vehicle-stops/new", url.Values{"date": {"2024-04-20"}, "time": {"08:15"}, "district": {"Poole"}, "ethnicity": {"Black, Black British, Black Welsh, Caribbean or African: African"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "govuk-error-summary") || !strings.Contains(r.Body, "Choose the reason for the stop") ||
		!strings.Contains(r.Body, "Choose the outcome of the stop") || !strings.Contains(r.Body, `<option value="Poole" selected>`) || !strings.Contains(r.Body, `value="08:15"`) {
		t.Fatalf("incomplete: %d\n%s", r.Status, r.Body)
	}
	if r := coord.submit("/vehicle-stops/new", "/vehicle-stops/new", url.Values{"date": {"2099-01-01"}, "time": {"08:15"}, "district": {"Poole"}, "reason": {"Intelligence"},
		"ethnicity": {"Not stated"}, "observed": {"White"}, "outcome": {"Arrest"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "must not be in the future") {
		t.Fatalf("future: %d", r.Status)
	}
	if all, black := events(); all != 65 || black != 20 {
		t.Fatalf("a refused form stored something: %d, %d", all, black)
	}
	r = coord.submit("/vehicle-stops/new", "/vehicle-stops/new", url.Values{"date": {"2024-04-20"}, "time": {"08:15"}, "district": {"Poole"}, "reason": {"Vehicle defect"},
		"ethnicity": {"Black, Black British, Black Welsh, Caribbean or African: African"}, "observed": {"Black"}, "outcome": {"Fixed penalty notice"}})
	if r.Status != http.StatusSeeOther || r.Location != "/vehicle-stops/new" {
		t.Fatalf("record: %d %s", r.Status, r.Location)
	}
	if all, black := events(); all != 66 || black != 21 {
		t.Fatalf("after: %d, %d; want 66, 21", all, black)
	}
	if n := a.audits.count(store.AuditDataImported, "vehicle-stops:dorset"); n != 2 {
		t.Errorf("audit events %d, want the import and the stop", n)
	}
}
