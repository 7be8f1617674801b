package jobs

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"candour/demo"
	"candour/store"
	"candour/store/storetest"
	"candour/survey"
	"candour/survey/surveytest"
)

// TestSurveyDecisionsStored: the survey-decisions job, started as serve
// starts it, decides the closed demo baseline's release and stores the
// decision; after a restart (the store closed and opened again on the same
// database, the decisions in memory forgotten) the results are served from
// the stored decision without deciding again; a late response changes a
// count, and that release is decided anew and stored beside the first.
func TestSurveyDecisionsStored(t *testing.T) {
	ctx := context.Background()
	o := storetest.SeededOptions(t, demoSurveys, seedDemoSurveys)
	db1, err := store.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	db1.SetSealer(storetest.Sealer(t))
	closed := closedDemoSurvey(t, db1)
	jctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	startSurveyJobs(jctx, &wg, db1, slog.New(slog.DiscardHandler), "test", nil)
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		n, err := db1.SurveyDecisionCount(ctx, closed.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job stored %d decisions for the closed survey", n)
		}
	}
	stop()
	wg.Wait()
	if err := db1.Close(ctx); err != nil {
		t.Fatal(err)
	}

	// A restart: a new process has nothing in memory.
	survey.ForgetDecisions()
	db2 := storetest.OpenWith(t, o)
	db2.SetSealer(storetest.Sealer(t))
	ts, err := db2.Tallies(ctx, closed.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	before := survey.Decided()
	day := store.Day(db2.Now())
	r, err := survey.BuildStored(ctx, db2, closed, 1, ts, day)
	if err != nil {
		t.Fatal(err)
	}
	if r.Fieldwork || len(r.Questions) == 0 || !r.Respondents.Shown() {
		t.Fatalf("the closed survey's results: %+v", r)
	}
	if got := survey.Decided(); got != before {
		t.Errorf("the release was decided again (%d audits) although its decision is stored", got-before)
	}
	if n, err := DecideClosedSurveys(ctx, db2); err != nil || n != 0 {
		t.Errorf("the job decided %d releases again (%v)", n, err)
	}
	// The stored decision is the one the audit makes: the same figures.
	fresh := decidedOnDemand(t, closed, ts, day)
	if a, b := len(survey.Flatten(fresh).Rows), len(survey.Flatten(r).Rows); a != b {
		t.Errorf("%d rows decided afresh, %d from the stored decision", a, b)
	}
	for i, row := range survey.Flatten(fresh).Rows {
		if got := survey.Flatten(r).Rows[i]; (row.Count == nil) != (got.Count == nil) {
			t.Fatalf("row %d (%s %s %s): shown %v afresh, %v from the stored decision", i, row.QuestionID, row.Group, row.Answer, row.Count != nil, got.Count != nil)
		}
	}

	// A late response: a new release, decided and stored on its own.
	v := closed.Version(1)
	late := &store.Response{SurveyID: closed.ID, Version: 1, Answers: store.Answers{v.Questions[0].ID: {v.Questions[0].Choices()[0].Code}}}
	if err := db2.InsertResponses(ctx, closed, []*store.Response{late}); err != nil {
		t.Fatal(err)
	}
	ts2, err := db2.Tallies(ctx, closed.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	survey.ForgetDecisions()
	before = survey.Decided()
	r2, err := survey.BuildStored(ctx, db2, closed, 1, ts2, day)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Respondents.N != r.Respondents.N+1 {
		t.Errorf("respondents %d after the late response, %d before", r2.Respondents.N, r.Respondents.N)
	}
	if survey.Decided() != before+1 {
		t.Errorf("the changed release was decided %d times, want once", survey.Decided()-before)
	}
	if n, err := db2.SurveyDecisionCount(ctx, closed.ID, 1); err != nil || n != 2 {
		t.Errorf("%d decisions stored for the closed survey (%v), want 2", n, err)
	}
}

// TestSurveyDecisionsStopAtShutdown: shutdown (serve cancels the jobs'
// context) comes while the survey-decisions job decides the demo's closed
// survey, seconds of linear programs: the job stops within a witness
// search or so, not when the audit would have finished, and stores no
// decision, so the next start decides the release afresh.
func TestSurveyDecisionsStopAtShutdown(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenSeeded(t, demoSurveys, seedDemoSurveys)
	closed := closedDemoSurvey(t, db)
	survey.ForgetDecisions()
	started := survey.Decided()
	jctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	startSurveyJobs(jctx, &wg, db, slog.New(slog.DiscardHandler), "test", NewWake())
	for deadline := time.Now().Add(2 * time.Minute); survey.Decided() == started; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the job did not start deciding within 2 minutes")
		}
	}
	time.Sleep(200 * time.Millisecond) // well into the audit: it takes seconds
	stop()
	stopped := time.Now()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		t.Logf("the job stopped %s after the shutdown", time.Since(stopped).Round(time.Millisecond))
	case <-time.After(jobStopsWithin):
		t.Fatalf("the job still deciding %s after the shutdown", jobStopsWithin)
	}
	if n, err := db.SurveyDecisionCount(ctx, closed.ID, 1); err != nil || n != 0 {
		t.Errorf("%d decisions stored (%v) by a job stopped while deciding, want none", n, err)
	}
	// Cut short, not finished after the shutdown: the audit's answer is not
	// in memory, so deciding again starts the audit afresh (here with a
	// context already ended, so it stops at its first search).
	ts, err := db.Tallies(ctx, closed.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	ended, end := context.WithCancel(ctx)
	end()
	before := survey.Decided()
	if _, err := survey.Decide(ended, surveytest.Decisions{}, closed, 1, ts); !errors.Is(err, context.Canceled) || survey.Decided() == before {
		t.Errorf("deciding again with an ended context: %v, %d audits started; want context.Canceled from a new audit (the job finished the audit after the shutdown)", err, survey.Decided()-before)
	}
}

// onDemand is the results of the demo's closed release as a request
// decides them with nothing stored and nothing in memory: the release
// audit, seconds of CPU under the race detector, made once for the tests
// that compare a stored decision with it (decidedOnDemand). Every copy of
// the seeded demo (demoSurveys) has the same survey, with the same id,
// and the same counters, so the same release.
var onDemand struct {
	mu      sync.Mutex
	survey  string
	day     string
	tallies []store.Tally
	results *survey.Results
}

// decidedOnDemand is the results of closed's version 1 with counters ts,
// decided afresh (survey.BuildStored with no decision stored, after
// survey.ForgetDecisions), or the results decided so for the same survey,
// counters and day by an earlier test. The caller must not change them.
func decidedOnDemand(t *testing.T, closed *store.Survey, ts []store.Tally, day string) *survey.Results {
	t.Helper()
	onDemand.mu.Lock()
	defer onDemand.mu.Unlock()
	if onDemand.results != nil && onDemand.survey == closed.ID && onDemand.day == day && reflect.DeepEqual(onDemand.tallies, ts) {
		return onDemand.results
	}
	survey.ForgetDecisions()
	r, err := survey.BuildStored(context.Background(), surveytest.Decisions{}, closed, 1, ts, day)
	if err != nil {
		t.Fatal(err)
	}
	onDemand.survey, onDemand.day, onDemand.tallies, onDemand.results = closed.ID, day, ts, r
	return r
}

// jobStopsWithin bounds the wait for the job to stop, in wall time on a
// loaded machine with -race: one witness search is tens of milliseconds
// of CPU, the demo release's whole audit seconds (minutes under -race).
const jobStopsWithin = 10 * time.Second

// TestPrecomputedReleaseIsTheOnDemandOne: on the demo's closed survey (a
// real fixture), the portal builds nothing before the job has decided
// (survey.BuildDecided: ErrNotDecided); once DecideClosedSurveys has, the
// results built from its stored decision are the results a request decides
// for itself (survey.BuildStored with nothing stored, nothing in memory),
// every count and every withheld one.
func TestPrecomputedReleaseIsTheOnDemandOne(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenSeeded(t, demoSurveys, seedDemoSurveys)
	closed := closedDemoSurvey(t, db)
	day := store.Day(db.Now())
	ts, err := db.Tallies(ctx, closed.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	survey.ForgetDecisions()
	if _, err := survey.BuildDecided(ctx, db, closed, 1, ts, day); !errors.Is(err, survey.ErrNotDecided) {
		t.Fatalf("built before the job decided: %v, want ErrNotDecided", err)
	}
	if n, err := DecideClosedSurveys(ctx, db); err != nil || n == 0 {
		t.Fatalf("the job decided %d releases (%v)", n, err)
	}
	precomputed, err := survey.BuildDecided(ctx, db, closed, 1, ts, day)
	if err != nil {
		t.Fatal(err)
	}
	onDemand := decidedOnDemand(t, closed, ts, day)
	if !reflect.DeepEqual(precomputed, onDemand) {
		t.Errorf("the results from the job's decision differ from those decided on demand")
	}
	a, b := survey.Flatten(precomputed).Rows, survey.Flatten(onDemand).Rows
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("%d rows from the job's decision, %d on demand", len(a), len(b))
	}
	withheld := 0
	for i := range a {
		if !reflect.DeepEqual(a[i], b[i]) {
			t.Errorf("row %d (%s %s %s): %+v from the job's decision, %+v on demand", i, a[i].QuestionID, a[i].Group, a[i].Answer, a[i], b[i])
		}
		if a[i].Count == nil {
			withheld++
		}
	}
	if withheld == 0 {
		t.Errorf("nothing withheld in %d rows: the fixture tests nothing", len(a))
	}
}

// TestSurveyDecisionsRunWithNothingToDecide: the survey-decisions job runs
// every minute and whenever a look finds a release undecided. Once it has
// decided every closed survey's release, a run with nothing new to decide
// sends nothing: not the list of surveys, no survey's counters, no
// decision (each run used to read every closed version's counters and look
// its decision up, decided long ago or not). A late response to a closed
// survey moves its counters, and the next run reads that survey's
// counters, and only that survey's, and decides the new release.
func TestSurveyDecisionsRunWithNothingToDecide(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	if !db.Embedded() {
		t.Skip("through MONGODB_URI other instances may write: every run reads everything, by design")
	}
	db.SetSealer(storetest.Sealer(t))
	qs := []store.Question{{ID: "q1", Key: "fair", Type: store.QAgree, Text: "Police are fair"}}
	ts := []store.Tally{{Version: 1, Dim: store.DimAll, Value: store.DimAll, N: 120, C: map[string]map[string]int64{"q1": {"a": 70, "d": 50, "_a": 120}}}}
	var baselines []*store.Survey
	for _, title := range []string{"Baseline 2023", "Baseline 2024"} {
		sv := &store.Survey{Title: title}
		if err := db.ImportSurvey(ctx, sv, qs, ts); err != nil {
			t.Fatal(err)
		}
		baselines = append(baselines, sv)
	}
	d := newDecider()
	if n, err := d.decide(ctx, db); err != nil || n != 2 {
		t.Fatalf("the first run decided %d releases (%v), want 2", n, err)
	}
	// run runs the job once and returns what it sent: each command and
	// collection, and the _id of the counters it read.
	var counters []string
	run := func() (int, []string) {
		t.Helper()
		var mu sync.Mutex
		var sent []string
		counters = nil
		stop := db.TraceFilters(func(command, coll string, filter bson.Raw) {
			mu.Lock()
			defer mu.Unlock()
			sent = append(sent, command+" "+coll)
			if coll != store.TallyCollection || filter == nil {
				return
			}
			if id, ok := filter.Lookup("_id").StringValueOK(); ok {
				counters = append(counters, id)
			}
		})
		n, err := d.decide(ctx, db)
		stop()
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		return n, sent
	}
	for range 2 {
		if n, sent := run(); n != 0 || len(sent) != 0 {
			t.Fatalf("a run with nothing to decide decided %d and sent %q, want nothing (the surveys are kept until one is written)", n, sent)
		}
	}

	late := baselines[1]
	r := &store.Response{SurveyID: late.ID, Version: 1, Answers: store.Answers{"q1": {"a"}}}
	if err := db.InsertResponses(ctx, late, []*store.Response{r}); err != nil {
		t.Fatal(err)
	}
	n, sent := run()
	if n != 1 {
		t.Errorf("after a late response the run decided %d releases, want 1", n)
	}
	if len(counters) == 0 {
		t.Errorf("after a late response the run read no counters: %q", sent)
	}
	for _, id := range counters {
		if !strings.HasPrefix(id, late.ID+":") {
			t.Errorf("after a late response to %s the run read the counter %s", late.ID, id)
		}
	}
	if n, sent := run(); n != 0 || len(sent) != 0 {
		t.Errorf("the run after decided %d and sent %q, want nothing", n, sent)
	}
}

// TestSurveyDecisionsReadNothingWhenNothingChanged: once a run of the
// survey-decisions job has found every closed survey's release decided,
// its next run sends the store nothing (not the surveys, not a counter,
// not a decision) while nothing has changed. A change to an open survey
// has the surveys read again but no counters; a late response to the
// closed survey has its counters read again and its new release decided;
// a survey that closes on its date, with no write at all, is decided.
func TestSurveyDecisionsReadNothingWhenNothingChanged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.Open(t)
	if !db.Embedded() {
		t.Skip("through MONGODB_URI other instances may write: every run reads everything, by design")
	}
	closed := smallSurvey(t, db, "Closed early", func(sv *store.Survey) { sv.Closed = true })
	today := store.Day(db.Now())
	open := smallSurvey(t, db, "Closes today", func(sv *store.Survey) { sv.ClosesOn = today })

	commands := recordCommands(t, db)
	sentTo := func(cmds []string, coll string) bool {
		for _, c := range cmds {
			if strings.HasSuffix(c, " "+coll) {
				return true
			}
		}
		return false
	}

	d := newDecider()
	if n, err := d.decide(ctx, db); err != nil || n != 1 {
		t.Fatalf("the first run decided %d releases (%v), want the closed survey's", n, err)
	}
	commands()
	if n, err := d.decide(ctx, db); err != nil || n != 0 {
		t.Fatalf("a run with nothing changed decided %d releases (%v)", n, err)
	}
	if got := commands(); len(got) != 0 {
		t.Errorf("a run with nothing changed sent %v; want nothing", got)
	}

	if _, err := db.ChangeSurvey(ctx, open.ID, 0, func(sv *store.Survey, _ time.Time) error { sv.Title = "Closes today, renamed"; return nil }); err != nil {
		t.Fatal(err)
	}
	commands()
	if n, err := d.decide(ctx, db); err != nil || n != 0 {
		t.Fatalf("after a change to an open survey the run decided %d releases (%v)", n, err)
	}
	if got := commands(); !sentTo(got, "surveys") || sentTo(got, store.TallyCollection) {
		t.Errorf("after a change to an open survey the run sent %v; want the surveys read and no counters", got)
	}

	v := closed.Version(1)
	late := &store.Response{SurveyID: closed.ID, Version: 1, Answers: store.Answers{v.Questions[0].ID: {v.Questions[0].Choices()[0].Code}}}
	if err := db.InsertResponses(ctx, closed, []*store.Response{late}); err != nil {
		t.Fatal(err)
	}
	commands()
	if n, err := d.decide(ctx, db); err != nil || n != 1 {
		t.Fatalf("after a late response the run decided %d releases (%v), want the new one", n, err)
	}
	if got := commands(); !sentTo(got, store.TallyCollection) {
		t.Errorf("after a late response the run sent %v; want the closed survey's counters read", got)
	}
	if n, err := db.SurveyDecisionCount(ctx, closed.ID, 1); err != nil || n != 2 {
		t.Errorf("%d decisions stored for the closed survey (%v), want 2", n, err)
	}
	commands()
	if _, err := d.decide(ctx, db); err != nil {
		t.Fatal(err)
	}
	if got := commands(); len(got) != 0 {
		t.Errorf("a run with nothing changed since the late response's sent %v; want nothing", got)
	}

	later := db.Now().Add(48 * time.Hour)
	db.SetClock(func() time.Time { return later })
	if n, err := d.decide(ctx, db); err != nil || n != 1 {
		t.Fatalf("after the closing date the run decided %d releases (%v), want the survey that closed", n, err)
	}
	if n, err := db.SurveyDecisionCount(ctx, open.ID, 1); err != nil || n != 1 {
		t.Errorf("%d decisions stored for the survey that closed on its date (%v), want 1", n, err)
	}
}

// TestSurveyDecisionsReadOnlyTheSurveyWritten: when a survey is written
// (here, closed through its settings, as the portal closes one), the
// job's next run reads that survey alone by _id, not every survey, and
// decides its release (issue 18: each close, and each look at a survey
// not decided yet, woke the job to read every survey again). A new survey
// has every survey read again.
func TestSurveyDecisionsReadOnlyTheSurveyWritten(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.Open(t)
	if !db.Embedded() {
		t.Skip("through MONGODB_URI other instances may write: every run reads everything, by design")
	}
	smallSurvey(t, db, "Closed before", func(sv *store.Survey) { sv.Closed = true })
	closing := smallSurvey(t, db, "Closing now", func(*store.Survey) {})
	d := newDecider()
	if n, err := d.decide(ctx, db); err != nil || n != 1 {
		t.Fatalf("the first run decided %d releases (%v), want the closed survey's", n, err)
	}
	// run runs the job once and returns the filters of its reads of surveys.
	run := func() (int, []string) {
		t.Helper()
		var mu sync.Mutex
		var reads []string
		stop := db.TraceFilters(func(command, coll string, filter bson.Raw) {
			if coll != "surveys" {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			reads = append(reads, command+" "+filter.String())
		})
		n, err := d.decide(ctx, db)
		stop()
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		return n, reads
	}

	if _, err := db.ChangeSurvey(ctx, closing.ID, 0, func(sv *store.Survey, _ time.Time) error { sv.Closed = true; return nil }); err != nil {
		t.Fatal(err)
	}
	n, reads := run()
	if n != 1 {
		t.Errorf("after a survey closed the run decided %d releases, want its own", n)
	}
	if want := []string{`find {"_id": "` + closing.ID + `"}`}; !reflect.DeepEqual(reads, want) {
		t.Errorf("after a survey closed the run read the surveys %q, want %q (that survey alone, by _id)", reads, want)
	}

	smallSurvey(t, db, "New", func(*store.Survey) {})
	if _, reads := run(); len(reads) != 1 || strings.Contains(reads[0], "_id") {
		t.Errorf("after a new survey the run read the surveys %q, want every survey read once", reads)
	}
}

// smallSurvey publishes a survey of one question, with three responses,
// and then changes it with change: a release the audit decides in
// milliseconds.
func smallSurvey(t *testing.T, db *store.Store, title string, change func(sv *store.Survey)) *store.Survey {
	t.Helper()
	ctx := context.Background()
	sv := &store.Survey{Title: title, OpenLink: true}
	if err := db.CreateSurvey(ctx, sv); err != nil {
		t.Fatal(err)
	}
	sv, err := db.ChangeSurvey(ctx, sv.ID, sv.Rev, func(sv *store.Survey, now time.Time) error {
		sv.Draft = []store.Question{{ID: "q1", Type: store.QSingle, Text: "Do you feel safe where you live?", Required: true,
			Options: store.NewOptions([]string{"Yes", "No"}, nil)}}
		return sv.Publish(now)
	})
	if err != nil {
		t.Fatal(err)
	}
	var rs []*store.Response
	for _, code := range []string{"o1", "o1", "o2"} {
		rs = append(rs, &store.Response{SurveyID: sv.ID, Version: 1, Answers: store.Answers{"q1": {code}}})
	}
	if err := db.InsertResponses(ctx, sv, rs); err != nil {
		t.Fatal(err)
	}
	sv, err = db.ChangeSurvey(ctx, sv.ID, 0, func(sv *store.Survey, _ time.Time) error { change(sv); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return sv
}

// demoSurveys names the demo's surveys as a seeded store
// (storetest.OpenSeeded): what serve's first start puts in an empty store,
// seeded once per test binary, since seeding took seconds of CPU under the
// race detector, and copied for each test that needs it.
const demoSurveys = "demo surveys"

func seedDemoSurveys(ctx context.Context, db *store.Store) error { return demo.SeedSurveys(ctx, db) }

// closedDemoSurvey returns the closed survey of db, a store seeded with the
// demo's surveys (demoSurveys): the baseline whose release the
// survey-decisions job decides. Each test's copy of the seeded store has
// the same surveys, with the same ids, so it starts as a restarted process
// does, with no decision in memory (survey.ForgetDecisions): one test's
// decisions are not another's.
func closedDemoSurvey(t *testing.T, db *store.Store) *store.Survey {
	t.Helper()
	ctx := context.Background()
	survey.ForgetDecisions()
	svs, err := db.Surveys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range svs {
		if svs[i].State(store.Day(db.Now())) == store.SurveyClosed {
			return &svs[i]
		}
	}
	t.Fatal("the demo has no closed survey")
	return nil
}

// recordCommands records each command db sends ("find surveys") until the
// test ends; the function it returns gives those sent since it was last
// called and forgets them.
func recordCommands(t *testing.T, db *store.Store) func() []string {
	t.Helper()
	var mu sync.Mutex
	var sent []string
	t.Cleanup(db.TraceCommands(func(command, coll string) {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, command+" "+coll)
	}))
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		got := sent
		sent = nil
		return got
	}
}
