package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestPageStatesAreScannedOnce checks checkPage's memory of page states:
// a page is scanned with axe-core (twice: its width and 320px) the first
// time it is shown in a state, not again in the same state, even on
// another load with its own CSRF token, and again as soon as anything
// axe-core or the layout reads differs: the document, a typed value,
// focus, scripts off, the viewport.
func TestPageStatesAreScannedOnce(t *testing.T) {
	requireBrowser(t)
	p := startPortal(t)
	tb := newTab(t, p.url, false)

	// A paragraph no other test adds makes the page's state new to this run.
	mark := fmt.Sprintf("Checked once, %d", time.Now().UnixNano())
	load := func(text string) {
		t.Helper()
		if status := tb.open(t, "/sign-in"); status != http.StatusOK {
			t.Fatalf("GET /sign-in = %d", status)
		}
		tb.withScripts(t, func() {
			if _, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`(text => {
			  const p = document.createElement('p');
			  p.className = 'govuk-body';
			  p.textContent = text;
			  document.querySelector('main').append(p);
			  return true;
			})(`+fmt.Sprintf("%q", text)+`)`)); err != nil {
				t.Fatal(err)
			}
		})
	}
	scans := func(what string, want int64) {
		t.Helper()
		before := axeScans.Load()
		checkPage(t, tb, what)
		if got := axeScans.Load() - before; got != want {
			t.Errorf("%s: %d axe-core scans, want %d", what, got, want)
		}
	}

	load(mark)
	scans("a new state", 2)
	scans("the same state again", 0)
	load(mark)
	scans("the same state on another load (another CSRF token)", 0)
	load(mark + ", and more")
	scans("another document", 2)

	load(mark)
	if _, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`(document.querySelector('#email').value = 'typed@example.org', true)`)); err != nil {
		t.Fatal(err)
	}
	scans("a typed value", 2)

	load(mark)
	if _, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`(document.querySelector('#password').focus(), true)`)); err != nil {
		t.Fatal(err)
	}
	scans("focus elsewhere", 2)

	tb.emulate(t, 640, 360)
	load(mark)
	scans("another viewport", 2)
	tb.viewW, tb.viewH = 0, 0
	tb.restoreViewport(t)

	withoutScripts(t, tb)
	load(mark)
	scans("scripts off", 2)
}

// TestAxeComesFromThePortal checks how axe-core goes into a page
// (injectAxe): the page fetches it from its own portal (withAxe), once a
// page, rather than the test sending its 650 kB through the DevTools
// protocol, and the tab's next page finds it in the browser's cache; and
// the eval that runs it leaves the page's Content Security Policy as it
// was: the page's own code still may not eval a string.
func TestAxeComesFromThePortal(t *testing.T) {
	requireBrowser(t)
	p := startPortal(t)
	tb := newTab(t, p.url, false)
	if status := tb.open(t, "/sign-in"); status != http.StatusOK {
		t.Fatalf("GET /sign-in = %d", status)
	}
	before := axeServed.Load()
	for range 2 {
		if _, err := axeViolations(tb.ctx); err != nil {
			t.Fatalf("axe-core did not run: %v", err)
		}
	}
	if got := axeServed.Load() - before; got != 1 {
		t.Errorf("the page fetched axe-core from the portal %d times for two scans, want once", got)
	}
	// The next page of the same tab puts it in from the browser's cache.
	if status := tb.open(t, "/accessibility"); status != http.StatusOK {
		t.Fatalf("GET /accessibility = %d", status)
	}
	if _, err := axeViolations(tb.ctx); err != nil {
		t.Fatalf("axe-core did not run on the second page: %v", err)
	}
	if got := axeServed.Load() - before; got != 1 {
		t.Errorf("axe-core was fetched from the portal %d times for two pages of one tab, want once: the browser did not keep it", got)
	}

	// After the injection, a timer's eval is the page's own code again.
	refused, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`new Promise(done => setTimeout(() => {
	  try { eval('1'); done(false) } catch (e) { done(e instanceof EvalError) }
	}))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !refused {
		t.Error("the page could eval a string after axe-core went in: the CSP's script-src no longer holds")
	}
}
