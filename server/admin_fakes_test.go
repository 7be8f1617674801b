package server

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"candour/store"
)

// The administration pages' refusals, validation and access on fakes
// (adminStore). A role change and disabling an account
// (TestRoleChangeIsAuditedAndSignsThePersonOut,
// TestDisablingEndsSessionsAndIsAudited) run on adminSessionFakes
// (fakes_accounts_test.go); TestInviteCreatesAnInvitedAccountAndMailsASingleUseLink,
// TestCoordinatorManagesGroupsAndMembers and the others in admin_test.go
// keep the real store.

// adminWorld is a few accounts, organisations, groups and memberships held
// in memory behind a fakeAdmin. Writes the tests do not expect are left
// nil, so a handler that makes one fails the test.
type adminWorld struct {
	mu          sync.Mutex
	users       *fakeUsers // shared with the signed-in sessions (under its own lock)
	partners    []store.Partner
	groups      map[string]*store.Group
	memberships []store.Membership
}

// adminFakes is the portal on fakes with an empty administration world.
func adminFakes(t *testing.T) (*fakeApp, *fakeAdmin, *adminWorld) {
	f := newFakeApp(t)
	w := &adminWorld{users: f.users, groups: map[string]*store.Group{}}
	fa := &fakeAdmin{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: time.Now()}}}
	fa.user = func(id string) (*store.User, error) { return w.users.User(t.Context(), id) }
	fa.userByEmail = func(email string) (*store.User, error) {
		w.users.mu.Lock()
		defer w.users.mu.Unlock()
		for _, u := range w.users.m {
			if u.Email == store.NormaliseEmail(email) {
				cp := *u
				return &cp, nil
			}
		}
		return nil, store.ErrNotFound
	}
	fa.usersByID = w.users.byID
	fa.partners = func() ([]store.Partner, error) { return append([]store.Partner(nil), w.partners...), nil }
	fa.partner = func(id string) (*store.Partner, error) {
		for _, p := range w.partners {
			if p.ID == id {
				return &p, nil
			}
		}
		return nil, store.ErrNotFound
	}
	fa.group = func(id string) (*store.Group, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		if g, ok := w.groups[id]; ok {
			cp := *g
			return &cp, nil
		}
		return nil, store.ErrNotFound
	}
	fa.groups = func() ([]store.Group, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		var out []store.Group
		for _, g := range w.groups {
			out = append(out, *g)
		}
		return out, nil
	}
	fa.groupMembers = func(groupID string) ([]store.Membership, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		var out []store.Membership
		for _, m := range w.memberships {
			if m.GroupID == groupID {
				out = append(out, m)
			}
		}
		return out, nil
	}
	fa.userMemberships = func(userID string) ([]store.Membership, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		var out []store.Membership
		for _, m := range w.memberships {
			if m.UserID == userID {
				out = append(out, m)
			}
		}
		return out, nil
	}
	fa.membership = func(groupID, userID string) (*store.Membership, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, m := range w.memberships {
			if m.GroupID == groupID && m.UserID == userID {
				return &m, nil
			}
		}
		return nil, store.ErrNotFound
	}
	f.srv.admin = fa
	return f, fa, w
}

// person adds an active account with role to the world.
func (w *adminWorld) person(role store.Role, email string) *store.User {
	u := &store.User{ID: store.NewID(), Email: email, Name: "Test " + string(role), Role: role, Status: store.StatusActive}
	w.users.add(u)
	return u
}

// group adds a group to the world and returns its page.
func (w *adminWorld) group(name, kind string) (*store.Group, string) {
	g := &store.Group{ID: store.NewID(), Name: name, Kind: kind, Description: "Meets monthly."}
	w.mu.Lock()
	w.groups[g.ID] = g
	w.mu.Unlock()
	return g, "/admin/groups/" + g.ID
}

func (w *adminWorld) count() int {
	w.users.mu.Lock()
	defer w.users.mu.Unlock()
	return len(w.users.m)
}

func TestInviteRejectsBadInputWithFakes(t *testing.T) {
	a, fa, w := adminFakes(t)
	c := a.as(&store.User{Email: "admin@example.org", Name: "Test admin", Role: store.RoleAdmin, Status: store.StatusActive})
	w.person(store.RoleMember, "taken@example.org")
	p := &store.Partner{ID: store.NewID(), Name: "Purbeck Domestic Abuse Service", Kind: "charity", Email: "referrals@example.org"}
	w.partners = append(w.partners, *p)
	// The store refuses an email already taken, in any case (the real one:
	// TestUsersByEmail in store/store_test.go); nothing else may be written.
	fa.createUser = func(u *store.User) error {
		if _, err := fa.userByEmail(u.Email); err == nil {
			return store.ErrDuplicate
		}
		t.Errorf("an account was stored from a bad invitation: %+v", u)
		return nil
	}
	before := w.count()
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"duplicate email, any case", url.Values{"name": {"Someone"}, "email": {"TAKEN@example.org"}, "role": {"member"}}, "An account with this email address already exists"},
		{"partner without organisation", url.Values{"name": {"Jo"}, "email": {"jo@example.org"}, "role": {"partner"}}, "Select the partner organisation this person works for"},
		{"organisation for a member", url.Values{"name": {"Jo"}, "email": {"jo@example.org"}, "role": {"member"}, "partner": {p.ID}}, "Only partner organisation workers belong to an organisation"},
		{"unknown organisation", url.Values{"name": {"Jo"}, "email": {"jo@example.org"}, "role": {"partner"}, "partner": {"nope"}}, "Select a partner organisation from the list"},
		{"unknown role", url.Values{"name": {"Jo"}, "email": {"jo@example.org"}, "role": {"superuser"}}, "Select the person&#39;s role"},
		{"no email", url.Values{"name": {"Jo"}, "role": {"member"}}, "Enter the person&#39;s email address"},
		{"bad email", url.Values{"name": {"Jo"}, "email": {"jo-at-example"}, "role": {"member"}}, "Enter an email address in the correct format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.submit("/admin/people/new", "/admin/people/new", tc.form)
			wantStatus(t, "invite", r, http.StatusUnprocessableEntity, "")
			if !strings.Contains(r.Body, tc.want) || !strings.Contains(r.Body, "govuk-error-summary") {
				t.Errorf("422 page does not say %q", tc.want)
			}
			if name := tc.form.Get("name"); !strings.Contains(r.Body, `value="`+name+`"`) {
				t.Errorf("the name typed (%q) was not kept", name)
			}
		})
	}
	if after := w.count(); after != before {
		t.Errorf("%d accounts after bad invitations, want %d", after, before)
	}
	if mail := a.outbox.queued(); len(mail) != 0 {
		t.Errorf("%d messages queued, want none", len(mail))
	}
	if n := fa.calls("CreateToken") + fa.calls("RevokeTokens"); n != 0 {
		t.Errorf("%d invitation links made or revoked, want none", n)
	}
	// From a partner organisation's page: the organisation and role are chosen.
	r := c.get("/admin/people/new?partner=" + p.ID)
	if !regexp.MustCompile(`value="`+p.ID+`" selected`).MatchString(r.Body) || !regexp.MustCompile(`value="partner" checked`).MatchString(r.Body) {
		t.Errorf("invite form from a partner page does not preselect the organisation and role")
	}
}

func TestAdminCannotLockThemselvesOutWithFakes(t *testing.T) {
	a, fa, w := adminFakes(t)
	admin := &store.User{Email: "admin@example.org", Name: "Test admin", Role: store.RoleAdmin, Status: store.StatusActive, PasswordHash: "set"}
	c := a.as(admin)
	fa.listUsers = func(store.UserFilter) ([]store.User, bool, error) { return []store.User{*admin}, false, nil }
	page := "/admin/people/" + admin.ID
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"demote", url.Values{"name": {"Test admin"}, "role": {"coordinator"}, "status": {"active"}}, "You cannot remove your own administrator role"},
		{"disable", url.Values{"name": {"Test admin"}, "role": {"admin"}, "status": {"disabled"}}, "You cannot disable your own account"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.submit(page, page, tc.form)
			wantStatus(t, tc.name, r, http.StatusUnprocessableEntity, "")
			if !strings.Contains(r.Body, tc.want) {
				t.Errorf("page does not say %q", tc.want)
			}
		})
	}
	// updateUser, deleteUserSessions and revokeTokens are nil: a call
	// would have failed the test.
	if u, _ := w.users.User(t.Context(), admin.ID); u.Role != store.RoleAdmin || u.Status != store.StatusActive {
		t.Errorf("admin is now %s/%s", u.Role, u.Status)
	}
	if r := c.get("/admin/people"); r.Status != http.StatusOK {
		t.Errorf("admin still signed in: /admin/people = %d", r.Status)
	}
}

func TestUnknownIDsGetAStyled404WithFakes(t *testing.T) {
	a, fa, _ := adminFakes(t)
	c := a.as(&store.User{Email: "admin@example.org", Name: "Test admin", Role: store.RoleAdmin, Status: store.StatusActive})
	fa.removeMembership = func(string, string) error { return store.ErrNotFound }
	for _, path := range []string{"/admin/people/nope", "/admin/groups/nope", "/admin/partners/nope"} {
		if r := c.get(path); r.Status != http.StatusNotFound || !strings.Contains(r.Body, "Page not found") {
			t.Errorf("GET %s: %d, want the 404 page", path, r.Status)
		}
	}
	if r := c.submit("/admin/groups", "/admin/groups/nope/members/nope/remove", nil); r.Status != http.StatusNotFound {
		t.Errorf("remove from an unknown group: %d, want 404", r.Status)
	}
	if n := fa.calls("RemoveMembership"); n != 0 {
		t.Errorf("the store was asked to remove a member of an unknown group %d times", n)
	}
}

func TestMemberFormRejectsBadInputWithFakes(t *testing.T) {
	a, fa, w := adminFakes(t)
	c := a.as(&store.User{Email: "coordinator@example.org", Name: "Test coordinator", Role: store.RoleCoordinator, Status: store.StatusActive})
	_, page := w.group("Stop and Search Scrutiny Panel", store.GroupPanel)
	member := w.person(store.RoleMember, "member@example.org")
	w.person(store.RolePartner, "partner@example.org")
	date := func(d, m, y string) url.Values {
		return url.Values{"email": {member.Email}, "vetting": {"NPPV2"}, "expires-day": {d}, "expires-month": {m}, "expires-year": {y}}
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"31 February", date("31", "2", "2030"), "Enter a real date"},
		{"month 13", date("1", "13", "2030"), "Enter a real date"},
		{"words", date("first", "May", "2030"), "Enter a real date"},
		{"two-digit year", date("1", "5", "30"), "Enter a real date"},
		{"no month", date("1", "", "2030"), "The expiry date must include a month"},
		{"no date for vetting", date("", "", ""), "Enter the date the person&#39;s vetting expires"},
		{"unknown level", url.Values{"email": {member.Email}, "vetting": {"NPPV9"}}, "Select the person&#39;s vetting level"},
		{"no account", url.Values{"email": {"nobody@example.org"}, "vetting": {"none"}}, "There is no account with this email address"},
		{"not a member account", url.Values{"email": {"partner@example.org"}, "vetting": {"none"}}, "Only group members and chairs can join a group"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.submit(page, page+"/members", tc.form)
			wantStatus(t, tc.name, r, http.StatusUnprocessableEntity, "")
			if !strings.Contains(r.Body, tc.want) {
				t.Errorf("page does not say %q", tc.want)
			}
			if d := tc.form.Get("expires-day"); d != "" && !strings.Contains(r.Body, `value="`+d+`"`) {
				t.Errorf("the day typed (%q) was not kept", d)
			}
		})
	}
	if n := fa.calls("PutMembership") + fa.calls("SetRole"); n != 0 {
		t.Errorf("%d memberships stored from bad forms, want none", n)
	}
}

func TestGroupPageTagsVettingThatHasExpiredOrExpiresSoonWithFakes(t *testing.T) {
	a, _, w := adminFakes(t)
	c := a.as(&store.User{Email: "coordinator@example.org", Name: "Test coordinator", Role: store.RoleCoordinator, Status: store.StatusActive})
	g, page := w.group("Use of Force Scrutiny Panel", store.GroupPanel)
	now := time.Now()
	var lapsed *store.User
	for i, days := range []int{-3, 20, 400} {
		u := w.person(store.RoleMember, fmt.Sprintf("m%d@example.org", i))
		if i == 0 {
			lapsed = u
		}
		w.memberships = append(w.memberships, store.Membership{GroupID: g.ID, UserID: u.ID, VettingLevel: "NPPV2", VettingExpires: now.AddDate(0, 0, days)})
	}
	body := c.get(page).Body
	if got := strings.Count(body, "govuk-tag--red\">Expired"); got != 1 {
		t.Errorf("%d Expired tags, want 1", got)
	}
	if got := strings.Count(body, "govuk-tag--yellow\">Expires soon"); got != 1 {
		t.Errorf("%d Expires soon tags, want 1", got)
	}
	admin := a.as(&store.User{Email: "admin@example.org", Name: "Test admin", Role: store.RoleAdmin, Status: store.StatusActive})
	person := admin.get("/admin/people/" + lapsed.ID).Body
	if !strings.Contains(person, "Use of Force Scrutiny Panel") || !strings.Contains(person, "govuk-tag--red\">Expired") {
		t.Errorf("person page does not show the group with lapsed vetting")
	}
}

// TestAdminGivesTheSchemeManagerRoleWithFakes: an administrator invites a
// scheme manager from the people page, which offers the role by its name.
func TestAdminGivesTheSchemeManagerRoleWithFakes(t *testing.T) {
	a, fa, w := adminFakes(t)
	c := a.as(&store.User{Email: "admin@example.org", Name: "Test admin", Role: store.RoleAdmin, Status: store.StatusActive})
	fa.createUser = func(u *store.User) error {
		if _, err := fa.userByEmail(u.Email); err == nil {
			return store.ErrDuplicate
		}
		u.ID, u.Email = store.NewID(), store.NormaliseEmail(u.Email)
		cp := *u
		w.users.add(&cp)
		return nil
	}
	fa.revokeTokens = func(string, []string) (int64, error) { return 0, nil }
	fa.createToken = func(kind, userID, _ string, _ time.Duration) (string, error) {
		return "secret-" + kind + "-" + userID, nil
	}
	if r := c.get("/admin/people/new"); !strings.Contains(r.Body, "Custody visiting scheme manager") {
		t.Fatalf("the invitation form does not offer the role")
	}
	r := c.submit("/admin/people/new", "/admin/people/new", url.Values{"name": {"Ruth Adeyemi"}, "email": {"ruth@pcc.example.org"}, "role": {"schememanager"}})
	wantStatus(t, "invite", r, http.StatusSeeOther, "")
	u, err := fa.userByEmail("ruth@pcc.example.org")
	if err != nil || u.Role != store.RoleSchemeManager {
		t.Fatalf("invited %+v (%v)", u, err)
	}
	if mail := a.outbox.queued(); len(mail) != 1 || mail[0].To != "ruth@pcc.example.org" || !strings.Contains(mail[0].Body, "/invitation/secret-"+store.TokenInvitation+"-"+u.ID) {
		t.Errorf("invitation mail = %+v", mail)
	}
	if n := a.audits.count(store.AuditUserCreated, "user:"+u.ID); n != 1 {
		t.Errorf("%d %s events, want 1", n, store.AuditUserCreated)
	}
}

// TestSubjectAccessRefusalsWithFakes: the download names groups for the
// store by the groups' names and is audited; an unknown account is a 404
// and people other than administrators are refused (403), neither asking
// the store for anything held nor auditing a download.
// TestSubjectAccessDownload keeps the real store for what the download
// holds and leaves out.
func TestSubjectAccessRefusalsWithFakes(t *testing.T) {
	a, fa, w := adminFakes(t)
	admin := w.person(store.RoleAdmin, "admin@example.org")
	ana := w.person(store.RoleCCU, "ana@example.org")
	g := &store.Group{ID: store.NewID(), Name: "Dorset Rural IAG", Kind: store.GroupIAG}
	w.groups[g.ID] = g
	w.memberships = append(w.memberships, store.Membership{GroupID: g.ID, UserID: ana.ID, VettingLevel: "NPPV2"})
	var named, other string
	fa.subjectAccessFor = func(id string, groupName func(string) string) (*store.SubjectAccess, error) {
		if id != ana.ID {
			t.Errorf("asked for what is held about %q, want ana", id)
		}
		named, other = groupName(g.ID), groupName("gone")
		return &store.SubjectAccess{Account: store.SubjectAccount{Email: ana.Email, Role: string(ana.Role)}}, nil
	}
	ac := a.as(admin)
	person := "/admin/people/" + ana.ID
	r := ac.submit(person, person+"/subject-access", url.Values{})
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") ||
		r.Header.Get("Content-Disposition") != `attachment; filename="subject-access-`+ana.ID+`-`+fa.now.In(london).Format(time.DateOnly)+`.json"` ||
		r.Header.Get("Cache-Control") != "no-store" || !strings.Contains(r.Body, `"email": "ana@example.org"`) {
		t.Fatalf("download: %d %v\n%s", r.Status, r.Header, r.Body)
	}
	if named != "Dorset Rural IAG" || other != "gone" {
		t.Errorf("groups named %q and %q, want the group's name and an unknown id as it is", named, other)
	}
	if n := a.audits.count(store.AuditSubjectAccess, "user:"+ana.ID); n != 1 {
		t.Fatalf("%d %s events, want 1", n, store.AuditSubjectAccess)
	}

	// Unknown account: a styled 404.
	if r := ac.submit(person, "/admin/people/nope/subject-access", url.Values{}); r.Status != http.StatusNotFound {
		t.Fatalf("unknown account: %d", r.Status)
	}
	for _, role := range []store.Role{store.RoleCoordinator, store.RoleMember, store.RoleCCU} {
		c := a.as(w.person(role, string(role)+"@example.org"))
		if r := c.submit("/admin/people", person+"/subject-access", url.Values{}); r.Status != http.StatusForbidden {
			t.Errorf("%s downloading: %d, want 403", role, r.Status)
		}
	}
	if n := fa.calls("SubjectAccessFor"); n != 1 {
		t.Errorf("the store was asked %d times for what is held, want once (the administrator's download)", n)
	}
	if n := a.audits.count(store.AuditSubjectAccess, ""); n != 1 {
		t.Errorf("%d %s events after the refusals, want 1", n, store.AuditSubjectAccess)
	}
}
