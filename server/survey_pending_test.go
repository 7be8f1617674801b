package server

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"candour/store"
	"candour/survey"
)

// TestResultsBeingCheckedUntilDecidedWithFakes: in the portal (a
// survey-decisions job to wake, Options.DecideSurveys), a closed survey's
// results whose release is not decided yet are a page that says they are
// being checked (503, with Retry-After), with no figures, for the public
// and for staff alike; each such request wakes the job and none decides.
// Once the job has decided and stored the release, the pages show the
// figures, the same as a server without the job decides them in the
// request. The results CSV answers the same way.
func TestResultsBeingCheckedUntilDecidedWithFakes(t *testing.T) {
	a, w := surveyFakes(t)
	wakes := 0
	a.srv.surveys.decide = func() { wakes++ }
	ctx := context.Background()
	sv := &store.Survey{Title: "Community Safety Survey 2024", Public: true}
	qs := []store.Question{{ID: "q1", Key: "fair", Type: store.QAgree, Text: "Police are fair"}}
	ts := []store.Tally{{Version: 1, Dim: store.DimAll, Value: store.DimAll, N: 120, C: map[string]map[string]int64{"q1": {"a": 70, "d": 50, "_a": 120}}}}
	if err := w.ImportSurvey(ctx, sv, qs, ts); err != nil {
		t.Fatal(err)
	}
	coord := a.as(&store.User{Email: "coordinator@example.org", Name: "Test coordinator", Role: store.RoleCoordinator, Status: store.StatusActive})
	// What a request decides is stored (survey.Decide saves it), so this
	// test's own world counts the decisions; survey.Decided() counts the
	// whole process's, which parallel tests on fakes move too.
	decided := func() int {
		w.mu.Lock()
		defer w.mu.Unlock()
		return len(w.decisions)
	}
	for _, c := range []struct {
		who  string
		cl   *client
		page string
	}{{"visitor", a.client(), "/public/surveys/" + sv.ID}, {"coordinator", coord, "/surveys/" + sv.ID + "/results"}} {
		r := c.cl.get(c.page)
		if got, want := r.Status, http.StatusServiceUnavailable; got != want {
			t.Fatalf("%s before the decision: status %d, want %d", c.who, got, want)
		}
		if !strings.Contains(r.Body, "These results are being checked") || strings.Contains(r.Body, "120 people answered") || strings.Contains(r.Body, "Police are fair") {
			t.Fatalf("%s before the decision: the page does not say the results are being checked, or shows figures:\n%s", c.who, r.Body)
		}
		if r.Header.Get("Retry-After") == "" {
			t.Errorf("%s before the decision: no Retry-After", c.who)
		}
	}
	if got, want := wakes, 2; got != want {
		t.Errorf("the job was woken %d times, want %d (once a request)", got, want)
	}
	if got := decided(); got != 0 {
		t.Errorf("a request decided %d releases", got)
	}
	// The results CSV is no way round: the same answer, and no count.
	csvPath := "/surveys/" + sv.ID + "/results.csv"
	pending := coord.get(csvPath)
	if got, want := pending.Status, http.StatusServiceUnavailable; got != want {
		t.Fatalf("the CSV before the decision: status %d, want %d", got, want)
	}
	if !strings.Contains(pending.Body, "These results are being checked") || strings.Contains(pending.Body, "Police are fair") || pending.Header.Get("Retry-After") == "" {
		t.Fatalf("the CSV before the decision does not say the results are being checked, shows figures or has no Retry-After:\n%s", pending.Body)
	}
	if got, want := wakes, 3; got != want || decided() != 0 {
		t.Errorf("after the CSV, the job was woken %d times (want %d) and requests decided %d releases (want 0)", got, want, decided())
	}

	// The job decides (survey.Decide, as DecideClosedSurveys does).
	stored, err := a.srv.surveyDB.Tallies(ctx, sv.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := survey.Decide(ctx, a.srv.surveyDB, sv, 1, stored); err != nil {
		t.Fatal(err)
	}
	precomputed := a.client().get("/public/surveys/" + sv.ID)
	if precomputed.Status != http.StatusOK || !strings.Contains(precomputed.Body, "120 people answered") {
		t.Fatalf("after the decision: %d", precomputed.Status)
	}
	precomputedCSV := coord.get(csvPath)
	if precomputedCSV.Status != http.StatusOK || !strings.Contains(precomputedCSV.Body, "Police are fair") {
		t.Fatalf("the CSV after the decision: %d\n%s", precomputedCSV.Status, precomputedCSV.Body)
	}

	// A server without the job decides in the request: the same figures.
	survey.ForgetDecisions()
	w.mu.Lock()
	w.decisions = map[string]store.SurveyDecision{}
	w.mu.Unlock()
	a.srv.surveys.decide = nil
	a.srv.surveys.results.Forget("")
	a.srv.surveys.figures.Forget("")
	onDemand := a.client().get("/public/surveys/" + sv.ID)
	if onDemand.Status != http.StatusOK {
		t.Fatalf("decided in the request: %d", onDemand.Status)
	}
	if got, want := mainOf(precomputed.Body), mainOf(onDemand.Body); got != want {
		t.Errorf("the page from the job's decision differs from the page decided in the request:\n%s\n---\n%s", got, want)
	}
	if onDemandCSV := coord.get(csvPath); onDemandCSV.Status != http.StatusOK || onDemandCSV.Body != precomputedCSV.Body {
		t.Errorf("the CSV from the job's decision differs from the CSV decided in the request (%d):\n%s\n---\n%s", onDemandCSV.Status, precomputedCSV.Body, onDemandCSV.Body)
	}
}
