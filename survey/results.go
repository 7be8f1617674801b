// Package survey turns a survey version's counters into the figures people
// see: counts, percentages with 95% Wilson intervals, breakdowns by the
// about-you answers, each ethnic group's gap and ratio to the White group
// with 95% intervals, and comparisons with a baseline survey, all under
// disclosure control (primary and secondary suppression). It reads only
// counters (store.Tally), never responses, and does no I/O, so the web
// pages, the CSV export and `candour report survey` show the same figures.
package survey

import (
	"fmt"
	"strconv"
	"strings"

	"candour/stats"
	"candour/store"
	"candour/words"
)

// NotCollected is the state of a count the survey did not collect (an
// imported baseline without that question or breakdown): never a 0.
const NotCollected = -1

// Count is a published count: its value is only shown when State is
// stats.Shown.
type Count struct {
	N     int64 `json:"-"`
	State int   `json:"-"`
}

// Shown reports whether the count may be published.
func (c Count) Shown() bool { return c.State == stats.Shown }

// Text is the count as published.
func (c Count) Text() string {
	switch c.State {
	case stats.Primary, stats.Secondary:
		// One label for both (as the ONS's [c]): a reader cannot tell a
		// count of 1 to 9 from one withheld to protect it.
		return "withheld"
	case NotCollected:
		return "not collected"
	case stats.Unpublished:
		return "not shown (fewer than 10 people in the group)"
	}
	return commas(c.N)
}

// Value is the count for JSON and CSV: nil when withheld.
func (c Count) Value() *int64 {
	if !c.Shown() {
		return nil
	}
	n := c.N
	return &n
}

// Share is part of base with its Wilson interval; Has is false when
// either is withheld or the base is empty.
type Share struct {
	Count Count
	Base  Count
	IV    stats.Interval
	Has   bool
}

func share(part, base Count) Share {
	s := Share{Count: part, Base: base}
	if part.Shown() && base.Shown() {
		s.IV, s.Has = stats.Wilson(part.N, base.N)
	}
	return s
}

// Text is "45% (38% to 52%)" or why it is not shown.
func (s Share) Text() string {
	if !s.Has {
		switch {
		case s.Count.State == NotCollected || s.Base.State == NotCollected:
			return "not collected"
		case s.Count.State == stats.Unpublished:
			return s.Count.Text()
		case s.Base.Shown() && s.Base.N == 0:
			return "no answers"
		}
		return "not shown"
	}
	return fmt.Sprintf("%s (%s to %s)", pct(s.IV.Estimate), pct(s.IV.Low), pct(s.IV.High))
}

// Of is the share as "123 of 270 (46%)"; a withheld count's label; or
// the count alone when its base is withheld.
func (s Share) Of() string {
	switch {
	case s.Has:
		return s.Count.Text() + " of " + s.Base.Text() + " (" + pct(s.IV.Estimate) + ")"
	case s.Count.Shown() && s.Base.Shown():
		return s.Count.Text() + " of " + s.Base.Text()
	}
	return s.Count.Text()
}

// CI is the interval alone, like "38% to 52%".
func (s Share) CI() string {
	if !s.Has {
		return ""
	}
	return pct(s.IV.Low) + " to " + pct(s.IV.High)
}

// Percent is the estimate alone, like "45%".
func (s Share) Percent() string {
	if !s.Has {
		return s.Text()
	}
	return pct(s.IV.Estimate)
}

// Results are one survey version's figures.
type Results struct {
	SurveyID    string
	Title       string
	Version     int
	Respondents Count
	SmallBase   bool // fewer than 50 respondents in all
	Imported    bool // an imported baseline: what it did not collect shows "not collected"
	// Fieldwork: the survey is still taking answers, so only Respondents is
	// given (BuildOn).
	Fieldwork bool
	Groups    []GroupSize
	Questions []QuestionResult
}

// GroupSize is how many respondents gave one ethnic group.
type GroupSize struct {
	Value, Label string
	N            Count
	Share        Share // of all respondents
	SmallBase    bool
}

// AnswerRow is one answer to a question, overall.
type AnswerRow struct {
	Code, Label string
	Share       Share
}

// QuestionResult is one question's figures.
type QuestionResult struct {
	Q            store.Question
	NotCollected bool // an imported baseline without this question
	Answered     Count
	Answers      []AnswerRow // choice questions
	Mean         string      // number questions: the mean, or why not shown
	Measures     []Measure   // what the breakdowns compare
	Breakdowns   []Breakdown
	totals       map[int]Count // overall counts of combined measures, by measure
}

// MeasureTotal is a measure's share among everyone who answered.
func (q *QuestionResult) MeasureTotal(mi int) Share { return overallMeasure(q, mi) }

// Measure is a share compared between groups: one answer, or a
// combination such as "Strongly agree or agree".
type Measure struct {
	Label string
	Codes []string
}

// Breakdown is a question broken down by one about-you question.
type Breakdown struct {
	Dim, Label   string
	NotCollected bool // an imported baseline without this breakdown
	Columns      []Column
	Rows         []BreakRow   // one per answer
	Measures     []MeasureRow // one per measure
}

// Column is one group of a breakdown.
type Column struct {
	Value, Label string
	Base         Count // answered the question in this group
	SmallBase    bool  // fewer than 50: a warning goes with every figure
	TooSmall     bool  // fewer than 10 people in the group: nothing of it is published
}

// BreakRow is one answer's share in each group.
type BreakRow struct {
	Label string
	Cells []Share
}

// MeasureRow is one measure in each group, with (for ethnic groups) the
// gap and ratio to the White group.
type MeasureRow struct {
	Label string
	Cells []Comparison
}

// Comparison is a group's share and how it compares with the reference
// (White) group. HasGap/HasRatio are false where either share is withheld
// or it is the reference or "not stated" column.
type Comparison struct {
	Share    Share
	Gap      stats.Interval
	HasGap   bool
	Ratio    stats.Interval
	HasRatio bool
	HasCI    bool
	Flag     bool // stats.Compare's one rule: ratio excludes 1 and gap excludes 0
}

// GapText is the gap in percentage points with its interval.
func (c Comparison) GapText() string {
	if !c.HasGap {
		return ""
	}
	return fmt.Sprintf("%s points (%s to %s)", points(c.Gap.Estimate), points(c.Gap.Low), points(c.Gap.High))
}

// RatioText is the ratio with its interval.
func (c Comparison) RatioText() string {
	switch {
	case !c.HasRatio:
		return ""
	case !c.HasCI:
		return fmt.Sprintf("%.2f", c.Ratio.Estimate)
	}
	return fmt.Sprintf("%.2f (%.2f to %.2f)", c.Ratio.Estimate, c.Ratio.Low, c.Ratio.High)
}

// Reference is the group every other ethnic group is compared with.
const Reference = string(stats.White)

// measures lists what a question's breakdowns compare.
func measures(q *store.Question) []Measure {
	switch q.Type {
	case store.QAgree:
		return []Measure{{"Strongly agree or agree", []string{"sa", "a"}}, {"Disagree or strongly disagree", []string{"d", "sd"}}}
	case store.QRating:
		return []Measure{{"7 or higher", []string{"r7", "r8", "r9", "r10"}}}
	case store.QSingle, store.QMultiple:
		var ms []Measure
		for _, o := range q.Choices() {
			if o.Code != store.PreferNotToSay {
				ms = append(ms, Measure{o.Label, []string{o.Code}})
			}
		}
		return ms
	}
	return nil
}

// Build computes a version's results from its counters. Every count is
// decided by one suppression audit of everything published about the
// version (see release).
func Build(sv *store.Survey, version int, ts []store.Tally) (*Results, error) {
	v := sv.Version(version)
	if v == nil {
		return nil, fmt.Errorf("survey %s has no version %d", sv.ID, version)
	}
	src := newSource(sv, v, ts)
	return read(sv, version, src, buildRelease(src)), nil
}

// read reads a version's results out of its decided release.
func read(sv *store.Survey, version int, src *source, rl *release) *Results {
	r := &Results{SurveyID: sv.ID, Title: sv.Title, Version: version, SmallBase: stats.SmallBase(src.all.N), Imported: sv.Imported}
	r.Respondents = rl.count(nkey(store.DimAll, store.DimAll))
	if src.hasDim(store.AboutEthnicity) {
		for _, g := range store.EthnicGroupValues {
			n := rl.count(nkey(store.AboutEthnicity, g))
			r.Groups = append(r.Groups, GroupSize{Value: g, Label: words.BreakdownValue(store.AboutYouAnswer(store.AboutEthnicity, g)), N: n, Share: share(n, r.Respondents), SmallBase: stats.SmallBase(n.N)})
		}
	}
	for _, q := range src.published() {
		r.Questions = append(r.Questions, readQuestion(q, rl, src))
	}
	return r
}

// readQuestion reads a question's published figures out of the release.
func readQuestion(q *store.Question, rl *release, src *source) QuestionResult {
	qr := QuestionResult{Q: *q, NotCollected: !src.asked[q.ID]}
	choices := q.Choices()
	ms := measures(q)
	c := func(dim, val, code string) Count { return rl.count(qkey(q.ID, dim, val, code)) }
	mc := func(dim, val string, mi int) Count {
		if len(ms[mi].Codes) == 1 {
			return c(dim, val, ms[mi].Codes[0])
		}
		return c(dim, val, "m"+strconv.Itoa(mi))
	}
	all := store.DimAll
	qr.Answered = c(all, all, store.TallyAnswered)
	if q.Choice() && q.ID != store.AboutEthnicity { // ethnicity: by group only (Results.Groups)
		for _, o := range choices {
			qr.Answers = append(qr.Answers, AnswerRow{Code: o.Code, Label: o.Label, Share: share(c(all, all, o.Code), qr.Answered)})
		}
	}
	if q.Type == store.QNumber {
		qr.Mean = "not shown"
		if qr.Answered.Shown() && qr.Answered.N > 0 {
			qr.Mean = fmt.Sprintf("%.1f", float64(src.all.C[q.ID][store.TallySum])/float64(qr.Answered.N))
		}
	}
	if !q.Choice() || q.AboutYou {
		return qr
	}
	qr.Measures = ms
	qr.totals = map[int]Count{}
	for mi := range ms {
		qr.totals[mi] = mc(all, all, mi)
	}
	for _, d := range store.BreakdownDims {
		bd := Breakdown{Dim: d, Label: words.Breakdown(d)}
		if !src.hasDim(d) || qr.NotCollected {
			if src.v.Question(store.AboutEthnicity) != nil {
				bd.NotCollected = true
				qr.Breakdowns = append(qr.Breakdowns, bd)
			}
			continue
		}
		vals := store.DimValues(d)
		ref := -1
		for vi, val := range vals {
			base := c(d, val, store.TallyAnswered)
			bd.Columns = append(bd.Columns, Column{Value: val, Label: words.BreakdownValue(store.AboutYouAnswer(d, val)), Base: base, SmallBase: stats.SmallBase(base.N), TooSmall: src.tooSmall(d, val)})
			if d == store.AboutEthnicity && val == Reference {
				ref = vi
			}
		}
		for _, o := range choices {
			row := BreakRow{Label: o.Label}
			for vi, val := range vals {
				row.Cells = append(row.Cells, share(c(d, val, o.Code), bd.Columns[vi].Base))
			}
			bd.Rows = append(bd.Rows, row)
		}
		for mi, m := range ms {
			row := MeasureRow{Label: m.Label}
			for vi, val := range vals {
				cmp := Comparison{Share: share(mc(d, val, mi), bd.Columns[vi].Base)}
				if ref >= 0 && vi != ref && val != store.NotStated {
					compare(&cmp, share(mc(d, vals[ref], mi), bd.Columns[ref].Base))
				}
				row.Cells = append(row.Cells, cmp)
			}
			bd.Measures = append(bd.Measures, row)
		}
		qr.Breakdowns = append(qr.Breakdowns, bd)
	}
	return qr
}

// compare fills the gap and ratio of cmp's share to the reference share,
// flagged by the one rule every figure in Candour uses (stats.Compare): the
// ratio's interval excludes 1 and the gap's excludes 0, so the gap and the
// ratio never disagree.
func compare(cmp *Comparison, ref Share) {
	s := cmp.Share
	if !s.Has || !ref.Has {
		return
	}
	c := stats.Compare(s.Count.N, s.Base.N, ref.Count.N, ref.Base.N)
	cmp.Gap, cmp.HasGap = c.Gap, c.HasGap
	cmp.Ratio, cmp.HasRatio, cmp.HasCI = c.Ratio, c.HasRatio, c.HasRatioCI
	cmp.Flag = c.Flag
}

func indexOf(os []store.Option, code string) int {
	for i, o := range os {
		if o.Code == code {
			return i
		}
	}
	return -1
}

// Breakdown returns the question's breakdown by dim, or nil.
func (q *QuestionResult) Breakdown(dim string) *Breakdown {
	for i := range q.Breakdowns {
		if q.Breakdowns[i].Dim == dim {
			return &q.Breakdowns[i]
		}
	}
	return nil
}

func pct(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }

// points is a difference of proportions in percentage points, signed.
func points(f float64) string { return fmt.Sprintf("%+.0f", f*100) }

func commas(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
