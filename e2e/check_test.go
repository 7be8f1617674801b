package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"candour/config"
	pwhash "candour/password"
	"candour/server"
	"candour/store"
	"candour/store/storetest"
)

const (
	// password is the password of every account the journeys make.
	password = "a long browser passphrase"
	// totpSecret is the two-factor secret of admin and CCU accounts.
	totpSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
)

// portal is the real server on a fresh embedded store.
type portal struct {
	url   string
	store *store.Store
	cfg   config.Config
}

func startPortal(t *testing.T) *portal {
	t.Helper()
	markTest(t)
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"CANDOUR_ARGON_MEMORY_KIB": "64", "CANDOUR_SEED_DEMO": "false"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t)
	// Errors (a 500's stack, say) go to the test log.
	logger := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelError}))
	srv, err := server.New(cfg, db, logger, []byte(strings.Repeat("e", 32)), server.Options{SignInsPerMinute: 1000})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(withAxe(srv))
	t.Cleanup(hs.Close)
	return &portal{url: hs.URL, store: db, cfg: cfg}
}

// axeURL is where a test portal serves axe-core (withAxe), beside the
// portal's own routes: a path the portal does not have.
const axeURL = "/e2e-test-only/axe.min.js"

// axeServed counts the requests for axeURL (TestAxeComesFromThePortal).
var axeServed atomic.Int64

// withAxe serves axe-core at axeURL and everything else with h, so that a
// page of the portal can fetch it from its own origin (injectAxe). It is
// the same file for the whole run, so the browser may keep it: each later
// page of the test's tab reads it from the HTTP cache (until the tab is
// cleared for the next test) rather than from the portal, about 20 ms of
// CPU less a page (the network service's and the test binary's share).
func withAxe(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != axeURL {
			h.ServeHTTP(w, r)
			return
		}
		axeServed.Add(1)
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		io.WriteString(w, suite.axeSource)
	})
}

type testLog struct{ t *testing.T }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// user creates an active account with password; admin and CCU accounts get
// two-factor sign-in with totpSecret.
func (p *portal) user(t *testing.T, role store.Role, email string) *store.User {
	t.Helper()
	u := &store.User{Email: email, Name: "Browser " + string(role), Role: role, Status: store.StatusActive,
		PasswordHash: pwhash.For(p.cfg).Hash(password)}
	if role.NeedsTwoFactor() {
		u.TOTPSecret, u.TOTPEnabled = totpSecret, true
	}
	if err := p.store.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// violation is one failed axe-core rule on a page.
type violation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// axeRun runs axe-core's WCAG 2.0, 2.1 and 2.2 A and AA rules on a page it
// has been put in (injectAxe). It runs through the DevTools protocol
// (Runtime.evaluate), which the page's Content Security Policy (script-src
// 'self') does not govern.
const axeRun = `axe.run(document, {
  runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']},
  resultTypes: ['violations'],
}).then(r => r.violations.map(v => ({
  id: v.id, impact: v.impact || '', help: v.help,
  targets: v.nodes.map(n => n.target.join(' ')),
})))`

// axeViolations scans the page in ctx's tab. axe-core goes into each page
// once (injectAxe): checkPage scans a page twice (at the tab's width and at
// 320px), and the second scan finds it already there.
func axeViolations(ctx context.Context) ([]violation, error) {
	axeScans.Add(1)
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe === 'object'`))
	if err != nil {
		return nil, err
	}
	if !loaded {
		if err := injectAxe(ctx); err != nil {
			return nil, err
		}
	}
	return chromedp.Run(ctx, chromedp.Evaluate[[]violation](axeRun, chromedp.EvalAwaitPromise))
}

// injectAxe puts axe-core into the page in ctx's tab. The page fetches it
// from its own portal (withAxe) and evaluates it, in one small expression:
// sent through the DevTools protocol instead, its 650 kB cost the browser
// process about 100 ms of CPU a page to pass on (and the test about 15),
// where the fetch costs about 40 ms in all. A synchronous request keeps
// the eval inside the Runtime.evaluate call, which the page's Content
// Security Policy (script-src 'self', no 'unsafe-eval') does not govern
// (allowUnsafeEvalBlockedByCSP); its connect-src 'self' allows the fetch.
// The page's own scripts stay under the policy.
func injectAxe(ctx context.Context) error {
	res, err := chromedp.Call(ctx, runtime.Evaluate, runtime.EvaluateParams{
		Expression: `(() => {
		  const req = new XMLHttpRequest();
		  req.open('GET', '` + axeURL + `', false);
		  req.send();
		  if (req.status !== 200) throw new Error('GET ` + axeURL + `: ' + req.status);
		  (0, eval)(req.responseText + '\n//# sourceURL=axe.min.js');
		  return typeof axe === 'object';
		})()`,
		ReturnByValue:               ptr(true),
		AllowUnsafeEvalBlockedByCSP: ptr(true),
	})
	if err != nil {
		return err
	}
	if d := res.ExceptionDetails; d != nil {
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		return fmt.Errorf("put axe-core in: %s", msg)
	}
	if string(res.Result.Value) != "true" {
		return fmt.Errorf("put axe-core in: no axe object after it ran")
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// axeScans counts axe-core scans (TestPageStatesAreScannedOnce).
var axeScans atomic.Int64

// axeCheck fails the test for each accessibility violation on the page.
func axeCheck(ctx context.Context, t *testing.T, page string) {
	t.Helper()
	vs, err := axeViolations(ctx)
	if err != nil {
		t.Errorf("%s: axe-core did not run: %v", page, err)
		return
	}
	for _, v := range vs {
		t.Errorf("%s: accessibility: %s (%s): %s, at %s", page, v.ID, v.Impact, v.Help, strings.Join(v.Targets, " | "))
	}
}

// checkPage runs every check a page must pass: axe-core, no CSP violations
// or uncaught exceptions, our stylesheet, and scripts on (or off) as the tab
// was asked.
//
// A page state is scanned once a run: the axe-core scans and the phone
// widths (about half a second of Chromium's CPU a page) are skipped when a
// page in the same state passed them already, in this test or another (the
// sign-in page, say, which every sign-in shows). The same state is the same
// path, the same document (its CSRF tokens aside), the same typed values,
// focus and hover, scripts on or off and the same viewport (pageState):
// what axe-core and the layout read. The stylesheet, scripts and console
// are checked on every load.
func checkPage(t *testing.T, tb *tab, page string) {
	t.Helper()
	tb.withScripts(t, func() {
		state := pageState(t, tb)
		if first, ok := checkedStates.Load(state); ok {
			t.Logf("%s: the same page as %q, already scanned and measured at phone widths", page, first)
			checkFrontEnd(t, tb, page)
			return
		}
		failed := t.Failed()
		axeCheck(tb.ctx, t, page)
		checkFrontEnd(t, tb, page)
		checkPhoneWidths(t, tb, page)
		if !failed && !t.Failed() {
			checkedStates.Store(state, page)
		}
	})
	checkConsole(t, tb, page)
}

// checkedStates is the page states that passed checkPage's scans in this
// run (pageState → the page's name).
var checkedStates sync.Map

// pageState names what the page in tb shows, for checkPage: a hash of its
// path and query, its document as serialised (each CSRF token's value
// blanked: a new one each load), the values of its form fields, the
// element with focus and those under the pointer (focus and hover change
// colours), whether scripts run, and the tab's viewport. The page hashes
// what it shows itself (SHA-256, in hex) and sends the 64 characters, not
// its whole document, through the browser to the test. Called with
// scripts on.
func pageState(t *testing.T, tb *tab) string {
	t.Helper()
	sum, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`(async () => {
	  const html = document.documentElement.cloneNode(true);
	  for (const el of html.querySelectorAll('input[name=csrf_token]')) el.setAttribute('value', '');
	  const all = [...document.querySelectorAll('*')];
	  const state = JSON.stringify([
	    location.pathname + location.search,
	    html.outerHTML,
	    [...document.querySelectorAll('input:not([name=csrf_token]), textarea, select')].map(e => [e.value, e.checked]),
	    all.indexOf(document.activeElement),
	    [...document.querySelectorAll(':hover')].map(e => all.indexOf(e)),
	  ]);
	  const sum = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(state));
	  return [...new Uint8Array(sum)].map(b => b.toString(16).padStart(2, '0')).join('');
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("read the page's state: %v", err)
	}
	return fmt.Sprintf("%s jsOff=%v view=%dx%d", sum, tb.jsOff, tb.viewW, tb.viewH)
}

// phoneWidths are the narrow screens every page must fit: 320px is WCAG
// 1.4.10's reflow width (and an older small phone), 390px a common phone.
var phoneWidths = []int64{320, 390}

// checkPhoneWidths shows the page on each phone width (a mobile viewport,
// as a phone's browser lays it out) and fails if the page scrolls
// sideways there; at the narrowest it runs axe-core again. It then puts
// back the tab's own viewport.
func checkPhoneWidths(t *testing.T, tb *tab, page string) {
	t.Helper()
	defer tb.restoreViewport(t)
	for _, w := range phoneWidths {
		if err := chromedp.Do(tb.ctx, chromedp.EmulateViewport(w, 740, chromedp.EmulateMobile)); err != nil {
			t.Fatalf("%s: phone width %d: %v", page, w, err)
		}
		if wide := sidewaysScroll(t, tb, w); wide != "" {
			t.Errorf("%s: scrolls sideways at %dpx: %s", page, w, wide)
		}
		if w == phoneWidths[0] {
			axeCheck(tb.ctx, t, fmt.Sprintf("%s at %dpx", page, w))
			if small := smallChartText(t, tb); small != "" {
				t.Errorf("%s: chart text smaller than 12px at %dpx: %s", page, w, small)
			}
		}
	}
}

// sidewaysScroll says why the page is wider than width (its scroll width
// and the widest elements that stick out), or "" when it fits. innerWidth
// is checked too, and the emulated width itself, because a mobile browser
// may zoom out to fit a too-wide page, which widens innerWidth with it.
func sidewaysScroll(t *testing.T, tb *tab, width int64) string {
	t.Helper()
	type fit struct {
		Scroll int64    `json:"scroll"`
		Inner  int64    `json:"inner"`
		Wide   []string `json:"wide"`
	}
	got, err := chromedp.Run(tb.ctx, chromedp.Evaluate[fit](`((width) => {
	  const limit = Math.min(innerWidth, width);
	  const wide = [];
	  for (const el of document.body.querySelectorAll('*')) {
	    const r = el.getBoundingClientRect();
	    if (r.right > limit + 0.5 && ![...el.children].some(c => c.getBoundingClientRect().right > limit + 0.5)) {
	      // Only the innermost: what actually sticks out. Inside a scrolling
	      // region nothing counts: the region scrolls, not the page.
	      let p = el.parentElement, inScroller = false;
	      for (; p && p !== document.body && p !== document.documentElement; p = p.parentElement) {
	        const o = getComputedStyle(p).overflowX;
	        if (o === 'auto' || o === 'scroll' || o === 'hidden') { inScroller = true; break; }
	      }
	      if (!inScroller) wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') + ' (' + Math.round(r.right) + 'px)');
	    }
	    if (wide.length === 5) break;
	  }
	  if (wide.length === 0) {
	    for (const el of document.body.querySelectorAll('*')) {
	      const r = el.getBoundingClientRect();
	      if (r.right > limit + 0.5 || r.left < -0.5) wide.push(el.tagName.toLowerCase() + '.' + String(el.className) + ' (' + Math.round(r.left) + ' to ' + Math.round(r.right) + 'px)');
	      if (wide.length === 5) break;
	    }
	  }
	  return {scroll: document.documentElement.scrollWidth, inner: innerWidth, wide};
	})(`+fmt.Sprint(width)+`)`))
	if err != nil {
		t.Fatalf("measure the page at %dpx: %v", width, err)
	}
	if got.Scroll <= min(got.Inner, width) {
		return ""
	}
	return fmt.Sprintf("scrollWidth %d, innerWidth %d; sticking out: %s", got.Scroll, got.Inner, strings.Join(got.Wide, ", "))
}

// smallChartText lists the text of drawn SVG charts that renders smaller
// than 12px (its font size scaled by the chart's width over its viewBox),
// or "". A chart not drawn at this width (display: none) has no size.
func smallChartText(t *testing.T, tb *tab) string {
	t.Helper()
	small, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]string](`(() => {
	  const out = [];
	  for (const svg of document.querySelectorAll('main svg[viewBox]')) {
	    const w = svg.getBoundingClientRect().width, vb = svg.viewBox.baseVal;
	    if (!w || !vb || !vb.width) continue;
	    for (const text of svg.querySelectorAll('text')) {
	      const px = parseFloat(getComputedStyle(text).fontSize) * w / vb.width;
	      if (px < 11.95 && out.length < 5) out.push(JSON.stringify(text.textContent) + ' at ' + px.toFixed(1) + 'px');
	    }
	  }
	  return out;
	})()`))
	if err != nil {
		t.Fatalf("measure chart text: %v", err)
	}
	return strings.Join(small, ", ")
}

// emulate sets the tab's own viewport (a phone held sideways, say), which
// the phone-width checks put back after each page.
func (tb *tab) emulate(t *testing.T, width, height int64) {
	t.Helper()
	tb.viewW, tb.viewH = width, height
	if err := chromedp.Do(tb.ctx, chromedp.EmulateViewport(width, height, chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
}

func (tb *tab) restoreViewport(t *testing.T) {
	t.Helper()
	var err error
	if tb.viewW != 0 {
		err = chromedp.Do(tb.ctx, chromedp.EmulateViewport(tb.viewW, tb.viewH, chromedp.EmulateMobile))
	} else {
		err = setOwnViewport(tb.ctx)
	}
	if err != nil {
		t.Fatalf("restore the viewport: %v", err)
	}
	// The page is laid out again at its own size before the test clicks
	// anything (a click aims at where an element is laid out): reading its
	// width lays it out. A tab draws no frames (tabPool.take), so there is
	// no animation frame to wait for. Called with scripts on (checkPage's
	// withScripts).
	got, err := chromedp.Run(tb.ctx, chromedp.Evaluate[int64](`(document.body.getBoundingClientRect(), innerWidth)`))
	if err != nil {
		t.Fatalf("lay the page out again: %v", err)
	}
	if tb.viewW == 0 && got != viewWidth {
		t.Fatalf("restore the viewport: the page is %dpx wide, want %d", got, viewWidth)
	}
}

// withScripts runs f, which evaluates JavaScript in the page. In a tab with
// JavaScript off, Runtime.evaluate waits for ever, so scripts are turned on
// for f and off again: the page has already loaded without its own scripts,
// and turning them on does not run them.
func (tb *tab) withScripts(t *testing.T, f func()) {
	t.Helper()
	if !tb.jsOff {
		f()
		return
	}
	tb.setScripts(t, true)
	defer tb.setScripts(t, false)
	f()
}

func (tb *tab) setScripts(t *testing.T, on bool) {
	t.Helper()
	_, err := chromedp.Call(tb.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on})
	if err != nil {
		t.Fatalf("turn JavaScript on=%v: %v", on, err)
	}
}

// checkConsole fails on console messages that show the CSP blocked
// something, and on uncaught exceptions; it logs the rest.
func checkConsole(t *testing.T, tb *tab, page string) {
	t.Helper()
	for _, m := range tb.takeConsole() {
		switch {
		case strings.Contains(m, "Content Security Policy"), strings.HasPrefix(m, "uncaught exception"):
			t.Errorf("%s: console: %s", page, m)
		default:
			t.Logf("%s: console: %s", page, m)
		}
	}
}

// checkFrontEnd checks the page is styled by candour.css and, with
// JavaScript on, that init.js started GOV.UK Frontend (so the CSP let both
// module scripts load); with it off, that no page script ran. Without `make
// static` there is nothing to check.
//
// The font is read from the h1's text: GOV.UK Frontend sets it on its
// typography classes, not on <body> (whose computed font stays the browser
// default, Times New Roman).
func checkFrontEnd(t *testing.T, tb *tab, page string) {
	t.Helper()
	if !suite.styled {
		t.Logf("%s: %s is missing (run make static): stylesheet not checked", page, cssPath)
		return
	}
	type frontEnd struct {
		Sheets    int    `json:"sheets"`
		Candour   bool   `json:"candour"`
		Font      string `json:"font"`
		Supported bool   `json:"supported"`
	}
	got, err := chromedp.Run(tb.ctx, chromedp.Evaluate[frontEnd](`(() => {
	  // The element holding the h1's text (a label or legend when the
	  // question is the heading).
	  const headingText = () => {
	    const h = document.querySelector('main h1') || document.body;
	    const text = document.createTreeWalker(h, NodeFilter.SHOW_TEXT, n =>
	      n.textContent.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP).nextNode();
	    return text ? text.parentElement : h;
	  };
	  return {
	  sheets: document.styleSheets.length,
	  candour: [...document.styleSheets].some(s => /\/static\/dist\/candour\.[0-9a-f]{10}\.css$/.test(s.href || '') && s.cssRules.length > 0),
	  font: getComputedStyle(headingText()).fontFamily,
	  supported: document.body.classList.contains('govuk-frontend-supported'),
	  };
	})()`))
	if err != nil {
		t.Errorf("%s: read styles: %v", page, err)
		return
	}
	if got.Sheets == 0 || !got.Candour {
		t.Errorf("%s: candour.css not loaded (%d stylesheets)", page, got.Sheets)
	}
	if !strings.Contains(strings.ToLower(got.Font), "arial") {
		t.Errorf("%s: the h1's font-family is %q, want Arial from candour.css", page, got.Font)
	}
	if got.Supported == tb.jsOff {
		t.Errorf("%s: govuk-frontend-supported on <body> is %v with JavaScript off=%v: init.js did not run as it should", page, got.Supported, tb.jsOff)
	}
}

// open navigates to path and returns the HTTP status of the document.
func (tb *tab) open(t *testing.T, path string) int {
	t.Helper()
	res, err := chromedp.Run(tb.ctx, chromedp.NavigateResponse(tb.url+path))
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	return int(res.Status)
}

// visit opens a page that must exist and checks it.
func (tb *tab) visit(t *testing.T, path, page string) {
	t.Helper()
	if status := tb.open(t, path); status != http.StatusOK {
		t.Errorf("%s: GET %s = %d, want 200", page, path, status)
	}
	checkPage(t, tb, page)
}

// submit runs actions that send a form (a click, Enter) and returns the
// path and status of the page the browser lands on, after any redirects.
func (tb *tab) submit(t *testing.T, actions ...chromedp.Action[chromedp.Void]) (string, int) {
	t.Helper()
	res, err := chromedp.RunResponse(tb.ctx, actions...)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	return landedOn(t, res), int(res.Status)
}

func landedOn(t *testing.T, res *network.Response) string {
	t.Helper()
	u, err := url.Parse(res.URL)
	if err != nil {
		t.Fatalf("response URL %q: %v", res.URL, err)
	}
	return u.Path
}

// clickSubmit presses the main form's submit button.
var clickSubmit = chromedp.Click(chromedp.CSS("main form button[type=submit]"))

// fillIn puts text into the form field sel, once it is shown, where the
// caret is when the field takes focus, as pasting or a phone's keyboard
// would: one Input.insertText, which the page sees as a beforeinput and an
// input event. Key events for each character (chromedp.SendKeys) cost
// about 10 ms of Chromium's CPU a character; they stay where the keys are
// what a test checks (the keyboard-only journeys, and the error summary
// taking focus after a typed sign-in). A <select> still gets key events
// (it chooses the option its first letters name), as does a newline in a
// one-line field (the Enter key, which sends the form).
func fillIn(sel, text string) chromedp.Action[chromedp.Void] {
	return chromedp.QueryAfter(chromedp.CSS(sel), func(ctx context.Context, t *chromedp.Target, nodes []*chromedp.Node) (chromedp.Void, error) {
		n := nodes[0]
		if n.NodeName != "TEXTAREA" && (n.NodeName != "INPUT" || strings.ContainsAny(text, "\r\n")) {
			return chromedp.KeyEventNode(n, text)(ctx, t)
		}
		if _, err := cdp.Call(ctx, t, dom.Focus, dom.FocusParams{NodeID: n.NodeID}); err != nil {
			return chromedp.Void{}, err
		}
		_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: text})
		return chromedp.Void{}, err
	}, chromedp.NodeVisible)
}

// tabSetup readies a new tab before anyone signs in on it.
type tabSetup func(t *testing.T, tb *tab)

// screen is a tab of its own viewport size (640 by 360: a phone held
// sideways), which the phone-width checks put back after each page.
func screen(width, height int64) tabSetup {
	return func(t *testing.T, tb *tab) { tb.emulate(t, width, height) }
}

// withoutScripts is a tab that runs no page scripts, as for someone with
// JavaScript turned off.
func withoutScripts(t *testing.T, tb *tab) {
	t.Helper()
	tb.jsOff = true
	tb.setScripts(t, false)
}

// signInAs opens a new tab on the portal, readies it with each setup in
// turn (withoutScripts, a phone, a screen size) and signs u in on it
// (signIn), so it is on u's home page.
func (p *portal) signInAs(t *testing.T, u *store.User, setup ...tabSetup) *tab {
	t.Helper()
	tb := newTab(t, p.url, false)
	for _, f := range setup {
		f(t, tb)
	}
	signIn(t, tb, u)
	return tb
}

// signIn signs u in through the sign-in form (and the two-factor form for
// admin and CCU), checking each page on the way, and ends on the home page.
func signIn(t *testing.T, tb *tab, u *store.User) {
	t.Helper()
	tb.visit(t, "/sign-in", "sign-in")
	path, status := tb.submit(t,
		fillIn("#email", u.Email),
		fillIn("#password", password),
		clickSubmit)
	if u.TOTPEnabled {
		if path != "/sign-in/two-factor" {
			t.Fatalf("after the password: on %s (%d), want /sign-in/two-factor", path, status)
		}
		checkPage(t, tb, "two-factor code")
		code, err := totp.GenerateCodeCustom(totpSecret, time.Now(), totp.ValidateOpts{
			Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		path, status = tb.submit(t, fillIn("#code", code), clickSubmit)
	}
	if path != "/home" || status != http.StatusOK {
		t.Fatalf("signed in as %s: on %s (%d), want /home (200)", u.Email, path, status)
	}
	checkPage(t, tb, "home")
}
