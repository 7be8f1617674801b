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
		PasswordHash: a.srv.hasher.Hash(testPassword)}
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
	// The key in groups of four, and a QR code drawn in the page as SVG.
	m := regexp.MustCompile(`<code class="app-key">((?:[A-Z2-7]{4} )+[A-Z2-7]{1,4})</code>`).FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("set-up page shows no key in groups of four:\n%s", page.Body)
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	if got := a.user(u.ID).TOTPSecret; secret != got {
		t.Fatalf("key shown %q, stored %q", secret, got)
	}
	if !regexp.MustCompile(`<svg class="app-qr" [^>]*viewBox="0 0 \d+ \d+"[^>]*role="img" aria-label="QR code[^"]*"`).MatchString(page.Body) ||
		!strings.Contains(page.Body, `<path d="M`) {
		t.Fatal("set-up page has no QR code")
	}
	bad := c.submit("/sign-in/two-factor/set-up", "/sign-in/two-factor/set-up", url.Values{"code": {"000000"}})
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "security code is wrong") {
		t.Fatalf("wrong code: %d", bad.Status)
	}
	code := totpCode(t, secret, a.store.Now())
	r = c.submit("/sign-in/two-factor/set-up", "/sign-in/two-factor/set-up", url.Values{"code": {code}})
	recovery := regexp.MustCompile(`<code class="app-key">([a-z2-9]{5}-[a-z2-9]{5})</code>`).FindAllStringSubmatch(r.Body, -1)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Two-factor authentication is set up") || len(recovery) != 10 || !strings.Contains(r.Body, `href="/home"`) {
		t.Fatalf("right code: %d, %d recovery codes, want the confirmation with 10\n%s", r.Status, len(recovery), r.Body)
	}
	if r := c.get("/home"); r.Status != http.StatusOK {
		t.Fatalf("home after enrolment: %d", r.Status)
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

// TestRecoveryCodes: ten codes, stored only as hashes, each signing in
// once in place of the app's code; new ones replace the old.
func TestRecoveryCodes(t *testing.T) {
	a := newAccountsWorld(t)
	u := a.newUser(store.RoleCCU, "analyst@example.org")
	c := a.as(u)
	r := c.submit("/account", "/account/two-factor/recovery-codes", nil)
	codeRe := regexp.MustCompile(`<code class="app-key">([a-z2-9]{5}-[a-z2-9]{5})</code>`)
	codes := codeRe.FindAllStringSubmatch(r.Body, -1)
	if r.Status != http.StatusOK || len(codes) != 10 {
		t.Fatalf("new codes: %d, %d codes\n%s", r.Status, len(codes), r.Body)
	}
	stored := a.user(u.ID).RecoveryCodes
	if len(stored) != 10 {
		t.Fatalf("%d codes stored, want 10", len(stored))
	}
	for _, h := range stored {
		for _, code := range codes {
			if strings.Contains(h, code[1]) || strings.Contains(h, strings.ReplaceAll(code[1], "-", "")) {
				t.Fatalf("a code is stored in clear: %q", h)
			}
		}
	}
	passwordStep := func() *client {
		c := a.client()
		if r := c.submit("/sign-in", "/sign-in", url.Values{"email": {u.Email}, "password": {testPassword}}); r.Location != "/sign-in/two-factor" {
			t.Fatalf("password step: %d to %q", r.Status, r.Location)
		}
		return c
	}
	c1 := passwordStep()
	if r := c1.get("/sign-in/two-factor"); !strings.Contains(r.Body, `href="/sign-in/two-factor/recovery"`) {
		t.Fatal("the code page does not offer a recovery code")
	}
	if r := c1.submit("/sign-in/two-factor/recovery", "/sign-in/two-factor/recovery", url.Values{"code": {"aaaaa-aaaaa"}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "wrong or has already been used") {
		t.Fatalf("wrong recovery code: %d", r.Status)
	}
	// Typed in capitals with a space instead of the hyphen: still the code.
	typed := strings.ToUpper(strings.Replace(codes[0][1], "-", " ", 1))
	if r := c1.submit("/sign-in/two-factor/recovery", "/sign-in/two-factor/recovery", url.Values{"code": {typed}}); r.Status != http.StatusSeeOther || r.Location != "/home" {
		t.Fatalf("recovery code: %d to %q", r.Status, r.Location)
	}
	if n := len(a.user(u.ID).RecoveryCodes); n != 9 {
		t.Fatalf("%d codes left after one was used, want 9", n)
	}
	if r := passwordStep().submit("/sign-in/two-factor/recovery", "/sign-in/two-factor/recovery", url.Values{"code": {codes[0][1]}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a used recovery code: %d, want 422", r.Status)
	}
	// New codes: the old ones stop working.
	if r := c.submit("/account", "/account/two-factor/recovery-codes", nil); len(codeRe.FindAllStringSubmatch(r.Body, -1)) != 10 {
		t.Fatal("no new codes")
	}
	if r := passwordStep().submit("/sign-in/two-factor/recovery", "/sign-in/two-factor/recovery", url.Values{"code": {codes[1][1]}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("an old recovery code after new ones were made: %d, want 422", r.Status)
	}
	evs, _, _ := a.audits.list(context.Background(), store.AuditFilter{Action: store.AuditRecoveryUsed})
	if len(evs) != 1 {
		t.Errorf("%d recovery-code-used events, want 1", len(evs))
	}
}
