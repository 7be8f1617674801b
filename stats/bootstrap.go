package stats

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// Bin is one value of a sample of whole numbers and how many times it
// occurs. An Open value (an episode not yet over) is larger than every
// value that is not.
type Bin struct {
	Value int64
	Open  bool
	N     int64
}

// MedianGap is a 95% interval for the difference between two medians.
// An end is +Inf or −Inf where it falls on an open value; Below is the
// bootstrap probability that the difference is 0 or less.
type MedianGap struct {
	Low, High float64
	Below     float64
}

// MedianDifference is the 95% percentile bootstrap interval for
// median(a) − median(b), the median being the ⌈n/2⌉-th smallest value (R's
// quantile type 1), worked out exactly rather than by drawing resamples.
// The median of n values resampled with replacement is at most the j-th
// distinct value x_j exactly when at least ⌈n/2⌉ of the n draws are at
// most x_j, so P(M* ≤ x_j) = P(B ≥ ⌈n/2⌉), B ~ Binomial(n, F(x_j)), F the
// share of the sample at most x_j (the exact bootstrap distribution of an
// order statistic; Hutson and Ernst, J. R. Stat. Soc. B 62, 2000). The two
// samples are resampled independently, so the difference's distribution
// is the product of the two; its 2.5th and 97.5th percentiles (the
// smallest d with P(D ≤ d) ≥ 2.5%, and ≥ 97.5%) are the interval. It is
// what a percentile bootstrap with infinitely many resamples gives, so
// there is no seed and the same data always give the same interval.
// Open values count as +Inf; two open medians differ by 0. ok is false
// when either sample is empty.
func MedianDifference(a, b []Bin) (d MedianGap, ok bool) {
	da, oka := medianDistribution(a)
	db, okb := medianDistribution(b)
	if !oka || !okb {
		return MedianGap{}, false
	}
	probs := map[float64]float64{}
	for _, x := range da {
		for _, y := range db {
			v := x.value - y.value
			if math.IsInf(x.value, 1) && math.IsInf(y.value, 1) {
				v = 0
			}
			probs[v] += x.p * y.p
		}
	}
	values := make([]float64, 0, len(probs))
	for v := range probs {
		values = append(values, v)
	}
	sort.Float64s(values)
	const eps = 1e-12
	d.Low, d.High = math.NaN(), math.NaN()
	var cum float64
	for _, v := range values {
		cum += probs[v]
		if v <= 0 {
			d.Below = cum
		}
		if math.IsNaN(d.Low) && cum >= 0.025-eps {
			d.Low = v
		}
		if math.IsNaN(d.High) && cum >= 0.975-eps {
			d.High = v
		}
	}
	return d, true
}

type atom struct{ value, p float64 }

// medianDistribution is the exact bootstrap distribution of the median of
// a sample: each distinct value with the probability that the median of
// a resample is that value.
func medianDistribution(bins []Bin) ([]atom, bool) {
	sorted := make([]Bin, 0, len(bins))
	var n int64
	for _, b := range bins {
		if b.N > 0 {
			sorted = append(sorted, b)
			n += b.N
		}
	}
	if n == 0 {
		return nil, false
	}
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].Open != sorted[j].Open {
			return !sorted[i].Open
		}
		return sorted[i].Value < sorted[j].Value
	})
	r := (n + 1) / 2 // ⌈n/2⌉
	var out []atom
	var seen int64
	var prev float64
	for i, b := range sorted {
		seen += b.N
		if i+1 < len(sorted) && sorted[i+1].Open == b.Open && sorted[i+1].Value == b.Value {
			continue // the same value given twice: count it once, at its end
		}
		atMost := 1.0
		if seen < n {
			atMost = 1 - distuv.Binomial{N: float64(n), P: float64(seen) / float64(n)}.CDF(float64(r-1))
		}
		v := float64(b.Value)
		if b.Open {
			v = math.Inf(1)
		}
		out = append(out, atom{value: v, p: atMost - prev})
		prev = atMost
	}
	return out, true
}
