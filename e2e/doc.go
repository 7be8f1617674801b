// Package e2e holds Candour's browser tests: journeys through the real
// portal in headless Chromium (driven with chromedp), with an axe-core
// accessibility scan (WCAG 2.2 AA) of every page visited, a keyboard-only
// sign-in and a sign-in with JavaScript turned off. It has no non-test code.
package e2e
