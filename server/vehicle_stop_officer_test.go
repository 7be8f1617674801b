package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// TestOfficerOnlyRecordsStops: the officer role may use the vehicle stop
// capture form and no other action that is not open to every signed-in
// person; an officer records a stop (its own audit event), finds the form
// in the menu, and is refused the monitor it feeds.
func TestOfficerOnlyRecordsStops(t *testing.T) {
	for action := range policy {
		if allowed(store.RoleOfficer, action) && !isPublic(action) && !allowed(store.Role("nobody"), action) && action != "vehiclestops.capture" {
			t.Errorf("an officer may use %s", action)
		}
	}
	if !allowed(store.RoleOfficer, "vehiclestops.capture") || !allowed(store.RoleCoordinator, "vehiclestops.capture") || !allowed(store.RoleAdmin, "vehiclestops.capture") {
		t.Fatal("the capture form is not for officers and staff")
	}
	a, _, _ := powerWorldFakes(t)
	// The invite form lists the partner organisations: none.
	a.srv.admin = &fakeAdmin{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: time.Now()}},
		partners: func() ([]store.Partner, error) { return nil, nil }}
	admin := a.as(a.newUser(store.RoleAdmin, "admin@example.org"))
	if r := admin.get("/admin/people/new"); !strings.Contains(r.Body, `value="officer"`) || !strings.Contains(r.Body, "Police officer (vehicle stops)") {
		t.Error("the invite form does not offer the officer role")
	}
	officer := a.as(a.newUser(store.RoleOfficer, "pc@example.org"))
	r := officer.get("/vehicle-stops/new")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `href="/vehicle-stops/new"`) || strings.Contains(r.Body, `href="/powers/vehicle-stops"`) {
		t.Fatalf("form: %d (menu link, no monitor link)", r.Status)
	}
	r = officer.submit("/vehicle-stops/new", "/vehicle-stops/new", url.Values{"date": {"2024-04-20"}, "time": {"08:15"}, "district": {"Poole"}, "reason": {"Vehicle defect"},
		"ethnicity": {"Not stated"}, "observed": {"White"}, "outcome": {"Words of advice"}})
	if r.Status != http.StatusSeeOther || r.Location != "/vehicle-stops/new" {
		t.Fatalf("record: %d %s", r.Status, r.Location)
	}
	if n := a.audits.count(store.AuditDataImported, "vehicle-stops:dorset"); n != 1 {
		t.Errorf("audit events %d, want the stop", n)
	}
	for _, path := range []string{"/powers/vehicle-stops", "/powers", "/disparity", "/admin/people"} {
		if r := officer.get(path); r.Status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", path, r.Status)
		}
	}
}
