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
	tb := newTab(t, p.url, false)
	signIn(t, tb, u)
	tb.visit(t, "/ccu", "CCU queue")
	tb.visit(t, "/vetting", "vetting monitor, empty")
	tb.visit(t, "/vetting/import", "vetting import")
	form := `main form[action="/vetting/import"] `
	path, status := tb.submit(t,
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{bad}),
		chromedp.SendKeys(chromedp.CSS("#force"), "dorset"),
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
	for _, want := range []string{"3.60 (1.69 to 7.69)", "Applications from Black people were 3.6 times as likely", "fewer than 10", "April to June 2025"} {
		if !strings.Contains(text, want) {
			t.Errorf("monitor lacks %q", want)
		}
	}
}
