package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"candour/store"
)

// TestSurveyJourneys: a respondent answers a survey on a phone-sized
// screen with JavaScript off, through to the confirmation; a coordinator
// reads the results. Every page passes axe-core and the front-end checks.
func TestSurveyJourneys(t *testing.T) {
	requireBrowser(t)
	t.Run("respondent on a phone without JavaScript", respondentOnPhone)
	t.Run("respondent with the keyboard only", respondentKeyboard)
	t.Run("coordinator reads the results", coordinatorResults)
}

// respondentKeyboard answers with Tab, Space and Enter alone.
func respondentKeyboard(t *testing.T) {
	p := startPortal(t)
	sv := e2eSurvey(t, p)
	tb := newTab(t, p.url, false)
	tb.visit(t, "/s/"+sv.ID, "survey start")
	focused := func() string {
		t.Helper()
		f, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](
			`(e => e.id || (e.tagName + ':' + e.textContent.trim()))(document.activeElement)`))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	tabTo := func(want string) {
		t.Helper()
		for range 40 {
			if strings.HasPrefix(focused(), want) {
				return
			}
			if err := chromedp.Do(tb.ctx, chromedp.KeyEvent("\t")); err != nil {
				t.Fatal(err)
			}
		}
		t.Fatalf("Tab did not reach %q (focus on %q)", want, focused())
	}
	tabTo("BUTTON:Start now")
	path, _ := tb.submit(t, chromedp.KeyEvent("\r"))
	if path != "/s/"+sv.ID+"/q/q1" {
		t.Fatalf("Enter on Start now: on %s", path)
	}
	// Yes (the first radio), then Enter: the follow-up question is asked.
	tabTo("answer")
	path, _ = tb.submit(t, chromedp.KeyEvent(" \r"))
	if path != "/s/"+sv.ID+"/q/q2" {
		t.Fatalf("after Yes: on %s, want the follow-up", path)
	}
	checkPage(t, tb, "follow-up question")
	for path != "/s/"+sv.ID+"/check" {
		tabTo("BUTTON:Continue")
		path, _ = tb.submit(t, chromedp.KeyEvent("\r"))
	}
	tabTo("BUTTON:Send my answers")
	path, status := tb.submit(t, chromedp.KeyEvent("\r"))
	if path != "/s/"+sv.ID+"/done" || status != http.StatusOK {
		t.Fatalf("send: on %s (%d)", path, status)
	}
	if rs, _ := p.store.Responses(context.Background(), sv.ID); len(rs) != 1 || rs[0].Answers["q1"][0] != "o1" {
		t.Fatalf("stored %+v", rs)
	}
}

// e2eSurvey publishes a short survey with the about-you section.
func e2eSurvey(t *testing.T, p *portal) *store.Survey {
	t.Helper()
	ctx := context.Background()
	sv := &store.Survey{Title: "Your confidence in Dorset Police", Intro: "Tell us what you think of policing where you live.", AboutYou: true, OpenLink: true, Public: true}
	if err := p.store.CreateSurvey(ctx, sv); err != nil {
		t.Fatal(err)
	}
	sv, err := p.store.ChangeSurvey(ctx, sv.ID, sv.Rev, func(sv *store.Survey, now time.Time) error {
		sv.Draft = []store.Question{
			{ID: "q1", Type: store.QSingle, Text: "In the last 12 months, have you had any contact with Dorset Police?", Required: true, Options: store.NewOptions([]string{"Yes", "No"}, nil)},
			{ID: "q2", Type: store.QAgree, Text: "You were treated with respect during that contact", ShowIfQ: "q1", ShowIfA: "o1"},
			{ID: "q3", Type: store.QAgree, Text: "Dorset Police treat everyone fairly, whatever their ethnicity"},
			{ID: "q4", Type: store.QLong, Text: "Is there anything else you would like to tell us?"},
		}
		return sv.Publish(now)
	})
	if err != nil {
		t.Fatal(err)
	}
	return sv
}

func phone(t *testing.T, tb *tab) {
	t.Helper()
	if _, err := chromedp.Call(tb.ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 375, Height: 740, DeviceScaleFactor: 2, Mobile: true}); err != nil {
		t.Fatalf("phone-sized screen: %v", err)
	}
}

func respondentOnPhone(t *testing.T) {
	p := startPortal(t)
	sv := e2eSurvey(t, p)
	tb := newTab(t, p.url, true)
	phone(t, tb)
	tb.visit(t, "/s/"+sv.ID, "survey start")
	path, _ := tb.submit(t, clickSubmit)
	if path != "/s/"+sv.ID+"/q/q1" {
		t.Fatalf("start now: on %s", path)
	}
	checkPage(t, tb, "first question")
	// Continue without an answer: the page comes back with an error summary.
	path, status := tb.submit(t, clickSubmit)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("no answer: %s (%d), want 422", path, status)
	}
	checkPage(t, tb, "first question with an error")
	// "No" skips the follow-up about that contact.
	path, _ = tb.submit(t, chromedp.Click(chromedp.CSS(`label[for="answer-2"]`)), clickSubmit)
	if path != "/s/"+sv.ID+"/q/q3" {
		t.Fatalf("after No: on %s, want the third question", path)
	}
	checkPage(t, tb, "agreement question")
	tb.submit(t, chromedp.Click(chromedp.CSS(`label[for="answer-4"]`)), clickSubmit)
	checkPage(t, tb, "free-text question")
	path, _ = tb.submit(t, fillIn("#answer", "More patrols in the evening, please."), clickSubmit)
	if path != "/s/"+sv.ID+"/q/ay_eth" {
		t.Fatalf("after the free text: on %s, want the ethnic group question", path)
	}
	checkPage(t, tb, "ethnic group question")
	path, _ = tb.submit(t, chromedp.Click(chromedp.CSS(`input[value="black_caribbean"]+label`)), clickSubmit)
	checkPage(t, tb, "about you question")
	for strings.Contains(path, "/q/ay_") { // the rest of about you: skipped, as anyone may
		path, _ = tb.submit(t, clickSubmit)
	}
	if path != "/s/"+sv.ID+"/check" {
		t.Fatalf("after about you: on %s, want check your answers", path)
	}
	checkPage(t, tb, "check your answers")
	path, status = tb.submit(t, clickSubmit)
	if path != "/s/"+sv.ID+"/done" || status != http.StatusOK {
		t.Fatalf("send: on %s (%d), want the confirmation", path, status)
	}
	checkPage(t, tb, "confirmation")
	rs, err := p.store.Responses(context.Background(), sv.ID)
	if err != nil || len(rs) != 1 {
		t.Fatalf("%d responses stored (%v)", len(rs), err)
	}
	if got := rs[0].Answers; got["q1"][0] != "o2" || got["q3"][0] != "d" || got["ay_eth"][0] != "black_caribbean" || got["q2"] != nil {
		t.Errorf("stored answers %v", got)
	}
	// The cookie that held the answers is gone (it is HttpOnly, so ask the browser).
	got, err := chromedp.Call(tb.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{p.url + "/s/" + sv.ID + "/check"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range got.Cookies {
		if strings.HasPrefix(c.Name, "candour_survey") {
			t.Errorf("cookie %s is still there after sending", c.Name)
		}
	}
}

func coordinatorResults(t *testing.T) {
	p := startPortal(t)
	sv := e2eSurvey(t, p)
	var rs []*store.Response
	eth := []string{"white_british", "black_african", "black_caribbean", "asian_indian", "pnts"}
	agree := []string{"sa", "a", "a", "n", "d", "sd", "dk"}
	for i := range 160 {
		rs = append(rs, &store.Response{SurveyID: sv.ID, Version: 1, Answers: store.Answers{
			"q1": {[]string{"o1", "o2"}[i%2]}, "q3": {agree[i%len(agree)]}, store.AboutEthnicity: {eth[i%len(eth)]}}})
	}
	rs[0].Answers["q4"] = []string{"The officers at the community meeting listened."}
	if err := p.store.InsertResponses(context.Background(), sv, rs); err != nil {
		t.Fatal(err)
	}
	// The public summary appears once the survey has closed (closed before
	// any page is seen, so no cached copy is still open).
	if _, err := p.store.ChangeSurvey(context.Background(), sv.ID, 0, func(sv *store.Survey, _ time.Time) error { sv.Closed = true; return nil }); err != nil {
		t.Fatal(err)
	}
	u := p.user(t, store.RoleCoordinator, "coordinator@example.org")
	tb := p.signInAs(t, u)
	tb.visit(t, "/surveys", "survey list")
	tb.visit(t, "/surveys/"+sv.ID, "survey page")
	tb.visit(t, "/surveys/"+sv.ID+"/questions/new", "add a question")
	tb.visit(t, "/surveys/"+sv.ID+"/results", "survey results")
	html, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('main').innerText`))
	if err != nil {
		t.Fatal(err)
	}
	// 160 answers in turn: 32 of each of White, Black African, Black
	// Caribbean, Asian Indian and "prefer not to say". Each group's answers
	// to the agreement question are 4 or 5 each (32 over 7 answers), so the
	// audit withholds them and more besides (the group sizes among them):
	// "withheld" shows.
	for _, want := range []string{"160 people answered", "Ratio to White", "Small group", "withheld", "chose to take part",
		"About these figures", "What changed when", "95% interval"} {
		if !strings.Contains(html, want) {
			t.Errorf("results page lacks %q", want)
		}
	}
	tb.visit(t, "/surveys/"+sv.ID+"/results?by=ay_age", "survey results by age")
	tb.visit(t, "/surveys/"+sv.ID+"/text?q=q4", "free-text answers")
	// A survey still open: its results are the number of responses only
	// (issue 11: two looks must not be subtracted), said in plain English.
	open := e2eSurvey(t, p)
	var live20 []*store.Response
	for i := range 20 {
		live20 = append(live20, &store.Response{SurveyID: open.ID, Version: 1, Answers: store.Answers{
			"q1": {[]string{"o1", "o2"}[i%2]}, "q3": {agree[i%len(agree)]}, store.AboutEthnicity: {eth[i%len(eth)]}}})
	}
	if err := p.store.InsertResponses(context.Background(), open, live20); err != nil {
		t.Fatal(err)
	}
	tb.visit(t, "/surveys/"+open.ID+"/results", "open survey results")
	live, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('main').innerText`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"20 people answered", "This survey is still open", "once the survey has closed"} {
		if !strings.Contains(live, want) {
			t.Errorf("open survey's results page lacks %q", want)
		}
	}
	if strings.Contains(live, "withheld") || strings.Contains(live, "Ratio to White") {
		t.Error("open survey's results page shows answers or breakdowns")
	}
	visitor := newTab(t, p.url, false)
	visitor.visit(t, "/public/surveys/"+sv.ID, "public survey results")
	pub, err := chromedp.Run(visitor.ctx, chromedp.Evaluate[string](`document.querySelector('main').innerText`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"About these figures", "chose to take part", "fewer than 10"} {
		if !strings.Contains(pub, want) {
			t.Errorf("public summary lacks %q", want)
		}
	}
	for _, never := range []string{"Indian", "Pakistani"} { // detailed ethnic categories are never published
		if strings.Contains(pub, never) {
			t.Errorf("public summary shows the detailed category %q", never)
		}
	}
}
