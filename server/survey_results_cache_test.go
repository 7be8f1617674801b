package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// TestResultsCachedForAsLongAsTheirFigures: rendered results are built
// again exactly when what they come from changes. An open survey's count
// moves at the first request after a counted response (no waiting out a
// cache life), looks while the counters stand still build nothing, a
// closed survey's results are built once, and a response to another
// survey does not rebuild them. The surveys are in memory (surveyWorld),
// whose counters' version is exact, as the embedded engine's; through
// MONGODB_URI an open survey's key also moves every resultsCacheLife, so
// the open survey's counts are checked only where the version is exact,
// and the closed survey's always.
func TestResultsCachedForAsLongAsTheirFigures(t *testing.T) {
	a, w := surveyFakes(t)
	sv, other := w.testSurvey(t), w.testSurvey(t)
	answer := func(s *store.Survey) {
		t.Helper()
		if r := a.client().answerSurvey(s, map[string][]string{"q1": {"o2"}, "q3": {"a"}, "ay_eth": {"white_british"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("response: %d", r.Status)
		}
	}
	for range 12 {
		answer(sv)
	}
	coord := a.as(a.newUser(store.RoleCoordinator, "co@example.org"))
	page := "/surveys/" + sv.ID + "/results"
	look := func(want string) {
		t.Helper()
		r := coord.get(page)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, want) {
			t.Fatalf("results: status %d, want 200 with %q:\n%s", r.Status, want, mainOf(r.Body))
		}
	}
	built := func() int64 { return a.srv.surveys.built.Load() }

	look("12 people answered")
	b := built()
	look("12 people answered")
	look("12 people answered")
	_, exact := w.figuresVersion(sv.ID) // as the embedded engine's
	if got := built(); exact && got != b {
		t.Fatalf("counters standing still: results built %d more times, want 0", got-b)
	}
	answer(sv) // counted before the response's redirect
	look("13 people answered")
	if got := built(); exact && got != b+1 {
		t.Fatalf("after a counted response: built %d more times, want 1", got-b)
	}

	if _, err := w.ChangeSurvey(context.Background(), sv.ID, 0, func(sv *store.Survey, _ time.Time) error { sv.Closed = true; return nil }); err != nil {
		t.Fatal(err)
	}
	look("13 people answered")
	b = built()
	answer(other) // another survey's counters move
	for range 3 {
		look("13 people answered")
	}
	if got := built(); got != b {
		t.Fatalf("a closed survey's results were built %d more times, want 0", got-b)
	}
}

// TestSurveyResultsDrawnOnceAreTheSame: a closed survey's questions are
// drawn once per results and breakdown (questionFigures) and the page is
// the same byte for byte whether they are drawn for it (cold) or come from
// the cache (warm): on the public summary, on the staff page, and for
// another breakdown, which is drawn once of its own.
func TestSurveyResultsDrawnOnceAreTheSame(t *testing.T) {
	a, w := surveyFakes(t)
	ctx := context.Background()
	sv := w.testSurvey(t)
	// 12 White British and 12 Indian respondents: both ethnic groups are
	// shown (10 or more), so the page has breakdown and comparison tables.
	for i := range 24 {
		eth, agree := "white_british", "a"
		if i%2 == 1 {
			eth, agree = "asian_indian", "d"
		}
		if r := a.client().answerSurvey(sv, map[string][]string{"q1": {"o2"}, "q3": {agree}, "ay_eth": {eth}}); r.Status != http.StatusSeeOther {
			t.Fatalf("response %d: %d", i, r.Status)
		}
	}
	if _, err := w.ChangeSurvey(ctx, sv.ID, 0, func(sv *store.Survey, _ time.Time) error {
		sv.Closed, sv.Public = true, true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	drawn := func() int64 { return a.srv.surveys.drawn.Load() }
	visitor := a.client()
	get := func(c *client, path string) string {
		t.Helper()
		r := c.get(path)
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: %d", path, r.Status)
		}
		return r.Body
	}
	public := "/public/surveys/" + sv.ID
	before := drawn()
	cold := get(visitor, public)
	if got := drawn() - before; got != 1 {
		t.Fatalf("cold: the figures were drawn %d times, want 1", got)
	}
	for _, want := range []string{"24 people answered", `<figure class="app-figure"><svg`, "By Ethnic group: share giving each answer", "each ethnic group compared with the White group"} {
		if !strings.Contains(cold, want) {
			t.Fatalf("the public summary lacks %q:\n%s", want, mainOf(cold))
		}
	}
	warm := get(visitor, public)
	if got := drawn() - before; got != 1 {
		t.Fatalf("warm: the figures were drawn %d times in all, want 1", got)
	}
	if warm != cold {
		t.Errorf("the public summary drawn from the cache differs from the one drawn for it:\n%s\n----\n%s", mainOf(cold), mainOf(warm))
	}

	// The staff page shows the same figures: nothing drawn again.
	coord := a.as(a.newUser(store.RoleCoordinator, "co@example.org"))
	staff := get(coord, "/surveys/"+sv.ID+"/results")
	if got := drawn() - before; got != 1 || !strings.Contains(staff, "By Ethnic group: share giving each answer") {
		t.Fatalf("staff page: drawn %d times in all, want 1", got)
	}

	// Another breakdown is drawn once, then comes from the cache the same.
	byAge := public + "?by=" + store.AboutAge
	coldAge := get(visitor, byAge)
	warmAge := get(visitor, byAge)
	if got := drawn() - before; got != 2 {
		t.Fatalf("by age: drawn %d times in all, want 2", got)
	}
	if warmAge != coldAge || coldAge == cold {
		t.Errorf("by age: warm same as cold %v, same as by ethnic group %v (want true, false)", warmAge == coldAge, coldAge == cold)
	}
}
