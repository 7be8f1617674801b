package powers_test

import (
	"math"
	"strings"
	"testing"

	"candour/disparity"
	"candour/powers"
	"candour/stats"
)

func f(v float64) *float64 { return &v }

// stopShares are a group's arrest and find shares (none here).
var stopShares = []powers.Share{{Key: "arrest"}, {Key: "find"}}

// Stop and search's words (powers.StopSearch's Sentences hook, the words
// /disparity and `candour report disparity` have always used) follow the
// flag: "times as likely" only for a flagged ratio, and a group with no
// searches reads as such, flagged or not.
func TestWordsFollowTheOneFlag(t *testing.T) {
	rep := &powers.Report{Dataset: powers.StopSearch, Basis: disparity.SelfDefined, Events: 100, VehicleOnly: 2, Apart: 2, NotStated: 9, NotStatedShare: 9.0 / 98,
		Groups: []powers.GroupFigures{
			// 0 of 200,000 against White: ratio 0, add-half interval 0 to 0.28, flagged (stats.Compare).
			{Group: "Asian", Events: 0, Ratio: f(0), RatioLow: f(0), RatioHigh: f(0.28), Flag: true, Shares: stopShares},
			// 0 of 5,000: 0 to 11.2, not flagged.
			{Group: "Mixed", Events: 0, Ratio: f(0), RatioLow: f(0), RatioHigh: f(11.2), Small: true, Shares: stopShares},
			{Group: "Black", Events: 7, Ratio: f(9.48), RatioLow: f(4.41), RatioHigh: f(20.37), Flag: true, Small: true, Shares: stopShares},
			{Group: "Other", Events: 12, Ratio: f(1.6), RatioLow: f(0.9), RatioHigh: f(2.8), Shares: stopShares},
			{Group: "White", Events: 70, Ratio: f(1), Shares: stopShares},
		}}
	got := powers.Sentences(rep)
	want := []string{
		"Asian people: no searches recorded in this period; fewer than for White people, taking the size of each group into account (ratio 0, 95% interval 0 to 0.3).",
		"People of Mixed or Multiple ethnicity: no searches recorded in this period; no clear difference from White people (ratio 0, 95% interval 0 to 11.2).",
		"Black people were 9.5 times as likely as White people to be searched (95% interval 4.4 to 20.4); this rests on only 7 searches, so the interval is wide.",
		"People of other ethnic groups: no clear difference from White people (1.6 times as likely to be searched, but the 95% interval, 0.9 to 2.8, includes 1).",
		"9% of person searches (9 of 98) had no self-defined ethnicity recorded.",
		"2 searches were of a vehicle only, with nobody to ask about ethnicity; they are counted apart.",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sentences:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// When the ratio's interval leaves out 1 but the gap's includes 0 (the
// methods disagree at the margin, so no flag), the words must not claim the
// ratio's interval includes 1. By hand, 4 of 10 against 7 of 50: ratio
// 0.4/0.14 = 2.86, SE = √(1/4 − 1/10 + 1/7 − 1/50) = √0.27286 = 0.52236,
// exp(ln 2.857 ± 1.96×0.52236) = 1.03 to 7.95; the Newcombe gap 0.26 runs
// from −0.002 to 0.556: includes 0. stats.Compare agrees (no flag).
func TestWordsWhenTheMethodsDisagree(t *testing.T) {
	c := stats.Compare(4, 10, 7, 50)
	if c.Flag || !c.Ratio.ExcludesOne() || c.Gap.ExcludesZero() {
		t.Fatalf("Compare(4, 10, 7, 50) = %+v: not the disagreeing case", c)
	}
	if math.Abs(c.Ratio.Low-1.026) > 0.001 || math.Abs(c.Ratio.High-7.954) > 0.001 {
		t.Fatalf("ratio interval %.4f to %.4f, want 1.026 to 7.954", c.Ratio.Low, c.Ratio.High)
	}
	rep := &powers.Report{Dataset: powers.StopSearch, Basis: disparity.SelfDefined, Events: 11, Groups: []powers.GroupFigures{
		{Group: "Other", Events: 4, Ratio: f(c.Ratio.Estimate), RatioLow: f(c.Ratio.Low), RatioHigh: f(c.Ratio.High), Small: true, Shares: stopShares},
	}}
	got := powers.Sentences(rep)[0]
	want := "People of other ethnic groups: no clear difference from White people (2.9 times as likely to be searched; the ratio's 95% interval, 1.03 to 7.95, leaves out 1, but the interval for the difference in rates includes 0); this rests on only 4 searches, so the interval is wide."
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
