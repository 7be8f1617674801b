package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"candour/config"
	"candour/server/oidctest"
	"candour/store"
)

// Signing in on fakes (signInStore): the words of a refused password, and
// each refusal of an identity provider's answer. A whole sign-in through
// the provider (TestOIDCSignInStaff) runs on accountsWorld
// (fakes_accounts_test.go); the store's budget of tries
// (TestWrongPasswordIsGenericAndLocksAfterFive) keeps the real store.

// signInFakes is a fake app whose accounts are found by email among its
// users, as the store matches addresses (NormaliseEmail).
func signInFakes(t *testing.T) (*fakeApp, *fakeSignIns) {
	a := newFakeApp(t)
	fs := &fakeSignIns{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: time.Now()}}}
	fs.userByEmail = func(email string) (*store.User, error) {
		for _, u := range a.users.all() {
			if store.NormaliseEmail(u.Email) == store.NormaliseEmail(email) {
				return &u, nil
			}
		}
		return nil, store.ErrNotFound
	}
	a.srv.signIns = fs
	// The password step's tries: all allowed (the budget is the store's:
	// TestWrongPasswordIsGenericAndLocksAfterFive).
	at := &fakeAttempts{fakeCalls: fakeCalls{t: t, now: time.Now()}}
	at.take = func(string, string) (store.Attempt, error) { return store.Attempt{OK: true}, nil }
	at.forget = func(string) error { return nil }
	a.srv.attempts = at
	return a, fs
}

// newUser is an active account of role with the test password, as
// testApp's newUser makes one, kept among the fake's users.
func (f *fakeApp) newUser(role store.Role, email string) *store.User {
	u := &store.User{ID: store.NewID(), Email: email, Name: "Test " + string(role), Role: role, Status: store.StatusActive,
		PasswordHash: f.srv.hasher.Hash(testPassword)}
	if role.NeedsTwoFactor() {
		u.TOTPSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
		u.TOTPEnabled = true
	}
	f.users.add(u)
	return u
}

// withIdPFake turns on sign-in through a new in-process provider for the
// fake app a, on fs's clock.
func withIdPFake(t *testing.T, a *fakeApp, fs *fakeSignIns) *oidctest.Provider {
	p := oidctest.New(t, fs.Now)
	cfg := a.srv.cfg
	cfg.OIDC = config.OIDC{Issuer: p.Server.URL, ClientID: p.ClientID, ClientSecret: p.Secret,
		Roles: []string{"admin", "coordinator", "ccu"}, Label: "Sign in with your Dorset Police account"}
	a.srv.oidc = newOIDCFlow(cfg, fs.Now)
	return p
}

// TestWrongPasswordIsGenericWithFakes: an unknown address and a wrong
// password get the same 422, with the error summary and the typed email
// kept.
func TestWrongPasswordIsGenericWithFakes(t *testing.T) {
	a, _ := signInFakes(t)
	u := a.newUser(store.RoleMember, "member@example.org")
	c := a.client()
	try := func(email, pw string) response {
		return c.submit("/sign-in", "/sign-in", url.Values{"email": {email}, "password": {pw}})
	}
	unknown := try("nobody@example.org", testPassword)
	wrong := try(u.Email, "not the password")
	for _, r := range []response{unknown, wrong} {
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, msgSignInFailed) {
			t.Fatalf("failed sign-in: status %d, want 422 with %q", r.Status, msgSignInFailed)
		}
		if !strings.Contains(r.Body, `value="`) || !strings.Contains(r.Body, "govuk-error-summary") {
			t.Fatalf("failed sign-in page lacks the error summary or the typed email")
		}
	}
	if !strings.Contains(wrong.Body, `value="member@example.org"`) {
		t.Errorf("typed email not kept")
	}
}

// Each way the provider's answer can be wrong leaves the person signed
// out, with the sign-in page (422) saying so against the button.
func TestOIDCRefusalsWithFakes(t *testing.T) {
	a, fs := signInFakes(t)
	p := withIdPFake(t, a, fs)
	a.newUser(store.RoleCoordinator, "coord@dorset.example")
	a.newUser(store.RoleMember, "member@dorset.example")
	cases := []struct {
		name, email string
		verified    bool
		tweak       func(map[string]any)
		want        string
	}{
		{"wrong nonce", "coord@dorset.example", true, func(c map[string]any) { c["nonce"] = randomToken() }, msgOIDCFailed},
		{"wrong audience", "coord@dorset.example", true, func(c map[string]any) { c["aud"] = "another-app" }, msgOIDCFailed},
		{"expired token", "coord@dorset.example", true, func(c map[string]any) {
			c["iat"] = fs.Now().Add(-time.Hour).Unix()
			c["exp"] = fs.Now().Add(-30 * time.Minute).Unix()
		}, msgOIDCFailed},
		{"wrong issuer", "coord@dorset.example", true, func(c map[string]any) { c["iss"] = "https://evil.example" }, msgOIDCFailed},
		{"unverified email", "coord@dorset.example", false, nil, msgOIDCFailed},
		{"no such account", "stranger@dorset.example", true, nil, msgOIDCFailed},
		{"volunteer account", "member@dorset.example", true, nil, msgOIDCFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p.Set(tc.email, tc.verified, tc.tweak)
			c := a.client()
			r := viaIdP(t, p, c)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.want) || !strings.Contains(r.Body, `href="#oidc"`) {
				t.Fatalf("%d to %q, want 422 with the error summary\n%s", r.Status, r.Location, r.Body)
			}
			if home := c.get("/home"); home.Status != http.StatusSeeOther || !strings.HasPrefix(home.Location, "/sign-in") {
				t.Fatalf("home after a refused sign-in: %d to %q, want the sign-in page", home.Status, home.Location)
			}
		})
	}
	p.Set("coord@dorset.example", true, nil)

	// A callback is good once: replaying it (the state is spent) fails,
	// and so does one that no sign-in in this browser started.
	c := a.client()
	r := c.get("/sign-in/oidc")
	back, err := p.Authorize(r.Location)
	if err != nil {
		t.Fatal(err)
	}
	if r := a.client().get(back.RequestURI()); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, msgOIDCExpired) {
		t.Errorf("callback in another browser: %d, want 422 (state)", r.Status)
	}
	if r := c.get(back.RequestURI()); r.Status != http.StatusSeeOther || r.Location != "/home" {
		t.Errorf("callback in the browser that started: %d to %q", r.Status, r.Location)
	}
	if r := c.get(back.RequestURI()); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, msgOIDCExpired) {
		t.Errorf("the same callback again: %d to %q, want 422 (the state is spent)", r.Status, r.Location)
	}
	// A provider that answers with an error.
	c = a.client()
	r = c.get("/sign-in/oidc")
	st, _ := url.Parse(r.Location)
	if r := c.get("/sign-in/oidc/callback?" + url.Values{"state": {st.Query().Get("state")}, "error": {"access_denied"}}.Encode()); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, msgOIDCRefused) {
		t.Errorf("provider error: %d", r.Status)
	}
	events := a.audits.all()
	details := ""
	for _, e := range events {
		if e.Action == store.AuditSignInFailed {
			details += e.Detail + "\n"
		}
	}
	for _, want := range []string{"wrong nonce", "audience", "expired", "no verified email", "no active staff account for member@dorset.example", "access_denied"} {
		if !strings.Contains(details, want) {
			t.Errorf("no failed sign-in audited with %q; audited:\n%s", want, details)
		}
	}
}

// Off by default: no button, and the routes are not found.
func TestOIDCOffByDefaultWithFakes(t *testing.T) {
	a, _ := signInFakes(t)
	c := a.client()
	if strings.Contains(c.get("/sign-in").Body, "/sign-in/oidc") {
		t.Error("the sign-in page offers the identity provider when none is configured")
	}
	for _, path := range []string{"/sign-in/oidc", "/sign-in/oidc/callback?state=a&code=b"} {
		if r := c.get(path); r.Status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, r.Status)
		}
	}
}
