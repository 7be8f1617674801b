package stats

import (
	"reflect"
	"testing"
)

func TestDifferenceNewcombe(t *testing.T) {
	// By hand, from the Wilson intervals of TestWilson:
	// 8/10 (0.4902 to 0.9433) against 50/100 (0.4038 to 0.5962):
	// d = 0.3; low = 0.3 - sqrt(0.3098² + 0.0962²) = -0.0244;
	// high = 0.3 + sqrt(0.1433² + 0.0962²) = 0.4726.
	// 30/120 (0.1811 to 0.3344) against 200/400 (0.4512 to 0.5488):
	// d = -0.25; low = -0.25 - sqrt(0.0689² + 0.0488²) = -0.3344;
	// high = -0.25 + sqrt(0.0844² + 0.0488²) = -0.1525.
	cases := []struct {
		a1, n1, a0, n0 int64
		d, lo, hi      float64
		excludesZero   bool
	}{
		{8, 10, 50, 100, 0.3, -0.0244, 0.4726, false},
		{30, 120, 200, 400, -0.25, -0.3344, -0.1525, true},
	}
	for _, tc := range cases {
		iv, ok := Difference(tc.a1, tc.n1, tc.a0, tc.n0)
		if !ok || !near(iv.Estimate, tc.d, 1e-9) || !near(iv.Low, tc.lo, 0.0005) || !near(iv.High, tc.hi, 0.0005) {
			t.Errorf("Difference(%d/%d, %d/%d) = %+v, want %.4f (%.4f to %.4f)", tc.a1, tc.n1, tc.a0, tc.n0, iv, tc.d, tc.lo, tc.hi)
		}
		if iv.ExcludesZero() != tc.excludesZero {
			t.Errorf("Difference(%d/%d, %d/%d) excludes zero = %v", tc.a1, tc.n1, tc.a0, tc.n0, !tc.excludesZero)
		}
	}
	if _, ok := Difference(1, 0, 1, 10); ok {
		t.Error("an empty group has no difference")
	}
}

func TestRatioOfSharesFlag(t *testing.T) {
	// The ratio of two groups' shares is the risk ratio of the two
	// proportions. By hand: 30/120 against 200/400: ratio 0.5,
	// SE = sqrt(1/30 - 1/120 + 1/200 - 1/400) = 0.16583,
	// CI = 0.5 × exp(∓1.96 × 0.16583) = 0.3613 to 0.6920: excludes 1.
	// 8/10 against 50/100: 1.6, SE = sqrt(0.035) = 0.18708, 1.1088 to 2.3088.
	// 12/40 against 100/400: 1.2, SE = sqrt(1/12-1/40+1/100-1/400) = 0.25658,
	// 0.7258 to 1.9840: includes 1.
	cases := []struct {
		a1, n1, a0, n0 int64
		rr, lo, hi     float64
		flag           bool
	}{
		{30, 120, 200, 400, 0.5, 0.3613, 0.6920, true},
		{8, 10, 50, 100, 1.6, 1.1088, 2.3088, true},
		{12, 40, 100, 400, 1.2, 0.7258, 1.9840, false},
	}
	for _, tc := range cases {
		iv, ok, hasCI := RiskRatio(tc.a1, tc.n1, tc.a0, tc.n0)
		if !ok || !hasCI || !near(iv.Estimate, tc.rr, 1e-9) || !near(iv.Low, tc.lo, 0.0005) || !near(iv.High, tc.hi, 0.0005) {
			t.Errorf("ratio %d/%d : %d/%d = %+v, want %.4f (%.4f to %.4f)", tc.a1, tc.n1, tc.a0, tc.n0, iv, tc.rr, tc.lo, tc.hi)
		}
		if iv.ExcludesOne() != tc.flag {
			t.Errorf("ratio %d/%d : %d/%d flagged = %v, want %v", tc.a1, tc.n1, tc.a0, tc.n0, iv.ExcludesOne(), tc.flag)
		}
	}
}

func TestSuppress(t *testing.T) {
	S, P, X := Shown, Primary, Secondary
	cases := []struct {
		name   string
		values []int64
		rels   []Relation
		want   []int
	}{
		{
			// A row 40, 7, 25 with its total 72: 7 alone would be 72-40-25,
			// so the smallest other cell (25) goes too.
			name:   "one small cell in a row with its total",
			values: []int64{40, 7, 25, 72},
			rels:   []Relation{{Parts: []int{0, 1, 2}, Total: 3}},
			want:   []int{S, P, X, S},
		},
		{
			name:   "two small cells protect each other",
			values: []int64{40, 7, 3, 50},
			rels:   []Relation{{Parts: []int{0, 1, 2}, Total: 3}},
			want:   []int{S, P, P, S},
		},
		{
			name:   "zero is shown and nothing needs protecting",
			values: []int64{40, 0, 25, 65},
			rels:   []Relation{{Parts: []int{0, 1, 2}, Total: 3}},
			want:   []int{S, S, S, S},
		},
		{
			// A zero may be known anyway (a group nobody belongs to), so the
			// smallest non-zero cell is withheld instead.
			name:   "a zero is not the secondary cell",
			values: []int64{40, 7, 0, 47},
			rels:   []Relation{{Parts: []int{0, 1, 2}, Total: 3}},
			want:   []int{X, P, S, S},
		},
		{
			// 2×2 table with margins:      A    B  | total
			//                     yes      5   30  |  35  (cells 0,1 | 4)
			//                     no      20   45  |  65  (cells 2,3 | 5)
			//                     total   25   75  | 100  (cells 6,7 | 8)
			// Row "yes" loses 30 as well; column A then has 5 and 20 with 25,
			// so 20 goes; column B has 30 withheld and 45 shown: 45 goes;
			// row "no" now has 20 and 45 withheld: fine.
			name:   "a table with both margins",
			values: []int64{5, 30, 20, 45, 35, 65, 25, 75, 100},
			rels: []Relation{
				{Parts: []int{0, 1}, Total: 4}, {Parts: []int{2, 3}, Total: 5},
				{Parts: []int{0, 2}, Total: 6}, {Parts: []int{1, 3}, Total: 7},
				{Parts: []int{4, 5}, Total: 8}, {Parts: []int{6, 7}, Total: 8},
			},
			want: []int{P, X, X, X, S, S, S, S, S},
		},
		{
			// A group of 6 respondents: its total is primary, and the only
			// other group's total (94) would give it away from the overall 100.
			name:   "a small group total",
			values: []int64{6, 94, 100},
			rels:   []Relation{{Parts: []int{0, 1}, Total: 2}},
			want:   []int{P, X, S},
		},
		{
			name:   "the total is withheld when every part is",
			values: []int64{3, 4, 7},
			rels:   []Relation{{Parts: []int{0, 1}, Total: 2}},
			want:   []int{P, P, P},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Suppress(tc.values, tc.rels); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Suppress(%v) = %v, want %v", tc.values, got, tc.want)
			}
		})
	}
}
