package server

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// TestAuditLogReadsPlainly: the audit log names people and records and says
// what happened in words, not ids and machine names; its day filter is a
// date field (the browser's own picker, no JavaScript needed).
func TestAuditLogReadsPlainly(t *testing.T) {
	a, _, w := adminSessionFakes(t)
	auditPagesOf(t, a, w)
	admin := a.newUser(store.RoleAdmin, "admin@example.org")
	member := a.newUser(store.RoleMember, "member@example.org")
	c := a.as(admin)
	page := "/admin/people/" + member.ID
	if r := c.submit(page, page, url.Values{"name": {"Mo Member"}, "email": {member.Email}, "role": {"chair"}, "status": {"active"}}); r.Status >= 400 {
		t.Fatalf("change role: %d\n%s", r.Status, r.Body)
	}
	r := c.get("/admin/audit?action=" + store.AuditRoleChange)
	for _, want := range []string{"Test admin", "Changed a role", `<a class="govuk-link" href="/admin/people/` + member.ID + `">Mo Member</a>`, `<option value="role-changed" selected>Changed a role</option>`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("audit log lacks %q", want)
		}
	}
	if strings.Contains(r.Body, ">role-changed<") || strings.Contains(r.Body, ">user:"+member.ID+"<") {
		t.Error("the audit log shows a machine name or a raw id")
	}
	if !strings.Contains(r.Body, `id="day" name="day" type="date"`) {
		t.Error("the day filter is not a date field")
	}
	if got := auditWord("survey.new-thing"); got != "Survey new thing" {
		t.Errorf("auditWord of an unknown action = %q", got)
	}
}

// TestErrorSummaryFollowsTheFields: on the forms the issue named, the error
// summary lists the problems in the order of the fields on the page. On
// fakes: every form is refused before anything is stored.
func TestErrorSummaryFollowsTheFields(t *testing.T) {
	w := newVisitFakeWorld(t, visitFakeNow)
	w.signUpTakesASeat()
	w.fv.visitPlanByID = func(string) (*store.VisitPlan, error) { return nil, store.ErrNotFound } // no quarter planned yet
	chair := w.as(w.chair)
	id := w.createVisit(chair, visitFormAt(w.panel.ID, w.now().Add(72*time.Hour), "4"))
	if r := w.as(w.m1).submit("/visits/"+id, "/visits/"+id+"/sign-up", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("sign up: %d", r.Status)
	}
	w.setNow(w.now().Add(73 * time.Hour))
	m1 := w.as(w.m1)
	chair = w.as(w.chair)
	for _, tc := range []struct {
		c          *client
		page, path string
		form       url.Values
	}{
		{chair, "/visits/new", "/visits/new", url.Values{"capacity": {"0"}, "date-day": {"31"}, "date-month": {"2"}, "date-year": {"2027"}}},
		{chair, "/visits/plan", "/visits/plan", url.Values{"quarter": {"x"}, "minVetting": {"x"}}},
		{m1, "/visits/" + id + "/findings/record", "/visits/" + id + "/findings/record", url.Values{"rag": {"red"}, "date-day": {"40"}}},
	} {
		r := tc.c.submit(tc.page, tc.path, tc.form)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d, want 422", tc.path, r.Status)
		}
		links := regexp.MustCompile(`<li><a href="#([^"]+)">`).FindAllStringSubmatch(r.Body, -1)
		if len(links) < 3 {
			t.Fatalf("%s: only %d errors", tc.path, len(links))
		}
		last := -1
		for _, l := range links {
			at := strings.Index(r.Body, `id="`+l[1]+`"`)
			if at < last {
				t.Errorf("%s: the summary lists %q after a field that comes later on the page: %v", tc.path, l[1], links)
			}
			last = at
		}
	}
}
