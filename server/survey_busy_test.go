package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestSurveySubmitWhenCountingRunsOutOfTime: TestTwoHundredConcurrentRespondents
// once had two 500s at a load average of 20-30; the server log said
// "store: finish counting batch: context deadline exceeded" on
// /s/:id/check. The group commit that counts a batch of submissions must
// end inside the batch's lease (13 s); behind a long writer queue it ran
// out, and every respondent in the batch got a 500 although their answers
// were stored. Forced here (a counting time of 1 ns): the respondent is
// told their answers were sent, the answers are stored once, and the
// store counts them itself once the batch's lease ends.
func TestSurveySubmitWhenCountingRunsOutOfTime(t *testing.T) {
	a := newTestApp(t)
	sv := a.testSurvey()
	a.store.SetCountTimeoutForTest(time.Nanosecond)
	r := a.client().answerSurvey(sv, map[string][]string{"q1": {"o2"}, "q2": {"a"}, "q3": {"n"}, "ay_eth": {"white_british"}})
	if r.Status != http.StatusSeeOther || r.Location != "/s/"+sv.ID+"/done" {
		t.Fatalf("submit while counting runs out of time: %d to %q, want 303 to the confirmation\n%s", r.Status, r.Location, r.Body)
	}
	ctx := context.Background()
	if rs, err := a.store.Responses(ctx, sv.ID); err != nil || len(rs) != 1 {
		t.Fatalf("%d responses stored (err %v), want 1", len(rs), err)
	}
	a.store.SetCountTimeoutForTest(0)
	a.advance(16 * time.Second) // past the batch's 15-second lease
	counted := countedWithinAMinute(t, a, sv.ID, 1)
	if counted != 1 {
		t.Fatalf("%d counted a minute after the lease ended, want 1", counted)
	}
}

// TestBusyStoreIsARetryPage: a store that does not answer in time (here
// a request whose deadline has passed, as a proxy's or a timeout's would)
// gives a 503 with Retry-After and a page that says to try again, not a
// 500 (serverError; store.IsBusy).
func TestBusyStoreIsARetryPage(t *testing.T) {
	a := newTestApp(t)
	sv := a.testSurvey()
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, "GET", "/s/"+sv.ID, nil)
	rec := httptest.NewRecorder()
	a.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503\n%s", rec.Code, rec.Body)
	}
	if ra := rec.Header().Get("Retry-After"); ra != "30" {
		t.Errorf("Retry-After %q, want 30", ra)
	}
	if body := rec.Body.String(); !strings.Contains(body, "Sorry, the service is busy") || !strings.Contains(body, "Wait a minute, then try again") {
		t.Errorf("the page does not say to try again:\n%s", body)
	}
}

// TestSurveyCodeNotConfirmedIsCountedOnce: a submission with an invitation
// code whose insert stored the response but did not answer in time (forced
// here) is told plainly that its answers could not be confirmed, and to
// send them again. It used to give the code back, so that the person could
// start again with it on another device and be counted twice. Now the
// other device is told that the first answers arrived, sending again from
// the first page is answered with the confirmation, and one response is
// stored and counted.
func TestSurveyCodeNotConfirmedIsCountedOnce(t *testing.T) {
	a := newTestApp(t)
	sv := a.testSurvey()
	ctx := context.Background()
	codes, err := a.store.CreateSurveyCodes(ctx, sv.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	answers := map[string][]string{"q1": {"o2"}, "q3": {"a"}}

	a.store.AnswerStoredInsertsForTest(context.DeadlineExceeded)
	first := a.client()
	r := first.answerSurveyWithCode(sv, codes[0], answers)
	a.store.AnswerStoredInsertsForTest(nil)
	if r.Status != http.StatusServiceUnavailable || !strings.Contains(r.Body, "We could not confirm that your answers were sent") ||
		!strings.Contains(r.Body, "they will be counted once, not twice") {
		t.Fatalf("the submission whose insert did not answer: %d, want 503 saying so\n%s", r.Status, r.Body)
	}

	// The person starts again with the code on another device.
	other := a.client()
	tok := other.csrf("/s/" + sv.ID)
	again := other.post("/s/"+sv.ID+"/start", url.Values{"csrf_token": {tok}, "code": {codes[0]}})
	if again.Status != http.StatusUnprocessableEntity || !strings.Contains(again.Body, "they arrived. They are counted once.") {
		t.Fatalf("the code again on another device: %d, want 422 saying the first answers arrived\n%s", again.Status, again.Body)
	}
	// And sends again from the first device: the confirmation.
	if r := first.post("/s/"+sv.ID+"/check", url.Values{"csrf_token": {first.csrf("/s/" + sv.ID + "/check")}}); r.Status != http.StatusSeeOther || r.Location != "/s/"+sv.ID+"/done" {
		t.Fatalf("sent again from the first device: %d to %q, want 303 to the confirmation\n%s", r.Status, r.Location, r.Body)
	}

	if rs, err := a.store.Responses(ctx, sv.ID); err != nil || len(rs) != 1 {
		t.Fatalf("%d responses stored (err %v), want 1", len(rs), err)
	}
	a.advance(16 * time.Second) // past the batch's 15-second lease
	counted := countedWithinAMinute(t, a, sv.ID, 1)
	if counted != 1 {
		t.Fatalf("%d counted a minute after the lease ended, want 1", counted)
	}
}

// countedWithinAMinute is how many respondents version 1 of survey id
// counts once it counts want, or a minute later: the store counts a batch
// by itself after its lease ends.
func countedWithinAMinute(t *testing.T, a *testApp, id string, want int64) int64 {
	t.Helper()
	counted := int64(0)
	for waited := 0; counted != want && waited < 600; waited++ {
		time.Sleep(100 * time.Millisecond)
		ts, err := a.store.Tallies(context.Background(), id, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, tl := range ts {
			if tl.Dim == "all" {
				counted = tl.N
			}
		}
	}
	return counted
}
