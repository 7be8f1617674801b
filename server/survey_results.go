package server

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
	"candour/survey"
	"candour/words"
)

// resultsView is the results page: figures from the counters only, under
// disclosure control, for staff or (Public) for anyone.
type resultsView struct {
	Survey    *store.Survey
	R         *survey.Results
	Versions  []int
	By        choiceField
	Questions []questionView
	Baseline  *store.Survey
	Matches   []survey.Match
	Waves     []waveView
	Public    bool
	Path      string
	// Fieldwork, if set, is why only the number of responses is shown:
	// the survey is still open (survey.BuildOn).
	Fieldwork string
	// BaselineMix and WaveMix warn when the ethnic mix of respondents
	// differs by more than survey.MixThreshold.
	BaselineMix, WaveMix string
	Quality              qualityView
}

// qualityView is the short quality statement (Code of Practice for
// Statistics style): what the figures cover, how they are protected, and
// what changed when.
type qualityView struct {
	Coverage string
	Changes  []string
}

type questionView struct {
	*survey.QuestionResult
	Quotes    []string // published, redacted free-text answers
	Chart     template.HTML
	Breakdown *survey.Breakdown
	Ethnic    bool
	// Figures is the chart and the tables drawn from Chart, Breakdown and
	// Ethnic (questionFigures): the page shows them as drawn.
	Figures template.HTML
}

// waveView is one matched measure across the waves of a series: everyone
// and each ethnic group.
type waveView struct {
	Question, Measure string
	Groups            []string
	Points            []wavePoint
}

type wavePoint struct {
	Wave   string
	Share  survey.Share
	Groups []survey.Share
}

// surveyResultsFor builds the results of version n (0 = the latest),
// broken down by dim, with the baseline and the series' other waves.
func (s *Server) surveyResultsFor(ctx context.Context, sv *store.Survey, n int, dim string, public bool) (*resultsView, error) {
	if n == 0 && sv.Current() != nil {
		n = sv.Current().N
	}
	r, key, err := s.resultsKeyed(ctx, sv, n)
	if err != nil {
		return nil, err
	}
	v := &resultsView{Survey: sv, R: r, Public: public}
	for _, ver := range sv.Versions {
		v.Versions = append(v.Versions, ver.N)
	}
	if r.Fieldwork {
		// Still open: the number of responses only (survey.BuildOn), and
		// nothing else that moves with each response.
		v.Fieldwork = survey.FieldworkNote
		return v, nil
	}
	dims := []choice{}
	for _, d := range store.BreakdownDims {
		dims = append(dims, choice{Value: d, Label: words.Breakdown(d)})
	}
	if !hasChoice(dims, dim) {
		dim = store.AboutEthnicity
	}
	v.By = choiceField{Name: "by", Label: "Break down by", Value: dim, Choices: dims}
	quotes := map[string][]string{}
	texts, err := s.surveyDB.PublishedSurveyTexts(ctx, sv.ID)
	if err != nil {
		return nil, err
	}
	for _, t := range texts {
		quotes[t.QuestionID] = append(quotes[t.QuestionID], t.Shown())
	}
	figures, err := s.questionFigures(r, key, dim)
	if err != nil {
		return nil, err
	}
	for i := range r.Questions {
		q := &r.Questions[i]
		v.Questions = append(v.Questions, questionView{QuestionResult: q, Quotes: quotes[q.Q.ID], Figures: figures[i]})
	}
	if sv.BaselineID != "" {
		if v.Baseline, v.Matches, err = s.baselineMatches(ctx, sv.BaselineID, r); err != nil {
			return nil, err
		}
		if public && v.Baseline != nil && !s.publicResults(v.Baseline) {
			v.Baseline, v.Matches = nil, nil // not published itself: its figures stay inside
		}
		if v.Baseline != nil {
			br, err := s.resultsOf(ctx, v.Baseline, v.Baseline.Current().N)
			if err != nil {
				return nil, err
			}
			if m, ok := survey.Mix(br, r); ok {
				v.BaselineMix = m.Text()
			}
		}
	}
	v.Quality = surveyQuality(sv, r)
	if sv.Series != "" {
		if v.Waves, v.WaveMix, err = s.waves(ctx, sv, r, public); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// questionChart draws an agreement question as stacked bars (everyone,
// then each group of the breakdown).
func questionChart(q *survey.QuestionResult, bd *survey.Breakdown, i int) template.HTML {
	if q.Q.Type != store.QAgree {
		return ""
	}
	var codes, codeLabels []string
	row := []survey.Share{}
	for _, a := range q.Answers {
		codes = append(codes, a.Code)
		codeLabels = append(codeLabels, a.Label)
		row = append(row, a.Share)
	}
	labels := []string{"Everyone"}
	rows := [][]survey.Share{row}
	if bd != nil {
		for ci, col := range bd.Columns {
			label := col.Label
			if bd.Dim == store.AboutEthnicity && col.Value != store.NotStated {
				label = col.Value
			}
			var r []survey.Share
			for _, br := range bd.Rows {
				r = append(r, br.Cells[ci])
			}
			labels = append(labels, label)
			rows = append(rows, r)
		}
	}
	return stackedAgreement("chart-"+strconv.Itoa(i), q.Q.Text, labels, rows, codes, codeLabels)
}

// baselineMatches compares matched questions with the baseline's latest version.
func (s *Server) baselineMatches(ctx context.Context, id string, r *survey.Results) (*store.Survey, []survey.Match, error) {
	base, err := s.surveyDB.Survey(ctx, id)
	if apperr.Is(err, apperr.NotFound) || (err == nil && base.Current() == nil) {
		return nil, nil, nil // deleted or never published: nothing to compare
	}
	if err != nil {
		return nil, nil, err
	}
	br, err := s.resultsOf(ctx, base, base.Current().N)
	if err != nil {
		return nil, nil, err
	}
	return base, survey.Compare(r, br), nil
}

// waves lists each matched measure's overall share in every wave of the
// series (oldest first). A public page shows only published waves.
func (s *Server) waves(ctx context.Context, sv *store.Survey, r *survey.Results, public bool) ([]waveView, string, error) {
	all, err := s.surveyDB.Surveys(ctx)
	if err != nil {
		return nil, "", err
	}
	var series []*survey.Results
	var names []string
	for i := len(all) - 1; i >= 0; i-- {
		o := &all[i]
		if o.Series != sv.Series || o.Current() == nil || (public && !s.publicResults(o)) {
			continue
		}
		res := r
		if o.ID != sv.ID {
			var err error
			if res, err = s.resultsOf(ctx, o, o.Current().N); err != nil {
				return nil, "", err
			}
			if res.Fieldwork {
				continue // a wave still open has no figures to compare yet
			}
		}
		series = append(series, res)
		names = append(names, map[bool]string{true: o.Wave, false: o.Title}[o.Wave != ""])
	}
	if len(series) < 2 {
		return nil, "", nil
	}
	mix := ""
	worst := 0.0
	for k, res := range series {
		if m, ok := survey.Mix(res, r); ok && math.Abs(m.Now-m.Then) > worst {
			worst = math.Abs(m.Now - m.Then)
			mix = m.Text() + " (" + names[k] + " against this survey)"
		}
	}
	var out []waveView
	for i := range r.Questions {
		q := &r.Questions[i]
		if q.Q.Key == "" {
			continue
		}
		for _, m := range q.Measures {
			wv := waveView{Question: q.Q.Text, Measure: m.Label}
			wv.Groups, _ = r.GroupMeasure(q.Q.Key, m.Label)
			for k, res := range series {
				if sh, ok := res.MeasureShare(q.Q.Key, m.Label); ok {
					pt := wavePoint{Wave: names[k], Share: sh}
					names2, shares := res.GroupMeasure(q.Q.Key, m.Label)
					for _, g := range wv.Groups {
						cell := survey.Share{Count: survey.Count{State: survey.NotCollected}, Base: survey.Count{State: survey.NotCollected}}
						for i, n := range names2 {
							if n == g {
								cell = shares[i]
							}
						}
						pt.Groups = append(pt.Groups, cell)
					}
					wv.Points = append(wv.Points, pt)
				}
			}
			if len(wv.Points) > 1 {
				out = append(out, wv)
			}
		}
	}
	return out, mix, nil
}

func (s *Server) surveyResults(c *gin.Context) {
	sv, ok := s.loadSurveyForRespondent(c) // the short cache: results need no fresher survey
	if !ok {
		return
	}
	if sv.Current() == nil {
		s.errorPage(c, http.StatusNotFound, "No results yet", "This survey has not been published, so nobody has answered it yet.")
		return
	}
	n, _ := strconv.Atoi(c.Query("version"))
	if n != 0 && sv.Version(n) == nil {
		s.notFound(c)
		return
	}
	v, err := s.surveyResultsFor(c.Request.Context(), sv, n, c.Query("by"), false)
	if s.resultsPending(c, err) {
		return
	}
	if err != nil {
		s.serverError(c, err)
		return
	}
	v.Path = "/surveys/" + sv.ID + "/results"
	s.render(c, http.StatusOK, "survey_results", &Page{Title: "Results: " + sv.Title, Data: v})
}

// publicSurveyList lists the surveys whose results summary is published.
func (s *Server) publicSurveyList(c *gin.Context) {
	all, err := s.surveyDB.Surveys(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	var pub []store.Survey
	for _, sv := range all {
		if s.publicResults(&sv) {
			pub = append(pub, sv)
		}
	}
	s.render(c, http.StatusOK, "survey_public_list", &Page{Title: "Community survey results", Data: pub})
}

func (s *Server) publicSurveyResults(c *gin.Context) {
	sv, ok := s.loadSurveyForRespondent(c)
	if !ok {
		return
	}
	if !s.publicResults(sv) {
		s.notFound(c)
		return
	}
	v, err := s.surveyResultsFor(c.Request.Context(), sv, 0, c.Query("by"), true)
	if s.resultsPending(c, err) {
		return
	}
	if err != nil {
		s.serverError(c, err)
		return
	}
	v.Path = "/public/surveys/" + sv.ID
	s.render(c, http.StatusOK, "survey_results", &Page{Title: "Results: " + sv.Title, Data: v})
}

// resultsOf builds version n's results from its counters, or returns the
// results built from the same figures: the cache key is everything they
// come from (the survey's revision, its counters' version, and the day,
// which ends fieldwork), so a closed or imported survey's results are
// built once, and an open survey's are built again at the first request
// after a counted response changed its counters, never later. Where other
// instances may count responses too (MongoDB), the counters' version
// cannot see their writes, and an open survey's key also moves every
// resultsCacheLife; a closed or imported survey takes no more responses,
// so its key does not (closing changes its revision).
func (s *Server) resultsOf(ctx context.Context, sv *store.Survey, n int) (*survey.Results, error) {
	r, _, err := s.resultsKeyed(ctx, sv, n)
	return r, err
}

// resultsKeyed is resultsOf and the key the results are cached under.
func (s *Server) resultsKeyed(ctx context.Context, sv *store.Survey, n int) (*survey.Results, string, error) {
	figures, exact := s.surveyDB.SurveyFiguresVersion(sv.ID)
	day := s.today()
	key := sv.ID + "/" + strconv.Itoa(n) + "/" + strconv.Itoa(sv.Rev) + "/" + strconv.FormatUint(figures, 10) + "/" + day
	if st := sv.State(day); !exact && st != store.SurveyClosed && st != store.SurveyImported {
		key += "/" + strconv.FormatInt(time.Now().UnixNano()/int64(resultsCacheLife), 10)
	}
	if r, ok := s.surveys.results.Get(key); ok {
		return r, key, nil
	}
	if err := s.notDecidedYet(ctx, sv, n, day); err != nil {
		return nil, key, err
	}
	r, err := s.surveys.results.Load(key, func() (*survey.Results, error) {
		s.surveys.built.Add(1)
		ts, err := s.surveyDB.Tallies(ctx, sv.ID, n)
		if err != nil {
			return nil, err
		}
		return s.decidedResults(ctx, sv, n, ts, day) // ErrNotDecided is not kept: the next request looks again
	})
	return r, key, err
}

// notDecidedYet answers survey.ErrNotDecided, and wakes the
// survey-decisions job, for a closed survey's version that has no release
// decided at all yet (survey.Undecided): the first looks after a survey
// closes, until the job has decided it. It reads one small document, not
// the counters, and takes no lock of the results cache, so a look that is
// told the results are being checked costs about a millisecond and never
// waits behind a results page being built (issue 18). A server without the
// job decides in the request (decidedResults), so it answers nil.
func (s *Server) notDecidedYet(ctx context.Context, sv *store.Survey, n int, day string) error {
	if s.surveys.decide == nil {
		return nil
	}
	undecided, err := survey.Undecided(ctx, s.surveyDB, sv, n, day)
	if err != nil {
		return err
	}
	if undecided {
		s.surveys.decide()
		return survey.ErrNotDecided
	}
	return nil
}

// decidedResults builds version n's results from the counters ts and the
// release's stored decision. In the portal (a survey-decisions job to
// wake) no request decides: without a stored decision it wakes the job
// and returns survey.ErrNotDecided (resultsPending answers). A server
// without the job decides a missing decision in the request, as before.
func (s *Server) decidedResults(ctx context.Context, sv *store.Survey, n int, ts []store.Tally, day string) (*survey.Results, error) {
	if s.surveys.decide == nil {
		return survey.BuildStored(ctx, s.surveyDB, sv, n, ts, day)
	}
	r, err := survey.BuildDecided(ctx, s.surveyDB, sv, n, ts, day)
	if errors.Is(err, survey.ErrNotDecided) {
		s.surveys.decide()
	}
	return r, err
}

// resultsPending answers a results page whose release the
// survey-decisions job has not decided yet (survey.ErrNotDecided) and
// reports true: a page that says so, never figures that were not checked.
func (s *Server) resultsPending(c *gin.Context, err error) bool {
	if !errors.Is(err, survey.ErrNotDecided) {
		return false
	}
	c.Header("Retry-After", strconv.Itoa(int(resultsPendingRetry.Seconds())))
	s.errorPage(c, http.StatusServiceUnavailable, "These results are being checked",
		"The survey has closed and its results are being checked so that nobody who answered can be identified from them. This usually takes a minute or two. Try again shortly.")
	return true
}

// resultsPendingRetry is how long a results page being checked asks
// browsers to wait before trying again.
const resultsPendingRetry = time.Minute

// drawnFigures is each question's figures drawn (the chart, the table of
// everyone's answers and the breakdown's tables: the template's
// "surveyQuestionFigures"), for one results and one breakdown.
type drawnFigures struct {
	r     *survey.Results // what they were drawn from
	parts []template.HTML // one per question
}

// figuresKept is how many drawn results the cache keeps (each a few
// hundred kilobytes at most).
const figuresKept = 50

// questionFigures draws each question's figures from r broken down by dim,
// or returns them as drawn before from the same results: the key is the
// results' own (resultsKeyed), so the figures are drawn again exactly when
// the results are built again, and the page is byte for byte what drawing
// them in place gives (the same template, TestSurveyResultsDrawnOnceAreTheSame).
// The drawing was most of the cost of a results page (docs/performance-history.md).
func (s *Server) questionFigures(r *survey.Results, key, dim string) ([]template.HTML, error) {
	key += "/" + dim
	draw := func() (*drawnFigures, error) {
		s.surveys.drawn.Add(1)
		f := &drawnFigures{r: r, parts: make([]template.HTML, len(r.Questions))}
		for i := range r.Questions {
			q := &r.Questions[i]
			qv := questionView{QuestionResult: q, Breakdown: q.Breakdown(dim), Ethnic: dim == store.AboutEthnicity}
			qv.Chart = questionChart(q, qv.Breakdown, i)
			part, err := s.drawPart("survey_results", "surveyQuestionFigures", &qv)
			if err != nil {
				return nil, err
			}
			f.parts[i] = part
		}
		return f, nil
	}
	f, err := s.surveys.figures.Load(key, draw)
	if err == nil && f.r != r {
		// The results were built again under the same key (the results
		// cache started again): draw from these.
		if f, err = draw(); err == nil {
			s.surveys.figures.Put(key, f)
		}
	}
	if err != nil {
		return nil, err
	}
	return f.parts, nil
}

// resultsCacheLife is, on MongoDB, how old an open survey's results may
// be: responses counted by another instance show within it.
const resultsCacheLife = 2 * time.Second

// publicResults reports whether a survey's summary may be shown to anyone:
// marked public and no longer taking answers (closed, or an imported
// baseline). While a survey is open, its public figures would change with
// each response, so comparing them before and after (or adding answers
// until a "fewer than 10" cell shows) would undo the suppression.
func (s *Server) publicResults(sv *store.Survey) bool {
	if !sv.Public || sv.Current() == nil {
		return false
	}
	st := sv.State(s.today())
	return st == store.SurveyClosed || st == store.SurveyImported
}

// surveyQuality is the survey's quality statement: what the figures cover, and
// what changed when.
func surveyQuality(sv *store.Survey, r *survey.Results) qualityView {
	q := qualityView{}
	how := "answers given on Candour"
	switch {
	case sv.Imported:
		how = "aggregated counts entered from a survey run outside Candour; what it did not collect shows \"not collected\""
	case sv.OpenLink && sv.InviteCodes:
		how = "answers given on Candour through an open link and single-use invitation codes"
	case sv.OpenLink:
		how = "answers given on Candour through an open link"
	case sv.InviteCodes:
		how = "answers given on Candour with single-use invitation codes"
	}
	q.Coverage = fmt.Sprintf("%s people answered version %d of this survey: %s.", r.Respondents.Text(), r.Version, how)
	for _, v := range sv.Versions {
		q.Changes = append(q.Changes, fmt.Sprintf("%s: version %d published.", v.PublishedAt.In(london).Format("2 January 2006"), v.N))
	}
	if sv.ClosesOn != "" && !sv.Imported {
		q.Changes = append(q.Changes, fmt.Sprintf("%s: closing date; figures are final once the survey has closed.", longDay(sv.ClosesOn)))
	}
	return q
}
