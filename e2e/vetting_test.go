package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"candour/store"
)

// TestVettingJourney: a CCU analyst goes from the queue to the vetting
// monitor, meets a refused file (422, the wrong line in the error
// summary, the typed force kept), imports the example file and reads the
// figures (hand counts in powers/vetting_test.go). Every page passes
// axe-core and the front-end checks; the monitor also at 320 px.
func TestVettingJourney(t *testing.T) {
	requireBrowser(t)
	p := startPortal(t)
	u := p.user(t, store.RoleCCU, "analyst@example.org")
	good, err := filepath.Abs(filepath.Join("..", "testdata", "vetting-decisions-example.csv"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "vetting.csv")
	if err := os.WriteFile(bad, []byte(strings.Replace(string(b), "Withdrawn", "Dropped", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	tb := p.signInAs(t, u)
	tb.visit(t, "/ccu", "CCU queue")
	tb.visit(t, "/vetting", "vetting monitor, empty")
	tb.visit(t, "/vetting/import", "vetting import")
	form := `main form[action="/vetting/import"] `
	path, status := tb.submit(t,
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{bad}),
		fillIn("#force", "dorset"),
		chromedp.Click(chromedp.CSS(form+"button[type=submit]")))
	if path != "/vetting/import" || status != http.StatusUnprocessableEntity {
		t.Fatalf("a bad file: on %s (%d), want 422", path, status)
	}
	kept, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('#force').value`))
	if err != nil || kept != "dorset" {
		t.Errorf("the typed force was not kept: %q %v", kept, err)
	}
	summary, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('.govuk-error-summary').textContent`))
	if !strings.Contains(summary, `vetting.csv, line 8, Outcome: "Dropped" is not one of`) || !strings.Contains(summary, "Nothing was stored") {
		t.Errorf("error summary: %q", summary)
	}
	checkPage(t, tb, "vetting import, refused")
	path, status = tb.submit(t,
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{good}),
		chromedp.Click(chromedp.CSS(form+"button[type=submit]")))
	if path != "/vetting/import" || status != http.StatusOK {
		t.Fatalf("the good file: on %s (%d)", path, status)
	}
	checkPage(t, tb, "vetting import, done")
	tb.visit(t, "/vetting?force=dorset", "vetting monitor")
	text, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('main').textContent`))
	for _, want := range []string{"3.60 (1.69 to 7.69)", "Applications from Black people were 3.6 times as likely", "fewer than 10", "April to June 2025",
		"Decisions by sex", "17.8% (11.2% to 26.9%)", "Decisions by vetting level"} {
		if !strings.Contains(text, want) {
			t.Errorf("monitor lacks %q", want)
		}
	}
}

// TestMissingPeopleJourney: a coordinator loads the Census table, imports
// the example missing person episodes, follows the shared monitor's link
// to time to find and reads the medians (hand counts in
// powers/missing_people_test.go), publishes the monitor and the times,
// and a member of the public reads both public pages, at 320 px too. axe
// on every page.
func TestMissingPeopleJourney(t *testing.T) {
	requireBrowser(t)
	p := startPortal(t)
	u := p.user(t, store.RoleCoordinator, "coord@example.org")
	data := func(name string) string {
		abs, err := filepath.Abs(filepath.Join("..", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	tb := p.signInAs(t, u)
	tb.visit(t, "/disparity/import", "stop and search import")
	if _, status := tb.submit(t,
		chromedp.SetUploadFiles(chromedp.CSS("#population"), []string{data("census2021-ts021-dorset-force-area.csv")}),
		fillIn("#population-force", "dorset"),
		chromedp.Click(chromedp.CSS(`main form[action="/disparity/population"] button[type=submit]`))); status != http.StatusOK {
		t.Fatalf("population: %d", status)
	}
	tb.visit(t, "/powers/missing-people/import", "missing people import")
	if path, status := tb.submit(t,
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{data("missing-people-example.csv")}),
		fillIn("#force", "dorset"),
		chromedp.Click(chromedp.CSS(`main form[action="/powers/missing-people/import"] button[type=submit]`))); path != "/powers/missing-people/import" || status != http.StatusOK {
		t.Fatalf("import: on %s (%d)", path, status)
	}
	tb.visit(t, "/powers/missing-people", "missing people monitor")
	if path, status := tb.submit(t, chromedp.Click(chromedp.CSS(`main form[action="/powers/missing-people/publish"] button[type=submit]`))); path != "/powers/missing-people" || status != http.StatusOK {
		t.Fatalf("publish the monitor: on %s (%d)", path, status)
	}
	checkPage(t, tb, "missing people monitor, published")
	if path, status := tb.submit(t, chromedp.Click(chromedp.CSS(`main a[href="/missing-people/time-to-find"]`))); path != "/missing-people/time-to-find" || status != http.StatusOK {
		t.Fatalf("the link to time to find: on %s (%d)", path, status)
	}
	checkPage(t, tb, "time to find")
	text, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('main').textContent`))
	for _, want := range []string{"6 hours (4 to 12)", "24 hours (20 to 100)", "took longer to be found than White people"} {
		if !strings.Contains(text, want) {
			t.Errorf("time to find lacks %q", want)
		}
	}
	if path, status := tb.submit(t, chromedp.Click(chromedp.CSS(`main form[action="/missing-people/time-to-find/publish"] button[type=submit]`))); path != "/missing-people/time-to-find" || status != http.StatusOK {
		t.Fatalf("publish: on %s (%d)", path, status)
	}
	checkPage(t, tb, "time to find, published")
	pub := newTab(t, p.url, true)
	pub.emulate(t, 320, 640)
	pub.visit(t, "/public/missing-people/time-to-find", "time to find, public")
	text, _ = chromedp.Run(pub.ctx, chromedp.Evaluate[string](`document.querySelector('main').textContent`))
	for _, want := range []string{"March to April 2025", "24 hours (20 to 100)", "+18 hours (+12 to +94)", "About these figures"} {
		if !strings.Contains(text, want) {
			t.Errorf("public time to find lacks %q", want)
		}
	}
	pub.visit(t, "/public/powers/missing-people", "missing people, public")
	text, _ = chromedp.Run(pub.ctx, chromedp.Evaluate[string](`document.querySelector('main').textContent`))
	for _, want := range []string{"March to April 2025", "found within 24 hours", "About these figures"} {
		if !strings.Contains(text, want) {
			t.Errorf("public missing people lacks %q", want)
		}
	}
}

// TestVehicleStopCaptureJourney: on a 320 px phone with JavaScript off, a
// police officer (the officer role) records a stop: the form sent with
// answers missing comes back with 422, the error summary and what was
// typed; completed, it is recorded and the form is ready for the next.
// axe on every page.
func TestVehicleStopCaptureJourney(t *testing.T) {
	requireBrowser(t)
	p := startPortal(t)
	u := p.user(t, store.RoleOfficer, "pc@example.org")
	tb := p.signInAs(t, u, withoutScripts, screen(320, 640))
	tb.visit(t, "/vehicle-stops/new", "vehicle stop form")
	form := `main form[action="/vehicle-stops/new"] `
	path, status := tb.submit(t,
		chromedp.SetValue(chromedp.CSS("#district"), "Poole"),
		chromedp.Click(chromedp.CSS(form+"button[type=submit]")))
	if path != "/vehicle-stops/new" || status != http.StatusUnprocessableEntity {
		t.Fatalf("an incomplete stop: on %s (%d), want 422", path, status)
	}
	kept, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('#district').value`))
	summary, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('.govuk-error-summary').textContent`))
	if kept != "Poole" || !strings.Contains(summary, "Choose the reason for the stop") {
		t.Errorf("kept %q, summary %q", kept, summary)
	}
	checkPage(t, tb, "vehicle stop form, incomplete")
	path, status = tb.submit(t,
		chromedp.Click(chromedp.CSS("#reason-1")),
		chromedp.SetValue(chromedp.CSS("#ethnicity"), "White: Irish"),
		chromedp.Click(chromedp.CSS("#observed")),
		chromedp.Click(chromedp.CSS("#outcome-1")),
		chromedp.Click(chromedp.CSS(form+"button[type=submit]")))
	if path != "/vehicle-stops/new" || status != http.StatusOK {
		t.Fatalf("the stop: on %s (%d)", path, status)
	}
	banner, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('main').textContent`))
	if !strings.Contains(banner, "The stop was recorded") {
		t.Errorf("no confirmation: %q", banner)
	}
	checkPage(t, tb, "vehicle stop form, recorded")
}
