package server

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"candour/server/oidctest"
	"candour/store"
)

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
	a := newAccountsWorld(t)
	p := withIdPFake(t, a.fakeApp, a.signIns)
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
	events, _, err := a.audits.list(context.Background(), store.AuditFilter{})
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
