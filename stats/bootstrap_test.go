package stats

import (
	"math"
	"testing"
)

// TestMedianDifference checks the exact bootstrap interval for a
// difference in medians against hand computations, in the two cases where
// it and "the two medians' own intervals do not overlap" disagree.
func TestMedianDifference(t *testing.T) {
	near := func(got, want, tol float64) bool { return math.Abs(got-want) <= tol }
	t.Run("the intervals overlap, the difference leaves out 0", func(t *testing.T) {
		// White, 10 episodes: eight of 2 hours, two of 5. Median rank 5 (2
		// hours); its order-statistic interval is ranks 2 to 9 (QuantileRanks
		// for n = 10): 2 to 5 hours. The group, 10 episodes: one of 2 hours,
		// nine of 5: median 5, interval 5 to 5. They overlap at 5.
		// Bootstrap: a White resample's median is 5 only when at most 4 of 10
		// draws are 2 hours: P(Binomial(10, 0.8) ≤ 4) = 0.0063694; the group's
		// is 2 only when at least 5 are: P(Binomial(10, 0.1) ≥ 5) = 0.0016349.
		// D = group − White ≤ 0 when the group's is 2, or both are 5:
		// 0.0016349 + (1 − 0.0016349) × 0.0063694 = 0.0079939 < 2.5%, so the
		// 2.5th percentile is 3 hours (D is −3, 0 or 3), and so is the 97.5th.
		white := []Bin{{Value: 2, N: 8}, {Value: 5, N: 2}}
		group := []Bin{{Value: 5, N: 9}, {Value: 2, N: 1}}
		d, ok := MedianDifference(group, white)
		if !ok || d.Low != 3 || d.High != 3 || !near(d.Below, 0.0079939, 5e-7) {
			t.Fatalf("got %+v, want 3 to 3 with 0.0079939 at or below 0", d)
		}
	})
	t.Run("the intervals do not overlap, the difference includes 0", func(t *testing.T) {
		// White, 25: eighteen of 2 hours, seven of 5. Median rank 13 (2 hours);
		// interval ranks 8 to 18: 2 to 2. The group, 30: nine of 2 hours,
		// twenty-one of 5. Median rank 15 (5 hours); interval ranks 10 to 21:
		// 5 to 5. 5 > 2: they do not overlap.
		// Bootstrap: White's median is 5 when at most 12 of 25 draws are 2
		// hours: P(Binomial(25, 0.72) ≤ 12) = 0.0095630; the group's is 2 when
		// at least 15 of 30 are: P(Binomial(30, 0.3) ≥ 15) = 0.0169373.
		// P(D ≤ 0) = 0.0169373 + (1 − 0.0169373) × 0.0095630 = 0.0263384
		// ≥ 2.5%, and P(D ≤ −3) = 0.0169373 × 0.0095630 = 0.000162 < 2.5%,
		// so the interval is 0 to 3 hours: it includes 0.
		white := []Bin{{Value: 2, N: 18}, {Value: 5, N: 7}}
		group := []Bin{{Value: 2, N: 9}, {Value: 5, N: 21}}
		d, ok := MedianDifference(group, white)
		if !ok || d.Low != 0 || d.High != 3 || !near(d.Below, 0.0263384, 5e-7) {
			t.Fatalf("got %+v, want 0 to 3 with 0.0263384 at or below 0", d)
		}
	})
	t.Run("open episodes are longer than any found", func(t *testing.T) {
		// The group: all 10 not yet found, so its median is open in every
		// resample: the difference is +Inf whatever White's is.
		d, ok := MedianDifference([]Bin{{Open: true, N: 10}}, []Bin{{Value: 4, N: 10}})
		if !ok || !math.IsInf(d.Low, 1) || !math.IsInf(d.High, 1) || d.Below != 0 {
			t.Fatalf("got %+v", d)
		}
		// Both open: no difference.
		if d, _ := MedianDifference([]Bin{{Open: true, N: 3}}, []Bin{{Open: true, N: 5}}); d.Low != 0 || d.High != 0 {
			t.Fatalf("both open: %+v", d)
		}
	})
	t.Run("empty", func(t *testing.T) {
		if _, ok := MedianDifference(nil, []Bin{{Value: 1, N: 1}}); ok {
			t.Fatal("an empty sample gave an interval")
		}
	})
}

// TestMedianDifferenceIsDeterministic: the same data, given in any order
// and with a value split over two bins, always give the same interval
// (there is no random draw to differ).
func TestMedianDifferenceIsDeterministic(t *testing.T) {
	a := []Bin{{Value: 3, N: 3}, {Value: 10, N: 3}, {Value: 20, N: 3}, {Value: 24, N: 3}, {Value: 36, N: 2}, {Value: 100, N: 8}, {Open: true, N: 2}}
	b := []Bin{{Value: 72, N: 4}, {Value: 1, N: 4}, {Value: 2, N: 4}, {Value: 3, N: 4}, {Value: 4, N: 4}, {Value: 6, N: 4}, {Value: 8, N: 4}, {Value: 12, N: 4}, {Value: 30, N: 4}, {Value: 48, N: 4}}
	first, _ := MedianDifference(a, b)
	for i := range 5 {
		shuffled := append([]Bin{{Value: 100, N: 5}}, a...)
		shuffled[len(shuffled)-2].N = 3 // the 8 of 100 hours as 5 + 3
		for j := range shuffled {
			k := (j*7 + i) % len(shuffled)
			shuffled[j], shuffled[k] = shuffled[k], shuffled[j]
		}
		got, _ := MedianDifference(shuffled, b)
		if got != first {
			t.Fatalf("run %d: %+v, first %+v", i, got, first)
		}
	}
	// The example file's Black and White episodes (powers/missing_people_test.go):
	// 12 to 94 hours.
	if first.Low != 12 || first.High != 94 {
		t.Fatalf("Black − White: %+v, want 12 to 94", first)
	}
}
