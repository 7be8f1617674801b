package server

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

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
	var wakes atomic.Int64
	a, w := unstartedSurveyFakes(t, Options{SignInsPerMinute: 1000, SurveyPostsPerMinute: 100000, DecideSurveys: func() { wakes.Add(1) }})
	a.start()
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
	if got, want := int(wakes.Load()), 2; got != want {
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
	if got, want := int(wakes.Load()), 3; got != want || decided() != 0 {
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

	// A server without the job decides in the request: the same figures
	// (a second server on the same surveys, its caches empty).
	survey.ForgetDecisions()
	w.mu.Lock()
	w.decisions = map[string]store.SurveyDecision{}
	w.mu.Unlock()
	b := anotherSurveyApp(t, Options{SignInsPerMinute: 1000, SurveyPostsPerMinute: 100000}, w)
	coord = b.as(&store.User{Email: "coordinator@example.org", Name: "Test coordinator", Role: store.RoleCoordinator, Status: store.StatusActive})
	onDemand := b.client().get("/public/surveys/" + sv.ID)
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

// TestBeingCheckedReadsNoCountersWithFakes: a look at a closed survey none
// of whose releases has been decided yet is told the results are being
// checked from the version's mark alone (survey.Undecided, issue 18): it
// reads no counter, asks for no release's decision and waits for nothing
// that the survey-decisions job or another look holds. Here, while it
// looks, the job is storing another survey's decision
// (SaveSurveyDecision, the writer) and another look is building a decided
// survey's results (its counters' read, inside the results cache's one
// load at a time), both held until the look being checked has answered.
// The survey being checked has no counters and no decision to give: a
// look that asks for them fails the test.
func TestBeingCheckedReadsNoCountersWithFakes(t *testing.T) {
	var wakes atomic.Int64
	a, w := unstartedSurveyFakes(t, Options{SignInsPerMinute: 1000, DecideSurveys: func() { wakes.Add(1) }})
	ctx := context.Background()
	qs := []store.Question{{ID: "q1", Key: "fair", Type: store.QAgree, Text: "Police are fair"}}
	ts := []store.Tally{{Version: 1, Dim: store.DimAll, Value: store.DimAll, N: 120, C: map[string]map[string]int64{"q1": {"a": 70, "d": 50, "_a": 120}}}}
	imported := func(title string) *store.Survey {
		sv := &store.Survey{Title: title, Public: true}
		if err := w.ImportSurvey(ctx, sv, qs, ts); err != nil {
			t.Fatal(err)
		}
		return sv
	}
	built, deciding, checked := imported("Decided, its results being built"), imported("Being decided by the job"), imported("Being checked")
	if _, err := survey.Decide(ctx, a.srv.surveyDB, built, 1, ts); err != nil {
		t.Fatal(err)
	}

	held := make(chan struct{})        // closed when the job and the other look may go on
	building := make(chan struct{}, 1) // the other look is reading its counters
	saving := make(chan struct{}, 1)   // the job is storing its decision
	f := a.srv.surveyDB.(*fakeSurveys)
	f.tallies = func(id string, n int) ([]store.Tally, error) {
		switch id {
		case checked.ID:
			t.Errorf("a look at results being checked read the counters")
		case built.ID:
			building <- struct{}{}
			<-held
		}
		return w.Tallies(ctx, id, n)
	}
	f.surveyDecision = func(key string) (store.SurveyDecision, bool, error) {
		if strings.HasPrefix(key, checked.ID+"/") {
			t.Errorf("a look at results being checked asked for the decision %s", key)
		}
		return w.decision(key)
	}
	f.saveSurveyDecision = func(d store.SurveyDecision) error {
		if d.SurveyID == deciding.ID {
			saving <- struct{}{}
			<-held
		}
		return w.saveDecision(d)
	}
	a.start() // its fakes are set: nothing is written on the server after this

	job := make(chan error, 1)
	go func() {
		_, err := survey.Decide(ctx, a.srv.surveyDB, deciding, 1, ts)
		job <- err
	}()
	<-saving
	other := make(chan response, 1)
	go func() { other <- a.client().get("/public/surveys/" + built.ID) }()
	<-building

	look := make(chan response, 1)
	go func() { look <- a.client().get("/public/surveys/" + checked.ID) }()
	var r response
	select {
	case r = <-look:
	case <-time.After(time.Minute): // a guard against hanging, not a measure
		close(held)
		t.Fatal("the look at results being checked waited behind the job storing a decision or another look building results")
	}
	close(held)
	if got, want := r.Status, http.StatusServiceUnavailable; got != want {
		t.Fatalf("the look being checked: status %d, want %d", got, want)
	}
	if !strings.Contains(r.Body, "These results are being checked") || strings.Contains(r.Body, "120 people answered") || strings.Contains(r.Body, "Police are fair") {
		t.Fatalf("the look being checked does not say so, or shows figures:\n%s", mainOf(r.Body))
	}
	if r.Header.Get("Retry-After") == "" {
		t.Error("the look being checked has no Retry-After")
	}
	if wakes.Load() == 0 {
		t.Error("the look being checked did not wake the job")
	}
	if got := <-other; got.Status != http.StatusOK || !strings.Contains(got.Body, "120 people answered") {
		t.Errorf("the other look, at decided results: %d", got.Status)
	}
	if err := <-job; err != nil {
		t.Fatal(err)
	}
	if got := a.client().get("/public/surveys/" + deciding.ID); got.Status != http.StatusOK {
		t.Errorf("once the job has stored its decision: %d, want 200", got.Status)
	}
	if got := f.calls("Tallies"); got != 2 {
		t.Errorf("%d reads of counters, want 2 (the two looks at decided results)", got)
	}
}
