package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// QuantileInterval is a sample quantile with its distribution-free 95%
// interval, as ranks into the sorted sample (1-based). Rank is the
// estimate's order statistic: the smallest k with k ≥ n·p (the inverse of
// the empirical distribution function, R's quantile type 1). Low and High
// are the ranks l and u of the exact binomial order-statistic interval:
// l the largest rank with P(B ≤ l−1) ≤ 2.5% and u the smallest with
// P(B ≥ u) ≤ 2.5%, for B ~ Binomial(n, p), so that the true quantile lies
// between the l-th and u-th smallest values with probability at least
// 1 − P(B < l) − P(B ≥ u) ≥ 95% whatever the distribution (Conover,
// Practical Nonparametric Statistics, 3rd ed., §3.2). HasLow or HasHigh
// is false when the sample is too small for that end (l < 1 or u > n).
type QuantileInterval struct {
	Rank, Low, High int64
	HasLow, HasHigh bool
	Coverage        float64 // the interval's exact coverage, when both ends exist
}

// QuantileRanks works out the ranks of the p-quantile of n values.
func QuantileRanks(n int64, p float64) (QuantileInterval, bool) {
	if n <= 0 || p <= 0 || p >= 1 {
		return QuantileInterval{}, false
	}
	q := QuantileInterval{Rank: max(1, int64(math.Ceil(float64(n)*p-1e-9)))}
	b := distuv.Binomial{N: float64(n), P: p}
	const tail = 0.025
	// P(B ≤ k−1) grows with k: take the largest l with it at most 2.5%.
	var below float64
	for l := int64(1); l <= n; l++ {
		c := b.CDF(float64(l - 1))
		if c > tail+1e-12 {
			break
		}
		q.Low, q.HasLow, below = l, true, c
	}
	// P(B ≥ u) = 1 − P(B ≤ u−1) falls with u: the smallest u with it at most 2.5%.
	var above float64
	for u := int64(1); u <= n; u++ {
		if s := 1 - b.CDF(float64(u-1)); s <= tail+1e-12 {
			q.High, q.HasHigh, above = u, true, s
			break
		}
	}
	if q.HasLow && q.HasHigh {
		q.Coverage = 1 - below - above
	}
	return q, true
}
