package server

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"candour/store"
)

// loggedFakes is surveyFakes with the server's log written into a buffer.
func loggedFakes(t *testing.T) (*fakeApp, *surveyWorld, func() string) {
	t.Helper()
	a, w := unstartedSurveyFakes(t, Options{SignInsPerMinute: 1000, SurveyPostsPerMinute: 100000})
	var logs bytes.Buffer
	var mu sync.Mutex
	a.srv.log = slog.New(requestIDHandler{slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug})})
	a.start()
	return a, w, func() string {
		mu.Lock()
		defer mu.Unlock()
		return logs.String()
	}
}

// TestSurveyRespondentRoutesLeaveNoLogLineWithFakes: a survey response must keep no
// time finer than the day, so the respondent's pages write no dated access
// log line (as the anonymous report's pages do not).
func TestSurveyRespondentRoutesLeaveNoLogLineWithFakes(t *testing.T) {
	a, w, logs := loggedFakes(t)
	sv := w.testSurvey(t)
	c := a.client()
	c.get("/sign-in") // an ordinary route, which is logged
	r := c.answerSurvey(sv, map[string][]string{"q1": {"o2"}, "q3": {"a"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d", r.Status)
	}
	c.get(r.Location)
	out := logs()
	if !strings.Contains(out, "route=/sign-in") {
		t.Fatalf("log misses ordinary routes, so the check proves nothing:\n%s", out)
	}
	for _, bad := range []string{"/s/", "127.0.0.1", "Go-http-client"} {
		if strings.Contains(out, bad) {
			t.Errorf("log contains %q:\n%s", bad, out)
		}
	}
}

// TestPublicSummaryOnlyOnceClosedWithFakes: a public summary of an open survey
// would move with each response, so anyone could difference two looks (or
// add answers until a "fewer than 10" cell shows its size). It appears
// only once the survey has closed.
func TestPublicSummaryOnlyOnceClosedWithFakes(t *testing.T) {
	a, w := surveyFakes(t)
	sv := w.testSurvey(t)
	ctx := t.Context()
	if _, err := w.ChangeSurvey(ctx, sv.ID, 0, func(sv *store.Survey, _ time.Time) error { sv.Public = true; return nil }); err != nil {
		t.Fatal(err)
	}
	pub := a.client()
	if r := pub.get("/public/surveys/" + sv.ID); r.Status != http.StatusNotFound {
		t.Errorf("public summary of an open survey: %d", r.Status)
	}
	if r := pub.get("/public/surveys"); strings.Contains(r.Body, sv.Title) {
		t.Error("the public list shows an open survey")
	}
	if _, err := w.ChangeSurvey(ctx, sv.ID, 0, func(sv *store.Survey, _ time.Time) error { sv.Closed = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if r := pub.get("/public/surveys/" + sv.ID); r.Status != http.StatusOK {
		t.Errorf("public summary of a closed survey: %d", r.Status)
	}
	if r := pub.get("/public/surveys"); !strings.Contains(r.Body, sv.Title) {
		t.Error("the public list misses a closed survey")
	}
}

// TestAnonymousRoutesAreNotInMetrics: if the metrics were ever open, a per-route
// count that moves when a report or a survey response is sent would date
// it to the minute for anyone polling.
func TestAnonymousRoutesAreNotInMetrics(t *testing.T) {
	a := newTestApp(t)
	sv := a.testSurvey()
	c := a.client()
	if r := c.answerSurvey(sv, map[string][]string{"q1": {"o2"}, "q3": {"a"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d", r.Status)
	}
	submitReport(t, a.client(), publicAnswers("METRIC"))
	c.get("/sign-in")
	m := a.scrape()
	if !strings.Contains(m, `route="/sign-in"`) {
		t.Fatalf("metrics miss ordinary routes, so the check proves nothing:\n%s", m)
	}
	for _, bad := range []string{`route="/s/`, `route="/report`} {
		if strings.Contains(m, bad) {
			t.Errorf("metrics count anonymous requests (%s)", bad)
		}
	}
}

// TestPublicSummaryShowsOnlyAPublishedBaselineWithFakes: a public summary compared
// with a baseline survey that is not itself published (or still open) must
// not carry the baseline's figures.
func TestPublicSummaryShowsOnlyAPublishedBaselineWithFakes(t *testing.T) {
	a, w := surveyFakes(t)
	ctx := t.Context()
	base := w.testSurvey(t)
	base, err := w.ChangeSurvey(ctx, base.ID, 0, func(sv *store.Survey, _ time.Time) error { sv.Title = "Unpublished baseline BASEX"; return nil })
	if err != nil {
		t.Fatal(err)
	}
	for range 12 {
		if r := a.client().answerSurvey(base, map[string][]string{"q1": {"o2"}, "q3": {"a"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("answer: %d", r.Status)
		}
	}
	// Closed (an open survey's figures are shown nowhere), but not public.
	if _, err := w.ChangeSurvey(ctx, base.ID, 0, func(sv *store.Survey, _ time.Time) error { sv.Closed = true; return nil }); err != nil {
		t.Fatal(err)
	}
	sv := w.testSurvey(t)
	if _, err := w.ChangeSurvey(ctx, sv.ID, 0, func(o *store.Survey, _ time.Time) error {
		o.Public, o.Closed, o.BaselineID = true, true, base.ID
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	coord := a.as(&store.User{Email: "co@example.org", Name: "Test coordinator", Role: store.RoleCoordinator, Status: store.StatusActive})
	if r := coord.get("/surveys/" + sv.ID + "/results"); !strings.Contains(r.Body, "Compared with Unpublished baseline BASEX") {
		t.Fatalf("staff results lack the baseline, so the check below proves nothing")
	}
	if r := a.client().get("/public/surveys/" + sv.ID); r.Status != http.StatusOK || strings.Contains(r.Body, "BASEX") {
		t.Errorf("public summary (%d) shows an unpublished baseline", r.Status)
	}
}

// TestReportLimitCountsSendsNotPages: every page of the anonymous report
// is a POST; a limit that counted them stopped a reporter part-way through
// their first report. Sending is what is limited.
func TestReportLimitCountsSendsNotPages(t *testing.T) {
	a := newTestApp(t)
	srv, err := New(a.cfg, a.store, a.srv.log, []byte(strings.Repeat("k", 32)), Options{SignInsPerMinute: 1000, ReportsPerHour: 2})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	b := &testApp{t: t, srv: srv, store: a.store, http: hs, cfg: a.cfg}
	c := b.client()
	for i := range 6 { // going back and forth over the first page
		if r := c.submit("/report/new/immediate-danger", "/report/new/immediate-danger", url.Values{"danger": {"no"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("page %d: %d", i, r.Status)
		}
	}
	submitReport(t, c, publicAnswers("LIMA"))
	submitReport(t, c, publicAnswers("LIMB"))
	mustFill(t, c, "/report/new", publicAnswers("LIMC"))
	if r := send(c, "/report/new"); r.Status != http.StatusTooManyRequests {
		t.Errorf("third report in the hour: %d, want 429", r.Status)
	}
}
