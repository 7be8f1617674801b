package server

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// TestCoordinatorBuildsPublishesAndReadsResults walks a coordinator through
// the survey pages on the real store: create, add questions (one shown only
// after an earlier answer), publish, then read the results and the exports.
// The refusals on the way are TestSurveyBuildRefusalsWithFakes.
func TestCoordinatorBuildsPublishesAndReadsResults(t *testing.T) {
	a := newTestApp(t)
	coord := a.newUser(store.RoleCoordinator, "coordinator@example.org")
	c := a.client()
	c.signIn(coord)
	r := c.submit("/surveys/new", "/surveys/new", url.Values{"title": {"Spring confidence survey"}, "aboutYou": {"true"}, "openLink": {"true"}, "public": {"true"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", r.Status, r.Body)
	}
	page := r.Location
	id := strings.TrimPrefix(page, "/surveys/")
	if _, err := a.store.Survey(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	add := func(form url.Values) response {
		t.Helper()
		sv, _ := a.store.Survey(context.Background(), id)
		form.Set("rev", itoa(sv.Rev))
		return c.submit(page+"/questions/new", page+"/questions/new", form)
	}
	if r := add(url.Values{"type": {"single"}, "text": {"Have you contacted the police?"}, "options": {"Yes\nNo"}, "required": {"true"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add q1: %d\n%s", r.Status, r.Body)
	}
	if r := add(url.Values{"type": {"agree"}, "text": {"You were treated with respect"}, "showIf": {"q1=o1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add q2: %d", r.Status)
	}
	if r := add(url.Values{"type": {"agree"}, "text": {"Police treat everyone fairly"}, "key": {"fair"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add q3: %d", r.Status)
	}
	// The survey's page names each question's type (words.QuestionType).
	if r := c.get(page); r.Status != http.StatusOK || !strings.Contains(r.Body, "Single choice: Yes, No") || !strings.Contains(r.Body, "Agreement scale") {
		t.Errorf("the survey page does not name the question types: %d", r.Status)
	}
	sv, _ := a.store.Survey(context.Background(), id)
	r = c.submit(page, page+"/publish", url.Values{"rev": {itoa(sv.Rev)}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("publish: %d\n%s", r.Status, r.Body)
	}
	sv, _ = a.store.Survey(context.Background(), id)
	if v := sv.Current(); v == nil || len(v.Questions) != 3+len(store.AboutYouQuestions()) {
		t.Fatalf("published %+v", sv.Versions)
	}
	for i := range 15 {
		ans := map[string][]string{"q1": {"o2"}, "q3": {"a"}, "ay_eth": {"black_african"}}
		if i%3 == 0 {
			ans["q3"] = []string{"sd"}
		}
		if r := a.client().answerSurvey(sv, ans); r.Status != http.StatusSeeOther {
			t.Fatalf("respondent %d: %d", i, r.Status)
		}
	}
	// While the survey is open, its results are the number of responses
	// only (two looks must not be subtracted): no answers, no breakdowns.
	res := c.get(page + "/results")
	if res.Status != http.StatusOK {
		t.Fatalf("results: %d", res.Status)
	}
	for _, want := range []string{"15 people answered", "This survey is still open", "only how many people have responded"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("open survey's results page lacks %q", want)
		}
	}
	for _, bad := range []string{"withheld", "<svg", "Black", "Police treat everyone fairly"} {
		if strings.Contains(res.Body, bad) {
			t.Errorf("open survey's results page shows %q", bad)
		}
	}
	if _, err := a.store.ChangeSurvey(context.Background(), id, 0, func(sv *store.Survey, _ time.Time) error { sv.Closed = true; return nil }); err != nil {
		t.Fatal(err)
	}
	res = c.get(page + "/results")
	if res.Status != http.StatusOK {
		t.Fatalf("results: %d", res.Status)
	}
	// Closed: everything. 15 answered, all Black: 10 agree and 5 strongly disagree (fewer than
	// 10). Showing "10 of 15" would give the 5 away (15 − 10), so the 10 is
	// withheld too, everywhere. The Black group is 15 of 15 (100%, Wilson
	// 80% to 100%).
	for _, want := range []string{"15 people answered", "Fewer than 50 people have answered", "fewer than 10", "withheld", "<svg",
		"15 of 15 (100%)<br><span class=\"govuk-body-s app-ci\">95% interval 80% to 100%"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("results page lacks %q", want)
		}
	}
	if strings.Contains(res.Body, "10 of 15") {
		t.Error("the page shows 10 of 15 agreeing, which gives the 5 who strongly disagree away")
	}
	csvRes := c.get(page + "/results.csv")
	rows, err := csv.NewReader(strings.NewReader(csvRes.Body)).ReadAll()
	if err != nil && !strings.Contains(err.Error(), "wrong number of fields") {
		t.Fatalf("results CSV: %v", err)
	}
	for _, row := range rows {
		if len(row) > 7 && row[6] == "Strongly disagree" && row[5] == "Everyone" && row[7] != "" {
			t.Errorf("a count of 5 is published in the CSV: %v", row)
		}
	}
	raw := c.get(page + "/responses.csv")
	if raw.Status != http.StatusOK || strings.Count(raw.Body, "\n") != 16 {
		t.Fatalf("raw CSV: %d, %d lines", raw.Status, strings.Count(raw.Body, "\n"))
	}
	evs, _, err := a.store.ListAudit(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range evs {
		found = found || e.Action == "survey.export.responses"
	}
	if !found {
		t.Error("the raw export is not audited")
	}
	// The public summary appears once the survey has closed.
	if pub := a.client().get("/public/surveys/" + id); pub.Status != http.StatusOK || !strings.Contains(pub.Body, "Published summary") {
		t.Fatalf("public summary: %d", pub.Status)
	}
}

// TestSurveyBuildRefusalsWithFakes: the survey pages refuse a survey
// without a title, a bad question (one answer; a condition on an unknown
// question), moving a question above the question it depends on, and a
// stale form, and change nothing; a member cannot download the raw
// responses. (Moved from TestCoordinatorBuildsPublishesAndReadsResults.)
func TestSurveyBuildRefusalsWithFakes(t *testing.T) {
	a, w := surveyFakes(t)
	ctx := context.Background()
	c := a.as(&store.User{Email: "coordinator@example.org", Name: "Test coordinator", Role: store.RoleCoordinator, Status: store.StatusActive})
	r := c.submit("/surveys/new", "/surveys/new", url.Values{"title": {""}, "openLink": {"true"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter the survey") {
		t.Fatalf("no title: %d", r.Status)
	}
	if got, _ := w.Surveys(ctx); len(got) != 0 {
		t.Fatalf("%d surveys stored from a form without a title", len(got))
	}
	created := &store.Survey{Title: "Spring confidence survey", AboutYou: true, OpenLink: true, Public: true}
	if err := w.CreateSurvey(ctx, created); err != nil {
		t.Fatal(err)
	}
	id := created.ID
	page := "/surveys/" + id
	add := func(form url.Values) response {
		t.Helper()
		sv, _ := w.Survey(context.Background(), id)
		form.Set("rev", itoa(sv.Rev))
		return c.submit(page+"/questions/new", page+"/questions/new", form)
	}
	if r := add(url.Values{"type": {"single"}, "text": {"Have you contacted the police?"}, "options": {"Yes"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "at least 2 answers") {
		t.Fatalf("one option: %d", r.Status)
	}
	if r := add(url.Values{"type": {"single"}, "text": {"Have you contacted the police?"}, "options": {"Yes\nNo"}, "required": {"true"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add q1: %d\n%s", r.Status, r.Body)
	}
	if r := add(url.Values{"type": {"agree"}, "text": {"You were treated with respect"}, "showIf": {"q1=o1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add q2: %d", r.Status)
	}
	if r := add(url.Values{"type": {"agree"}, "text": {"Police treat everyone fairly"}, "showIf": {"q9=o1"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("show-if on an unknown question: %d", r.Status)
	}
	if r := add(url.Values{"type": {"agree"}, "text": {"Police treat everyone fairly"}, "key": {"fair"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add q3: %d", r.Status)
	}
	sv, _ := w.Survey(context.Background(), id)
	if len(sv.Draft) != 3 {
		t.Fatalf("%d questions in the draft, want the 3 accepted", len(sv.Draft))
	}
	// q2 depends on q1: it cannot move above it.
	r = c.submit(page, page+"/questions/q2/move", url.Values{"rev": {itoa(sv.Rev)}, "dir": {"up"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("move a dependent question above its condition: %d", r.Status)
	}
	if got, _ := w.Survey(ctx, id); got.Rev != sv.Rev || got.Draft[0].ID != "q1" {
		t.Fatalf("the refused move changed the survey: revision %d, first question %s", got.Rev, got.Draft[0].ID)
	}
	r = c.submit(page, page+"/publish", url.Values{"rev": {itoa(sv.Rev)}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("publish: %d\n%s", r.Status, r.Body)
	}
	sv, _ = w.Survey(context.Background(), id)
	// A stale form (the revision before publishing) changes nothing.
	if r := c.submit(page, page+"/questions/q3/remove", url.Values{"rev": {itoa(sv.Rev - 1)}}); r.Status != http.StatusConflict {
		t.Fatalf("stale remove: %d", r.Status)
	}
	if got, _ := w.Survey(ctx, id); got.Rev != sv.Rev || len(got.Draft) != 3 {
		t.Fatalf("the stale remove changed the survey: revision %d, %d draft questions", got.Rev, len(got.Draft))
	}
	member := a.as(&store.User{Email: "member@example.org", Name: "Test member", Role: store.RoleMember, Status: store.StatusActive})
	if r := member.get(page + "/responses.csv"); r.Status != http.StatusForbidden {
		t.Fatalf("a member downloads raw responses: %d", r.Status)
	}
}

// TestFreeTextIsStaffOnlyAndPublishedOnlyRedacted: a coordinator reads the
// answers, publishes a redacted version, and the public summary shows that
// version and never the original.
func TestFreeTextIsStaffOnlyAndPublishedOnlyRedacted(t *testing.T) {
	a := newTestApp(t)
	sv := a.testSurvey(store.Question{ID: "q4", Type: store.QLong, Text: "Anything else?"})
	ctx := context.Background()
	if _, err := a.store.ChangeSurvey(ctx, sv.ID, 0, func(sv *store.Survey, _ time.Time) error { sv.Public = true; return nil }); err != nil {
		t.Fatal(err)
	}
	original := "PC Smith at Weymouth station was rude to my brother Kofi."
	if r := a.client().answerSurvey(sv, map[string][]string{"q1": {"o2"}, "q4": {original}}); r.Status != http.StatusSeeOther {
		t.Fatalf("answer: %d", r.Status)
	}
	texts, err := a.store.SurveyTexts(ctx, sv.ID, "q4", false)
	if err != nil || len(texts) != 1 || texts[0].Text != original {
		t.Fatalf("texts %+v (%v)", texts, err)
	}
	coord := a.client()
	coord.signIn(a.newUser(store.RoleCoordinator, "coordinator@example.org"))
	page := "/surveys/" + sv.ID + "/text?q=q4"
	if r := coord.get(page); r.Status != http.StatusOK || !strings.Contains(r.Body, "rude to my brother") {
		t.Fatalf("staff text page: %d", r.Status)
	}
	save := "/surveys/" + sv.ID + "/text/" + texts[0].ID
	if r := coord.submit(page, save, url.Values{"redacted": {""}, "publish": {"true"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("publish nothing: %d", r.Status)
	}
	if r := coord.submit(page, save, url.Values{"redacted": {"An officer at a local station was rude to my brother."}, "publish": {"true"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("publish: %d", r.Status)
	}
	if _, err := a.store.ChangeSurvey(ctx, sv.ID, 0, func(sv *store.Survey, _ time.Time) error { sv.Closed = true; return nil }); err != nil {
		t.Fatal(err)
	}
	pub := a.client().get("/public/surveys/" + sv.ID)
	if !strings.Contains(pub.Body, "An officer at a local station was rude") || strings.Contains(pub.Body, "Kofi") || strings.Contains(pub.Body, "/text?q=") {
		t.Fatalf("public summary shows the wrong text")
	}
	if r := a.client().get(page); r.Status != http.StatusSeeOther {
		t.Fatalf("anonymous on the text page: %d", r.Status)
	}
}

// TestImportedBaselinePageWithFakes: an imported baseline has results and no draft,
// and nobody can answer it.
func TestImportedBaselinePageWithFakes(t *testing.T) {
	a, w := surveyFakes(t)
	ctx := context.Background()
	sv := &store.Survey{Title: "Community Safety Survey 2024"}
	qs := []store.Question{{ID: "q1", Key: "fair", Type: store.QAgree, Text: "Police are fair"}}
	ts := []store.Tally{{Version: 1, Dim: store.DimAll, Value: store.DimAll, N: 120, C: map[string]map[string]int64{"q1": {"a": 70, "d": 50, "_a": 120}}}}
	if err := w.ImportSurvey(ctx, sv, qs, ts); err != nil {
		t.Fatal(err)
	}
	coord := a.as(&store.User{Email: "coordinator@example.org", Name: "Test coordinator", Role: store.RoleCoordinator, Status: store.StatusActive})
	if r := coord.get("/surveys/" + sv.ID); r.Status != http.StatusOK || !strings.Contains(r.Body, "imported from aggregated counts") || strings.Contains(r.Body, "Add a question") {
		t.Fatalf("imported survey page: %d", r.Status)
	}
	if r := coord.get("/surveys/" + sv.ID + "/results"); r.Status != http.StatusOK || !strings.Contains(r.Body, "120 people answered") {
		t.Fatalf("imported results: %d", r.Status)
	}
	if r := a.client().get("/s/" + sv.ID); r.Status != http.StatusNotFound {
		t.Fatalf("answering an imported survey: %d", r.Status)
	}
}
