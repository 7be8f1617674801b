package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"candour/store"
)

// TestVehicleStopsPerThousandDrivers walks the drivers upload (the
// records and populations in memory, powerWorld): without drivers, vehicle
// stops are per 1,000 residents and the page says why that is second best;
// a wrong drivers file is refused (422) naming each wrong line, keeping
// what was typed and storing nothing; the example file (made up: White
// 600,000, Black 4,000) makes the page per 1,000 drivers, with the figures
// worked by hand in powers/drivers_test.go (Black 20 stops, 5.0 per 1,000;
// White 30, 0.05; 100 times as likely, 56.8 to 175.9); the overview and the
// public page follow at once, and loading the file again is still one
// population.
func TestVehicleStopsPerThousandDrivers(t *testing.T) {
	a, _, w := powerWorldFakes(t)
	coord := a.as(a.newUser(store.RoleCoordinator, "coord@example.org"))
	member := a.as(a.newUser(store.RoleMember, "member@example.org"))
	public := a.client()
	a.upload(coord, "census2021-ts021-dorset-force-area.csv")
	if r := coord.upload("/powers/vehicle-stops/import", "/powers/vehicle-stops/import", "file",
		map[string][]byte{"stops.csv": readData(t, "vehicle-stops-example.csv")}, url.Values{"force": {"dorset"}}); r.Status != 200 {
		t.Fatalf("stops: %d", r.Status)
	}
	page := "/powers/vehicle-stops?force=dorset&from=2024-03&to=2024-04"
	r := coord.get(page)
	for _, want := range []string{
		"Black people were 92.1 times as likely as White people to be stopped",
		"Rates are per 1,000 residents: Census 2021 usual residents of the force area",
		"No figures of drivers by ethnic group have been loaded for this force, so these rates are per 1,000 residents",
		`href="/disparity/import#drivers-heading"`,
		">Residents</th>",
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("page without drivers lacks %q", want)
		}
	}
	if r := member.get("/powers/vehicle-stops"); strings.Contains(r.Body, "#drivers-heading") {
		t.Error("a member is offered the drivers upload")
	}
	if r := coord.get("/powers"); !strings.Contains(r.Body, "92.06 (52.31 to 161.99)") {
		t.Errorf("overview before drivers:\n%s", r.Body)
	}

	// A wrong file: every wrong line named, what was typed kept, nothing stored.
	bad := "Ethnic group,Drivers\nWhite,600000\nBlack,\"4,000\"\nAsian,12000\nMixed,8000\nPurple,4000\n"
	form := url.Values{"drivers-force": {"dorset"}, "drivers-made": {"licence holders by self-defined ethnicity, from the force's own survey"}, "drivers-period": {"2024"}}
	r = coord.upload("/disparity/import", "/disparity/drivers", "drivers", map[string][]byte{"drivers.csv": []byte(bad)}, form)
	for _, want := range []string{
		"drivers.csv, line 3, Drivers: &#34;4,000&#34; is not a whole number of drivers",
		"drivers.csv, line 6, Ethnic group: &#34;Purple&#34; is not one of Asian, Black, Mixed, Other, White or Not stated",
		"Nothing was stored: correct these lines and load the file again",
		"govuk-error-summary",
		`value="licence holders by self-defined ethnicity, from the force&#39;s own survey"`,
		`value="2024"`,
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("refused file: lacks %q", want)
		}
	}
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("refused file: %d", r.Status)
	}
	r = coord.upload("/disparity/import", "/disparity/drivers", "drivers",
		map[string][]byte{"census.csv": readData(t, "census2021-ts021-dorset-force-area.csv")}, url.Values{"drivers-force": {"dorset"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "census.csv: this file is not in the layout for drivers (it looks like a Census table of residents") ||
		!strings.Contains(r.Body, "Say how the driver figures were made") || !strings.Contains(r.Body, "Say what time the driver figures describe") {
		t.Fatalf("a Census table as drivers: %d", r.Status)
	}
	if _, err := w.PopulationOf(context.Background(), store.Drivers, "dorset"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused file was stored: %v", err)
	}
	if r := member.upload("/powers/vehicle-stops", "/disparity/drivers", "drivers", map[string][]byte{"d.csv": readData(t, "drivers-dorset-example.csv")}, form); r.Status != http.StatusForbidden {
		t.Fatalf("a member loaded drivers: %d", r.Status)
	}

	for i := 0; i < 2; i++ {
		r = coord.upload("/disparity/import", "/disparity/drivers", "drivers", map[string][]byte{"drivers-dorset-example.csv": readData(t, "drivers-dorset-example.csv")}, form)
		if r.Status != 200 || !strings.Contains(r.Body, "628000 drivers in the five groups in the Dorset police force area (E23000039)") || !strings.Contains(r.Body, "Not stated (in no group): 20000") {
			t.Fatalf("load %d: %d\n%s", i+1, r.Status, r.Body)
		}
	}
	if n := a.audits.count(store.AuditDataImported, "drivers:dorset"); n != 2 {
		t.Errorf("audited %d loads, want 2", n)
	}
	if n := w.documents()["populations"]; n != 2 {
		t.Errorf("populations: %d, want the Census and the drivers", n)
	}

	r = member.get(page)
	for _, want := range []string{
		"Black drivers were 100.0 times as likely as White drivers to be stopped (95% interval 56.8 to 175.9).",
		"100.00 (56.8 to 175.9)",
		"Rates are per 1,000 drivers: licence holders by self-defined ethnicity, from the force&#39;s own survey, 2024 (from drivers-dorset-example.csv",
		">Drivers</th>",
		"same rate per 1,000 drivers as White drivers",
		"The drivers are the force&#39;s own figures",
		"Drivers loaded",
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("page with drivers lacks %q", want)
		}
	}
	if strings.Contains(r.Body, "No figures of drivers by ethnic group have been loaded") {
		t.Error("the page still says no drivers are loaded")
	}
	if i, j := strings.Index(r.Body, "How many of the 65 stops had no self-defined ethnicity recorded is withheld"), strings.Index(r.Body, "Black drivers were"); i < 0 || j < i {
		t.Errorf("the not-stated sentence (at %d) is not first (Black at %d)", i, j)
	}
	if r := coord.get("/powers"); !strings.Contains(r.Body, "100.00 (56.84 to 175.93)") {
		t.Errorf("overview after drivers:\n%s", r.Body)
	}
	if r := coord.submit(page, "/powers/vehicle-stops/publish", url.Values{"force": {"dorset"}, "from": {"2024-03"}, "to": {"2024-04"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("publish: %d", r.Status)
	}
	if r := public.get("/public/powers/vehicle-stops"); r.Status != 200 || !strings.Contains(r.Body, "100.00 (56.8 to 175.9)") ||
		!strings.Contains(r.Body, "Rates are per 1,000 drivers") || strings.Contains(r.Body, "#drivers-heading") {
		t.Errorf("public page: %d", r.Status)
	}
}
