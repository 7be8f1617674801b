package e2e

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"candour/config"
	"candour/server"
	"candour/server/oidctest"
	"candour/store"
	"candour/store/storetest"
)

// startPortalWithIdP is startPortal with staff sign-in through an
// in-process OpenID Connect provider (server/oidctest) turned on.
func startPortalWithIdP(t *testing.T) (*portal, *oidctest.Provider) {
	t.Helper()
	idp := oidctest.New(t, time.Now)
	hs := httptest.NewUnstartedServer(nil)
	base := "http://" + hs.Listener.Addr().String()
	env := map[string]string{"CANDOUR_ARGON_MEMORY_KIB": "64", "CANDOUR_SEED_DEMO": "false", "CANDOUR_BASE_URL": base,
		"CANDOUR_OIDC_ISSUER": idp.Server.URL, "CANDOUR_OIDC_CLIENT_ID": idp.ClientID, "CANDOUR_OIDC_CLIENT_SECRET": idp.Secret}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t)
	logger := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelError}))
	srv, err := server.New(cfg, db, logger, []byte(strings.Repeat("e", 32)), server.Options{SignInsPerMinute: 1000})
	if err != nil {
		t.Fatal(err)
	}
	hs.Config.Handler = withAxe(srv)
	hs.Start()
	t.Cleanup(hs.Close)
	return &portal{url: hs.URL, store: db, cfg: cfg}, idp
}

// TestOIDCJourney: a coordinator signs in with the force's account (the
// button on the sign-in page, the provider, back to their home page), and a
// refused sign-in (an ID token for another browser's nonce) shows the
// sign-in page with an error summary; each page passes the page checks
// (axe-core, console, phone widths).
func TestOIDCJourney(t *testing.T) {
	requireBrowser(t)
	p, idp := startPortalWithIdP(t)
	coord := p.user(t, store.RoleCoordinator, "coordinator@dorset.example")

	tb := newTab(t, p.url, false)
	tb.visit(t, "/sign-in", "sign-in with the force's account offered")
	idp.Set(coord.Email, true, nil)
	path, status := tb.submit(t, chromedp.Click(chromedp.CSS("#oidc")))
	if path != "/home" || status != http.StatusOK {
		t.Fatalf("through the provider: on %s (%d), want /home (200)", path, status)
	}
	checkPage(t, tb, "home after the provider")

	other := newTab(t, p.url, false)
	other.visit(t, "/sign-in", "sign-in")
	idp.Set(coord.Email, true, func(c map[string]any) { c["nonce"] = "someone-elses-nonce" })
	path, status = other.submit(t, chromedp.Click(chromedp.CSS("#oidc")))
	if path != "/sign-in/oidc/callback" || status != http.StatusUnprocessableEntity {
		t.Fatalf("a token with the wrong nonce: on %s (%d), want the sign-in page (422)", path, status)
	}
	checkPage(t, other, "refused sign-in through the provider")
}
