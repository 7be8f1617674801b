package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// TestBWVViewingLog: people at a panel session record their own viewings
// of body-worn video; the chair and staff record anyone's, read the whole
// log and download it; bad input is a 422 that keeps what was typed and
// stores nothing; others are turned away; every entry and download is
// audited.
func TestBWVViewingLog(t *testing.T) {
	w := newVisitWorld(t)
	ctx := context.Background()
	start := tomorrow10(w.a)
	form := visitFormAt(w.panel.ID, start, "2")
	form.Set("type", store.VisitUseOfForce)
	id := w.createVisit(w.as(w.chair), form)
	w.as(w.m1).submit("/visits/"+id, "/visits/"+id+"/sign-up", nil)
	w.a.advance(start.Add(90 * time.Minute).Sub(w.a.store.Now())) // 11:30 on the day
	log := "/visits/" + id + "/bwv"
	m1, m2, chair, coord := w.as(w.m1), w.as(w.m2), w.as(w.chair), w.as(w.coord)

	if page := m1.get("/visits/" + id); !strings.Contains(page.Body, `href="`+log+`"`) {
		t.Fatal("the session's page has no link to the viewing log for an attendee")
	}
	if page := m1.get(log); page.Status != http.StatusOK || !strings.Contains(page.Body, `value="11:30"`) || strings.Contains(page.Body, `name="viewer" id`) {
		t.Fatalf("log page for an attendee: %d (the time is today's, no choice of viewer)", page.Status)
	}
	good := url.Values{"footageRef": {"BWV-4471-0193"}, "viewer": {w.m1.ID}, "time": {"10:40"}, "purpose": {"scrutiny"}}
	for _, tc := range []struct {
		name, field, value, msg string
	}{
		{"no reference", "footageRef", "", "Enter the footage reference"},
		{"a time to come", "time", "12:00", "The time it was watched cannot be in the future"},
		{"not a time", "time", "quarter to", "Enter the time it was watched, like 18:40"},
		{"no purpose", "purpose", "", "Choose why the footage was watched"},
		{"other without saying", "purpose", "other", "Say what the other purpose was"},
		{"someone else, as a member", "viewer", w.m2.ID, "Choose who watched the footage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := url.Values{}
			for k, v := range good {
				f[k] = v
			}
			f.Set(tc.field, tc.value)
			r := m1.submit(log, log, f)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.msg) || !strings.Contains(r.Body, "govuk-error-summary") {
				t.Fatalf("%d, want 422 with %q", r.Status, tc.msg)
			}
			if tc.field != "footageRef" && !strings.Contains(r.Body, `value="BWV-4471-0193"`) {
				t.Error("what was typed is lost")
			}
			if vs, _ := w.a.store.BWVViewings(ctx, id); len(vs) != 0 {
				t.Fatalf("a refused viewing was stored: %+v", vs)
			}
		})
	}
	if r := m1.submit(log, log, good); r.Status != http.StatusSeeOther {
		t.Fatalf("record: %d\n%s", r.Status, r.Body)
	}
	// The chair records the chair's own viewing and one for the member.
	for _, f := range []url.Values{
		{"footageRef": {"BWV-4471-0193"}, "viewer": {w.chair.ID}, "time": {"10:35"}, "purpose": {"record-check"}},
		{"footageRef": {"BWV-4471-0201"}, "viewer": {w.m1.ID}, "time": {"11:05"}, "purpose": {"other"}, "detail": {"Second angle, for the \"learning\" note"}},
	} {
		if r := chair.submit(log, log, f); r.Status != http.StatusSeeOther {
			t.Fatalf("chair records: %d\n%s", r.Status, r.Body)
		}
	}
	// Someone in the group who was not there: 403; another group: 404.
	if r := m2.get(log); r.Status != http.StatusForbidden {
		t.Fatalf("a member not at the session: %d, want 403", r.Status)
	}
	if r := w.as(w.out).get(log); r.Status != http.StatusNotFound {
		t.Fatalf("another group's member: %d, want 404", r.Status)
	}
	if r := m1.get(log + "/export.csv"); r.Status != http.StatusForbidden {
		t.Fatalf("a member downloads the log: %d, want 403", r.Status)
	}
	// The member reads only their own; the coordinator reads all three, in
	// the order watched.
	mine := m1.get(log).Body
	if !strings.Contains(mine, "BWV-4471-0201") || strings.Contains(mine, "10:35") {
		t.Fatal("a member's log page should list their own viewings only")
	}
	all := coord.get(log).Body
	i, j, k := strings.Index(all, "10:35"), strings.Index(all, "10:40"), strings.Index(all, "11:05")
	if i < 0 || j < i || k < j || !strings.Contains(all, "Download the viewing log") {
		t.Fatalf("the coordinator's log is not the three viewings in order (%d %d %d)", i, j, k)
	}
	r := coord.get(log + "/export.csv")
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Body, "\ufeffpanel,session,session date,footage reference,viewer,viewed at,purpose") {
		t.Fatalf("CSV: %d\n%s", r.Status, r.Body)
	}
	lines := strings.Split(strings.TrimSpace(r.Body), "\n")
	day := start.In(london).Format(time.DateOnly)
	if len(lines) != 4 || !strings.Contains(lines[1], "BWV-4471-0193,"+w.chair.Name+","+day+" 10:35,Checking the written record") ||
		!strings.Contains(lines[3], `Another purpose,"Second angle, for the ""learning"" note",chair@example.org`) {
		t.Fatalf("CSV rows:\n%s", r.Body)
	}
	if n := w.a.auditCount(auditBWVViewing, "visit:"+id); n != 3 {
		t.Errorf("%d viewings audited, want 3", n)
	}
	if n := w.a.auditCount(auditBWVExported, "visit:"+id); n != 1 {
		t.Errorf("%d downloads audited, want 1", n)
	}
	// A visit that reviews no records has no log.
	custody := visitFormAt(w.panel.ID, start.Add(24*time.Hour), "2")
	custody.Set("type", store.VisitCustody)
	cid := w.createVisit(chair, custody)
	if r := chair.get("/visits/" + cid + "/bwv"); r.Status != http.StatusNotFound {
		t.Fatalf("a custody visit's log: %d, want 404", r.Status)
	}
}
