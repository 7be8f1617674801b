package server

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// mainOf is a page's main content (the layout carries per-request tokens).
func mainOf(body string) string {
	i, j := strings.Index(body, `<main`), strings.Index(body, `</main>`)
	if i < 0 || j < i {
		return body
	}
	return body[i:j]
}

var nonceRe = regexp.MustCompile(`(nonce|value)="[^"]*"`)

// TestOpenSurveyLooksDifferOnlyInTheCount: two looks at an open survey's
// results (page and CSV), taken before and after one person responds,
// differ in nothing but the number of responses, so subtracting them
// gives that person's answers away no longer. Once the survey has closed,
// the full release (answers and breakdowns) is shown.
func TestOpenSurveyLooksDifferOnlyInTheCount(t *testing.T) {
	a := newTestApp(t)
	sv := a.testSurvey()
	groups := []string{"white_british", "white_british", "black_african", "asian_indian", "white_irish"}
	for i := range 12 {
		ans := map[string][]string{"q1": {"o2"}, "q3": {"a"}, "ay_eth": {groups[i%len(groups)]}}
		if r := a.client().answerSurvey(sv, ans); r.Status != http.StatusSeeOther {
			t.Fatalf("respondent %d: %d", i, r.Status)
		}
	}
	coord := a.client()
	coord.signIn(a.newUser(store.RoleCoordinator, "co@example.org"))
	page := "/surveys/" + sv.ID + "/results"
	look := func() (string, string) {
		t.Helper()
		a.srv.surveys.results.mu.Lock()
		a.srv.surveys.results.entries = map[string]cachedResults{} // a later look, not the 2-second cache
		a.srv.surveys.results.mu.Unlock()
		p, c := coord.get(page), coord.get(page+".csv")
		if p.Status != http.StatusOK || c.Status != http.StatusOK {
			t.Fatalf("results %d, CSV %d", p.Status, c.Status)
		}
		return nonceRe.ReplaceAllString(mainOf(p.Body), ""), c.Body
	}
	page1, csv1 := look()
	// The one response a coordinator would like to read: Mixed, strongly
	// disagrees.
	if r := a.client().answerSurvey(sv, map[string][]string{"q1": {"o1"}, "q2": {"sd"}, "q3": {"sd"}, "ay_eth": {"mixed_white_black_caribbean"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("the 13th response: %d", r.Status)
	}
	page2, csv2 := look()
	if !strings.Contains(page1, "12 people answered") || !strings.Contains(page2, "13 people answered") {
		t.Fatalf("the looks do not give the number of responses:\n%s", page2)
	}
	if !strings.Contains(page2, "This survey is still open") {
		t.Error("the page does not say why only the number of responses is shown")
	}
	if got := strings.Replace(page2, "13 people answered", "12 people answered", 1); got != page1 {
		t.Errorf("the two looks at the page differ in more than the count:\n--- before\n%s\n--- after\n%s", page1, page2)
	}
	// The CSV: the header and one row, everyone's respondents (12, then 13).
	if n := strings.Count(csv1, "\n"); n != 3 || !strings.Contains(csv1, "still open") {
		t.Errorf("open survey's CSV has %d lines, want 3 (header, respondents, the note why):\n%s", n, csv1)
	}
	if got := strings.Replace(csv2, ",13,", ",12,", 1); got != csv1 {
		t.Errorf("the two CSVs differ in more than the count:\n%s\n%s", csv1, csv2)
	}
	// Closed: the full release.
	if _, err := a.store.ChangeSurvey(context.Background(), sv.ID, 0, func(sv *store.Survey, _ time.Time) error { sv.Closed = true; return nil }); err != nil {
		t.Fatal(err)
	}
	a.srv.surveys.cache.forget(sv.ID)
	page3, csv3 := look()
	for _, want := range []string{"13 people answered", "The police in your area treat everyone fairly", "Black", "withheld", "compared with the White group"} {
		if !strings.Contains(page3, want) {
			t.Errorf("closed survey's results lack %q", want)
		}
	}
	if strings.Contains(page3, "This survey is still open") {
		t.Error("a closed survey's results say it is open")
	}
	if n := strings.Count(csv3, "\n"); n < 50 {
		t.Errorf("closed survey's CSV has only %d lines", n)
	}
}
