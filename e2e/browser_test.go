package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"candour/config"
	"candour/server"
	"candour/store"
	"candour/store/storetest"
)

const (
	password   = "a long browser passphrase"
	totpSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	axePath    = "../node_modules/axe-core/axe.min.js"
)

var (
	browserOnce sync.Once
	browserCtx  context.Context
	browserErr  error
	axeSource   string
)

// browser starts one headless Chromium for the whole test binary, or skips
// (fails, when CANDOUR_E2E=required) if Chromium or axe-core is missing.
func browser(t *testing.T) context.Context {
	t.Helper()
	browserOnce.Do(func() {
		path, err := exec.LookPath("chromium")
		if err != nil {
			browserErr = fmt.Errorf("chromium not found")
			return
		}
		b, err := os.ReadFile(axePath)
		if err != nil {
			browserErr = fmt.Errorf("axe-core not found at %s (run npm ci)", axePath)
			return
		}
		axeSource = string(b)
		dir, err := os.MkdirTemp("", "candour-e2e-")
		if err != nil {
			browserErr = err
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path), chromedp.UserDataDir(dir),
			chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
			chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
			chromedp.WindowSize(1024, 900))
		browserCtx, _ = chromedp.NewExecAllocator(context.Background(), opts...)
	})
	if browserErr != nil {
		if os.Getenv("CANDOUR_E2E") == "required" {
			t.Fatalf("browser suite required but %v", browserErr)
		}
		t.Skipf("SKIP e2e: %v (set CANDOUR_E2E=required to fail instead)", browserErr)
	}
	return browserCtx
}

// portal is the real server on a fresh embedded store.
type portal struct {
	url   string
	store *store.Store
	cfg   config.Config
}

func startPortal(t *testing.T) *portal {
	t.Helper()
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"CANDOUR_ARGON_MEMORY_KIB": "64", "CANDOUR_SEED_DEMO": "false"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t)
	srv, err := server.New(cfg, db, slog.New(slog.DiscardHandler), []byte(strings.Repeat("e", 32)), server.Options{SignInsPerMinute: 1000})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &portal{url: hs.URL, store: db, cfg: cfg}
}

func (p *portal) user(t *testing.T, role store.Role, email string) *store.User {
	t.Helper()
	u := &store.User{Email: email, Name: "Browser " + string(role), Role: role, Status: store.StatusActive,
		PasswordHash: server.HashPassword(p.cfg, password)}
	if role.NeedsTwoFactor() {
		u.TOTPSecret, u.TOTPEnabled = totpSecret, true
	}
	if err := p.store.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// tab opens a fresh browser tab (its own cookies are shared per browser, so
// each test signs in as whoever it needs). It records CSP violations.
func tab(t *testing.T, jsOff bool) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser(t))
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`,
		})
		if err != nil || !jsOff {
			return err
		}
		_, err = cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

type violation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// checkPage runs axe-core (WCAG 2.0/2.1/2.2 A and AA) on the current page
// and fails on any violation or CSP violation; it also checks the page is
// styled by our stylesheet (Arial, not the GDS font).
func checkPage(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	run := `(function(){` + axeSource + `
	  return axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22aa']}})
	    .then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))));
	})()`
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](run, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: axe: %v", name, err)
	}
	var vs []violation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("%s: axe result: %v", name, err)
	}
	for _, v := range vs {
		t.Errorf("%s: accessibility: %s (%s): %s at %v", name, v.ID, v.Impact, v.Help, v.Nodes)
	}
	csp, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__csp || []`))
	if err == nil && len(csp) > 0 {
		t.Errorf("%s: Content Security Policy violations: %v", name, csp)
	}
	font, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(h => getComputedStyle(h.querySelector('label') || h).fontFamily)(document.querySelector('h1'))`))
	if err != nil || !strings.Contains(strings.ToLower(font), "arial") {
		t.Errorf("%s: heading font is %q (%v), want Arial from our stylesheet", name, font, err)
	}
}

// visit navigates to path and checks the page.
func visit(t *testing.T, ctx context.Context, base, path, name string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+path)); err != nil {
		t.Fatalf("%s: navigate: %v", name, err)
	}
	checkPage(t, ctx, name)
}

// waitPath waits until the tab is on path (after a form posts and redirects).
func waitPath(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		loc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState === 'complete' ? location.pathname : ''`))
		if err == nil && loc == path {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still at %q, want %s", loc, path)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func signIn(t *testing.T, ctx context.Context, p *portal, u *store.User) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(p.url+"/sign-in"),
		chromedp.SendKeys(chromedp.CSS("#email"), u.Email),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !u.TOTPEnabled {
		waitPath(t, ctx, "/home")
		return
	}
	waitPath(t, ctx, "/sign-in/two-factor")
	checkPage(t, ctx, "two-factor code")
	code, _ := totp.GenerateCodeCustom(totpSecret, time.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#code"), code), chromedp.Click(chromedp.CSS("main button[type=submit]"))); err != nil {
		t.Fatal(err)
	}
	waitPath(t, ctx, "/home")
}

func TestPublicPagesAreAccessible(t *testing.T) {
	p := startPortal(t)
	ctx := tab(t, false)
	for _, pg := range []struct{ path, name string }{
		{"/", "landing"}, {"/accessibility", "accessibility statement"}, {"/privacy", "privacy notice"},
		{"/sign-in", "sign-in"}, {"/password-reset", "password reset"}, {"/public/stop-and-search", "public stop and search"},
		{"/no/such/page", "not found"},
	} {
		visit(t, ctx, p.url, pg.path, pg.name)
	}
}

func TestWrongPasswordShowsAnAccessibleErrorSummary(t *testing.T) {
	p := startPortal(t)
	u := p.user(t, store.RoleMember, "member@example.org")
	ctx := tab(t, false)
	err := chromedp.Do(ctx,
		chromedp.Navigate(p.url+"/sign-in"),
		chromedp.SendKeys(chromedp.CSS("#email"), u.Email),
		chromedp.SendKeys(chromedp.CSS("#password"), "not my password"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".govuk-error-summary")),
	)
	if err != nil {
		t.Fatal(err)
	}
	title, _ := chromedp.Run(ctx, chromedp.Title())
	if !strings.HasPrefix(title, "Error: ") {
		t.Errorf("title = %q, want it to start with Error:", title)
	}
	checkPage(t, ctx, "sign-in with error")
}

func TestMemberJourney(t *testing.T) {
	p := startPortal(t)
	u := p.user(t, store.RoleMember, "member@example.org")
	ctx := tab(t, false)
	signIn(t, ctx, p, u)
	checkPage(t, ctx, "member home")
	for _, pg := range []struct{ path, name string }{
		{"/account", "account"}, {"/account/two-factor", "optional two-factor set-up"}, {"/disparity", "disparity (empty)"},
	} {
		visit(t, ctx, p.url, pg.path, pg.name)
	}
}

func TestAdminJourney(t *testing.T) {
	p := startPortal(t)
	admin := p.user(t, store.RoleAdmin, "admin@example.org")
	p.user(t, store.RoleMember, "someone@example.org")
	g := &store.Group{Name: "Stop and Search Scrutiny Panel", Kind: store.GroupPanel}
	if err := p.store.CreateGroup(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	ctx := tab(t, false)
	signIn(t, ctx, p, admin)
	checkPage(t, ctx, "admin home")
	for _, pg := range []struct{ path, name string }{
		{"/admin/people", "people"}, {"/admin/people/new", "invite someone"}, {"/admin/groups", "groups"},
		{"/admin/groups/new", "new group"}, {"/admin/groups/" + g.ID, "group"}, {"/admin/partners", "partner organisations"},
		{"/admin/audit", "audit log"}, {"/admin/audit?verify=1", "audit log with chain check"},
		{"/disparity/import", "data import"},
	} {
		visit(t, ctx, p.url, pg.path, pg.name)
	}
	// A form with errors: the invitation form submitted empty.
	if err := chromedp.Do(ctx, chromedp.Navigate(p.url+"/admin/people/new"),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".govuk-error-summary"))); err != nil {
		t.Fatal(err)
	}
	checkPage(t, ctx, "invite form with errors")
}

func TestKeyboardOnlySignIn(t *testing.T) {
	p := startPortal(t)
	u := p.user(t, store.RoleChair, "chair@example.org")
	ctx := tab(t, false)
	if err := chromedp.Do(ctx, chromedp.Navigate(p.url+"/sign-in")); err != nil {
		t.Fatal(err)
	}
	// Tab from the top until the email field has focus, as a keyboard user would.
	for i := 0; i < 15; i++ {
		id, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ''`))
		if id == "email" {
			break
		}
		if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
			t.Fatal(err)
		}
	}
	if id, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`)); id != "email" {
		t.Fatalf("could not reach the email field with Tab (focus on %q)", id)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(u.Email+"\t"+password+"\r")); err != nil {
		t.Fatal(err)
	}
	waitPath(t, ctx, "/home")
}

func TestSignInWorksWithoutJavaScript(t *testing.T) {
	p := startPortal(t)
	u := p.user(t, store.RoleMember, "nojs@example.org")
	ctx := tab(t, true)
	signIn(t, ctx, p, u)
	js, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.body.classList.contains('govuk-frontend-supported')`))
	if js {
		t.Error("scripts ran although JavaScript was off")
	}
}
