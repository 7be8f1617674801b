package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// signedIn makes an account with role and a browser signed in as it.
func (a *testApp) signedIn(role store.Role, email string) (*store.User, *client) {
	a.t.Helper()
	u := a.newUser(role, email)
	c := a.client()
	c.signIn(u)
	return u, c
}

// auditCount counts events with action about target.
func (a *testApp) auditCount(action, target string) int {
	a.t.Helper()
	evs, _, err := a.store.ListAudit(context.Background(), store.AuditFilter{Action: action, Target: target})
	if err != nil {
		a.t.Fatal(err)
	}
	return len(evs)
}

// wantStatus fails the test unless r has status want (and, for a redirect, goes to location).
func wantStatus(t *testing.T, what string, r response, want int, location string) {
	t.Helper()
	if r.Status != want || (location != "" && r.Location != location) {
		t.Fatalf("%s: status %d to %q, want %d %s\n%s", what, r.Status, r.Location, want, location, r.Body)
	}
}

var invitationLink = regexp.MustCompile(`https?://\S+(/invitation/[A-Za-z0-9_-]+)`)

func TestInviteCreatesAnInvitedAccountAndMailsASingleUseLink(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	_, c := a.signedIn(store.RoleAdmin, "admin@example.org")

	r := c.submit("/admin/people/new", "/admin/people/new", url.Values{
		"name": {"Amara Okonkwo"}, "email": {"Amara.Okonkwo@Example.org"}, "role": {"member"}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/admin/people/") {
		t.Fatalf("invite: status %d to %q, want 303 to the person page\n%s", r.Status, r.Location, r.Body)
	}
	u, err := a.store.UserByEmail(ctx, "amara.okonkwo@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Location, "/admin/people/"+u.ID; got != want {
		t.Errorf("redirect to %q, want %q", got, want)
	}
	if u.Status != store.StatusInvited || u.Role != store.RoleMember || u.PasswordHash != "" {
		t.Errorf("account = status %q role %q (password set: %v), want invited member without a password", u.Status, u.Role, u.PasswordHash != "")
	}
	if page := c.get(r.Location); page.Status != http.StatusOK || !strings.Contains(page.Body, "Invitation sent to amara.okonkwo@example.org") {
		t.Errorf("person page after invite: status %d, flash missing", page.Status)
	}

	mail, err := a.store.RecentMail(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(mail) != 1 || mail[0].To != "amara.okonkwo@example.org" {
		t.Fatalf("outbox = %+v, want one message to the person", mail)
	}
	for _, want := range []string{"7 days", "once only"} {
		if !strings.Contains(mail[0].Body, want) {
			t.Errorf("mail does not say %q:\n%s", want, mail[0].Body)
		}
	}
	m := invitationLink.FindStringSubmatch(mail[0].Body)
	if m == nil || !strings.HasPrefix(m[0], a.cfg.BaseURL) {
		t.Fatalf("no invitation link to %s in the mail:\n%s", a.cfg.BaseURL, mail[0].Body)
	}
	if res := a.client().get(m[1]); res.Status != http.StatusOK {
		t.Errorf("GET invitation link: status %d, want 200", res.Status)
	}

	if got := a.auditCount(store.AuditUserCreated, "user:"+u.ID); got != 1 {
		t.Errorf("%d account-created events, want 1", got)
	}
	if got := a.auditCount(store.AuditInvitation, "user:"+u.ID); got != 1 {
		t.Errorf("%d invitation-sent events, want 1", got)
	}
}

func TestResendInvitationRevokesTheOldLink(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	_, c := a.signedIn(store.RoleAdmin, "admin@example.org")
	r := c.submit("/admin/people/new", "/admin/people/new", url.Values{"name": {"Kwame Asante"}, "email": {"kwame@example.org"}, "role": {"chair"}})
	wantStatus(t, "invite", r, http.StatusSeeOther, "")
	person := r.Location

	r = c.submit(person, person+"/invitation", nil)
	wantStatus(t, "resend", r, http.StatusSeeOther, person)
	mail, _ := a.store.RecentMail(ctx, 10)
	if len(mail) != 2 {
		t.Fatalf("%d messages, want 2", len(mail))
	}
	secret := func(body string) string {
		m := invitationLink.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no link in %s", body)
		}
		return strings.TrimPrefix(m[1], "/invitation/")
	}
	newest, oldest := secret(mail[0].Body), secret(mail[1].Body)
	if _, err := a.store.PeekToken(ctx, store.TokenInvitation, oldest); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("first link after resending: err=%v, want it revoked", err)
	}
	if _, err := a.store.PeekToken(ctx, store.TokenInvitation, newest); err != nil {
		t.Errorf("new link: %v", err)
	}
	active := a.newUser(store.RoleMember, "active@example.org")
	r = c.submit(person, "/admin/people/"+active.ID+"/invitation", nil)
	wantStatus(t, "resend to an active account", r, http.StatusConflict, "")
}

func TestRoleChangeIsAuditedAndSignsThePersonOut(t *testing.T) {
	a, _, _ := adminSessionFakes(t)
	ctx := context.Background()
	_, admin := a.signedIn(store.RoleAdmin, "admin@example.org")
	member, mc := a.signedIn(store.RoleMember, "member@example.org")
	if r := mc.get("/home"); r.Status != http.StatusOK {
		t.Fatalf("member home: %d", r.Status)
	}
	page := "/admin/people/" + member.ID
	r := admin.submit(page, page, url.Values{"name": {"Test member"}, "role": {"coordinator"}, "status": {"active"}})
	wantStatus(t, "change role", r, http.StatusSeeOther, page)
	u, _ := a.srv.users.User(ctx, member.ID)
	if u.Role != store.RoleCoordinator {
		t.Errorf("role = %q, want coordinator", u.Role)
	}
	evs, _, _ := a.audits.list(ctx, store.AuditFilter{Action: store.AuditRoleChange, Target: "user:" + member.ID})
	if len(evs) != 1 || evs[0].Detail != "member → coordinator" {
		t.Errorf("role-changed events = %+v, want one saying member → coordinator", evs)
	}
	if r := mc.get("/home"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/sign-in") {
		t.Errorf("after the role change the person's browser got %d to %q, want to sign in again", r.Status, r.Location)
	}
}

func TestDisablingEndsSessionsAndIsAudited(t *testing.T) {
	a, _, _ := adminSessionFakes(t)
	ctx := context.Background()
	_, admin := a.signedIn(store.RoleAdmin, "admin@example.org")
	member, mc := a.signedIn(store.RoleMember, "member@example.org")
	page := "/admin/people/" + member.ID
	r := admin.submit(page, page, url.Values{"name": {"Test member"}, "role": {"member"}, "status": {"disabled"}})
	wantStatus(t, "disable", r, http.StatusSeeOther, page)
	if r := mc.get("/home"); r.Status != http.StatusSeeOther {
		t.Errorf("disabled person's browser got %d, want a redirect to sign in", r.Status)
	}
	evs, _, _ := a.audits.list(ctx, store.AuditFilter{Action: store.AuditUserChange, Target: "user:" + member.ID})
	if len(evs) != 1 || !strings.Contains(evs[0].Detail, "status active → disabled") {
		t.Errorf("account-changed events = %+v", evs)
	}
	// An account without a password is "invited", never "active".
	r = admin.submit(page, page, url.Values{"name": {"Test member"}, "role": {"member"}, "status": {"invited"}})
	wantStatus(t, "invited status for an account with a password", r, http.StatusUnprocessableEntity, "")
}

func TestPeopleListSearchesAndFilters(t *testing.T) {
	a := newTestApp(t)
	_, c := a.signedIn(store.RoleAdmin, "admin@example.org")
	for _, e := range []string{"siobhan.murphy@example.org", "tariq.hussain@example.org"} {
		a.newUser(store.RoleMember, e)
	}
	a.newUser(store.RoleCoordinator, "priya.shah@example.org")
	for _, tc := range []struct {
		query      string
		want, not  []string
		wantStatus int
	}{
		{"?q=TARIQ", []string{"tariq.hussain@example.org"}, []string{"siobhan.murphy@example.org"}, 200},
		{"?role=coordinator", []string{"priya.shah@example.org"}, []string{"tariq.hussain@example.org"}, 200},
		{"?q=.*", nil, []string{"tariq.hussain@example.org"}, 200}, // a search is text, not a pattern
		{"?role=superuser", []string{"Choose a role from the list"}, nil, 422},
	} {
		r := c.get("/admin/people" + tc.query)
		if r.Status != tc.wantStatus {
			t.Errorf("%s: status %d, want %d", tc.query, r.Status, tc.wantStatus)
		}
		for _, w := range tc.want {
			if !strings.Contains(r.Body, w) {
				t.Errorf("%s: %q missing", tc.query, w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(r.Body, n) {
				t.Errorf("%s: %q shown", tc.query, n)
			}
		}
	}
}

// createGroup makes a group through the form and returns its page.
func createGroup(t *testing.T, c *client, name, kind string) string {
	t.Helper()
	r := c.submit("/admin/groups/new", "/admin/groups/new", url.Values{"name": {name}, "kind": {kind}, "description": {"Meets monthly."}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/admin/groups/") {
		t.Fatalf("create group: %d to %q\n%s", r.Status, r.Location, r.Body)
	}
	return r.Location
}

func TestCoordinatorManagesGroupsAndMembers(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	_, c := a.signedIn(store.RoleCoordinator, "coordinator@example.org")
	if r := c.get("/admin/people"); r.Status != http.StatusForbidden {
		t.Errorf("coordinator on /admin/people: %d, want 403", r.Status)
	}
	page := createGroup(t, c, "Dorset Rural IAG", store.GroupIAG)
	gid := strings.TrimPrefix(page, "/admin/groups/")
	if n := a.auditCount(store.AuditGroupChange, "group:"+gid); n != 1 {
		t.Errorf("%d group-changed events, want 1", n)
	}
	if r := c.submit("/admin/groups/new", "/admin/groups/new", url.Values{"name": {"Dorset Rural IAG"}, "kind": {"iag"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("second group with the same name: %d, want 422", r.Status)
	}

	member := a.newUser(store.RoleMember, "ruth.ashworth@example.org")
	r := c.submit(page, page+"/members", url.Values{"email": {"Ruth.Ashworth@example.org"}, "vetting": {"NPPV2"},
		"expires-day": {"1"}, "expires-month": {"2"}, "expires-year": {"2030"}, "chair": {"true"}})
	wantStatus(t, "add member", r, http.StatusSeeOther, page)
	m, err := a.store.Membership(ctx, gid, member.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.VettingExpires.In(london).Format(time.DateOnly), "2030-02-01"; got != want || m.VettingLevel != "NPPV2" || !m.Chair {
		t.Errorf("membership = %s %s chair=%v, want NPPV2 until %s, chair", m.VettingLevel, got, m.Chair, want)
	}
	if u, _ := a.store.User(ctx, member.ID); u.Role != store.RoleChair {
		t.Errorf("role after becoming chair = %q, want chair", u.Role)
	}
	if n := a.auditCount(store.AuditRoleChange, "user:"+member.ID); n != 1 {
		t.Errorf("%d role-changed events, want 1", n)
	}
	if n := a.auditCount(store.AuditMembership, "user:"+member.ID); n != 1 {
		t.Errorf("%d membership-changed events, want 1", n)
	}
	body := c.get(page).Body
	for _, want := range []string{"Test member", "1 February 2030", "NPPV2", "Chair"} {
		if !strings.Contains(body, want) {
			t.Errorf("group page does not show %q", want)
		}
	}
	if list := c.get("/admin/groups").Body; !strings.Contains(list, "Dorset Rural IAG") || !strings.Contains(list, "Test member") {
		t.Errorf("group list does not show the group and its chair")
	}

	// Updating keeps one membership; removing takes it away.
	r = c.submit(page, page+"/members", url.Values{"email": {member.Email}, "vetting": {"NPPV3"},
		"expires-day": {"1"}, "expires-month": {"2"}, "expires-year": {"2031"}})
	wantStatus(t, "update member", r, http.StatusSeeOther, page)
	if ms, _ := a.store.GroupMembers(ctx, gid); len(ms) != 1 || ms[0].VettingLevel != "NPPV3" || ms[0].Chair {
		t.Errorf("memberships after update = %+v", ms)
	}
	r = c.submit(page, page+"/members/"+member.ID+"/remove", nil)
	wantStatus(t, "remove member", r, http.StatusSeeOther, page)
	if _, err := a.store.Membership(ctx, gid, member.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("membership after removal: err=%v, want ErrNotFound", err)
	}
	if n := a.auditCount(store.AuditMembership, "user:"+member.ID); n != 3 {
		t.Errorf("%d membership-changed events after add, update and remove, want 3", n)
	}
	if r := c.submit(page, page+"/members/"+member.ID+"/remove", nil); r.Status != http.StatusNotFound {
		t.Errorf("removing again: %d, want 404", r.Status)
	}
}

func TestCCUCreatesPartnersAndSeesTheirWorkers(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	_, c := a.signedIn(store.RoleCCU, "ccu@example.org")
	form := url.Values{"name": {"Wessex Sexual Violence Support Service"}, "kind": {"charity"}, "email": {"support@example.org"}}
	r := c.submit("/admin/partners", "/admin/partners", form)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/admin/partners/") {
		t.Fatalf("create partner: %d to %q\n%s", r.Status, r.Location, r.Body)
	}
	pid := strings.TrimPrefix(r.Location, "/admin/partners/")
	if n := a.auditCount(store.AuditPartnerChange, "partner:"+pid); n != 1 {
		t.Errorf("%d partner-changed events, want 1", n)
	}
	if r := c.submit("/admin/partners", "/admin/partners", form); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "already exists") {
		t.Errorf("duplicate partner: %d, want 422 saying it already exists", r.Status)
	}
	form.Set("name", "Another")
	form.Set("kind", "police")
	if r := c.submit("/admin/partners", "/admin/partners", form); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("unknown kind: %d, want 422", r.Status)
	}
	worker := &store.User{Name: "Aaliyah Brown", Email: "aaliyah@example.org", Role: store.RolePartner, PartnerID: pid}
	if err := a.store.CreateUser(ctx, worker); err != nil {
		t.Fatal(err)
	}
	body := c.get("/admin/partners/" + pid).Body
	if !strings.Contains(body, "Aaliyah Brown") || !strings.Contains(body, "Wessex Sexual Violence Support Service") {
		t.Errorf("partner page does not list its worker")
	}
	if strings.Contains(body, "/admin/people/") {
		t.Errorf("partner page links the CCU to people pages it cannot open")
	}
	if r := c.get("/admin/people/new?partner=" + pid); r.Status != http.StatusForbidden {
		t.Errorf("CCU on the invite form: %d, want 403", r.Status)
	}
}

func TestAuditLogFiltersAndChecksTheChain(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	admin, c := a.signedIn(store.RoleAdmin, "admin@example.org")
	a.signedIn(store.RoleMember, "member@example.org")
	if err := a.store.Audit(ctx, store.AuditEvent{Actor: "someone@example.org", Action: store.AuditSignInFailed, Detail: "wrong password"}); err != nil {
		t.Fatal(err)
	}

	r := c.get("/admin/audit?action=" + store.AuditSignInFailed)
	if r.Status != http.StatusOK {
		t.Fatalf("audit list: %d", r.Status)
	}
	if !strings.Contains(r.Body, "someone@example.org") || strings.Contains(r.Body, "<td class=\"govuk-table__cell\">"+store.AuditSignIn+"</td>") {
		t.Errorf("filter by action shows the wrong events")
	}
	if strings.Contains(r.Body, "Chain intact") {
		t.Errorf("the chain was checked without being asked")
	}
	if r := c.get("/admin/audit?actor=member@"); !strings.Contains(r.Body, "member@example.org") || strings.Contains(r.Body, "someone@example.org") {
		t.Errorf("filter by actor shows the wrong events")
	}
	today := time.Now().UTC().Format(time.DateOnly)
	if r := c.get("/admin/audit?day=" + today + "&target=user:" + admin.ID); !strings.Contains(r.Body, "admin@example.org") || strings.Contains(r.Body, "someone@example.org") {
		t.Errorf("filter by day and target shows the wrong events")
	}
	for _, q := range []string{"?day=14/03/2026", "?action=made-up"} {
		if r := c.get("/admin/audit" + q); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("GET /admin/audit%s: %d, want 422", q, r.Status)
		}
	}

	r = c.get("/admin/audit?verify=1")
	brk, n, err := a.store.VerifyAudit(ctx)
	if err != nil || brk != nil {
		t.Fatalf("VerifyAudit: %+v %v", brk, err)
	}
	if want := fmt.Sprintf("Chain intact: %d events", n); !strings.Contains(r.Body, want) {
		t.Errorf("verify page does not say %q", want)
	}
	if got := a.auditCount(store.AuditAuditViewed, ""); got != 4 {
		t.Errorf("%d audit-viewed events, want 4 (one per view, the refused ones excepted)", got)
	}
}
