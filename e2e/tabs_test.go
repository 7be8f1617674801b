package e2e

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/cdproto/systeminfo"
	"github.com/chromedp/chromedp"

	"candour/store"
)

// TestTabsStartClean checks that a browser tab lent to one test and given
// back (newTab) comes to the next as a new tab would: someone signs in on
// it, leaves data in the page's storage, turns JavaScript off, narrows the
// viewport and walks a few pages; the next test to have the same tab is
// not signed in and finds no cookie, no storage, no history to go Back to,
// JavaScript on and the browser's own width.
func TestTabsStartClean(t *testing.T) {
	requireBrowser(t)
	p := startPortal(t)
	u := p.user(t, store.RoleMember, "member@example.org")

	var used *browserTab
	t.Run("someone signs in and leaves things behind", func(t *testing.T) {
		tb := newTab(t, p.url, false)
		used = tb.browser
		if status := tb.open(t, "/sign-in"); status != http.StatusOK {
			t.Fatalf("GET /sign-in = %d", status)
		}
		path, status := tb.submit(t,
			fillIn("#email", u.Email),
			fillIn("#password", password),
			clickSubmit)
		if path != "/home" || status != http.StatusOK {
			t.Fatalf("signed in: on %s (%d), want /home (200)", path, status)
		}
		if _, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`(() => {
		  localStorage.setItem('left', 'behind');
		  sessionStorage.setItem('left', 'behind');
		  document.cookie = 'script=set; path=/';
		  return true;
		})()`)); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.CallBrowser(tb.ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: tb.browser.context})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Cookies) < 2 {
			t.Fatalf("signed in with %d cookies in the browser context, want the session's and the script's", len(got.Cookies))
		}
		tb.emulate(t, 320, 740)
		withoutScripts(t, tb)
		tb.open(t, "/accessibility")
	})

	t.Run("the next test has the same tab, as new", func(t *testing.T) {
		tb := newTab(t, p.url, false)
		if tb.browser != used {
			t.Fatal("the tab given back was not lent again: this test shows nothing")
		}
		got, err := chromedp.CallBrowser(tb.ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: tb.browser.context})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range got.Cookies {
			t.Errorf("a cookie was left in the tab's browser context: %s=%s for %s", c.Name, c.Value, c.Domain)
		}
		hist, err := chromedp.Call(tb.ctx, page.GetNavigationHistory, cdp.Empty{})
		if err != nil {
			t.Fatal(err)
		}
		// The last test's page may still be on screen, but nothing before it:
		// Back goes nowhere.
		if len(hist.Entries) != 1 {
			var urls []string
			for _, e := range hist.Entries {
				urls = append(urls, e.URL)
			}
			t.Errorf("history of the tab: %q, want one entry (the page it was left on)", urls)
		}
		if path, status := tb.submit(t, chromedp.Navigate(tb.url+"/home")); path != "/sign-in" || status != http.StatusOK {
			t.Errorf("GET /home on the tab: on %s (%d), want /sign-in (200): still signed in", path, status)
		}
		type state struct {
			Local   *string `json:"local"`
			Session *string `json:"session"`
			Width   int64   `json:"width"`
			Scripts bool    `json:"scripts"`
		}
		// Evaluate itself needs JavaScript on; the page's own script
		// (init.js) marks <body> when it ran.
		s, err := chromedp.Run(tb.ctx, chromedp.Evaluate[state](`({
		  local: localStorage.getItem('left'),
		  session: sessionStorage.getItem('left'),
		  width: innerWidth,
		  scripts: document.body.classList.contains('govuk-frontend-supported'),
		})`))
		if err != nil {
			t.Fatal(err)
		}
		if s.Local != nil || s.Session != nil {
			t.Errorf("storage left in the tab: localStorage %v, sessionStorage %v", deref(s.Local), deref(s.Session))
		}
		if s.Width != 1024 {
			t.Errorf("the tab's width is %d, want the browser's 1024: the last test's viewport was kept", s.Width)
		}
		if suite.styled && !s.Scripts {
			t.Error("the page's scripts did not run: JavaScript was left off")
		}
	})
}

func deref(s *string) string {
	if s == nil {
		return "(none)"
	}
	return *s
}

// TestNoHiddenPagesBesideTabs checks that the browser runs no page of its
// own beside the tests' tabs: Chromium preloads its address bar's
// drop-down (chrome://omnibox-popup.top-chrome) in a renderer of its own
// for each browser context unless startBrowser turns it off, about 2 s of
// CPU a tab that a headless browser never shows. The tests' tabs, pages
// with no window (tabPool.take), are "other" targets, and the browser's
// first tab a "page".
func TestNoHiddenPagesBesideTabs(t *testing.T) {
	tb := signInPageTab(t)
	targets, err := chromedp.Targets(tb.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range targets {
		if tg.Type != "page" && !tabs.isTab(tg.TargetID) {
			t.Errorf("the browser runs a %s target beside the tabs: %s (%q)", tg.Type, tg.URL, tg.Title)
		}
	}
}

// TestTabsHaveNoWindow checks that the tests' tabs are pages with no
// window (tabPool.take), so the browser draws no frames of them and no
// toolbar around them, about 40 % of a navigation's CPU; and that such a
// page is laid out and focused as a page in a window was: the tab's own
// width, and the page has focus (the keyboard journeys and :focus styles
// need it).
func TestTabsHaveNoWindow(t *testing.T) {
	tb := signInPageTab(t)
	id := chromedp.FromContext(tb.ctx).Target.TargetID
	if w, err := chromedp.CallBrowser(tb.ctx, browser.GetWindowForTarget, browser.GetWindowForTargetParams{TargetID: id}); err == nil {
		t.Errorf("the tab is in window %d, whose frames and toolbar the browser draws", w.WindowID)
	}
	type page struct {
		Width   int64 `json:"width"`
		Focused bool  `json:"focused"`
	}
	got, err := chromedp.Run(tb.ctx, chromedp.Evaluate[page](`({width: innerWidth, focused: document.hasFocus()})`))
	if err != nil {
		t.Fatal(err)
	}
	if got.Width != viewWidth || !got.Focused {
		t.Errorf("the page is %dpx wide and focused=%v, want %dpx and focused as in a window", got.Width, got.Focused, viewWidth)
	}
}

// TestNoGPUProcess checks that Chromium composites in its browser process
// (--in-process-gpu, startBrowser): a GPU process of its own, compositing
// in software since there is no GPU, cost about a tenth of the suite's CPU
// and more than the same work in the browser process.
func TestNoGPUProcess(t *testing.T) {
	tb := signInPageTab(t)
	procs := browserProcesses(t, tb)
	var kinds []string
	for _, p := range procs {
		kinds = append(kinds, p.Type)
		if strings.Contains(strings.ToLower(p.Type), "gpu") {
			t.Errorf("the browser runs a GPU process (pid %d)", p.ID)
		}
	}
	t.Logf("the browser's processes: %q", kinds)
}

// TestRenderersRunWithoutOptimisingCompilers checks that the pages' V8 runs
// with jsFlags (startBrowser): without TurboFan and Maglev, whose work on
// each page's fresh axe-core was thrown away with the page, about 40 % of
// an axe-core scan's CPU.
func TestRenderersRunWithoutOptimisingCompilers(t *testing.T) {
	tb := signInPageTab(t)
	procs := browserProcesses(t, tb)
	renderers := 0
	for _, p := range procs {
		if p.Type != "renderer" {
			continue
		}
		renderers++
		cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p.ID))
		if err != nil {
			t.Fatalf("the command line of renderer %d: %v", p.ID, err)
		}
		if !strings.Contains(string(cmd), "--js-flags="+jsFlags) {
			t.Errorf("renderer %d runs without --js-flags=%q: %q", p.ID, jsFlags, strings.ReplaceAll(string(cmd), "\x00", " "))
		}
	}
	if renderers == 0 {
		t.Fatal("the browser named no renderer process: this test shows nothing")
	}
}

// TestNoSpareRenderer checks that the browser keeps no renderer process
// started for a page not yet opened (startBrowser turns the spare renderer
// off): every renderer runs a tab's page, so there are no more renderers
// than tabs (the tests' and the browser's first, a "page" target). A
// renderer whose page has just gone may take a moment to
// exit, so the count is read again for up to five seconds.
func TestNoSpareRenderer(t *testing.T) {
	tb := signInPageTab(t)
	var renderers, pages int
	for deadline := time.Now().Add(5 * time.Second); ; {
		procs := browserProcesses(t, tb)
		targets, err := chromedp.Targets(tb.ctx)
		if err != nil {
			t.Fatal(err)
		}
		renderers, pages = 0, 0
		for _, p := range procs {
			if p.Type == "renderer" {
				renderers++
			}
		}
		for _, tg := range targets {
			if tg.Type == "page" || tabs.isTab(tg.TargetID) {
				pages++
			}
		}
		if renderers <= pages || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if renderers > pages {
		t.Errorf("the browser runs %d renderer processes for %d tabs: a spare renderer is kept", renderers, pages)
	}
}

// signInPageTab is a tab on a fresh portal's sign-in page, for the tests
// of what the browser itself runs.
func signInPageTab(t *testing.T) *tab {
	t.Helper()
	requireBrowser(t)
	p := startPortal(t)
	tb := newTab(t, p.url, false)
	if status := tb.open(t, "/sign-in"); status != http.StatusOK {
		t.Fatalf("GET /sign-in = %d", status)
	}
	return tb
}

// browserProcesses is the browser's own list of its processes.
func browserProcesses(t *testing.T, tb *tab) []*systeminfo.ProcessInfo {
	t.Helper()
	info, err := chromedp.CallBrowser(tb.ctx, systeminfo.GetProcessInfo, cdp.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	return info.ProcessInfo
}
