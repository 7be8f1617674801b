package e2e

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"candour/store"
)

// TestDisparityJourneys: a coordinator meets a refused upload (422, error
// summary, typed force kept), imports the two real summer-time months and
// the Census table through the forms, reads the figures both ways and
// publishes them; the public reads the page. Every page passes axe-core
// and the front-end checks.
func TestDisparityJourneys(t *testing.T) {
	requireBrowser(t)
	t.Run("coordinator imports summer months and publishes", coordinatorDisparity)
}

func coordinatorDisparity(t *testing.T) {
	p := startPortal(t)
	u := p.user(t, store.RoleCoordinator, "coord@example.org")
	data := func(name string) string {
		abs, err := filepath.Abs(filepath.Join("..", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	aug, sep := data("2018-08-dorset-stop-and-search.csv"), data("2018-09-dorset-stop-and-search.csv")
	tb := p.signInAs(t, u)
	tb.visit(t, "/disparity/import", "stop and search import")

	filesForm := `main form[action="/disparity/import"] `
	path, status := tb.submit(t,
		chromedp.SetUploadFiles(chromedp.CSS("#files"), []string{aug}),
		fillIn("#force", "wiltshire"),
		chromedp.Click(chromedp.CSS(filesForm+"button[type=submit]")))
	if path != "/disparity/import" || status != http.StatusUnprocessableEntity {
		t.Fatalf("a Dorset file as Wiltshire's: on %s (%d), want 422", path, status)
	}
	kept, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('#force').value`))
	if err != nil || kept != "wiltshire" {
		t.Errorf("the typed force was not kept: %q %v", kept, err)
	}
	summary, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('.govuk-error-summary').textContent`))
	if !strings.Contains(summary, "is named as dorset's data, but you entered wiltshire") {
		t.Errorf("error summary: %q", summary)
	}
	checkPage(t, tb, "stop and search import, refused")

	tb.visit(t, "/disparity/import", "stop and search import")
	path, status = tb.submit(t,
		chromedp.SetUploadFiles(chromedp.CSS("#files"), []string{sep, aug}),
		chromedp.Click(chromedp.CSS(filesForm+"button[type=submit]")))
	if path != "/disparity/import" || status != http.StatusOK {
		t.Fatalf("import: on %s (%d)", path, status)
	}
	checkPage(t, tb, "stop and search import, done")
	path, status = tb.submit(t,
		chromedp.SetUploadFiles(chromedp.CSS("#population"), []string{data("census2021-ts021-dorset-force-area.csv")}),
		fillIn("#population-force", "dorset"),
		chromedp.Click(chromedp.CSS(`main form[action="/disparity/population"] button[type=submit]`)))
	if status != http.StatusOK {
		t.Fatalf("population: on %s (%d)", path, status)
	}
	checkPage(t, tb, "population loaded")

	tb.visit(t, "/disparity?force=dorset&from=2018-08&to=2018-09&ethnicity=officer", "disparity, officer-defined")
	tb.visit(t, "/disparity?force=dorset&from=2018-08&to=2018-09&ethnicity=self", "disparity, self-defined")
	path, status = tb.submit(t, chromedp.Click(chromedp.CSS(`main form[action="/disparity/publish"] button[type=submit]`)))
	if path != "/disparity" || status != http.StatusOK {
		t.Fatalf("publish: on %s (%d)", path, status)
	}
	checkPage(t, tb, "disparity, just published")

	pub := newTab(t, p.url, false)
	pub.visit(t, "/public/stop-and-search", "public stop and search, published")
	text, err := chromedp.Run(pub.ctx, chromedp.Evaluate[string](`document.querySelector('main').innerText`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Dorset: August to September 2018 (both months have data)", "About these figures",
		"Black people were 16.7 times as likely as White people to be searched (95% interval 11.0 to 25.2)"} {
		if !strings.Contains(text, want) {
			t.Errorf("public page lacks %q", want)
		}
	}
}
