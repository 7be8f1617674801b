package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"candour/config"
	"candour/server/oidctest"
	"candour/store"
)

// withIdP turns on sign-in through a new in-process provider for the test app a.
func withIdP(t *testing.T, a *testApp) *oidctest.Provider {
	p := oidctest.New(t, a.store.Now)
	cfg := a.cfg
	cfg.OIDC = config.OIDC{Issuer: p.Server.URL, ClientID: p.ClientID, ClientSecret: p.Secret,
		Roles: []string{"admin", "coordinator", "ccu"}, Label: "Sign in with your Dorset Police account"}
	a.srv.oidc = newOIDCFlow(cfg, a.store.Now)
	return p
}

// viaIdP follows the whole flow as a browser would: the portal's button,
// the provider's authorization endpoint, and back to the callback, whose
// response it returns.
func viaIdP(t *testing.T, p *oidctest.Provider, c *client) response {
	t.Helper()
	r := c.get("/sign-in/oidc")
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, p.Server.URL+"/authorize?") {
		t.Fatalf("start: %d to %q, want 303 to the provider", r.Status, r.Location)
	}
	back, err := p.Authorize(r.Location)
	if err != nil {
		t.Fatal(err)
	}
	return c.get(back.RequestURI())
}

func TestOIDCSignInStaff(t *testing.T) {
	a := newTestApp(t)
	p := withIdP(t, a)
	coord := a.newUser(store.RoleCoordinator, "Jo.Coordinator@dorset.example")
	p.Set("jo.coordinator@DORSET.example", true, nil) // matched as the store matches addresses

	c := a.client()
	if page := c.get("/sign-in"); !strings.Contains(page.Body, `href="/sign-in/oidc"`) || !strings.Contains(page.Body, "Sign in with your Dorset Police account") {
		t.Fatalf("the sign-in page has no button for the identity provider:\n%s", page.Body)
	}
	r := viaIdP(t, p, c)
	if r.Status != http.StatusSeeOther || r.Location != "/home" {
		t.Fatalf("callback: %d to %q, want 303 to /home\n%s", r.Status, r.Location, r.Body)
	}
	if home := c.get("/home"); home.Status != http.StatusOK {
		t.Fatalf("home after signing in: %d", home.Status)
	}
	// The authorization request carried a state, a nonce and an S256 challenge.
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(p.Asked().Get(k)) < 43 {
			t.Errorf("authorization request %s = %q, want 32 random bytes or more", k, p.Asked().Get(k))
		}
	}
	if p.Asked().Get("redirect_uri") != a.http.URL+"/sign-in/oidc/callback" || !strings.Contains(p.Asked().Get("scope"), "openid") {
		t.Errorf("authorization request: %v", p.Asked())
	}
	events, _, err := a.store.ListAudit(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	signedIn := false
	for _, e := range events {
		signedIn = signedIn || (e.Action == store.AuditSignIn && e.ActorID == coord.ID)
	}
	if !signedIn {
		t.Error("no sign-in audit event for the coordinator")
	}

	// An admin account still takes the portal's own second step.
	admin := a.newUser(store.RoleAdmin, "admin@dorset.example")
	p.Set(admin.Email, true, nil)
	if r := viaIdP(t, p, a.client()); r.Status != http.StatusSeeOther || r.Location != "/sign-in/two-factor" {
		t.Errorf("admin through the provider: %d to %q, want the two-factor step", r.Status, r.Location)
	}
}

// Each way the provider's answer can be wrong leaves the person signed
// out, with the sign-in page (422) saying so against the button.
func TestOIDCRefusals(t *testing.T) {
	a := newTestApp(t)
	p := withIdP(t, a)
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
			c["iat"] = a.store.Now().Add(-time.Hour).Unix()
			c["exp"] = a.store.Now().Add(-30 * time.Minute).Unix()
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
	events, _, err := a.store.ListAudit(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
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
func TestOIDCOffByDefault(t *testing.T) {
	a := newTestApp(t)
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
