package e2e

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"candour/store"
)

// TestUseOfForceIncidentsAndCustodyJourneys: a coordinator loads the
// Census table, imports the example use-of-force incidents and reads them
// by reason, outcome and injury; imports the example custody strip
// searches and reads the children's figures first; publishes both, and
// the public reads both published pages. Every page passes axe-core and the
// front-end checks (hand counts in powers/use_of_force_test.go and
// powers/custody_test.go).
func TestUseOfForceIncidentsAndCustodyJourneys(t *testing.T) {
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

	for _, c := range []struct {
		kind, file, page string
		want             []string
	}{
		{"use-of-force-incidents", "use-of-force-incidents-example.csv", "use of force incidents", []string{
			"Black people were 57.5 times as likely as White people to have force used on them (95% interval 27.5 to 120.3).",
			"By main reason", "4 (40.0%, 16.8% to 68.7%)",
		}},
		{"custody-strip-search", "custody-strip-search-example.csv", "custody strip searches", []string{
			"Strip searches of children", "58.3% (38.8% to 75.5%), 14 of 24",
			"Black people were 71.2 times as likely as White people to be strip searched in custody (95% interval 46.8 to 108.3).",
		}},
	} {
		tb.visit(t, "/powers/"+c.kind+"/import", c.page+" import")
		path, status := tb.submit(t,
			chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{data(c.file)}),
			fillIn("#force", "dorset"),
			chromedp.Click(chromedp.CSS(`main form[action="/powers/`+c.kind+`/import"] button[type=submit]`)))
		if path != "/powers/"+c.kind+"/import" || status != http.StatusOK {
			t.Fatalf("%s import: on %s (%d)", c.kind, path, status)
		}
		checkPage(t, tb, c.page+" import, done")
		tb.visit(t, "/powers/"+c.kind, c.page+" monitor")
		text := mainText(t, tb)
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %q", c.kind, w)
			}
		}
		if path, status := tb.submit(t, chromedp.Click(chromedp.CSS(`main form[action="/powers/`+c.kind+`/publish"] button[type=submit]`))); path != "/powers/"+c.kind || status != http.StatusOK {
			t.Fatalf("publish %s: on %s (%d)", c.kind, path, status)
		}
	}
	pub := newTab(t, p.url, false)
	for path, want := range map[string][]string{
		"/public/powers/custody-strip-search":   {"Strip searches of children", "About these figures"},
		"/public/powers/use-of-force-incidents": {"Black people were 57.5 times as likely as White people to have force used on them (95% interval 27.5 to 120.3).", "By main reason", "About these figures"},
	} {
		pub.visit(t, path, "public "+path)
		text := mainText(t, pub)
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %q", path, w)
			}
		}
	}
}
