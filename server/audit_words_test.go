package server

import (
	"net/url"
	"strings"
	"testing"

	"candour/store"
)

// TestAuditLogReadsPlainly: the audit log names people and records and says
// what happened in words, not ids and machine names; its day filter is a
// date field (the browser's own picker, no JavaScript needed).
func TestAuditLogReadsPlainly(t *testing.T) {
	a := newTestApp(t)
	admin := a.newUser(store.RoleAdmin, "admin@example.org")
	member := a.newUser(store.RoleMember, "member@example.org")
	c := a.client()
	c.signIn(admin)
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
