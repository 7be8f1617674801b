// Package stats holds the pure arithmetic behind every number Candour shows:
// rates per 1,000, risk ratios with Wald intervals on the log scale,
// Wilson score intervals for proportions, small-cell suppression, and the
// mapping of police.uk and Census 2021 ethnicity labels onto the five
// Census 2021 high-level groups. It does no I/O and knows nothing of the
// store or the web; every function is table-tested against hand-computed
// values.
package stats

import "math"

// z95 is the standard normal quantile for a two-sided 95% interval.
const z95 = 1.959963984540054

// Rate is count per 1,000 of population; ok is false when population is 0.
func Rate(count, population int64) (rate float64, ok bool) {
	if population <= 0 {
		return 0, false
	}
	return float64(count) * 1000 / float64(population), true
}

// Share is part/whole as a fraction; ok is false when whole is 0.
func Share(part, whole int64) (float64, bool) {
	if whole <= 0 {
		return 0, false
	}
	return float64(part) / float64(whole), true
}

// Interval is an estimate with a 95% interval.
type Interval struct {
	Estimate, Low, High float64
}

// RiskRatio compares group 1 (a1 events in n1) with the reference group 0
// (a0 in n0): RR = (a1/n1)/(a0/n0), with the Wald interval on the log scale
// (R's epitools riskratio.wald): SE = sqrt(1/a1 - 1/n1 + 1/a0 - 1/n0),
// exp(ln RR ± 1.96·SE).
//
// When group 1 has no events the log-scale interval does not exist, so the
// interval is worked out on the table with 0.5 added to each of its four
// cells (a1+0.5 events in n1+1, a0+0.5 in n0+1: the Haldane–Anscombe
// correction); the estimate stays 0 and the lower end is 0. A group with
// no events can therefore still be flagged, when even the upper end is
// below 1.
//
// hasRatio is false when the ratio is undefined (no reference events or an
// empty group); hasInterval is false when the variance is not positive
// (events outnumber the base, as searches can outnumber residents).
func RiskRatio(a1, n1, a0, n0 int64) (iv Interval, hasRatio, hasInterval bool) {
	if n1 <= 0 || n0 <= 0 || a0 <= 0 || a1 < 0 {
		return Interval{}, false, false
	}
	rr := (float64(a1) / float64(n1)) / (float64(a0) / float64(n0))
	iv.Estimate = rr
	x1, m1, x0, m0 := float64(a1), float64(n1), float64(a0), float64(n0)
	if a1 == 0 {
		x1, m1, x0, m0 = x1+0.5, m1+1, x0+0.5, m0+1
	}
	// Searches can outnumber residents (people are searched more than once
	// over a long period); the interval exists while its variance is positive.
	variance := 1/x1 - 1/m1 + 1/x0 - 1/m0
	if variance <= 0 {
		return iv, true, false
	}
	se := math.Sqrt(variance)
	centre := math.Log((x1 / m1) / (x0 / m0))
	iv.Low = math.Exp(centre - z95*se)
	iv.High = math.Exp(centre + z95*se)
	if a1 == 0 {
		iv.Low = 0
	}
	return iv, true, true
}

// Comparison is one group set against a reference group: the ratio of
// their proportions and the gap between them, each with its 95% interval,
// and the one flag that both share.
type Comparison struct {
	Ratio      Interval
	HasRatio   bool
	HasRatioCI bool
	Gap        Interval // p1 - p0, Newcombe's hybrid score interval
	HasGap     bool
	Flag       bool // see Compare: a clear difference, the same for ratio and gap
}

// Compare sets a1 events in n1 against the reference a0 in n0 and decides
// the flag by the one rule every figure in Candour uses: a difference is
// flagged ("clear") only when every interval that can be worked out says
// so: the ratio's interval excludes 1 and the gap's interval excludes 0.
// Ratio and gap can therefore never disagree; where the two methods
// disagree at the margin, there is no flag and the words say "no clear
// difference". Without a ratio interval there is no flag. The gap is not
// worked out when events outnumber the base (searches of people searched
// more than once can outnumber residents); then the ratio alone decides.
func Compare(a1, n1, a0, n0 int64) Comparison {
	var c Comparison
	c.Ratio, c.HasRatio, c.HasRatioCI = RiskRatio(a1, n1, a0, n0)
	if a1 <= n1 && a0 <= n0 {
		c.Gap, c.HasGap = Difference(a1, n1, a0, n0)
	}
	c.Flag = c.HasRatioCI && c.Ratio.ExcludesOne() && (!c.HasGap || c.Gap.ExcludesZero())
	return c
}

// Flag is Compare's flag alone.
func Flag(a1, n1, a0, n0 int64) bool { return Compare(a1, n1, a0, n0).Flag }

// Wilson is the proportion k/n with its 95% Wilson score interval; ok is
// false when n is 0.
func Wilson(k, n int64) (Interval, bool) {
	if n <= 0 || k < 0 || k > n {
		return Interval{}, false
	}
	p := float64(k) / float64(n)
	nf := float64(n)
	z2 := z95 * z95
	denom := 1 + z2/nf
	centre := (p + z2/(2*nf)) / denom
	half := z95 * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf)) / denom
	return Interval{Estimate: p, Low: math.Max(0, centre-half), High: math.Min(1, centre+half)}, true
}

// Disclosure thresholds (Race Disparity Unit practice).
const (
	// MinCell: a count below this is shown as "fewer than 10".
	MinCell = 10
	// MinBase: an estimate from fewer respondents carries a warning.
	MinBase = 50
)

// SmallCount reports whether a figure rests on so few events (fewer than
// MinCell) that its words must say the interval is wide and it must not
// be read on its own.
func SmallCount(n int64) bool { return n < MinCell }

// Suppressed reports whether a cell count must not be shown.
func Suppressed(count int64) bool { return count > 0 && count < MinCell }

// SmallBase reports whether an estimate's base needs a warning.
func SmallBase(n int64) bool { return n < MinBase }
