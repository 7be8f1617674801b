// Package e2e holds Candour's browser tests: journeys through the real
// portal (server.New on a fresh embedded store, served by httptest) in
// headless Chromium driven with chromedp.
//
// Every page a journey visits is scanned with axe-core for WCAG 2.0, 2.1 and
// 2.2 A and AA failures, checked for Content Security Policy violations in
// the browser console, and checked for our stylesheet (Arial, not the GDS
// font). There are keyboard-only and JavaScript-off sign-ins too. A page
// shown again in a state already scanned (the sign-in page at each
// sign-in, say) is not scanned or measured again; its stylesheet, scripts
// and console are (checkPage).
//
// Form fields are filled in with one Input.insertText each (fillIn), as a
// paste would; real key events, a few milliseconds of the browser's CPU a
// character, are kept where the keys are the point: the keyboard-only
// journeys, the error summary taking focus after a typed sign-in, and
// <select>s.
//
// A page state is named by a SHA-256 the page computes itself (pageState),
// so its document does not travel to the test; a page fetches axe-core
// from its own test portal (injectAxe, withAxe), rather than the test
// sending its 650 kB through the browser, and a tab's later pages find it
// in the browser's HTTP cache (TestAxeComesFromThePortal).
// Chromium composites in its browser process (--in-process-gpu), not in a
// GPU process of its own (TestNoGPUProcess), and its renderers run V8
// without the optimising compilers, whose work on each page's fresh
// axe-core was thrown away with the page
// (TestRenderersRunWithoutOptimisingCompilers); it keeps no spare renderer
// (TestNoSpareRenderer).
// CANDOUR_E2E_CPU=file writes each test's CPU there, Chromium's processes
// counted (cpu_test.go).
//
// One Chromium serves the whole binary. Its tabs, each in a browser
// context of its own, are lent to the tests and cleared when a test gives
// them back (newTab; TestTabsStartClean checks nothing leaks from one test
// to the next). They are pages with no window (hidden targets), so the
// browser draws no frames of them, with a viewport and focus emulated as
// a 1024 by 900 window gave them (TestTabsHaveNoWindow): every check reads
// the layout, none the pixels.
//
// The suite needs /usr/bin/chromium (Debian's package) and
// node_modules/axe-core (npm ci). Without them it skips with one line, or
// fails when CANDOUR_E2E=required. It has no non-test code and must not be
// imported.
package e2e
