package survey

import (
	"fmt"
	"math"

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
			if bn != nil && !bn.NotCollected {
				for ci, col := range bn.Columns {
					if col.Value == store.NotStated {
						continue
					}
					then := Share{Count: Count{State: NotCollected}, Base: Count{State: NotCollected}}
					if bt != nil && !bt.NotCollected {
						then = bt.Measures[mt].Cells[ci].Share
					}
					match.Rows = append(match.Rows, matchRow(col.Label, then, bn.Measures[mi].Cells[ci].Share))
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

// MixThreshold is how far (as a share of respondents) any ethnic group may
// differ between two surveys before a comparison of everyone's figures is
// flagged as mostly reflecting who answered: 5 percentage points.
const MixThreshold = 0.05

// MixShift is the ethnic group whose share of respondents differs most
// between two surveys.
type MixShift struct {
	Group     string
	Then, Now float64
}

// Text says it in plain English.
func (m MixShift) Text() string {
	return fmt.Sprintf("%s people were %s of those who answered then and %s now", m.Group, pct(m.Then), pct(m.Now))
}

// Mix returns the group whose share of respondents moved most between then
// and now, and whether it moved by more than MixThreshold. Only published
// counts are used: a withheld group is left out.
func Mix(then, now *Results) (MixShift, bool) {
	var worst MixShift
	diff := -1.0
	for i := range now.Groups {
		gn := now.Groups[i]
		for _, gt := range then.Groups {
			if gt.Value != gn.Value || !gt.Share.Has || !gn.Share.Has {
				continue
			}
			if d := math.Abs(gn.Share.IV.Estimate - gt.Share.IV.Estimate); d > diff {
				diff = d
				label := gn.Value
				if gn.Value == store.NotStated {
					label = "Not stated"
				}
				worst = MixShift{Group: label, Then: gt.Share.IV.Estimate, Now: gn.Share.IV.Estimate}
			}
		}
	}
	return worst, diff > MixThreshold
}

// GroupMeasure is a matched measure's share in each ethnic group (not
// "not stated"), in report order, with the groups' short names.
func (r *Results) GroupMeasure(key, measure string) ([]string, []Share) {
	q := r.question(key)
	if q == nil {
		return nil, nil
	}
	mi := measureIndex(q, measure)
	bd := q.Breakdown(store.AboutEthnicity)
	if mi < 0 || bd == nil || bd.NotCollected {
		return nil, nil
	}
	var names []string
	var shares []Share
	for ci, col := range bd.Columns {
		if col.Value == store.NotStated {
			continue
		}
		names = append(names, col.Value)
		shares = append(shares, bd.Measures[mi].Cells[ci].Share)
	}
	return names, shares
}
