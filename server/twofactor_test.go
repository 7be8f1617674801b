package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"candour/store"
)

func TestAdminMustEnrolTwoFactorAtFirstSignInAndUseItEveryTime(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	u := &store.User{Email: "new-admin@example.org", Name: "New Admin", Role: store.RoleAdmin, Status: store.StatusActive,
		PasswordHash: a.srv.hasher.hash(testPassword)}
	if err := a.store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	c := a.client()
	r := c.submit("/sign-in", "/sign-in", url.Values{"email": {u.Email}, "password": {testPassword}})
	if r.Location != "/sign-in/two-factor/set-up" {
		t.Fatalf("first sign-in of an admin goes to %q, want the set-up page", r.Location)
	}
	// Not signed in yet: the home page is out of reach.
	if r := c.get("/home"); r.Status != http.StatusSeeOther {
		t.Fatalf("/home before the code = %d, want redirect to sign in", r.Status)
	}
	page := c.get("/sign-in/two-factor/set-up")
	m := regexp.MustCompile(`<code class="app-secret">([A-Z2-7]+)</code>`).FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("set-up page shows no key:\n%s", page.Body)
	}
	secret := m[1]
	if qr := c.get("/sign-in/two-factor/qr.png"); qr.Status != 200 || qr.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("QR code: %d %s", qr.Status, qr.Header.Get("Content-Type"))
	}
	bad := c.submit("/sign-in/two-factor/set-up", "/sign-in/two-factor/set-up", url.Values{"code": {"000000"}})
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "security code is wrong") {
		t.Fatalf("wrong code: %d", bad.Status)
	}
	code := totpCode(t, secret, a.store.Now())
	r = c.submit("/sign-in/two-factor/set-up", "/sign-in/two-factor/set-up", url.Values{"code": {code}})
	if r.Location != "/home" {
		t.Fatalf("right code: %d to %q, want /home", r.Status, r.Location)
	}
	if got, _ := a.store.User(ctx, u.ID); !got.TOTPEnabled {
		t.Fatal("two-factor not enabled after set-up")
	}

	// Next time: password, then a code; the same code never works twice.
	c2 := a.client()
	r = c2.submit("/sign-in", "/sign-in", url.Values{"email": {u.Email}, "password": {testPassword}})
	if r.Location != "/sign-in/two-factor" {
		t.Fatalf("second sign-in goes to %q, want /sign-in/two-factor", r.Location)
	}
	replay := c2.submit("/sign-in/two-factor", "/sign-in/two-factor", url.Values{"code": {code}})
	if replay.Status != http.StatusUnprocessableEntity {
		t.Fatalf("replayed code: %d, want 422", replay.Status)
	}
	a.advance(30 * time.Second)
	r = c2.submit("/sign-in/two-factor", "/sign-in/two-factor", url.Values{"code": {totpCode(t, secret, a.store.Now())}})
	if r.Location != "/home" {
		t.Fatalf("fresh code: %d to %q", r.Status, r.Location)
	}
	// The two-factor page without the password step sends you to sign in.
	if r := a.client().get("/sign-in/two-factor"); r.Status != http.StatusSeeOther || r.Location != "/sign-in" {
		t.Fatalf("two-factor page without password step: %d to %q", r.Status, r.Location)
	}
}
