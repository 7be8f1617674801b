package server

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"candour/store"
)

// scrape reads the metrics as the metrics listener serves them.
func (a *testApp) scrape() string {
	a.t.Helper()
	rec := httptest.NewRecorder()
	a.srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		a.t.Fatalf("scrape: %d", rec.Code)
	}
	return rec.Body.String()
}

func TestMetricsCountRequestsByRouteAndStoreOperations(t *testing.T) {
	a := newTestApp(t)
	c := a.client()
	c.get("/sign-in")
	c.get("/no/such/page")
	m := a.scrape()
	for _, want := range []string{
		`candour_http_requests_total{method="GET",route="/sign-in",status="200"} 1`,
		`candour_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`candour_http_request_duration_seconds_bucket{method="GET",route="/sign-in"`,
		`candour_store_operation_duration_seconds_count{command="find",outcome="ok"}`,
		`candour_mail_outbox_pending 0`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// Nothing that fingerprints the build or dates the process.
	for _, bad := range []string{"go_info", "go_memstats", "process_start_time_seconds"} {
		if strings.Contains(m, bad) {
			t.Errorf("metrics expose %s", bad)
		}
	}
}

// TestMetricsAreNotOnThePublicPort: /metrics has its own listener.
func TestMetricsAreNotOnThePublicPort(t *testing.T) {
	a := newFakeApp(t)
	if r := a.client().get("/metrics"); r.Status != http.StatusNotFound {
		t.Fatalf("GET /metrics on the portal: %d, want 404", r.Status)
	}
}

// scrapeSeries drops the comment lines.
var scrapeComment = regexp.MustCompile(`(?m)^#.*\n`)

// TestMetricsSayNothingAboutAnonymousActions: between two scrapes, an
// anonymous report, a survey response, a reporter's return with a reply
// and "Leave" move nothing the metrics expose (before, the store's
// per-command counters moved by a fixed amount on each of them).
func TestMetricsSayNothingAboutAnonymousActions(t *testing.T) {
	if liveStoreCounts {
		t.Skip("the benchmark's build (candourbench) publishes the store's counts live")
	}
	a := newTestApp(t)
	sv := a.testSurvey()
	a.client().get("/sign-in") // some ordinary traffic first
	before := scrapeComment.ReplaceAllString(a.scrape(), "")

	if r := a.client().answerSurvey(sv, map[string][]string{"q1": {"o2"}, "q3": {"a"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("submit survey: %d", r.Status)
	}
	pub := a.client()
	receipt := submitReport(t, pub, publicAnswers("METRIC"))
	back := a.client()
	if r := back.submit("/report/return", "/report/return", url.Values{"receipt": {receipt}}); r.Status != http.StatusSeeOther {
		t.Fatalf("return: %d", r.Status)
	}
	if r := back.submit("/report/status", "/report/status/reply", url.Values{"message": {"More detail"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("reply: %d\n%s", r.Status, r.Body)
	}
	back.submit("/report/status", "/report/status/leave", nil)

	after := scrapeComment.ReplaceAllString(a.scrape(), "")
	if before != after {
		t.Fatalf("the metrics moved with anonymous actions:\n--- before\n%s\n--- after\n%s", before, after)
	}
	if !strings.Contains(before, `candour_store_operation_duration_seconds_count`) {
		t.Fatal("no store series in the scrape, so the comparison proves nothing")
	}
}

// storeSeries is the store's command counts in a scrape.
var storeSeries = regexp.MustCompile(`(?m)^candour_store_operation_duration_seconds_count.*$`)

// TestStoreCountsAreLiveOnlyInTheBenchmarksBuild: in every build but the
// benchmark's (the tests build without its candourbench tag, as do make
// build and the image) a member signing in and reading pages, many store
// commands, moves none of the store's counts between two scrapes in the
// same hour; the hourly snapshot is all there is. (metrics_bench_test.go
// checks the other side, under the tag.)
func TestStoreCountsAreLiveOnlyInTheBenchmarksBuild(t *testing.T) {
	if liveStoreCounts {
		t.Skip("the benchmark's build: metrics_bench_test.go")
	}
	a := newTestApp(t)
	a.client().get("/sign-in")
	before := storeSeries.FindAllString(a.scrape(), -1)
	if len(before) == 0 {
		t.Fatal("no store series in the scrape, so the comparison proves nothing")
	}
	c := a.client()
	c.signIn(a.newUser(store.RoleMember, "counted@example.org"))
	c.get("/")
	after := storeSeries.FindAllString(a.scrape(), -1)
	if strings.Join(before, "\n") != strings.Join(after, "\n") {
		t.Fatalf("the store's counts moved within the hour:\n--- before\n%s\n--- after\n%s", strings.Join(before, "\n"), strings.Join(after, "\n"))
	}
}

// TestStaticListsNoDirectory: /static/ and its folders answer 404; files
// are still served.
func TestStaticListsNoDirectory(t *testing.T) {
	a := newFakeApp(t)
	c := a.client()
	for _, dir := range []string{"/static/", "/static/js/", "/static/dist/", "/static/img/"} {
		if r := c.get(dir); r.Status != http.StatusNotFound || strings.Contains(r.Body, "<pre>") {
			t.Errorf("GET %s: %d, want 404 without a listing\n%s", dir, r.Status, r.Body)
		}
	}
	if r := c.get("/static/js/init.js"); r.Status != http.StatusOK {
		t.Errorf("GET /static/js/init.js: %d", r.Status)
	}
}
