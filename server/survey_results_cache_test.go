package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"candour/store"
	"candour/store/storetest"
)

// TestResultsCachedForAsLongAsTheirFigures: rendered results are built
// again exactly when what they come from changes. An open survey's count
// moves at the first request after a counted response (no waiting out a
// cache life), looks while the counters stand still build nothing, a
// closed survey's results are built once, and a response to another
// survey does not rebuild them. On the embedded engine the counters'
// version is exact; through MONGODB_URI an open survey's key also moves
// every resultsCacheLife, so the open survey's counts are checked on the
// embedded engine only, and the closed survey's on both.
func TestResultsCachedForAsLongAsTheirFigures(t *testing.T) {
	a := newTestApp(t)
	sv, other := a.testSurvey(), a.testSurvey()
	answer := func(s *store.Survey) {
		t.Helper()
		if r := a.client().answerSurvey(s, map[string][]string{"q1": {"o2"}, "q3": {"a"}, "ay_eth": {"white_british"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("response: %d", r.Status)
		}
	}
	for range 12 {
		answer(sv)
	}
	coord := a.client()
	coord.signIn(a.newUser(store.RoleCoordinator, "co@example.org"))
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
	exact := storetest.URI() == ""
	if got := built(); exact && got != b {
		t.Fatalf("counters standing still: results built %d more times, want 0", got-b)
	}
	answer(sv) // counted before the response's redirect
	look("13 people answered")
	if got := built(); exact && got != b+1 {
		t.Fatalf("after a counted response: built %d more times, want 1", got-b)
	}

	if _, err := a.store.ChangeSurvey(context.Background(), sv.ID, 0, func(sv *store.Survey, _ time.Time) error { sv.Closed = true; return nil }); err != nil {
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
