package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
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
	a, w := surveyFakes(t)
	sv := w.testSurvey(t)
	groups := []string{"white_british", "white_british", "black_african", "asian_indian", "white_irish"}
	for i := range 12 {
		ans := map[string][]string{"q1": {"o2"}, "q3": {"a"}, "ay_eth": {groups[i%len(groups)]}}
		if r := a.client().answerSurvey(sv, ans); r.Status != http.StatusSeeOther {
			t.Fatalf("respondent %d: %d", i, r.Status)
		}
	}
	coord := a.as(a.newUser(store.RoleCoordinator, "co@example.org"))
	page := "/surveys/" + sv.ID + "/results"
	look := func() (string, string) {
		t.Helper()
		a.srv.surveys.results.Forget("") // a later look, not the 2-second cache
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
	if _, err := w.ChangeSurvey(context.Background(), sv.ID, 0, func(sv *store.Survey, _ time.Time) error { sv.Closed = true; return nil }); err != nil {
		t.Fatal(err)
	}
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

// TestClosedSurveyCannotBeReopenedWithFakes: once a survey has closed (closed by
// its switch or because its closing date has passed) its full results are
// published, so a coordinator cannot open it again, by unticking "closed"
// or by moving the closing date on: a look before and a look after it
// closed again could be subtracted. Each attempt is a 422 with the error
// summary, and nothing is changed. Settings that leave it closed still
// save.
func TestClosedSurveyCannotBeReopenedWithFakes(t *testing.T) {
	a, w := surveyFakes(t)
	ctx := context.Background()
	sv := w.testSurvey(t)
	coord := a.as(&store.User{Email: "co@example.org", Name: "Test coordinator", Role: store.RoleCoordinator, Status: store.StatusActive})
	page := "/surveys/" + sv.ID
	settings := func(closed bool, closes time.Time) url.Values {
		cur, err := w.Survey(ctx, sv.ID)
		if err != nil {
			t.Fatal(err)
		}
		f := url.Values{"rev": {strconv.Itoa(cur.Rev)}, "title": {cur.Title}, "openLink": {"true"}}
		if closed {
			f.Set("closed", "true")
		}
		if !closes.IsZero() {
			f.Set("closes-day", strconv.Itoa(closes.Day()))
			f.Set("closes-month", strconv.Itoa(int(closes.Month())))
			f.Set("closes-year", strconv.Itoa(closes.Year()))
		}
		return f
	}
	refused := func(what, field string, f url.Values) {
		t.Helper()
		before, _ := w.Survey(ctx, sv.ID)
		r := coord.submit(page, page+"/settings", f)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "govuk-error-summary") || !strings.Contains(r.Body, "cannot be opened again") {
			t.Fatalf("%s: status %d, want 422 with the error summary:\n%s", what, r.Status, mainOf(r.Body))
		}
		if !strings.Contains(r.Body, `id="`+field+`-error"`) {
			t.Errorf("%s: no error message by the %s field", what, field)
		}
		after, _ := w.Survey(ctx, sv.ID)
		if after.Rev != before.Rev || after.Closed != before.Closed || after.ClosesOn != before.ClosesOn {
			t.Errorf("%s: the survey changed: %+v", what, after)
		}
		if after.State(store.Day(time.Now())) != store.SurveyClosed {
			t.Errorf("%s: the survey is open again", what)
		}
	}
	now := time.Now()
	// Closed by its switch: unticking it is refused, so is untick plus a
	// closing date in the future.
	if r := coord.submit(page, page+"/settings", settings(true, time.Time{})); r.Status != http.StatusSeeOther {
		t.Fatalf("closing the survey: %d", r.Status)
	}
	refused("unticking closed", "closed", settings(false, time.Time{}))
	refused("unticking closed with a later closing date", "closed", settings(false, now.AddDate(0, 0, 10)))
	// Closed because its closing date has passed: moving the date on is refused.
	if _, err := w.ChangeSurvey(ctx, sv.ID, 0, func(sv *store.Survey, _ time.Time) error {
		sv.Closed, sv.ClosesOn = false, store.Day(now.AddDate(0, 0, -2))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	refused("moving the closing date on", "closes", settings(false, now.AddDate(0, 0, 10)))
	refused("removing the closing date", "closes", settings(false, time.Time{}))
	// Still closed: a change of title saves.
	f := settings(false, now.AddDate(0, 0, -2))
	f.Set("title", "Confidence in policing 2026")
	if r := coord.submit(page, page+"/settings", f); r.Status != http.StatusSeeOther {
		t.Fatalf("a change that leaves it closed: %d\n%s", r.Status, mainOf(r.Body))
	}
	if got, _ := w.Survey(ctx, sv.ID); got.Title != "Confidence in policing 2026" {
		t.Errorf("title %q", got.Title)
	}
}

// TestSurveyBaselineChoiceWithFakes: the settings form saves a baseline
// that is another survey, and refuses one that does not exist or is the
// survey itself ("Choose a baseline survey from the list", 422, nothing
// changed). The form reads that one survey, never every survey (closing a
// survey read them all: issue 18).
func TestSurveyBaselineChoiceWithFakes(t *testing.T) {
	a, w := surveyFakes(t)
	ctx := context.Background()
	sv := w.testSurvey(t)
	other := w.testSurvey(t)
	coord := a.as(&store.User{Email: "co@example.org", Name: "Test coordinator", Role: store.RoleCoordinator, Status: store.StatusActive})
	page := "/surveys/" + sv.ID
	settings := func(baseline string) url.Values {
		cur, err := w.Survey(ctx, sv.ID)
		if err != nil {
			t.Fatal(err)
		}
		return url.Values{"rev": {strconv.Itoa(cur.Rev)}, "title": {cur.Title}, "openLink": {"true"}, "baseline": {baseline}}
	}
	for _, tc := range []struct{ what, baseline string }{
		{"a survey that does not exist", "no-such-survey"},
		{"the survey itself", sv.ID},
	} {
		r := coord.submit(page, page+"/settings", settings(tc.baseline))
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Choose a baseline survey from the list") {
			t.Errorf("baseline %s: status %d, want 422 asking to choose from the list:\n%s", tc.what, r.Status, mainOf(r.Body))
		}
		if got, _ := w.Survey(ctx, sv.ID); got.BaselineID != "" {
			t.Errorf("baseline %s: saved %q", tc.what, got.BaselineID)
		}
	}
	form := settings(other.ID)
	form.Set("csrf_token", coord.csrf(page)) // the page lists every survey to choose from
	f := a.srv.surveyDB.(*fakeSurveys)
	listed := f.calls("Surveys")
	if r := coord.post(page+"/settings", form); r.Status != http.StatusSeeOther {
		t.Fatalf("another survey as the baseline: %d\n%s", r.Status, mainOf(r.Body))
	}
	if n := f.calls("Surveys") - listed; n != 0 {
		t.Errorf("saving the settings read every survey %d times, want never (the baseline by its id)", n)
	}
	if got, _ := w.Survey(ctx, sv.ID); got.BaselineID != other.ID {
		t.Errorf("baseline saved %q, want %q", got.BaselineID, other.ID)
	}
}
