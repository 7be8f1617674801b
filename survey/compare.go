package survey

import (
	"fmt"

	"candour/stats"
	"candour/store"
)

// Match compares one measure of a matched question (same matching code)
// between this survey and a baseline (or an earlier wave): overall and in
// each ethnic group.
type Match struct {
	Key      string
	Question string
	Measure  string
	Rows     []MatchRow
}

// MatchRow is one group's share then and now, and the change.
type MatchRow struct {
	Label     string
	Then, Now Share
	Change    stats.Interval
	HasChange bool
	Flag      bool // the change's interval excludes 0
}

// ChangeText is the change in percentage points with its interval.
func (m MatchRow) ChangeText() string {
	if !m.HasChange {
		return "not shown"
	}
	return fmt.Sprintf("%s points (%s to %s)", points(m.Change.Estimate), points(m.Change.Low), points(m.Change.High))
}

// Compare lists every measure of the questions both results share a
// matching code for. Withheld figures are never compared.
func Compare(now, then *Results) []Match {
	var out []Match
	for i := range now.Questions {
		qn := &now.Questions[i]
		if qn.Q.Key == "" {
			continue
		}
		qt := then.question(qn.Q.Key)
		if qt == nil {
			continue
		}
		for mi, m := range qn.Measures {
			mt := measureIndex(qt, m.Label)
			if mt < 0 {
				continue
			}
			match := Match{Key: qn.Q.Key, Question: qn.Q.Text, Measure: m.Label}
			match.Rows = append(match.Rows, matchRow("Everyone", overallMeasure(qt, mt), overallMeasure(qn, mi)))
			bn, bt := qn.Breakdown(store.AboutEthnicity), qt.Breakdown(store.AboutEthnicity)
			if bn != nil && bt != nil {
				for ci, col := range bn.Columns {
					if col.Value == store.NotStated {
						continue
					}
					match.Rows = append(match.Rows, matchRow(col.Label, bt.Measures[mt].Cells[ci].Share, bn.Measures[mi].Cells[ci].Share))
				}
			}
			out = append(out, match)
		}
	}
	return out
}

func matchRow(label string, then, now Share) MatchRow {
	r := MatchRow{Label: label, Then: then, Now: now}
	if then.Has && now.Has {
		r.Change, r.HasChange = stats.Difference(now.Count.N, now.Base.N, then.Count.N, then.Base.N)
		r.Flag = r.HasChange && r.Change.ExcludesZero()
	}
	return r
}

func (r *Results) question(key string) *QuestionResult {
	for i := range r.Questions {
		if r.Questions[i].Q.Key == key {
			return &r.Questions[i]
		}
	}
	return nil
}

func measureIndex(q *QuestionResult, label string) int {
	for i, m := range q.Measures {
		if m.Label == label {
			return i
		}
	}
	return -1
}

// overallMeasure is a measure's share among everyone who answered, under
// the same suppression as the breakdowns.
func overallMeasure(q *QuestionResult, mi int) Share { return share(q.totals[mi], q.Answered) }

// MeasureShare is the overall share of a matched question's measure.
func (r *Results) MeasureShare(key, measure string) (Share, bool) {
	q := r.question(key)
	if q == nil {
		return Share{}, false
	}
	mi := measureIndex(q, measure)
	if mi < 0 {
		return Share{}, false
	}
	return overallMeasure(q, mi), true
}
