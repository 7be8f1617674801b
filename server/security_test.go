package server

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"candour/store"
	"candour/templates"
)

// TestWrongPasswordIsGenericAndLocksAfterFive: five wrong passwords
// from a new browser lock the account (the store's budget of tries) for 15
// minutes, with the same words as any other failure. (The words and the
// typed email kept: TestWrongPasswordIsGenericWithFakes.)
func TestWrongPasswordIsGenericAndLocksAfterFive(t *testing.T) {
	a := newTestApp(t)
	u := a.newUser(store.RoleMember, "member@example.org")
	c := a.client()
	try := func(email, pw string) response {
		return c.submit("/sign-in", "/sign-in", url.Values{"email": {email}, "password": {pw}})
	}
	for range 5 {
		try(u.Email, "still wrong")
	}
	// Five failures: now even the right password is refused, with the same words.
	r := try(u.Email, testPassword)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, msgSignInFailed) {
		t.Fatalf("right password while locked: status %d, want 422 generic", r.Status)
	}
	evs, _, err := a.store.ListAudit(context.Background(), store.AuditFilter{Action: store.AuditLockedOut})
	if err != nil || len(evs) != 1 || evs[0].Target != "user:"+u.ID {
		t.Fatalf("lock-out audit events = %+v (err %v), want one for the account", evs, err)
	}
	// After the lock (15 minutes) the right password works again.
	a.advance(16 * time.Minute)
	c.signIn(u)
}

func TestCSRFRejectedOnEveryStateChangingRoute(t *testing.T) {
	a := newAccountsWorld(t)
	u := a.newUser(store.RoleAdmin, "admin@example.org")
	c := a.as(u)
	for _, rt := range a.srv.Routes() {
		if rt.Method == http.MethodGet {
			continue
		}
		path := strings.NewReplacer(":id", "000000000000000000000000", ":userId", "000000000000000000000000", ":token", "x").Replace(rt.Path)
		for name, token := range map[string]string{"missing": "", "wrong": "not-the-token"} {
			t.Run(rt.Path+" "+name, func(t *testing.T) {
				form := url.Values{}
				if token != "" {
					form.Set("csrf_token", token)
				}
				r := c.post(path, form)
				if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "Your form has expired") {
					t.Fatalf("status %d, want 403 with the styled expired-form page", r.Status)
				}
			})
		}
	}
	// Still signed in: the rejected posts changed nothing.
	if r := c.get("/home"); r.Status != http.StatusOK {
		t.Fatalf("after rejected posts /home = %d", r.Status)
	}
}

func sessionCookieValue(c *client, base string) string {
	u, _ := url.Parse(base)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			return ck.Value
		}
	}
	return ""
}

func TestSessionRotatesAtSignInAndSignOutIsServerSide(t *testing.T) {
	a := newAccountsWorld(t)
	u := a.newUser(store.RoleCoordinator, "coord@example.org")
	c := a.client()
	c.csrf("/sign-in")
	before := sessionCookieValue(c, a.http.URL)
	if before == "" {
		t.Fatal("no session cookie before sign-in")
	}
	c.signIn(u)
	after := sessionCookieValue(c, a.http.URL)
	if after == "" || after == before {
		t.Fatal("session id did not change at sign-in")
	}
	// The pre-sign-in id is dead: a browser replaying it is signed out.
	old := a.client()
	base, _ := url.Parse(a.http.URL)
	old.http.Jar.SetCookies(base, []*http.Cookie{{Name: sessionCookie, Value: before, Path: "/"}})
	if r := old.get("/home"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/sign-in") {
		t.Fatalf("pre-sign-in cookie: /home = %d to %q, want sign-in", r.Status, r.Location)
	}
	// Sign out, then replay the signed-in cookie from another browser.
	if r := c.submit("/home", "/sign-out", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("sign out = %d", r.Status)
	}
	replay := a.client()
	replay.http.Jar.SetCookies(base, []*http.Cookie{{Name: sessionCookie, Value: after, Path: "/"}})
	if r := replay.get("/home"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/sign-in") {
		t.Fatalf("replayed cookie after sign-out: /home = %d to %q, want sign-in", r.Status, r.Location)
	}
}

func TestIdleTimeout(t *testing.T) {
	a := newAccountsWorld(t)
	staff := a.newUser(store.RoleCoordinator, "coord@example.org")
	member := a.newUser(store.RoleMember, "member@example.org")
	cs, cm := a.client(), a.client()
	cs.signIn(staff)
	cm.signIn(member)
	a.advance(31 * time.Minute)
	if r := cs.get("/home"); r.Status != http.StatusSeeOther {
		t.Fatalf("staff after 31 idle minutes: /home = %d, want redirect to sign in", r.Status)
	}
	if r := cm.get("/home"); r.Status != http.StatusOK {
		t.Fatalf("member after 31 idle minutes: /home = %d, want 200 (volunteers get 2 hours)", r.Status)
	}
	a.advance(2*time.Hour + time.Minute)
	if r := cm.get("/home"); r.Status != http.StatusSeeOther {
		t.Fatalf("member after 2 idle hours: /home = %d, want redirect", r.Status)
	}
}

func TestErrorPagesAndHeaders(t *testing.T) {
	a := newFakeApp(t)
	a.srv.ready = fakeReady{}
	// A page whose template fails half-way: styled 500, nothing of the page.
	// (Cloned from a parse of its own: the Server's templates are shared
	// by every Server in the binary, and one that has run cannot be cloned.)
	fresh, err := parseTemplates(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	errPage, err := fresh["error"].get()
	if err != nil {
		t.Fatal(err)
	}
	a.srv.templates.put("boom", template.Must(template.Must(errPage.Clone()).Parse(
		`{{define "content"}}<p>half a page</p>{{.Data.Missing}}{{end}}`)))
	a.srv.engine.GET("/boom", a.srv.loadSession, func(c *gin.Context) { a.srv.render(c, http.StatusOK, "boom", &Page{Title: "Boom", Data: 1}) })
	c := a.client()

	big := strings.Repeat("x", MaxFormBytes+10)
	cases := []struct {
		name   string
		do     func() response
		status int
		want   string
	}{
		{"unknown page", func() response { return c.get("/no/such/page") }, 404, "Page not found"},
		{"template failure", func() response { return c.get("/boom") }, 500, "Sorry, there is a problem with the service"},
		{"oversized form", func() response {
			return c.post("/sign-in", url.Values{"csrf_token": {c.csrf("/sign-in")}, "email": {big}})
		}, 413, "too large"},
		{"sign-in page", func() response { return c.get("/sign-in") }, 200, "Sign in"},
		{"readiness", func() response { return c.get("/readyz") }, 200, "ready"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.do()
			if r.Status != tc.status || !strings.Contains(r.Body, tc.want) {
				t.Fatalf("status %d, want %d containing %q", r.Status, tc.status, tc.want)
			}
			if strings.Contains(r.Body, "half a page") {
				t.Fatal("partial page sent")
			}
			csp := r.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP = %q", csp)
			}
			for h, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"} {
				if r.Header.Get(h) != v {
					t.Errorf("%s = %q, want %q", h, r.Header.Get(h), v)
				}
			}
		})
	}
}

func TestVisitorsLeaveNothingStored(t *testing.T) {
	a := newAccountsWorld(t)
	u := a.newUser(store.RoleMember, "member@example.org")
	ctx := context.Background()
	c := a.client()
	c.get("/")
	c.submit("/sign-in", "/sign-in", url.Values{"email": {u.Email}, "password": {"wrong password here"}})
	if n, _ := a.sessionCount(ctx); n != 0 {
		t.Fatalf("%d sessions stored for a visitor, want 0", n)
	}
	c.signIn(u)
	if n, _ := a.sessionCount(ctx); n != 1 {
		t.Fatalf("%d sessions stored after sign-in, want 1", n)
	}
	// A visitor's form token lasts 2 hours, then the form has expired.
	v := a.client()
	tok := v.csrf("/sign-in")
	a.advance(2*time.Hour + time.Minute)
	r := v.post("/sign-in", url.Values{"csrf_token": {tok}, "email": {u.Email}, "password": {testPassword}})
	if r.Status != http.StatusForbidden {
		t.Fatalf("sign-in with a 2-hour-old visitor token: %d, want 403", r.Status)
	}
}

func TestSessionCookieValueNamesAStoredSession(t *testing.T) {
	a := newAccountsWorld(t)
	u := a.newUser(store.RoleMember, "member@example.org")
	id := store.RandomSecret()
	now := a.clock().UTC()
	err := a.sessions.SaveSession(context.Background(), id, &store.Session{UserID: u.ID, LastSeen: now, ExpiresAt: now.Add(time.Hour),
		Values: map[string]string{keyUserID: u.ID, keyRole: string(u.Role)}})
	if err != nil {
		t.Fatal(err)
	}
	value, err := SessionCookieValue([]byte(strings.Repeat("k", 32)), id)
	if err != nil {
		t.Fatal(err)
	}
	c := a.client()
	base, _ := url.Parse(a.http.URL)
	c.http.Jar.SetCookies(base, []*http.Cookie{{Name: sessionCookie, Value: value, Path: "/"}})
	if r := c.get("/home"); r.Status != http.StatusOK {
		t.Fatalf("/home with a minted cookie: %d, want 200", r.Status)
	}
}
