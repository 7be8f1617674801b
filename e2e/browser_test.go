package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

const (
	// axePath is axe-core as npm ci installs it from package.json, relative
	// to this package's directory (where go test runs).
	axePath = "../node_modules/axe-core/axe.min.js"
	// cssPath is the stylesheet `make static` builds; without it the pages
	// are unstyled and the stylesheet checks are skipped.
	cssPath = "../static/dist/candour.css"
	// jsFlags are V8's flags in the browser's renderers (startBrowser).
	jsFlags = "--no-opt --no-maglev"
	// journeyTimeout bounds one journey (the machine may have 2 slow cores).
	journeyTimeout = 60 * time.Second
	// viewWidth and viewHeight are a tab's own viewport: the page area of
	// the browser's 1024 by 900 window (WindowSize), whose toolbar and tab
	// strip take 143 pixels, where the tests' pages were laid out before
	// the tabs had no window (tabPool.take).
	viewWidth, viewHeight = 1024, 757
)

// suite is the one browser shared by every test in the binary.
var suite struct {
	ctx       context.Context // a chromedp context whose browser has started
	err       error           // why there is no browser, if there is none
	axeSource string          // axe.min.js
	styled    bool            // static/dist/candour.css exists
}

// TestMain starts one headless Chromium for the whole binary and stops it
// when the tests end. A missing browser or axe-core
// is not reported here: each test asks for the browser with newTab, which
// skips or fails.
func TestMain(m *testing.M) {
	startMeter()
	stop := startBrowser()
	code := m.Run()
	if meter != nil {
		meter.finish()
	}
	tabs.closeAll()
	stop()
	os.Exit(code)
}

func startBrowser() (stop func()) {
	stop = func() {}
	path, err := exec.LookPath("chromium")
	if err != nil {
		suite.err = errors.New("chromium not found")
		return stop
	}
	axe, err := os.ReadFile(axePath)
	if err != nil {
		suite.err = fmt.Errorf("axe-core not found at %s (run npm ci)", axePath)
		return stop
	}
	suite.axeSource = string(axe)
	_, err = os.Stat(cssPath)
	suite.styled = err == nil

	// DefaultExecAllocatorOptions already has --headless, --no-first-run,
	// --disable-background-networking and --disable-sync; without a
	// UserDataDir chromedp gives the browser a fresh profile in a temporary
	// directory and removes it when the browser stops. The machine may be
	// offline, so nothing may try to reach the internet.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("no-sandbox", true), // CI runs as root in a container
		chromedp.Flag("disable-gpu", true),
		// Even without a GPU, Chromium composites each page's frames in
		// a GPU process of its own, about a tenth of the suite's CPU. In
		// the browser process the same work cost a fifth to a half less
		// (no process to hand the frames to): 3 to 6 % of the suite in
		// two paired runs. Pages are laid out and drawn as before.
		chromedp.Flag("in-process-gpu", true),
		// V8 without its optimising compilers (TurboFan, Maglev): each
		// checked page gets a fresh axe-core, run two or three times and
		// thrown away with the page, so the optimised code compiled for it on
		// the renderer's worker threads was never used long enough to pay:
		// an axe-core scan cost about 40 % less CPU without them (a page's
		// two scans 390 ms → 240 ms in paired runs). Code runs the same.
		chromedp.Flag("js-flags", jsFlags),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		// Chromium 156 preloads its address bar's drop-down, a page of its
		// own (chrome://omnibox-popup.top-chrome) in a renderer of its own,
		// for each browser context's window, though a headless browser
		// never shows it: about 2 s of CPU a tab. The list replaces
		// DefaultExecAllocatorOptions' own, so it repeats it.
		// Nor does it keep a spare renderer started for the next new
		// page (SpareRendererForSitePerProcess): the suite's pages reuse
		// their tab's renderer, so most spares were started and thrown
		// away, about 3 to 4 % of the suite's CPU in two paired runs.
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,WebUIOmniboxPopup,WebUIOmniboxAimPopup,SpareRendererForSitePerProcess"),
		chromedp.WindowSize(1024, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	stop = func() {
		cancelBrowser()
		cancelAlloc() // waits for the browser to exit and its profile to go
	}
	// The first Run starts the browser, which lives as long as browserCtx:
	// no timeout on it (chromedp.Run's rule); a watchdog instead.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(browserCtx) }()
	select {
	case err = <-started:
	case <-time.After(30 * time.Second):
		err = errors.New("timed out after 30s")
	}
	if err != nil {
		suite.err = fmt.Errorf("chromium (%s) did not start: %w", path, err)
		return stop
	}
	suite.ctx = browserCtx
	return stop
}

// tab is a tab of the shared browser, bounded by journeyTimeout, as if new:
// no cookies, storage, history or settings of anyone who used it before
// (see newTab). It records the console so that pages can be checked for
// Content Security Policy violations.
type tab struct {
	ctx   context.Context
	url   string // the portal's base URL
	jsOff bool   // page scripts do not run
	// viewW and viewH are the viewport the test chose (tab.emulate), or 0
	// for the browser's window.
	viewW, viewH int64
	browser      *browserTab // the browser's tab under it

	mu      sync.Mutex
	console []string // messages not yet checked
	// logged has a value when a message was kept since it was last
	// received from (capacity 1), for a test that awaits one.
	logged chan struct{}
}

// requireBrowser skips the test if there is no browser or axe-core, or fails
// it when CANDOUR_E2E=required (as in CI).
func requireBrowser(t *testing.T) {
	t.Helper()
	markTest(t)
	if suite.err == nil {
		return
	}
	if os.Getenv("CANDOUR_E2E") == "required" {
		t.Fatalf("e2e: %v; CANDOUR_E2E=required needs Debian's chromium (apt-get install chromium) and node_modules/axe-core (npm ci)", suite.err)
	}
	t.Skipf("SKIP e2e: %v (set CANDOUR_E2E=required to fail instead)", suite.err)
}

// newTab gives the test a tab on the shared browser (see requireBrowser),
// as if new. With jsOff the tab runs no page scripts, as for someone with
// JavaScript turned off.
//
// The browser's tabs are kept for the next test rather than closed: a new
// tab in a new browser context cost about a second of Chromium's CPU (a
// renderer process and a context's storage to start), and the suite opens
// about 55. Each tab has a browser context of its own, and a tab given back
// is cleared before anyone has it again (browserTab.clear): no cookies,
// storage or cache, no history, JavaScript on, the browser's own viewport. TestTabsStartClean checks that nothing leaks.
func newTab(t *testing.T, baseURL string, jsOff bool) *tab {
	t.Helper()
	requireBrowser(t)
	tb := &tab{url: baseURL, logged: make(chan struct{}, 1)}
	bt, err := tabs.take()
	if err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	bt.owner.Store(tb)
	tb.browser = bt
	ctx, cancelTimeout := context.WithTimeout(bt.ctx, journeyTimeout)
	tb.ctx = ctx
	t.Cleanup(func() {
		cancelTimeout()
		bt.owner.Store(nil)
		tabs.giveBack(t, bt)
	})
	if jsOff {
		withoutScripts(t, tb)
	}
	return tb
}

// browserTab is one of the browser's tabs, in a browser context of its
// own, lent to one test tab at a time.
type browserTab struct {
	ctx     context.Context    // its chromedp context, for as long as the suite runs
	close   context.CancelFunc // closes the tab and its browser context
	context cdp.BrowserContextID
	target  target.ID // a target of type "other": a page with no window
	owner   atomic.Pointer[tab]
	origin  sync.Map // the origins it has shown a page of (string → bool), to clear
}

// tabs is the browser's tabs not lent out.
var tabs tabPool

type tabPool struct {
	mu   sync.Mutex
	free []*browserTab
	all  []*browserTab // every tab opened, to close at the end
}

// take lends a free tab, or opens one in a new browser context.
//
// The tab is a hidden target: a page with no window, so the browser draws
// no frames of it (no raster in the renderer, no compositing of the page
// and of a window's toolbar and tab strip in the browser process), which
// was about 40 % of a navigation's CPU, and no one looks at them. The page
// is laid out as before: the tab emulates its own viewport (viewWidth by
// viewHeight, restoreViewport) and a focused window (a hidden page has
// neither), and every check reads the layout, not pixels. A page with no
// frames gets no requestAnimationFrame callbacks (neither the portal's
// scripts nor GOV.UK Frontend use them), and a screenshot would need a
// tab in a window. TestTabsHaveNoWindow checks it.
func (p *tabPool) take() (*browserTab, error) {
	p.mu.Lock()
	if n := len(p.free); n > 0 {
		bt := p.free[n-1]
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return bt, nil
	}
	p.mu.Unlock()
	bc, err := chromedp.CallBrowser(suite.ctx, target.CreateBrowserContext, target.CreateBrowserContextParams{})
	if err != nil {
		return nil, err
	}
	id := bc.BrowserContextID
	dispose := func() {
		ctx, cancel := context.WithTimeout(suite.ctx, 10*time.Second)
		defer cancel()
		chromedp.CallBrowser(ctx, target.DisposeBrowserContext, target.DisposeBrowserContextParams{BrowserContextID: id})
	}
	tg, err := chromedp.CallBrowser(suite.ctx, target.CreateTarget, target.CreateTargetParams{URL: "about:blank",
		BrowserContextID: id, Hidden: ptr(true), Background: ptr(true)})
	if err != nil {
		dispose()
		return nil, err
	}
	bt := &browserTab{context: id, target: tg.TargetID}
	ctx, cancel := chromedp.NewContext(suite.ctx, chromedp.WithTargetID(tg.TargetID), chromedp.WithListener(bt.listen))
	// The first Run attaches to the tab; it lives as long as ctx.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		dispose()
		return nil, err
	}
	bt.ctx = ctx
	bt.close = func() {
		cancel()
		dispose()
	}
	if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		bt.close()
		return nil, err
	}
	if err := setOwnViewport(ctx); err != nil {
		bt.close()
		return nil, err
	}
	p.mu.Lock()
	p.all = append(p.all, bt)
	p.mu.Unlock()
	return bt, nil
}

// giveBack clears bt for the next test and keeps it, or closes it if it
// cannot be cleared (the journey's deadline left it stuck, say).
func (p *tabPool) giveBack(t *testing.T, bt *browserTab) {
	if err := bt.clear(); err != nil {
		t.Logf("a tab could not be cleared for the next test, so it is closed: %v", err)
		bt.close()
		return
	}
	p.mu.Lock()
	p.free = append(p.free, bt)
	p.mu.Unlock()
}

// isTab reports whether the browser's target id is one of the tests' tabs.
func (p *tabPool) isTab(id target.ID) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, bt := range p.all {
		if bt.target == id {
			return true
		}
	}
	return false
}

// closeAll closes every tab (the end of the suite).
func (p *tabPool) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, bt := range p.all {
		bt.close()
	}
	p.all, p.free = nil, nil
}

// clear makes bt as a new tab in a new browser context would be: no
// history, JavaScript on, the browser's own viewport, and no cookies,
// storage or cached responses in its browser context. The last test's page
// stays on screen, stopped, until the next test opens one: a navigation to
// about:blank would cost a renderer process of its own and another for the
// next page (about 0.3 s of Chromium's CPU), where the next test's page
// of the same site (127.0.0.1) takes over this one's.
func (bt *browserTab) clear() error {
	ctx, cancel := context.WithTimeout(bt.ctx, 10*time.Second)
	defer cancel()
	// Stop what is loading, so that no response of the last test sets a
	// cookie after they are gone.
	if err := chromedp.Do(ctx, chromedp.Stop()); err != nil {
		return err
	}
	if _, err := chromedp.Call(ctx, page.ResetNavigationHistory, cdp.Empty{}); err != nil {
		return err
	}
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
		return err
	}
	if err := setOwnViewport(ctx); err != nil {
		return err
	}
	// Every cookie of the browser context, whatever its site.
	if _, err := chromedp.CallBrowser(ctx, storage.ClearCookies, storage.ClearCookiesParams{BrowserContextID: bt.context}); err != nil {
		return err
	}
	if _, err := chromedp.Call(ctx, network.ClearBrowserCache, cdp.Empty{}); err != nil {
		return err
	}
	var err error
	bt.origin.Range(func(k, _ any) bool {
		_, err = chromedp.Call(ctx, storage.ClearDataForOrigin, storage.ClearDataForOriginParams{Origin: k.(string), StorageTypes: "all"})
		if err != nil {
			return false
		}
		bt.origin.Delete(k)
		return true
	})
	return err
}

// setOwnViewport gives the tab in ctx its own viewport (viewWidth by
// viewHeight, not a phone's: no touch), which a tab without a window does
// not have otherwise.
func setOwnViewport(ctx context.Context) error {
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: viewWidth, Height: viewHeight, DeviceScaleFactor: 1}); err != nil {
		return err
	}
	_, err := chromedp.Call(ctx, emulation.SetTouchEmulationEnabled, emulation.SetTouchEmulationEnabledParams{Enabled: false})
	return err
}

// listen passes the tab's events to the test tab that has it, and notes
// the origin of each page it shows (for clear).
func (bt *browserTab) listen(ev any) {
	if ev, ok := ev.(*page.EventFrameNavigated); ok && ev.Frame.SecurityOrigin != "" && ev.Frame.SecurityOrigin != "null" {
		bt.origin.Store(ev.Frame.SecurityOrigin, true)
	}
	if tb := bt.owner.Load(); tb != nil {
		tb.listen(ev)
	}
}

// listen keeps what the page writes to the console: browser log entries
// (where Chromium reports CSP violations), console calls and uncaught
// exceptions. It runs on chromedp's reader goroutine, so it only appends.
func (tb *tab) listen(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *log.EventEntryAdded:
		msg = fmt.Sprintf("%s %s: %s", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text)
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range ev.Args {
			parts = append(parts, strings.Trim(string(a.Value), `"`)+a.Description)
		}
		msg = fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(parts, " "))
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg = "uncaught exception: " + d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
	default:
		return
	}
	tb.mu.Lock()
	tb.console = append(tb.console, msg)
	tb.mu.Unlock()
	select {
	case tb.logged <- struct{}{}:
	default: // already told
	}
}

// takeConsole returns the console messages since the last call.
func (tb *tab) takeConsole() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	msgs := tb.console
	tb.console = nil
	return msgs
}
