package server

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"candour/apperr"
	"candour/store"
)

// fakeSurveys stands in for the store on community confidence surveys
// (surveyStore).
type fakeSurveys struct {
	fakeCalls
	surveys              func() ([]store.Survey, error)
	survey               func(id string) (*store.Survey, error)
	surveyForRespondents func(id string) (*store.Survey, error)
	createSurvey         func(sv *store.Survey) error
	changeSurvey         func(id string, rev int, change func(*store.Survey, time.Time) error) (*store.Survey, error)
	surveyCodeCounts     func(surveyID string) (int64, int64, error)
	createSurveyCodes    func(surveyID string, n int) ([]string, error)
	checkSurveyCode      func(surveyID, code string) error
	submitResponse       func(v *store.Version, r *store.Response, code string) error
	responses            func(surveyID string) ([]store.Response, error)
	tallies              func(surveyID string, n int) ([]store.Tally, error)
	figuresVersion       func(id string) (uint64, bool)
	surveyDecision       func(key string) (store.SurveyDecision, bool, error)
	saveSurveyDecision   func(d store.SurveyDecision) error
	versionDecided       func(surveyID string, version int) (bool, error)
	surveyTexts          func(surveyID, qid string, published bool) ([]store.SurveyText, error)
	publishedSurveyTexts func(surveyID string) ([]store.SurveyText, error)
	redactSurveyText     func(surveyID, id, redacted string, publish bool) error
	clock                func() time.Time // Now, when set; else fakeCalls' fixed time
}

var _ surveyStore = (*fakeSurveys)(nil)

func (f *fakeSurveys) Now() time.Time {
	if f.clock != nil {
		return f.clock()
	}
	return f.fakeCalls.Now()
}

func (f *fakeSurveys) Surveys(context.Context) ([]store.Survey, error) {
	if !f.called("Surveys", f.surveys) {
		return nil, errNoFake
	}
	return f.surveys()
}

func (f *fakeSurveys) Survey(_ context.Context, id string) (*store.Survey, error) {
	return ask(&f.fakeCalls, "Survey", f.survey, id)
}

func (f *fakeSurveys) SurveyForRespondents(_ context.Context, id string) (*store.Survey, error) {
	return ask(&f.fakeCalls, "SurveyForRespondents", f.surveyForRespondents, id)
}

func (f *fakeSurveys) CreateSurvey(_ context.Context, sv *store.Survey) error {
	return do(&f.fakeCalls, "CreateSurvey", f.createSurvey, sv)
}

func (f *fakeSurveys) ChangeSurvey(_ context.Context, id string, rev int, change func(*store.Survey, time.Time) error) (*store.Survey, error) {
	if !f.called("ChangeSurvey", f.changeSurvey) {
		return nil, errNoFake
	}
	return f.changeSurvey(id, rev, change)
}

func (f *fakeSurveys) SurveyCodeCounts(_ context.Context, surveyID string) (int64, int64, error) {
	if !f.called("SurveyCodeCounts", f.surveyCodeCounts) {
		return 0, 0, errNoFake
	}
	return f.surveyCodeCounts(surveyID)
}

func (f *fakeSurveys) CreateSurveyCodes(_ context.Context, surveyID string, n int) ([]string, error) {
	if !f.called("CreateSurveyCodes", f.createSurveyCodes) {
		return nil, errNoFake
	}
	return f.createSurveyCodes(surveyID, n)
}

func (f *fakeSurveys) CheckSurveyCode(_ context.Context, surveyID, code string) error {
	if !f.called("CheckSurveyCode", f.checkSurveyCode) {
		return errNoFake
	}
	return f.checkSurveyCode(surveyID, code)
}

func (f *fakeSurveys) SubmitResponse(_ context.Context, v *store.Version, r *store.Response, code string) error {
	if !f.called("SubmitResponse", f.submitResponse) {
		return errNoFake
	}
	return f.submitResponse(v, r, code)
}

func (f *fakeSurveys) Responses(_ context.Context, surveyID string) ([]store.Response, error) {
	return ask(&f.fakeCalls, "Responses", f.responses, surveyID)
}

func (f *fakeSurveys) Tallies(_ context.Context, surveyID string, n int) ([]store.Tally, error) {
	if !f.called("Tallies", f.tallies) {
		return nil, errNoFake
	}
	return f.tallies(surveyID, n)
}

func (f *fakeSurveys) SurveyFiguresVersion(id string) (uint64, bool) {
	if !f.called("SurveyFiguresVersion", f.figuresVersion) {
		return 0, false
	}
	return f.figuresVersion(id)
}

func (f *fakeSurveys) SurveyDecision(_ context.Context, key string) (store.SurveyDecision, bool, error) {
	if !f.called("SurveyDecision", f.surveyDecision) {
		return store.SurveyDecision{}, false, errNoFake
	}
	return f.surveyDecision(key)
}

func (f *fakeSurveys) SaveSurveyDecision(_ context.Context, d store.SurveyDecision) error {
	return do(&f.fakeCalls, "SaveSurveyDecision", f.saveSurveyDecision, d)
}

func (f *fakeSurveys) SurveyVersionDecided(_ context.Context, surveyID string, version int) (bool, error) {
	if !f.called("SurveyVersionDecided", f.versionDecided) {
		return false, errNoFake
	}
	return f.versionDecided(surveyID, version)
}

func (f *fakeSurveys) SurveyTexts(_ context.Context, surveyID, qid string, published bool) ([]store.SurveyText, error) {
	if !f.called("SurveyTexts", f.surveyTexts) {
		return nil, errNoFake
	}
	return f.surveyTexts(surveyID, qid, published)
}

func (f *fakeSurveys) PublishedSurveyTexts(_ context.Context, surveyID string) ([]store.SurveyText, error) {
	return ask(&f.fakeCalls, "PublishedSurveyTexts", f.publishedSurveyTexts, surveyID)
}

func (f *fakeSurveys) RedactSurveyText(_ context.Context, surveyID, id, redacted string, publish bool) error {
	if !f.called("RedactSurveyText", f.redactSurveyText) {
		return errNoFake
	}
	return f.redactSurveyText(surveyID, id, redacted, publish)
}

// surveyWorld is the surveys in memory behind a fakeSurveys. Its methods
// have the store's names and contracts, so a test sets up and reads back
// through it as it would through the store: ChangeSurvey refuses a stale
// revision (ErrConflict) and writes nothing when the change fails;
// SubmitResponse stores a response once (ErrAlreadySubmitted) and uses an
// invitation code once (ErrCodeUsed, ErrNotFound); the counters are the
// store's own count of the responses (store.CountAnswers), or the imported
// ones. No free-text answer is published (the results pages' quotes);
// listing and redacting them are left nil: a handler that calls them fails
// the test unless the test gives the fake its own (TestSurveyTextPageWithFakes).
type surveyWorld struct {
	mu        sync.Mutex
	now       func() time.Time
	surveys   map[string]*store.Survey
	order     []string                   // ids, oldest first
	codes     map[string]map[string]bool // survey → code (normalised) → used
	responses map[string][]store.Response
	imported  map[string][]store.Tally
	figures   map[string]uint64
	decisions map[string]store.SurveyDecision
}

// surveyFakes is a fake app whose surveys live in a surveyWorld, with the
// respondents' rate limit raised (as newTestApp raises it).
func surveyFakes(t *testing.T) (*fakeApp, *surveyWorld) {
	a, w := unstartedSurveyFakes(t, Options{SignInsPerMinute: 1000, SurveyPostsPerMinute: 100000})
	a.start()
	return a, w
}

// unstartedSurveyFakes is surveyFakes built with opts, before its server
// starts (start it once what the test changes is set).
func unstartedSurveyFakes(t *testing.T, opts Options) (*fakeApp, *surveyWorld) {
	a := unstartedFakeApp(t, opts)
	w := &surveyWorld{now: time.Now, surveys: map[string]*store.Survey{}, codes: map[string]map[string]bool{},
		responses: map[string][]store.Response{}, imported: map[string][]store.Tally{}, figures: map[string]uint64{},
		decisions: map[string]store.SurveyDecision{}}
	w.serve(t, a)
	return a, w
}

// anotherSurveyApp is a second fake app, built with opts and started, on
// the surveys of w (a test's own surveyFakes' world).
func anotherSurveyApp(t *testing.T, opts Options, w *surveyWorld) *fakeApp {
	a := anotherFakeApp(t, opts)
	w.serve(t, a)
	a.start()
	return a
}

// serve gives a the world's surveys (a fakeSurveys over w) before it starts.
func (w *surveyWorld) serve(t *testing.T, a *fakeApp) {
	f := &fakeSurveys{fakeCalls: fakeCalls{t: t, now: time.Now()}, clock: w.clock}
	f.surveys = func() ([]store.Survey, error) { return w.Surveys(context.Background()) }
	f.survey = func(id string) (*store.Survey, error) { return w.Survey(context.Background(), id) }
	f.surveyForRespondents = f.survey
	f.createSurvey = func(sv *store.Survey) error { return w.CreateSurvey(context.Background(), sv) }
	f.changeSurvey = func(id string, rev int, change func(*store.Survey, time.Time) error) (*store.Survey, error) {
		return w.ChangeSurvey(context.Background(), id, rev, change)
	}
	f.surveyCodeCounts = w.codeCounts
	f.createSurveyCodes = func(id string, n int) ([]string, error) { return w.CreateSurveyCodes(context.Background(), id, n) }
	f.checkSurveyCode = w.checkCode
	f.submitResponse = w.submit
	f.responses = func(id string) ([]store.Response, error) { return w.Responses(context.Background(), id) }
	f.tallies = func(id string, n int) ([]store.Tally, error) { return w.Tallies(context.Background(), id, n) }
	f.figuresVersion = w.figuresVersion
	f.surveyDecision = w.decision
	f.saveSurveyDecision = w.saveDecision
	f.versionDecided = w.versionDecided
	f.publishedSurveyTexts = func(string) ([]store.SurveyText, error) { return nil, nil }
	a.srv.surveyDB = f
}

// clock is the world's time, for the handlers (Now) and its writes alike.
func (w *surveyWorld) clock() time.Time {
	w.mu.Lock()
	now := w.now
	w.mu.Unlock()
	return now()
}

// cloneSurvey is a copy of sv that shares no slice a change could write to.
func cloneSurvey(sv *store.Survey) *store.Survey {
	cp := *sv
	cp.Draft = append([]store.Question{}, sv.Draft...)
	cp.Versions = make([]store.Version, len(sv.Versions))
	for i, v := range sv.Versions {
		v.Questions = append([]store.Question(nil), v.Questions...)
		cp.Versions[i] = v
	}
	return &cp
}

// CreateSurvey keeps a new draft survey, as the store's.
func (w *surveyWorld) CreateSurvey(_ context.Context, sv *store.Survey) error {
	now := w.clock().UTC()
	w.mu.Lock()
	defer w.mu.Unlock()
	sv.ID = store.NewID()
	sv.Rev, sv.CreatedAt, sv.UpdatedAt = 1, now, now
	if sv.Draft == nil {
		sv.Draft = []store.Question{}
	}
	if sv.Versions == nil {
		sv.Versions = []store.Version{}
	}
	w.surveys[sv.ID] = cloneSurvey(sv)
	w.order = append(w.order, sv.ID)
	return nil
}

// Survey is a copy of survey id, or ErrNotFound.
func (w *surveyWorld) Survey(_ context.Context, id string) (*store.Survey, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	sv, ok := w.surveys[id]
	if !ok {
		return nil, fmt.Errorf("store: survey %s: %w", id, store.ErrNotFound)
	}
	return cloneSurvey(sv), nil
}

// Surveys lists every survey, newest first.
func (w *surveyWorld) Surveys(context.Context) ([]store.Survey, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]store.Survey, 0, len(w.order))
	for i := len(w.order) - 1; i >= 0; i-- {
		out = append(out, *cloneSurvey(w.surveys[w.order[i]]))
	}
	return out, nil
}

// ChangeSurvey applies change to a copy of survey id and keeps it only if
// the revision is still rev (unless rev is 0) and change succeeded.
func (w *surveyWorld) ChangeSurvey(_ context.Context, id string, rev int, change func(*store.Survey, time.Time) error) (*store.Survey, error) {
	now := w.clock()
	w.mu.Lock()
	defer w.mu.Unlock()
	cur, ok := w.surveys[id]
	if !ok {
		return nil, fmt.Errorf("store: survey %s: %w", id, store.ErrNotFound)
	}
	sv := cloneSurvey(cur)
	if rev != 0 && sv.Rev != rev {
		return sv, fmt.Errorf("store: survey %s: %w", id, store.ErrConflict)
	}
	published := len(sv.Versions)
	if err := change(sv, now); err != nil {
		return sv, err
	}
	if len(sv.Versions) < published {
		return sv, fmt.Errorf("store: survey %s: published versions cannot be removed", id)
	}
	sv.Rev, sv.UpdatedAt = cur.Rev+1, now.UTC()
	w.surveys[id] = cloneSurvey(sv)
	if len(sv.Versions) > published {
		w.figures[id]++ // new counters
	}
	return sv, nil
}

// ImportSurvey keeps a survey entered from aggregated counts, as the
// store's: its questions are version 1, its counters ts, and nobody can
// answer it.
func (w *surveyWorld) ImportSurvey(ctx context.Context, sv *store.Survey, qs []store.Question, ts []store.Tally) error {
	sv.Imported, sv.AboutYou, sv.OpenLink, sv.Closed = true, true, false, true
	if err := w.CreateSurvey(ctx, sv); err != nil {
		return err
	}
	got, err := w.ChangeSurvey(ctx, sv.ID, sv.Rev, func(sv *store.Survey, now time.Time) error {
		sv.Draft, sv.NextQ = qs, len(qs)
		return sv.Publish(now)
	})
	if err != nil {
		return err
	}
	*sv = *got
	w.mu.Lock()
	defer w.mu.Unlock()
	w.imported[sv.ID] = ts
	return nil
}

// CreateSurveyCodes makes n single-use codes like the store's
// (KD7F-M3XQ-9PRT-2HWN).
func (w *surveyWorld) CreateSurveyCodes(_ context.Context, surveyID string, n int) ([]string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.codes[surveyID] == nil {
		w.codes[surveyID] = map[string]bool{}
	}
	const alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
	codes := make([]string, n)
	for i := range codes {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		var c strings.Builder
		for k, x := range b {
			if k > 0 && k%4 == 0 {
				c.WriteByte('-')
			}
			c.WriteByte(alphabet[int(x)%len(alphabet)])
		}
		codes[i] = c.String()
		w.codes[surveyID][store.NormaliseCode(codes[i])] = false
	}
	return codes, nil
}

// checkCode is ErrNotFound for a code the survey does not have and
// ErrCodeUsed for one used already.
func (w *surveyWorld) checkCode(surveyID, code string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.codeState(surveyID, code)
}

// codeState is checkCode with the world's lock held.
func (w *surveyWorld) codeState(surveyID, code string) error {
	used, ok := w.codes[surveyID][store.NormaliseCode(code)]
	switch {
	case !ok:
		return store.ErrNotFound
	case used:
		return store.ErrCodeUsed
	}
	return nil
}

func (w *surveyWorld) codeCounts(surveyID string) (total, used int64, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, u := range w.codes[surveyID] {
		total++
		if u {
			used++
		}
	}
	return total, used, nil
}

// submit stores a response once, using its invitation code, and moves
// its survey's figures.
func (w *surveyWorld) submit(v *store.Version, r *store.Response, code string) error {
	if v == nil || v.N != r.Version {
		return fmt.Errorf("store: response to survey %s: not version %d: %w", r.SurveyID, r.Version, store.ErrNotFound)
	}
	now := w.clock()
	w.mu.Lock()
	defer w.mu.Unlock()
	if slices.ContainsFunc(w.responses[r.SurveyID], func(o store.Response) bool { return o.ID == r.ID }) {
		return store.ErrAlreadySubmitted
	}
	if code != "" {
		if err := w.codeState(r.SurveyID, code); err != nil {
			return err
		}
		w.codes[r.SurveyID][store.NormaliseCode(code)] = true
	}
	r.Day = store.Day(now)
	w.responses[r.SurveyID] = append(w.responses[r.SurveyID], *r)
	w.figures[r.SurveyID]++
	return nil
}

// Responses is every response stored for a survey.
func (w *surveyWorld) Responses(_ context.Context, surveyID string) ([]store.Response, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]store.Response(nil), w.responses[surveyID]...), nil
}

// Tallies is version n's counters: the imported ones, or the store's own
// count of the responses to it.
func (w *surveyWorld) Tallies(_ context.Context, surveyID string, n int) ([]store.Tally, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ts, ok := w.imported[surveyID]; ok {
		return ts, nil
	}
	sv, ok := w.surveys[surveyID]
	if !ok || sv.Version(n) == nil {
		return nil, nil
	}
	var as []store.Answers
	for _, r := range w.responses[surveyID] {
		if r.Version == n {
			as = append(as, r.Answers)
		}
	}
	return store.CountAnswers(sv, sv.Version(n), as), nil
}

// figuresVersion moves whenever the survey's counters do (exact, as the
// embedded store's).
func (w *surveyWorld) figuresVersion(id string) (uint64, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.figures[id], true
}

func (w *surveyWorld) decision(key string) (store.SurveyDecision, bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	d, ok := w.decisions[key]
	return d, ok, nil
}

// saveDecision keeps the first decision under a key, as the store's.
func (w *surveyWorld) saveDecision(d store.SurveyDecision) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.decisions[d.Key]; !ok {
		w.decisions[d.Key] = d
	}
	return nil
}

// versionDecided reports whether a decision of the version is kept, as
// the store's mark does.
func (w *surveyWorld) versionDecided(surveyID string, version int) (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, d := range w.decisions {
		if d.SurveyID == surveyID && d.Version == version {
			return true, nil
		}
	}
	return false, nil
}

// testSurvey publishes testApp.testSurvey's survey in the world
// (testSurveyDraft).
func (w *surveyWorld) testSurvey(t *testing.T, extra ...store.Question) *store.Survey {
	t.Helper()
	ctx := context.Background()
	sv := &store.Survey{Title: "Confidence in policing", AboutYou: true, OpenLink: true, InviteCodes: true}
	if err := w.CreateSurvey(ctx, sv); err != nil {
		t.Fatal(err)
	}
	sv, err := w.ChangeSurvey(ctx, sv.ID, sv.Rev, func(sv *store.Survey, now time.Time) error {
		sv.Draft = testSurveyDraft(extra...)
		return sv.Publish(now)
	})
	if err != nil {
		t.Fatal(err)
	}
	return sv
}

// TestSurveyTextPageWithFakes: staff read a question's free-text answers
// (each look audited); a redaction the store refuses is shown again as a
// 422 with the error by that answer's form and nothing audited; a saved one
// goes back to the question's answers and is audited; people other than
// staff cannot read them. (The store's own rules and the public summary are
// TestFreeTextIsStaffOnlyAndPublishedOnlyRedacted, on the real store.)
func TestSurveyTextPageWithFakes(t *testing.T) {
	a, w := surveyFakes(t)
	sv := w.testSurvey(t, store.Question{ID: "q4", Type: store.QLong, Text: "Anything else?"})
	f := a.srv.surveyDB.(*fakeSurveys)
	text := store.SurveyText{ID: "r1:q4", Survey: sv.ID, Version: 1, QuestionID: "q4", Day: store.Day(time.Now()),
		Text: "PC Smith at Weymouth station was rude to my brother Kofi."}
	f.surveyTexts = func(surveyID, qid string, published bool) ([]store.SurveyText, error) {
		if surveyID != sv.ID || qid != "q4" || published {
			t.Errorf("SurveyTexts(%s, %s, %v), want this survey's q4, published or not", surveyID, qid, published)
		}
		return []store.SurveyText{text}, nil
	}
	var mu sync.Mutex
	var saved []string // under mu
	f.redactSurveyText = func(surveyID, id, redacted string, publish bool) error {
		mu.Lock()
		defer mu.Unlock()
		saved = append(saved, fmt.Sprintf("%v %s %q %v", surveyID == sv.ID, id, redacted, publish))
		if redacted == "" {
			return apperr.New(apperr.Invalid, "redacted", "Enter the version to publish, with anything that could identify someone taken out")
		}
		return nil
	}
	coord := a.as(&store.User{Email: "coordinator@example.org", Name: "Test coordinator", Role: store.RoleCoordinator, Status: store.StatusActive})
	page := "/surveys/" + sv.ID + "/text?q=q4"
	if r := coord.get(page); r.Status != http.StatusOK || !strings.Contains(r.Body, "rude to my brother") {
		t.Fatalf("staff text page: %d", r.Status)
	}
	if n := a.audits.count("survey.text.view", "survey:"+sv.ID); n != 1 {
		t.Errorf("%d looks at the answers audited, want 1", n)
	}
	save := "/surveys/" + sv.ID + "/text/" + text.ID
	r := coord.submit(page, save, url.Values{"redacted": {""}, "publish": {"true"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "govuk-error-summary") || !strings.Contains(r.Body, `id="redacted-`+text.ID+`-error"`) {
		t.Fatalf("publish nothing: %d, want 422 with the error by the answer's form\n%s", r.Status, mainOf(r.Body))
	}
	if n := a.audits.count("survey.text.publish", ""); n != 0 {
		t.Errorf("a refused redaction was audited (%d events)", n)
	}
	r = coord.submit(page, save, url.Values{"redacted": {"An officer at a local station was rude to my brother."}, "publish": {"true"}})
	if r.Status != http.StatusSeeOther || r.Location != page {
		t.Fatalf("publish: %d to %q, want 303 to %s", r.Status, r.Location, page)
	}
	mu.Lock()
	got := append([]string(nil), saved...)
	mu.Unlock()
	if want := []string{`true r1:q4 "" true`, `true r1:q4 "An officer at a local station was rude to my brother." true`}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the store was asked to save %q, want %q", got, want)
	}
	if n := a.audits.count("survey.text.publish", "survey:"+sv.ID); n != 1 {
		t.Errorf("%d publications audited, want 1", n)
	}
	member := a.as(&store.User{Email: "member@example.org", Name: "Test member", Role: store.RoleMember, Status: store.StatusActive})
	if r := member.get(page); r.Status != http.StatusForbidden {
		t.Errorf("a member on the text page: %d, want 403", r.Status)
	}
	if r := a.client().get(page); r.Status != http.StatusSeeOther {
		t.Fatalf("anonymous on the text page: %d", r.Status)
	}
}
