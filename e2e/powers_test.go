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

// TestPowersJourneys: a coordinator meets a refused vehicle stops file
// (422, each wrong line in the error summary, the typed force kept),
// imports the example file, reads the monitor and publishes it; reads
// strip searches from the police.uk months; imports a year of use of
// force, reads it and publishes it; commits to and draws a verifiable
// sample of strip searches; the public reads the published pages.
// Every page passes axe-core and the front-end checks.
func TestPowersJourneys(t *testing.T) {
	requireBrowser(t)
	t.Run("coordinator imports vehicle stops and publishes strip searches", coordinatorPowers)
}

func coordinatorPowers(t *testing.T) {
	p := startPortal(t)
	u := p.user(t, store.RoleCoordinator, "coord@example.org")
	data := func(name string) string {
		abs, err := filepath.Abs(filepath.Join("..", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	good := data("vehicle-stops-example.csv")
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "stops.csv")
	if err := os.WriteFile(bad, []byte(strings.Replace(string(b), "Fixed penalty notice", "Ticket", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	tb := p.signInAs(t, u)

	// The Census table first, as on the stop and search import page.
	tb.visit(t, "/disparity/import", "stop and search import")
	if _, status := tb.submit(t,
		chromedp.SetUploadFiles(chromedp.CSS("#population"), []string{data("census2021-ts021-dorset-force-area.csv")}),
		fillIn("#population-force", "dorset"),
		chromedp.Click(chromedp.CSS(`main form[action="/disparity/population"] button[type=submit]`))); status != http.StatusOK {
		t.Fatalf("population: %d", status)
	}

	tb.visit(t, "/powers/vehicle-stops/import", "vehicle stops import")
	form := `main form[action="/powers/vehicle-stops/import"] `
	path, status := tb.submit(t,
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{bad}),
		fillIn("#force", "dorset"),
		chromedp.Click(chromedp.CSS(form+"button[type=submit]")))
	if path != "/powers/vehicle-stops/import" || status != http.StatusUnprocessableEntity {
		t.Fatalf("a bad file: on %s (%d), want 422", path, status)
	}
	kept, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('#force').value`))
	if err != nil || kept != "dorset" {
		t.Errorf("the typed force was not kept: %q %v", kept, err)
	}
	summary, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('.govuk-error-summary').textContent`))
	if !strings.Contains(summary, `stops.csv, line 10, Outcome: "Ticket" is not one of`) || !strings.Contains(summary, "Nothing was stored") {
		t.Errorf("error summary: %q", summary)
	}
	checkPage(t, tb, "vehicle stops import, refused")

	path, status = tb.submit(t,
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{good}),
		chromedp.Click(chromedp.CSS(form+"button[type=submit]")))
	if path != "/powers/vehicle-stops/import" || status != http.StatusOK {
		t.Fatalf("import: on %s (%d)", path, status)
	}
	checkPage(t, tb, "vehicle stops import, done")

	tb.visit(t, "/powers/vehicle-stops?force=dorset&from=2024-03&to=2024-04", "vehicle stops monitor")
	path, status = tb.submit(t, chromedp.Click(chromedp.CSS(`main form[action="/powers/vehicle-stops/publish"] button[type=submit]`)))
	if path != "/powers/vehicle-stops" || status != http.StatusOK {
		t.Fatalf("publish: on %s (%d)", path, status)
	}
	checkPage(t, tb, "vehicle stops, just published")

	// Strip searches come from the police.uk months.
	tb.visit(t, "/disparity/import", "stop and search import")
	if _, status := tb.submit(t,
		chromedp.SetUploadFiles(chromedp.CSS("#files"), []string{data("2019-01-dorset-stop-and-search.csv")}),
		chromedp.Click(chromedp.CSS(`main form[action="/disparity/import"] button[type=submit]`))); status != http.StatusOK {
		t.Fatalf("stop and search import: %d", status)
	}
	tb.visit(t, "/powers/strip-search", "strip search monitor")
	if _, status := tb.submit(t, chromedp.Click(chromedp.CSS(`main form[action="/powers/strip-search/publish"] button[type=submit]`))); status != http.StatusOK {
		t.Fatalf("publish strip searches: %d", status)
	}
	tb.visit(t, "/disparity/samples/new?removal=true", "draw strip searches")
	// A verifiable sample: the commitment first, then the draw reveals the seed.
	path, status = tb.submit(t, chromedp.Click(chromedp.CSS(`main form[action="/disparity/samples/new"] button[type=submit]`)))
	if !strings.HasPrefix(path, "/disparity/samples/") || status != http.StatusOK {
		t.Fatalf("commit: on %s (%d)", path, status)
	}
	checkPage(t, tb, "a committed sample")
	path, status = tb.submit(t, chromedp.Click(chromedp.CSS(`main form[action$="/draw"] button[type=submit]`)))
	if !strings.HasPrefix(path, "/disparity/samples/") || status != http.StatusOK || !strings.Contains(mainText(t, tb), "Seed (revealed after the draw)") {
		t.Fatalf("draw: on %s (%d)", path, status)
	}
	checkPage(t, tb, "a drawn sample with its seed")

	// Use of force: the Home Office table for a financial year.
	tb.visit(t, "/powers/use-of-force/import", "use of force import")
	uof := `main form[action="/powers/use-of-force/import"] `
	if path, status := tb.submit(t,
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{data("use-of-force-dorset-2019-20-by-ethnicity-extract.csv")}),
		fillIn("#force", "dorset"),
		fillIn("#year", "2019-20"),
		chromedp.Click(chromedp.CSS(uof+"button[type=submit]"))); status != http.StatusOK {
		t.Fatalf("use of force import: on %s (%d)", path, status)
	}
	checkPage(t, tb, "use of force import, done")
	tb.visit(t, "/powers/use-of-force", "use of force monitor")
	text, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('main').innerText`))
	if err != nil || !strings.Contains(text, "Black people were 9.4 times as likely as White people to have force used on them (95% interval 8.8 to 10.1).") {
		t.Errorf("use of force page: %v", err)
	}
	if path, status := tb.submit(t, chromedp.Click(chromedp.CSS(`main form[action="/powers/use-of-force/publish"] button[type=submit]`))); path != "/powers/use-of-force" || status != http.StatusOK {
		t.Fatalf("publish use of force: on %s (%d)", path, status)
	}

	// The overview: every activity's headline ratios, table and forest plot
	// (checkPage also measures it at phone widths, where the table leads).
	tb.visit(t, "/powers", "disparity across our powers")
	text, err = chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('main table').innerText`))
	if err != nil || !strings.Contains(text, "9.44 (8.82 to 10.10)") || !strings.Contains(text, "23.01 (5.15 to 102.80)") {
		t.Errorf("overview table: %v\n%s", err, text)
	}

	pub := newTab(t, p.url, false)
	pub.visit(t, "/public/powers", "public disparity across our powers")
	for path, want := range map[string]string{
		"/public/powers/vehicle-stops": "Black people were 92.1 times as likely as White people to be stopped (95% interval 52.3 to 162.0)",
		"/public/powers/strip-search":  "Black people were 23.0 times as likely as White people to have a search go beyond outer clothing (95% interval 5.2 to 102.8)",
		"/public/powers/use-of-force":  "Black people were 9.4 times as likely as White people to have force used on them (95% interval 8.8 to 10.1).",
	} {
		pub.visit(t, path, "public "+path)
		text, err := chromedp.Run(pub.ctx, chromedp.Evaluate[string](`document.querySelector('main').innerText`))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, want) || !strings.Contains(text, "About these figures") {
			t.Errorf("%s lacks %q", path, want)
		}
	}
}
