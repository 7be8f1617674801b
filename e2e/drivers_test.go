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

// TestDriversJourney: a coordinator loads the Census population and the
// example vehicle stops, reads the monitor per 1,000 residents with the
// reason that is second best, meets a refused drivers file (422, each
// wrong line in the error summary, what was typed kept), loads the
// example drivers and reads the monitor per 1,000 drivers. Every page
// passes axe-core and the front-end checks.
func TestDriversJourney(t *testing.T) {
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
	bad := filepath.Join(t.TempDir(), "drivers.csv")
	if err := os.WriteFile(bad, []byte("Ethnic group,Drivers\nWhite,600000\nBlack,\"4,000\"\nAsian,12000\nMixed,8000\nOther,4000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tb := p.signInAs(t, u)

	tb.visit(t, "/disparity/import", "stop and search import")
	if _, status := tb.submit(t,
		chromedp.SetUploadFiles(chromedp.CSS("#population"), []string{data("census2021-ts021-dorset-force-area.csv")}),
		fillIn("#population-force", "dorset"),
		chromedp.Click(chromedp.CSS(`main form[action="/disparity/population"] button[type=submit]`))); status != http.StatusOK {
		t.Fatalf("population: %d", status)
	}
	tb.visit(t, "/powers/vehicle-stops/import", "vehicle stops import")
	if _, status := tb.submit(t,
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{data("vehicle-stops-example.csv")}),
		fillIn("#force", "dorset"),
		chromedp.Click(chromedp.CSS(`main form[action="/powers/vehicle-stops/import"] button[type=submit]`))); status != http.StatusOK {
		t.Fatalf("vehicle stops: %d", status)
	}
	tb.visit(t, "/powers/vehicle-stops", "vehicle stops per resident")
	if text := mainText(t, tb); !strings.Contains(text, "No figures of drivers by ethnic group have been loaded for this force") {
		t.Errorf("the page does not say it is per resident, and why:\n%s", text)
	}

	tb.visit(t, "/disparity/import", "stop and search import")
	drivers := `main form[action="/disparity/drivers"] `
	path, status := tb.submit(t,
		chromedp.SetUploadFiles(chromedp.CSS("#drivers"), []string{bad}),
		fillIn("#drivers-force", "dorset"),
		fillIn("#drivers-made", "licence holders by self-defined ethnicity, from the force's own survey"),
		fillIn("#drivers-period", "2024"),
		chromedp.Click(chromedp.CSS(drivers+"button[type=submit]")))
	if path != "/disparity/drivers" || status != http.StatusUnprocessableEntity {
		t.Fatalf("a bad file: on %s (%d), want 422", path, status)
	}
	summary, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('.govuk-error-summary').textContent`))
	if !strings.Contains(summary, `drivers.csv, line 3, Drivers: "4,000" is not a whole number of drivers`) || !strings.Contains(summary, "Nothing was stored") {
		t.Errorf("error summary: %q", summary)
	}
	kept, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('#drivers-period').value`))
	if err != nil || kept != "2024" {
		t.Errorf("the typed period was not kept: %q %v", kept, err)
	}
	checkPage(t, tb, "drivers, refused")

	path, status = tb.submit(t,
		chromedp.SetUploadFiles(chromedp.CSS("#drivers"), []string{data("drivers-dorset-example.csv")}),
		chromedp.Click(chromedp.CSS(drivers+"button[type=submit]")))
	if path != "/disparity/drivers" || status != http.StatusOK || !strings.Contains(mainText(t, tb), "628000 drivers in the five groups") {
		t.Fatalf("drivers: on %s (%d)", path, status)
	}
	checkPage(t, tb, "drivers, loaded")

	tb.visit(t, "/powers/vehicle-stops", "vehicle stops per driver")
	if text := mainText(t, tb); !strings.Contains(text, "Black drivers were 100.0 times as likely as White drivers to be stopped (95% interval 56.8 to 175.9).") ||
		!strings.Contains(text, "Rates are per 1,000 drivers") {
		t.Errorf("the page is not per driver:\n%s", text)
	}
}
