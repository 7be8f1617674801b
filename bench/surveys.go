package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"candour/server"
	"candour/store"
	"candour/survey"
)

// Survey volumes: a year of one force's responses on the results page, and
// a million responses' counters for the results computed from counters.
var benchSurveyResponses = 10_000 // multiplied by -scale

const (
	benchMillion        = 1_000_000
	surveyRespondents   = 50 // concurrent respondents submitting
	surveyResultsBudget = 50 * time.Millisecond
)

// prepare readies a client for its next request (scenario.before).
type prepare func(c *client, base string)

// surveyBench is what the survey rows need: the surveys and a way to mint
// a respondent ready to submit.
type surveyBench struct {
	id, millionID string
	closedID      string // closed, with the same 10,000 responses' counts: its public summary
	// firstLook and demoLook are surveys closed one by one while their
	// rows run, for first looks at their public summaries
	// (survey_first_look.go): the 10,000 responses' counts, and 360
	// responses' (the demo survey's size).
	firstLook, demoLook *firstLooks
	key                 []byte
	answers             store.Answers
}

// benchQuestions are the bench survey's own 12 questions.
func benchQuestions() []store.Question {
	var qs []store.Question
	qs = append(qs, store.Question{Type: store.QSingle, Text: "Have you had contact with the police this year?", Required: true, Options: store.NewOptions([]string{"Yes", "No"}, nil)})
	for i := 2; i <= 11; i++ {
		qs = append(qs, store.Question{Type: store.QAgree, Key: fmt.Sprintf("s%d", i), Text: fmt.Sprintf("Statement %d about policing where you live", i)})
	}
	qs = append(qs, store.Question{Type: store.QRating, Text: "How much confidence do you have in the police?"})
	return qs
}

// benchResponses are n responses to sv's current version, the same for
// every run.
func benchResponses(sv *store.Survey, n int) []*store.Response {
	rnd := rand.New(rand.NewPCG(5, 2026))
	v := sv.Current()
	eth := []string{"white_british", "white_british", "white_british", "black_african", "black_caribbean", "asian_indian", "mixed_white_asian", "other_arab", "pnts"}
	var rs []*store.Response
	for range n {
		a := benchAnswers(v, rnd, eth[rnd.IntN(len(eth))])
		rs = append(rs, &store.Response{SurveyID: sv.ID, Version: 1, Answers: a})
	}
	return rs
}

// seedSurveyBench publishes a 20-question survey with the about-you
// section and 10,000 responses, and a copy whose counters say 1,000,000.
// With profiles (-profile) the first looks get copies for the profile's
// windows too.
func seedSurveyBench(ctx context.Context, db *store.Store, key []byte, sd *seeded, profiled bool) error {
	qs := benchQuestions()
	sv, err := benchSurvey(ctx, db, "Bench: confidence survey", qs)
	if err != nil {
		return err
	}
	million, err := benchSurvey(ctx, db, "Bench: a million responses", qs)
	if err != nil {
		return err
	}
	rnd := rand.New(rand.NewPCG(5, 2026))
	v := sv.Current()
	eth := []string{"white_british", "white_british", "white_british", "black_african", "black_caribbean", "asian_indian", "mixed_white_asian", "other_arab", "pnts"}
	var rs []*store.Response
	for range benchSurveyResponses {
		a := benchAnswers(v, rnd, eth[rnd.IntN(len(eth))])
		rs = append(rs, &store.Response{SurveyID: sv.ID, Version: 1, Answers: a})
	}
	// In bulk (store.InsertResponses: one $inc per counter with the sums,
	// no recount reading 100,000 responses back at -scale 10).
	if err := db.InsertResponses(ctx, sv, rs); err != nil {
		return err
	}
	// The million: the same shape of counters, each multiplied by 100.
	ts, err := db.Tallies(ctx, sv.ID, 1)
	if err != nil {
		return err
	}
	for i := range ts {
		ts[i].N *= int64(benchMillion / benchSurveyResponses)
		for _, cs := range ts[i].C {
			for k := range cs {
				cs[k] *= int64(benchMillion / benchSurveyResponses)
			}
		}
	}
	if err := db.PutTallies(ctx, million.ID, ts); err != nil {
		return err
	}
	// A public summary shows only once its survey has closed (an open
	// one's would move with each response: TestPublicSummaryOnlyOnceClosedWithFakes),
	// and the respondents' row keeps the first survey open: the public row
	// reads a closed copy of it, with its 10,000 responses' counts.
	closed, err := benchSurvey(ctx, db, "Bench: a closed survey", qs)
	if err != nil {
		return err
	}
	if ts, err = db.Tallies(ctx, sv.ID, 1); err != nil {
		return err
	}
	if err := db.PutTallies(ctx, closed.ID, ts); err != nil {
		return err
	}
	if _, err := db.ChangeSurvey(ctx, closed.ID, 0, func(sv *store.Survey, _ time.Time) error { sv.Closed = true; return nil }); err != nil {
		return err
	}
	sd.surveys = &surveyBench{id: sv.ID, millionID: million.ID, closedID: closed.ID, key: key, answers: benchAnswers(v, rnd, "black_caribbean")}
	copies := firstLookCopies
	if profiled {
		copies += firstLookProfiled
	}
	if sd.surveys.firstLook, err = seedFirstLooks(ctx, db, "Bench: a first look", qs, copies, func(k int) []store.Tally {
		return without(ts, store.CountAnswers(sv, v, []store.Answers{rs[k%len(rs)].Answers}))
	}); err != nil {
		return err
	}
	if sd.surveys.demoLook, err = seedFirstLooks(ctx, db, "Bench: a first look at a demo-sized survey", qs, demoLookCopies, func(k int) []store.Tally {
		var as []store.Answers
		for _, r := range rs[k*demoSize : (k+1)*demoSize] {
			as = append(as, r.Answers)
		}
		return store.CountAnswers(sv, v, as)
	}); err != nil {
		return err
	}
	sd.rawInserts, sd.rawInsertCPU = rawInsertRate(ctx, db, &store.Response{SurveyID: sv.ID, Version: 1, Answers: benchAnswers(v, rnd, "white_british")})
	sd.probes = append(sd.probes, decideProbes(sv, rs)...)
	sd.probes = append(sd.probes, probe{"survey results from counters, 1,000,000 responses (Tallies + survey.Build)", best(func() error {
		s, err := db.Survey(ctx, million.ID)
		if err != nil {
			return err
		}
		ts, err := db.Tallies(ctx, million.ID, 1)
		if err != nil {
			return err
		}
		r, err := survey.Build(s, 1, ts)
		if err == nil && r.Respondents.N != benchMillion {
			err = fmt.Errorf("counted %d", r.Respondents.N)
		}
		return err
	})})
	return nil
}

// decideProbes time deciding a release (the suppression audit), not from
// the cache or the store: the responses rs with every breakdown, and a
// demo-sized survey of 360 responses (the demo spring survey's size) from
// the same answers.
func decideProbes(sv *store.Survey, rs []*store.Response) []probe {
	var out []probe
	v := sv.Current()
	for _, n := range []int{360, len(rs)} {
		sub := rs
		if n < len(sub) {
			sub = sub[:n]
		}
		var as []store.Answers
		for _, r := range sub {
			as = append(as, r.Answers)
		}
		ts := store.CountAnswers(sv, v, as)
		var sum survey.AuditSummary
		took := best(func() error {
			var err error
			sum, err = survey.Audit(sv, 1, ts)
			if err == nil && sum.Unproven > 0 {
				err = fmt.Errorf("unproven")
			}
			return err
		})
		out = append(out, probe{fmt.Sprintf("deciding a survey release (suppression audit), %d responses, every breakdown: %d counts of 1 to 9 withheld, %d more, %d shown", len(sub), sum.Small, sum.More, sum.Shown), took})
	}
	return out
}

// decideOnly is `-only decide`: the "deciding a survey release" rows
// alone, on the bench survey's questions and answers made in memory (no
// server, no store), so the row can be measured without the whole bench.
func decideOnly(o options) error {
	sv := &store.Survey{ID: "bench", Title: "Bench: confidence survey", AboutYou: true, OpenLink: true}
	sv.Draft = benchQuestions()
	for i := range sv.Draft {
		sv.Draft[i].ID = "q" + strconv.Itoa(i+1)
	}
	sv.NextQ = len(sv.Draft)
	if err := sv.Publish(time.Now()); err != nil {
		return err
	}
	rs := benchResponses(sv, benchSurveyResponses*o.scale)
	for _, p := range decideProbes(sv, rs) {
		fmt.Printf("%-150s %10s\n", p.what, ms(p.took))
	}
	return nil
}

// best is the best of three runs of fn (-1 on an error), or the first
// alone when it took more than a second (as probeStore does: once is
// enough to see it is slow; deciding the demo-sized release took 8.5 s a
// run, 25 s of every seeding, twice with -scale).
func best(fn func() error) time.Duration {
	b := time.Hour
	for range 3 {
		t := time.Now()
		if err := fn(); err != nil {
			return -1
		}
		b = min(b, time.Since(t))
		if b > time.Second {
			break
		}
	}
	return b
}

func benchSurvey(ctx context.Context, db *store.Store, title string, qs []store.Question) (*store.Survey, error) {
	sv := &store.Survey{Title: title, AboutYou: true, OpenLink: true, Public: true}
	if err := db.CreateSurvey(ctx, sv); err != nil {
		return nil, err
	}
	return db.ChangeSurvey(ctx, sv.ID, sv.Rev, func(sv *store.Survey, now time.Time) error {
		sv.Draft = append([]store.Question(nil), qs...)
		for i := range sv.Draft {
			sv.Draft[i].ID = "q" + strconv.Itoa(i+1)
		}
		sv.NextQ = len(qs)
		return sv.Publish(now)
	})
}

// benchAnswers answers every question of v: 12 of the survey's own and 8
// about you, 20 in all.
func benchAnswers(v *store.Version, rnd *rand.Rand, eth string) store.Answers {
	a := store.Answers{}
	for _, q := range v.Questions {
		switch {
		case q.ID == store.AboutEthnicity:
			a[q.ID] = []string{eth}
		case q.ID == store.AboutPostcode:
			a[q.ID] = []string{"DT1"}
		default:
			cs := q.Choices()
			a[q.ID] = []string{cs[rnd.IntN(len(cs))].Code}
		}
	}
	return a
}

// surveyScenarios are the survey rows: a submission at 50 respondents (each
// request a new respondent with a full cookie of answers), and the results
// pages for 10,000 and for 1,000,000 responses.
func surveyScenarios(sd *seeded, o options) []scenario {
	sb := sd.surveys
	if sb == nil {
		return nil
	}
	return []scenario{
		{label: "POST /s/:id/check, 20 answers → 303 (50 respondents)", method: "POST", path: "/s/" + sb.id + "/check", as: member, want: 303,
			budget: formBudget, clients: surveyRespondents, before: sb.respondent, form: func(session) url.Values { return url.Values{} },
			rawBeside: &store.Response{SurveyID: sb.id, Version: 1, Answers: sb.answers}},
		{label: "GET /surveys/:id/results, 10,000 responses (admin)", method: "GET", path: "/surveys/" + sb.id + "/results", as: admin, want: 200, budget: pageBudget},
		{label: "GET /public/surveys/:id, 10,000 responses (visitor)", method: "GET", path: "/public/surveys/" + sb.closedID, as: visitor, want: 200, budget: pageBudget},
		{label: "GET /surveys/:id/results, 1,000,000 responses (admin)", method: "GET", path: "/surveys/" + sb.millionID + "/results", as: admin, want: 200, budget: pageBudget},
		// First looks: each request closes a survey (untimed) and is the
		// first to read its public summary (survey_first_look.go): "being
		// checked" (503) until the survey-decisions job, which the close
		// woke, has decided it, then the summary (200), if the job was
		// quicker than the look; both are a working answer, and the notes
		// under the table say how many of each. The cached look is the row
		// "GET /public/surveys/:id, 10,000 responses".
		{label: "GET /public/surveys/:id, first look, 10,000 responses → 503 being checked or 200", method: "GET", as: admin, want: 503, alsoWant: 200, budget: pageBudget,
			setUp: sb.firstLook.setUp, single: firstLookSingle, clients: firstLookClients, requests: firstLookCopies - firstLookSingle},
		{label: "GET /public/surveys/:id, first look, 360 responses → 503 being checked or 200", method: "GET", as: admin, want: 503, alsoWant: 200, budget: pageBudget,
			setUp: sb.demoLook.setUp, single: demoLookSingle, clients: 1, requests: demoLookCopies - demoLookSingle},
	}
}

// respondent puts a new respondent's cookies (a fresh response id and all
// 20 answers) in the client's jar.
func (sb *surveyBench) respondent(c *client, base string) {
	cs, err := server.SurveyCookies(sb.key, sb.id, 1, store.RandomSecret(), sb.answers)
	u, perr := url.Parse(base + "/s/" + sb.id + "/check")
	if err != nil || perr != nil {
		return // the request then fails and is counted as such
	}
	c.http.Jar.SetCookies(u, cs)
}

// rawInsertsBeside is the yardstick measured side by side with the
// submissions: in the server's process, through its store, into the
// responses' own collection, just before the row's run with every
// respondent (the benchmark's build serves it on the metrics listener,
// cli/profile_bench.go): 50 goroutines inserting copies of r (each with a
// new id, naming no survey) for 3 seconds. It returns the rate and the
// server's CPU time an insert.
func rawInsertsBeside(ctx context.Context, p *proc, r *store.Response) (float64, time.Duration, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return 0, 0, err
	}
	u := fmt.Sprintf("%s/debug/raw-inserts?seconds=3&writers=%d", p.metrics, surveyRespondents)
	req, err := http.NewRequestWithContext(ctx, "POST", u, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	cpu := cpuTime(p.cmd.Process.Pid)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("raw inserts beside the row: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("raw inserts beside the row: %s %s %v", resp.Status, b, err)
	}
	used := cpuTime(p.cmd.Process.Pid) - cpu
	var n int64
	var secs float64
	if _, err := fmt.Sscan(string(b), &n, &secs); err != nil || secs <= 0 {
		return 0, 0, fmt.Errorf("raw inserts beside the row: %q", b)
	}
	if n == 0 {
		return 0, 0, nil
	}
	return float64(n) / secs, used / time.Duration(n), nil
}

// rawInsertRate is the yardstick for survey submissions as it was first
// measured, and is still reported beside the other: how many
// response-sized documents 50 goroutines insert a second into the same
// embedded store through its writer and nothing else (store.RawInsert: one
// driver insert under the writer lock, on disk before it returns, as every
// write of the portal is; none of the portal's work), for 3 seconds, into
// a scratch collection dropped afterwards. It returns the rate and the
// CPU time of an insert (this process's, whose only work then is the
// inserts).
func rawInsertRate(ctx context.Context, db *store.Store, r *store.Response) (float64, time.Duration) {
	coll := db.RawDatabase().Collection("bench_raw_inserts")
	defer coll.Drop(context.WithoutCancel(ctx))
	cpu := selfCPU()
	began := time.Now()
	n := db.RawInserts(ctx, "bench_raw_inserts", surveyRespondents, 3*time.Second, func() any {
		doc := *r
		doc.ID = store.NewID()
		return &doc
	})
	rate := float64(n) / time.Since(began).Seconds()
	if n == 0 {
		return rate, 0
	}
	return rate, (selfCPU() - cpu) / time.Duration(n)
}
