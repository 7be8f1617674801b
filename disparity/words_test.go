package disparity

import (
	"math"
	"strings"
	"testing"

	"candour/stats"
)

func f(v float64) *float64 { return &v }

// The words follow the flag: "times as likely" only for a flagged ratio,
// and a group with no searches reads as such, flagged or not.
func TestWordsFollowTheOneFlag(t *testing.T) {
	rep := &Report{Ethnicity: SelfDefined, Searches: 100, PersonSearches: 98, VehicleOnly: 2, NotStated: NotStated{Searches: 9, Share: 9.0 / 98},
		Groups: []GroupFigures{
			// 0 of 200,000 against White: ratio 0, add-half interval 0 to 0.28, flagged (stats.Compare).
			{Group: "Asian", Searches: 0, RatioToWhite: f(0), RatioCILow: f(0), RatioCIHigh: f(0.28), Flag: true},
			// 0 of 5,000: 0 to 11.2, not flagged.
			{Group: "Mixed", Searches: 0, RatioToWhite: f(0), RatioCILow: f(0), RatioCIHigh: f(11.2), SmallCount: true},
			{Group: "Black", Searches: 7, RatioToWhite: f(9.48), RatioCILow: f(4.41), RatioCIHigh: f(20.37), Flag: true, SmallCount: true},
			{Group: "Other", Searches: 12, RatioToWhite: f(1.6), RatioCILow: f(0.9), RatioCIHigh: f(2.8)},
			{Group: "White", Searches: 70, RatioToWhite: f(1)},
		}}
	got := Sentences(rep)
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
	rep := &Report{Ethnicity: SelfDefined, PersonSearches: 11, Groups: []GroupFigures{
		{Group: "Other", Searches: 4, RatioToWhite: f(c.Ratio.Estimate), RatioCILow: f(c.Ratio.Low), RatioCIHigh: f(c.Ratio.High), SmallCount: true},
	}}
	got := Sentences(rep)[0]
	want := "People of other ethnic groups: no clear difference from White people (2.9 times as likely to be searched; the ratio's 95% interval, 1.03 to 7.95, leaves out 1, but the interval for the difference in rates includes 0); this rests on only 4 searches, so the interval is wide."
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
