package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"candour/store"
	"candour/survey"
)

// testSurveyDraft is the test survey's questions: a required single
// choice, a question shown only after "Yes", an agreement scale, then
// extra.
func testSurveyDraft(extra ...store.Question) []store.Question {
	return append([]store.Question{
		{ID: "q1", Type: store.QSingle, Text: "Have you contacted the police in the last year?", Required: true, Options: store.NewOptions([]string{"Yes", "No"}, nil)},
		{ID: "q2", Type: store.QAgree, Text: "You were treated with respect", ShowIfQ: "q1", ShowIfA: "o1"},
		{ID: "q3", Type: store.QAgree, Text: "The police in your area treat everyone fairly", Key: "fair"},
	}, extra...)
}

// testSurvey publishes a survey: testSurveyDraft's questions and the
// about-you section.
func (a *testApp) testSurvey(extra ...store.Question) *store.Survey {
	a.t.Helper()
	ctx := context.Background()
	sv := &store.Survey{Title: "Confidence in policing", AboutYou: true, OpenLink: true, InviteCodes: true}
	if err := a.store.CreateSurvey(ctx, sv); err != nil {
		a.t.Fatal(err)
	}
	sv, err := a.store.ChangeSurvey(ctx, sv.ID, sv.Rev, func(sv *store.Survey, now time.Time) error {
		sv.Draft = testSurveyDraft(extra...)
		return sv.Publish(now)
	})
	if err != nil {
		a.t.Fatal(err)
	}
	return sv
}

// answerSurvey answers every visible question with answers[qid] (skipping
// those not given) and sends the response; it returns the last response.
func (c *client) answerSurvey(sv *store.Survey, answers map[string][]string) response {
	c.a.t.Helper()
	return c.answerSurveyWithCode(sv, "", answers)
}

// answerSurveyWithCode is answerSurvey starting with an invitation code.
func (c *client) answerSurveyWithCode(sv *store.Survey, code string, answers map[string][]string) response {
	c.a.t.Helper()
	tok := c.csrf("/s/" + sv.ID)
	start := url.Values{"csrf_token": {tok}}
	if code != "" {
		start.Set("code", code)
	}
	r := c.post("/s/"+sv.ID+"/start", start)
	for i := 0; i < 40 && strings.Contains(r.Location, "/q/"); i++ {
		qid := r.Location[strings.LastIndex(r.Location, "/")+1:]
		page := c.get(r.Location)
		if page.Status != http.StatusOK {
			c.a.t.Fatalf("%s: %d", r.Location, page.Status)
		}
		r = c.post(r.Location, url.Values{"csrf_token": {tok}, "answer": answers[qid]})
		if r.Status != http.StatusSeeOther {
			c.a.t.Fatalf("answer %s: %d\n%s", qid, r.Status, r.Body)
		}
	}
	if r.Location != "/s/"+sv.ID+"/check" {
		c.a.t.Fatalf("ended at %q, want check your answers", r.Location)
	}
	if page := c.get(r.Location); page.Status != http.StatusOK || !strings.Contains(page.Body, "Check your answers") {
		c.a.t.Fatalf("check page %d", page.Status)
	}
	return c.post("/s/"+sv.ID+"/check", url.Values{"csrf_token": {tok}})
}

func TestSurveyRespondentJourney(t *testing.T) {
	a := newTestApp(t)
	sv := a.testSurvey()
	c := a.client()
	start := c.get("/s/" + sv.ID)
	if start.Status != http.StatusOK || start.Header.Get("Referrer-Policy") != "no-referrer" || !strings.Contains(start.Body, "anonymous") {
		t.Fatalf("start page: %d, referrer policy %q", start.Status, start.Header.Get("Referrer-Policy"))
	}
	r := c.answerSurvey(sv, map[string][]string{"q1": {"o1"}, "q2": {"a"}, "q3": {"sd"}, "ay_eth": {"black_caribbean"}, "ay_age": {"25_34"}, "ay_pc": {"dt1"}})
	if r.Status != http.StatusSeeOther || r.Location != "/s/"+sv.ID+"/done" {
		t.Fatalf("submit: %d to %q\n%s", r.Status, r.Location, r.Body)
	}
	deleted := 0
	for _, ck := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(ck, surveyCookie) && strings.Contains(ck, "Max-Age=0") {
			deleted++
		}
		if strings.HasPrefix(ck, sessionCookie) && !strings.Contains(ck, "Max-Age=0") {
			t.Errorf("the session cookie is kept on submit: %s", ck)
		}
	}
	if deleted != surveyCookieParts {
		t.Errorf("%d survey cookies deleted on submit, want %d", deleted, surveyCookieParts)
	}
	if done := c.get(r.Location); done.Status != http.StatusOK || !strings.Contains(done.Body, "Your answers have been sent") {
		t.Fatalf("confirmation: %d", done.Status)
	}
	rs, err := a.store.Responses(context.Background(), sv.ID)
	if err != nil || len(rs) != 1 {
		t.Fatalf("%d responses stored (%v)", len(rs), err)
	}
	got := rs[0]
	if got.Answers["ay_pc"][0] != "DT1" || got.Answers["q2"][0] != "a" || got.Day != store.Day(time.Now()) {
		t.Errorf("stored %+v", got)
	}
	ts, _ := a.store.Tallies(context.Background(), sv.ID, 1)
	for _, tl := range ts {
		if tl.Dim == store.AboutEthnicity && tl.Value == "Black" && (tl.N != 1 || tl.C["q3"]["sd"] != 1) {
			t.Errorf("Black tally %+v", tl)
		}
	}
}

func TestSurveyTamperedInputIsRefusedAndNothingStoredWithFakes(t *testing.T) {
	a, w := surveyFakes(t)
	sv := w.testSurvey(t)
	c := a.client()
	tok := c.csrf("/s/" + sv.ID)
	if r := c.post("/s/"+sv.ID+"/start", url.Values{"csrf_token": {tok}}); r.Location != "/s/"+sv.ID+"/q/q1" {
		t.Fatalf("start went to %q", r.Location)
	}
	tests := []struct {
		name, qid string
		answer    []string
		message   string
	}{
		{"an option not on the form", "q1", []string{"o7"}, "Select one of the answers shown"},
		{"a missing required answer", "q1", nil, "Select an answer"},
		{"two answers to a single choice", "q1", []string{"o1", "o2"}, "Select one of the answers shown"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.post("/s/"+sv.ID+"/q/"+tc.qid, url.Values{"csrf_token": {tok}, "answer": tc.answer})
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "There is a problem") || !strings.Contains(r.Body, tc.message) {
				t.Fatalf("status %d, want 422 with %q", r.Status, tc.message)
			}
		})
	}
	// "No" hides question 2: answering it anyway is refused.
	if r := c.post("/s/"+sv.ID+"/q/q1", url.Values{"csrf_token": {tok}, "answer": {"o2"}}); r.Location != "/s/"+sv.ID+"/q/q3" {
		t.Fatalf("after No went to %q, want question 3", r.Location)
	}
	r := c.post("/s/"+sv.ID+"/q/q2", url.Values{"csrf_token": {tok}, "answer": {"a"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "does not apply") {
		t.Fatalf("hidden question: %d", r.Status)
	}
	if r := c.post("/s/"+sv.ID+"/q/ay_pc", url.Values{"csrf_token": {tok}, "answer": {"DT1 1AA"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a full postcode: %d", r.Status)
	}
	if rs, _ := w.Responses(context.Background(), sv.ID); len(rs) != 0 {
		t.Fatalf("%d responses stored", len(rs))
	}
	// A forged cookie is no progress at all: the post is refused.
	other := a.client()
	tok2 := other.csrf("/s/" + sv.ID)
	u, _ := url.Parse(a.http.URL + "/s/" + sv.ID)
	other.http.Jar.SetCookies(u, []*http.Cookie{{Name: surveyCookie + "0", Value: "forged", Path: "/s/" + sv.ID}})
	if r := other.post("/s/"+sv.ID+"/check", url.Values{"csrf_token": {tok2}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("forged cookie submit: %d", r.Status)
	}
}

func TestSurveyClosedNotOpenAndCodesWithFakes(t *testing.T) {
	a, w := surveyFakes(t)
	sv := w.testSurvey(t)
	ctx := context.Background()
	codes, err := w.CreateSurveyCodes(ctx, sv.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	change := func(f func(sv *store.Survey)) {
		t.Helper()
		if _, err := w.ChangeSurvey(ctx, sv.ID, 0, func(sv *store.Survey, _ time.Time) error { f(sv); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	change(func(sv *store.Survey) { sv.OpenLink = false })
	c := a.client()
	tok := c.csrf("/s/" + sv.ID)
	if r := c.post("/s/"+sv.ID+"/start", url.Values{"csrf_token": {tok}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter the invitation code") {
		t.Fatalf("no code: %d", r.Status)
	}
	if r := c.post("/s/"+sv.ID+"/start", url.Values{"csrf_token": {tok}, "code": {"WRONG-CODE1"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong code: %d", r.Status)
	}
	// The code works once, typed in lower case with spaces.
	first := a.client()
	tok = first.csrf("/s/" + sv.ID)
	r := first.post("/s/"+sv.ID+"/start", url.Values{"csrf_token": {tok}, "code": {strings.ToLower(strings.ReplaceAll(codes[0], "-", " "))}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("good code: %d", r.Status)
	}
	for _, step := range []struct{ q, a string }{{"q1", "o2"}, {"q3", "a"}} {
		first.post("/s/"+sv.ID+"/q/"+step.q, url.Values{"csrf_token": {tok}, "answer": {step.a}})
	}
	if r := first.post("/s/"+sv.ID+"/check", url.Values{"csrf_token": {tok}}); r.Status != http.StatusSeeOther {
		t.Fatalf("submit with code: %d\n%s", r.Status, r.Body)
	}
	second := a.client()
	tok = second.csrf("/s/" + sv.ID)
	if r := second.post("/s/"+sv.ID+"/start", url.Values{"csrf_token": {tok}, "code": {codes[0]}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "already been used") {
		t.Fatalf("used code: %d", r.Status)
	}
	rs, _ := w.Responses(ctx, sv.ID)
	if len(rs) != 1 {
		t.Fatalf("%d responses", len(rs))
	}
	for k := range rs[0].Answers {
		if strings.Contains(strings.ToUpper(k), "CODE") {
			t.Errorf("the response keeps %q", k)
		}
	}
	// Closed: 410. Not yet open: a clear page, no form.
	change(func(sv *store.Survey) { sv.Closed = true })
	if r := a.client().get("/s/" + sv.ID); r.Status != http.StatusGone || !strings.Contains(r.Body, "has closed") {
		t.Fatalf("closed survey: %d", r.Status)
	}
	change(func(sv *store.Survey) { sv.Closed, sv.OpensOn = false, store.Day(time.Now().AddDate(0, 0, 3)) })
	if r := a.client().get("/s/" + sv.ID); !strings.Contains(r.Body, "not open yet") || strings.Contains(r.Body, "Start now") {
		t.Fatalf("survey not yet open: %d", r.Status)
	}
}

func TestSurveySubmissionRateLimitedWithFakes(t *testing.T) {
	a, w := unstartedSurveyFakes(t, Options{SignInsPerMinute: 1000, SurveyPostsPerMinute: 2})
	a.start()
	sv := w.testSurvey(t)
	c := a.client()
	tok := c.csrf("/s/" + sv.ID)
	for i, want := range []int{303, 303, 429} {
		if r := c.post("/s/"+sv.ID+"/start", url.Values{"csrf_token": {tok}}); r.Status != want {
			t.Fatalf("start %d: %d, want %d", i+1, r.Status, want)
		}
	}
}

// TestTwoHundredConcurrentRespondents runs 200 respondents at once through
// a 20-question survey on a real HTTP server, each sending their final POST
// twice (a double click or a retry): every submission is answered 303 to
// the confirmation (never a 500, also on a loaded machine), and every
// response is stored exactly once and counted exactly once.
func TestTwoHundredConcurrentRespondents(t *testing.T) {
	a := newTestApp(t)
	var extra []store.Question
	for i := 4; i <= 12; i++ {
		extra = append(extra, store.Question{ID: fmt.Sprintf("q%d", i), Type: store.QAgree, Text: fmt.Sprintf("Statement %d", i)})
	}
	sv := a.testSurvey(extra...)
	v := sv.Current()
	if n := len(v.Questions); n != 20 {
		t.Fatalf("%d questions, want 20", n)
	}
	n := respondents
	eth := []string{"black_african", "black_caribbean", "white_british", "asian_pakistani", "mixed_white_black_caribbean", "pnts"}
	// The respondents' browsers keep their connections between pages, as
	// browsers do: with http.DefaultTransport (two idle connections a
	// host) most of their 4,600 requests opened a connection of their own.
	tr := &http.Transport{MaxIdleConnsPerHost: 2 * n}
	defer tr.CloseIdleConnections()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- respondConcurrently(a.http.URL, tr, sv, i, eth[i%len(eth)])
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	ctx := context.Background()
	rs, err := a.store.Responses(ctx, sv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != n {
		t.Fatalf("%d responses stored, want %d", len(rs), n)
	}
	// Under load a batch's counting can run out of time: its respondents
	// are told their answers were sent (they are stored) and the store
	// counts the batch again itself once its lease ends
	// (TestSurveySubmitWhenCountingRunsOutOfTime). Move the clock past
	// the lease and give it up to five minutes, the clock moving a second
	// every tenth of a second as in TestCountingRunOutOfTime (a count that
	// found the store busy tries again a lease of the store's clock later).
	// Every response is stored by now (above), so the recount is made
	// once; only the counters move.
	a.advance(16 * time.Second)
	recount, err := a.store.Recount(ctx, sv, 1)
	if err != nil {
		t.Fatal(err)
	}
	var stored []store.Tally
	for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		stored, _ = a.store.Tallies(ctx, sv.ID, 1)
		if fmt.Sprint(tallyIndex(stored)) == fmt.Sprint(tallyIndex(recount)) || time.Now().After(deadline) {
			break
		}
		a.advance(time.Second)
	}
	if s, r := tallyIndex(stored), tallyIndex(recount); fmt.Sprint(s) != fmt.Sprint(r) {
		t.Fatalf("counters differ from the recount")
	}
	res, _ := survey.Build(sv, 1, stored)
	if res.Respondents.N != int64(n) {
		t.Fatalf("results count %d respondents", res.Respondents.N)
	}
}

func tallyIndex(ts []store.Tally) map[string]string {
	m := map[string]string{}
	for _, t := range ts {
		clean := map[string]map[string]int64{}
		for q, cs := range t.C {
			for k, v := range cs {
				if v != 0 {
					if clean[q] == nil {
						clean[q] = map[string]int64{}
					}
					clean[q][k] = v
				}
			}
		}
		m[t.Dim+"/"+t.Value] = fmt.Sprint(t.N, clean)
	}
	return m
}

// respondConcurrently is one respondent's browser (its own cookies; its
// connections kept in tr).
func respondConcurrently(base string, tr http.RoundTripper, sv *store.Survey, i int, eth string) error {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Transport: tr, Jar: jar, Timeout: 2 * time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path string, form url.Values) (int, string, string, error) {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, base+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		res, err := hc.Do(req)
		if err != nil {
			return 0, "", "", err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Location"), string(b), nil
	}
	_, _, page, err := do("GET", "/s/"+sv.ID, nil)
	if err != nil {
		return err
	}
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		return fmt.Errorf("respondent %d: no form token", i)
	}
	tok := m[1]
	_, loc, _, err := do("POST", "/s/"+sv.ID+"/start", url.Values{"csrf_token": {tok}})
	if err != nil {
		return err
	}
	agree := []string{"sa", "a", "n", "d", "sd", "dk"}
	for steps := 0; strings.Contains(loc, "/q/"); steps++ {
		qid := loc[strings.LastIndex(loc, "/")+1:]
		ans := url.Values{"csrf_token": {tok}}
		switch {
		case qid == "q1":
			ans.Set("answer", []string{"o1", "o2"}[i%2])
		case qid == "ay_eth":
			ans.Set("answer", eth)
		case strings.HasPrefix(qid, "q"):
			ans.Set("answer", agree[(i+len(qid))%len(agree)])
		}
		status, next, _, err := do("POST", loc, ans)
		if err != nil {
			return err
		}
		if status != http.StatusSeeOther || steps > 40 {
			return fmt.Errorf("respondent %d: %s answered %d", i, qid, status)
		}
		loc = next
	}
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for k := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[k], _, _, _ = do("POST", "/s/"+sv.ID+"/check", url.Values{"csrf_token": {tok}})
		}()
	}
	wg.Wait()
	if statuses[0] != http.StatusSeeOther || statuses[1] != http.StatusSeeOther {
		return fmt.Errorf("respondent %d: submissions answered %v", i, statuses)
	}
	return nil
}

// respondents is how many answer at once in TestTwoHundredConcurrentRespondents.
var respondents = 200

// TestSurveyCookiesAsTheBenchmarkMintsThemWithFakes: a minted respondent submits.
func TestSurveyCookiesAsTheBenchmarkMintsThemWithFakes(t *testing.T) {
	a, w := surveyFakes(t)
	sv := w.testSurvey(t)
	cs, err := SurveyCookies([]byte(strings.Repeat("k", 32)), sv.ID, 1, "minted-response", store.Answers{"q1": {"o2"}, "q3": {"a"}})
	if err != nil {
		t.Fatal(err)
	}
	c := a.client()
	tok := c.csrf("/s/" + sv.ID)
	u, _ := url.Parse(a.http.URL + "/s/" + sv.ID + "/check")
	c.http.Jar.SetCookies(u, cs)
	if r := c.post("/s/"+sv.ID+"/check", url.Values{"csrf_token": {tok}}); r.Status != http.StatusSeeOther {
		t.Fatalf("minted submission: %d", r.Status)
	}
	if rs, _ := w.Responses(context.Background(), sv.ID); len(rs) != 1 || rs[0].ID != "minted-response" {
		t.Fatalf("stored %+v", rs)
	}
}
