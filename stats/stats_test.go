package stats

import (
	"math"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestRiskRatioAgainstHandComputedValues(t *testing.T) {
	// Dorset, January 2019: 7 searches of Black people (population 5,315)
	// against 102 of White people (733,925). By hand:
	// RR = (7/5315)/(102/733925) = 9.4765
	// SE = sqrt(1/7 - 1/5315 + 1/102 - 1/733925) = 0.39048
	// CI = 9.4765 × exp(∓1.96 × 0.39048) = 4.408 to 20.371
	cases := []struct {
		name                  string
		a1, n1, a0, n0        int64
		rr, lo, hi            float64
		hasRatio, hasInterval bool
	}{
		{"Black v White, Jan 2019", 7, 5315, 102, 733925, 9.4765, 4.408, 20.371, true, true},
		{"equal rates", 10, 1000, 10, 1000, 1, 0.4181, 2.3920, true, true},
		// No events: 0.5 added to each cell: (0.5/5001)/(100.5/700001) = 0.69638,
		// SE = sqrt(1/0.5 - 1/5001 + 1/100.5 - 1/700001) = 1.41766,
		// upper end 0.69638 × exp(1.96 × 1.41766) = 11.2087; lower end 0.
		{"no events in the group", 0, 5000, 100, 700000, 0, 0, 11.2087, true, true},
		{"no reference events", 5, 5000, 0, 700000, 0, 0, 0, false, false},
		{"empty population", 5, 0, 10, 100, 0, 0, 0, false, false},
		{"more searches than residents", 200, 100, 1000, 1000, 2, 0, 0, true, false},
		{"more searches than residents, interval exists", 200, 100, 10, 1000, 200, 109.662, 364.757, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			iv, hasRatio, hasInterval := RiskRatio(tc.a1, tc.n1, tc.a0, tc.n0)
			if hasRatio != tc.hasRatio || hasInterval != tc.hasInterval {
				t.Fatalf("hasRatio=%v hasInterval=%v, want %v %v", hasRatio, hasInterval, tc.hasRatio, tc.hasInterval)
			}
			if !near(iv.Estimate, tc.rr, 0.0005) || (hasInterval && (!near(iv.Low, tc.lo, 0.001) || !near(iv.High, tc.hi, 0.001))) {
				t.Fatalf("RR = %.4f (%.4f to %.4f), want %.4f (%.4f to %.4f)", iv.Estimate, iv.Low, iv.High, tc.rr, tc.lo, tc.hi)
			}
		})
	}
}

func TestCompareUsesOneFlagForRatioAndGap(t *testing.T) {
	// By hand (ratio: Wald on the log scale, add-half at zero; gap:
	// Newcombe's hybrid score interval from the two Wilson intervals):
	cases := []struct {
		name           string
		a1, n1, a0, n0 int64
		flag           bool
	}{
		// Black v White, Dorset Jan 2019: ratio 4.41 to 20.37, gap
		// +0.00050 to +0.00258 per person: both clear.
		{"clear", 7, 5315, 102, 733925, true},
		// Other v White: ratio 0.14 to 7.21, gap -0.00012 to +0.00065: neither.
		{"one search", 1, 7150, 102, 733925, false},
		// Zero searches of 200,000 against 100 of 700,000: ratio 0 to 0.280
		// (add-half), gap -0.000174 to -0.000111: flagged although the count is 0.
		{"zero, flagged", 0, 200000, 100, 700000, true},
		// Zero of 50 against 10 of 100: the gap's interval (-0.174 to
		// -0.016) excludes 0 but the ratio's (0 to 1.58) includes 1: the
		// methods disagree, so there is no flag for either.
		{"methods disagree", 0, 50, 10, 100, false},
	}
	for _, tc := range cases {
		c := Compare(tc.a1, tc.n1, tc.a0, tc.n0)
		if c.Flag != tc.flag || Flag(tc.a1, tc.n1, tc.a0, tc.n0) != tc.flag {
			t.Errorf("%s: flag %v, want %v (ratio %+v, gap %+v)", tc.name, c.Flag, tc.flag, c.Ratio, c.Gap)
		}
	}
	c := Compare(0, 200000, 100, 700000)
	if !c.HasRatioCI || !near(c.Ratio.High, 0.2803, 0.0001) || !c.HasGap || !near(c.Gap.High, -0.000111, 0.000001) {
		t.Errorf("zero count: %+v", c)
	}
	c = Compare(0, 50, 10, 100)
	if !c.Gap.ExcludesZero() || c.Ratio.ExcludesOne() {
		t.Errorf("the disagreeing case no longer disagrees: %+v", c)
	}
}

func TestWilson(t *testing.T) {
	// Hand-computed (and checked against R's binom::binom.wilson):
	// 8/10: 0.4902 to 0.9433; 0/20: 0 to 0.1611; 50/100: 0.4038 to 0.5962.
	cases := []struct {
		k, n      int64
		p, lo, hi float64
	}{
		{8, 10, 0.8, 0.4902, 0.9433},
		{0, 20, 0, 0, 0.1611},
		{50, 100, 0.5, 0.4038, 0.5962},
		{20, 20, 1, 0.8389, 1},
	}
	for _, tc := range cases {
		iv, ok := Wilson(tc.k, tc.n)
		if !ok || !near(iv.Estimate, tc.p, 1e-9) || !near(iv.Low, tc.lo, 0.0001) || !near(iv.High, tc.hi, 0.0001) {
			t.Errorf("Wilson(%d, %d) = %+v, want %.4f (%.4f to %.4f)", tc.k, tc.n, iv, tc.p, tc.lo, tc.hi)
		}
	}
	if _, ok := Wilson(0, 0); ok {
		t.Error("Wilson(0, 0) should have no estimate")
	}
}

func TestRateAndSuppression(t *testing.T) {
	if r, ok := Rate(7, 5315); !ok || !near(r, 1.31703, 0.00001) {
		t.Errorf("Rate(7, 5315) = %v", r)
	}
	if _, ok := Rate(7, 0); ok {
		t.Error("Rate with no population should not exist")
	}
	for n, want := range map[int64]bool{0: false, 1: true, 9: true, 10: false, 500: false} {
		if Suppressed(n) != want {
			t.Errorf("Suppressed(%d) = %v", n, !want)
		}
	}
	if !SmallBase(49) || SmallBase(50) {
		t.Error("SmallBase threshold is 50")
	}
}

func TestGroupOf(t *testing.T) {
	cases := map[string]Group{
		"White - English/Welsh/Scottish/Northern Irish/British": White,
		"White - Irish": White,
		"Black/African/Caribbean/Black British - Caribbean":                                    Black,
		"Black/African/Caribbean/Black British - Any other Black/African/Caribbean background": Black,
		"Mixed/Multiple ethnic groups - White and Black African":                               Mixed,
		"Asian/Asian British - Chinese":                                                        Asian,
		"Asian/Asian British - Pakistani":                                                      Asian,
		"Other ethnic group - Not stated":                                                      NotStated,
		"Other ethnic group - Any other ethnic group":                                          Other,
		"Other ethnic group - Arab":                                                            Other,
		"":                                                                                     NotStated,
		"White - White British (W1)":                                                           White,
		"Not Stated (NS)":                                                                      NotStated,
		"Black or Black British - Caribbean (B1)":                                              Black,
		"Mixed - White and Black Caribbean (M1)":                                               Mixed,
		"Asian or Asian British - Bangladeshi (A3)":                                            Asian,
		"Chinese (O1)":                                                                         Asian,
		"Other Ethnic Group (O9)":                                                              Other,
		"Black, Black British, Black Welsh, Caribbean or African: African":                     Black,
		"Asian, Asian British or Asian Welsh: Chinese":                                         Asian,
		"White: Roma":                                                                          White,
		"Martian":                                                                              Unrecognised,
	}
	for label, want := range cases {
		if got := GroupOf(label); got != want {
			t.Errorf("GroupOf(%q) = %q, want %q", label, got, want)
		}
	}
	for label, want := range map[string]Group{"White": White, "Black": Black, "": NotStated, "Other": Other, "Asian": Asian} {
		if got := OfficerGroupOf(label); got != want {
			t.Errorf("OfficerGroupOf(%q) = %q, want %q", label, got, want)
		}
	}
}

// TestQuantileRanks checks the order-statistic interval against the
// binomial sums worked by hand. Median of 10 values: P(B ≤ 1) = (1 + 10)/1024
// = 0.0107 ≤ 2.5%, P(B ≤ 2) = 56/1024 = 0.0547 > 2.5%, so l = 2; P(B ≥ 9) =
// 11/1024 ≤ 2.5% and P(B ≥ 8) = 56/1024 > 2.5%, so u = 9: the 2nd to the 9th
// smallest, coverage 1 − 22/1024 = 0.9785; the estimate is the 5th (type 1).
// The 90th percentile of 10 has no upper end (P(B ≥ 10) = 0.9^10 = 0.349).
func TestQuantileRanks(t *testing.T) {
	q, ok := QuantileRanks(10, 0.5)
	if !ok || q.Rank != 5 || q.Low != 2 || q.High != 9 || !q.HasLow || !q.HasHigh || math.Abs(q.Coverage-(1-22.0/1024)) > 1e-9 {
		t.Errorf("median of 10: %+v", q)
	}
	if q, _ := QuantileRanks(10, 0.9); q.Rank != 9 || q.HasHigh {
		t.Errorf("90th percentile of 10: %+v", q)
	}
	// Median of 5: P(B ≤ 0) = 1/32 = 0.03125 > 2.5%: no interval either side.
	if q, _ := QuantileRanks(5, 0.5); q.Rank != 3 || q.HasLow || q.HasHigh {
		t.Errorf("median of 5: %+v", q)
	}
	if _, ok := QuantileRanks(0, 0.5); ok {
		t.Error("a quantile of nothing")
	}
}
