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
	"strings"

	"candour/stats"
	"candour/store"
)

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
	case stats.Primary:
		return "fewer than 10"
	case stats.Secondary:
		return "withheld"
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
		if s.Base.Shown() && s.Base.N == 0 {
			return "no answers"
		}
		return "not shown"
	}
	return fmt.Sprintf("%s (%s to %s)", pct(s.IV.Estimate), pct(s.IV.Low), pct(s.IV.High))
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
	Groups      []GroupSize
	Questions   []QuestionResult
}

// GroupSize is how many respondents gave one ethnic group.
type GroupSize struct {
	Value, Label string
	N            Count
	SmallBase    bool
}

// AnswerRow is one answer to a question, overall.
type AnswerRow struct {
	Code, Label string
	Share       Share
}

// QuestionResult is one question's figures.
type QuestionResult struct {
	Q          store.Question
	Answered   Count
	Answers    []AnswerRow // choice questions
	Mean       string      // number questions: the mean, or why not shown
	Measures   []Measure   // what the breakdowns compare
	Breakdowns []Breakdown
	totals     map[int]Count // overall counts of combined measures, by measure
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
	Dim, Label string
	Columns    []Column
	Rows       []BreakRow   // one per answer
	Measures   []MeasureRow // one per measure
}

// Column is one group of a breakdown.
type Column struct {
	Value, Label string
	Base         Count // answered the question in this group
	SmallBase    bool  // fewer than 50: a warning goes with every figure
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
	Flag     bool // the ratio's interval excludes 1
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

// Build computes a version's results from its counters.
func Build(sv *store.Survey, version int, ts []store.Tally) (*Results, error) {
	v := sv.Version(version)
	if v == nil {
		return nil, fmt.Errorf("survey %s has no version %d", sv.ID, version)
	}
	byKey := map[string]*store.Tally{}
	for i := range ts {
		byKey[ts[i].Dim+"/"+ts[i].Value] = &ts[i]
	}
	all := byKey[store.DimAll+"/"+store.DimAll]
	if all == nil {
		all = &store.Tally{}
	}
	r := &Results{SurveyID: sv.ID, Title: sv.Title, Version: version, SmallBase: stats.SmallBase(all.N)}
	r.Respondents, r.Groups = groupSizes(all, byKey, v)
	dims := breakdownDims(v)
	for i := range v.Questions {
		q := &v.Questions[i]
		if q.AboutYou && q.Type == store.QPostcode {
			continue
		}
		r.Questions = append(r.Questions, buildQuestion(q, all, byKey, dims))
	}
	return r, nil
}

func breakdownDims(v *store.Version) []string {
	if v.Question(store.AboutEthnicity) == nil {
		return nil
	}
	return store.BreakdownDims
}

// groupSizes are the respondents by ethnic group, under suppression.
func groupSizes(all *store.Tally, byKey map[string]*store.Tally, v *store.Version) (Count, []GroupSize) {
	if v.Question(store.AboutEthnicity) == nil {
		m := stats.Suppress([]int64{all.N}, nil)
		return Count{all.N, m[0]}, nil
	}
	vals := store.DimValues(store.AboutEthnicity)
	cells := make([]int64, len(vals)+1)
	parts := make([]int, len(vals))
	for i, val := range vals {
		if t := byKey[store.AboutEthnicity+"/"+val]; t != nil {
			cells[i] = t.N
		}
		parts[i] = i
	}
	cells[len(vals)] = all.N
	mask := stats.Suppress(cells, []stats.Relation{{Parts: parts, Total: len(vals)}})
	var gs []GroupSize
	for i, val := range vals {
		gs = append(gs, GroupSize{Value: val, Label: store.DimValueLabel(store.AboutEthnicity, val), N: Count{cells[i], mask[i]}, SmallBase: stats.SmallBase(cells[i])})
	}
	return Count{all.N, mask[len(vals)]}, gs
}

// table collects a question's cells and the relations between them, so
// that one suppression covers every figure published about it.
type table struct {
	values []int64
	rels   []stats.Relation
}

func (t *table) cell(n int64) int { t.values = append(t.values, n); return len(t.values) - 1 }

func (t *table) sum(parts []int, total int) {
	t.rels = append(t.rels, stats.Relation{Parts: parts, Total: total})
}

// buildQuestion lays out a question's cells (overall and per group, per
// answer and per measure), suppresses them together, then reads them out.
func buildQuestion(q *store.Question, all *store.Tally, byKey map[string]*store.Tally, dims []string) QuestionResult {
	qr := QuestionResult{Q: *q}
	choices := q.Choices()
	exclusive := q.Type == store.QSingle || q.Type == store.QAgree || q.Type == store.QRating
	ms := measures(q)
	t := &table{}
	get := func(tl *store.Tally, code string) int64 {
		if tl == nil || tl.C == nil {
			return 0
		}
		return tl.C[q.ID][code]
	}
	type block struct {
		base  int
		codes []int
		meas  []int
	}
	lay := func(tl *store.Tally) block {
		b := block{base: t.cell(get(tl, store.TallyAnswered))}
		if !q.Choice() {
			return b
		}
		for _, o := range choices {
			b.codes = append(b.codes, t.cell(get(tl, o.Code)))
		}
		if exclusive {
			t.sum(b.codes, b.base)
		}
		for _, m := range ms {
			if len(m.Codes) == 1 {
				b.meas = append(b.meas, b.codes[indexOf(choices, m.Codes[0])])
				continue
			}
			var n int64
			var parts []int
			for _, c := range m.Codes {
				n += get(tl, c)
				parts = append(parts, b.codes[indexOf(choices, c)])
			}
			mi := t.cell(n)
			t.sum(parts, mi)
			b.meas = append(b.meas, mi)
		}
		return b
	}
	overall := lay(all)
	groups := make([][]block, len(dims))
	for di, d := range dims {
		vals := store.DimValues(d)
		bases := make([]int, len(vals))
		for vi, val := range vals {
			groups[di] = append(groups[di], lay(byKey[d+"/"+val]))
			bases[vi] = groups[di][vi].base
		}
		t.sum(bases, overall.base)
		for ci := range overall.codes {
			var parts []int
			for vi := range vals {
				parts = append(parts, groups[di][vi].codes[ci])
			}
			t.sum(parts, overall.codes[ci])
		}
		for mi := range overall.meas {
			var parts []int
			for vi := range vals {
				parts = append(parts, groups[di][vi].meas[mi])
			}
			t.sum(parts, overall.meas[mi])
		}
	}
	mask := stats.Suppress(t.values, t.rels)
	c := func(i int) Count { return Count{t.values[i], mask[i]} }

	qr.Answered = c(overall.base)
	for ci, o := range choices {
		qr.Answers = append(qr.Answers, AnswerRow{Code: o.Code, Label: o.Label, Share: share(c(overall.codes[ci]), qr.Answered)})
	}
	if q.Type == store.QNumber {
		qr.Mean = "not shown"
		if qr.Answered.Shown() && qr.Answered.N > 0 {
			qr.Mean = fmt.Sprintf("%.1f", float64(all.C[q.ID][store.TallySum])/float64(qr.Answered.N))
		}
	}
	if !q.Choice() || q.AboutYou {
		return qr
	}
	qr.Measures = ms
	qr.totals = map[int]Count{}
	for mi := range ms {
		qr.totals[mi] = c(overall.meas[mi])
	}
	for di, d := range dims {
		vals := store.DimValues(d)
		bd := Breakdown{Dim: d, Label: store.DimLabel(d)}
		ref := -1
		for vi, val := range vals {
			base := c(groups[di][vi].base)
			bd.Columns = append(bd.Columns, Column{Value: val, Label: store.DimValueLabel(d, val), Base: base, SmallBase: stats.SmallBase(base.N)})
			if d == store.AboutEthnicity && val == Reference {
				ref = vi
			}
		}
		for ci, o := range choices {
			row := BreakRow{Label: o.Label}
			for vi := range vals {
				row.Cells = append(row.Cells, share(c(groups[di][vi].codes[ci]), bd.Columns[vi].Base))
			}
			bd.Rows = append(bd.Rows, row)
		}
		for mi, m := range ms {
			row := MeasureRow{Label: m.Label}
			for vi, val := range vals {
				cmp := Comparison{Share: share(c(groups[di][vi].meas[mi]), bd.Columns[vi].Base)}
				if ref >= 0 && vi != ref && val != store.NotStated {
					compare(&cmp, share(c(groups[di][ref].meas[mi]), bd.Columns[ref].Base))
				}
				row.Cells = append(row.Cells, cmp)
			}
			bd.Measures = append(bd.Measures, row)
		}
		qr.Breakdowns = append(qr.Breakdowns, bd)
	}
	return qr
}

// compare fills the gap and ratio of cmp's share to the reference share.
func compare(cmp *Comparison, ref Share) {
	s := cmp.Share
	if !s.Has || !ref.Has {
		return
	}
	cmp.Gap, cmp.HasGap = stats.Difference(s.Count.N, s.Base.N, ref.Count.N, ref.Base.N)
	cmp.Ratio, cmp.HasRatio, cmp.HasCI = stats.RiskRatio(s.Count.N, s.Base.N, ref.Count.N, ref.Base.N)
	cmp.Flag = cmp.HasCI && cmp.Ratio.ExcludesOne()
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
