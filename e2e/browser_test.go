package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

const (
	// axePath is axe-core as npm ci installs it from package.json, relative
	// to this package's directory (where go test runs).
	axePath = "../node_modules/axe-core/axe.min.js"
	// cssPath is the stylesheet `make static` builds; without it the pages
	// are unstyled and the stylesheet checks are skipped.
	cssPath = "../static/dist/candour.css"
	// journeyTimeout bounds one journey (the machine may have 2 slow cores).
	journeyTimeout = 60 * time.Second
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
	stop := startBrowser()
	code := m.Run()
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
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
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

// tab is a fresh tab in its own browser context (its own cookies), bounded
// by journeyTimeout. It records the console so that pages can be checked for
// Content Security Policy violations.
type tab struct {
	ctx   context.Context
	url   string // the portal's base URL
	jsOff bool   // page scripts do not run
	// viewW and viewH are the viewport the test chose (tab.emulate), or 0
	// for the browser's window.
	viewW, viewH int64

	mu      sync.Mutex
	console []string // messages not yet checked
}

// requireBrowser skips the test if there is no browser or axe-core, or fails
// it when CANDOUR_E2E=required (as in CI).
func requireBrowser(t *testing.T) {
	t.Helper()
	if suite.err == nil {
		return
	}
	if os.Getenv("CANDOUR_E2E") == "required" {
		t.Fatalf("e2e: %v; CANDOUR_E2E=required needs Debian's chromium (apt-get install chromium) and node_modules/axe-core (npm ci)", suite.err)
	}
	t.Skipf("SKIP e2e: %v (set CANDOUR_E2E=required to fail instead)", suite.err)
}

// newTab opens a tab on the shared browser (see requireBrowser). With jsOff
// the tab runs no page scripts, as for someone with JavaScript turned off.
func newTab(t *testing.T, baseURL string, jsOff bool) *tab {
	t.Helper()
	requireBrowser(t)
	tb := &tab{url: baseURL, jsOff: jsOff}
	ctx, cancel := chromedp.NewContext(suite.ctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(tb.listen))
	t.Cleanup(cancel)
	// The first Run opens the tab; it lives as long as ctx, so the timeout
	// goes on a child context.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, journeyTimeout)
	t.Cleanup(cancelTimeout)
	tb.ctx = ctx
	if jsOff {
		withoutScripts(t, tb)
	}
	return tb
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
}

// takeConsole returns the console messages since the last call.
func (tb *tab) takeConsole() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	msgs := tb.console
	tb.console = nil
	return msgs
}
