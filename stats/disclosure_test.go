package stats

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
)

// TestBoundsWholeNumbersTighterThanLinear: a + a + b = 9 with a a
// withheld count and b never published (a reader knows both are 0 or
// more). By hand: b = 9 − 2a ≥ 0, so a ≤ 4.5; a whole number, so a ≤ 4;
// and a ≥ 0. The linear relaxation alone would say 4.5.
func TestBoundsWholeNumbersTighterThanLinear(t *testing.T) {
	r := &Release{}
	a, b, total := r.Cell(3, true), r.Cell(3, false), r.Cell(9, true)
	r.Sum([]int{a, a, b}, total)
	mask := []int{Primary, Unpublished, Shown}
	lo, hi, err := Bounds(r, mask, a, 100)
	if err != nil {
		t.Fatal(err)
	}
	if lo != 0 || hi != 4 {
		t.Fatalf("bounds of a = %d to %d, want 0 to 4", lo, hi)
	}
}

// TestSubtractionRecovered is the old defect in miniature, worked by hand.
// The Black group's total 25 is shown, African 20 shown, Caribbean 3 and
// Other Black 2 withheld (each 1 to 9). By hand: Caribbean + Other Black
// = 25 − 20 = 5, each 0 or more, so Caribbean is 0 to 5, while it must be
// able to be anything from 0 to 8 (3 ± 5, no lower than 0): pinned. The
// audit must withhold African (20) too, the only count it can move in the
// one relation (the total is a sum of the others). Then Caribbean can be
// 0 to 25 (African 0 to 20 takes up the rest) and Other Black 0 to 25: both
// protected (targets 0 to 8 and 0 to 7).
func TestSubtractionRecovered(t *testing.T) {
	r := &Release{}
	african, caribbean, other, total := r.Cell(20, true), r.Cell(3, true), r.Cell(2, true), r.Cell(25, true)
	r.Sum([]int{african, caribbean, other}, total)
	old := []int{Shown, Primary, Primary, Shown}
	lo, hi, err := Bounds(r, old, caribbean, 100)
	if err != nil {
		t.Fatal(err)
	}
	if lo != 0 || hi != 5 {
		t.Fatalf("Caribbean under the old rule = %d to %d, want 0 to 5", lo, hi)
	}
	mask := Protect(r, ProtectionMargin)
	if want := []int{Secondary, Primary, Primary, Shown}; !equalInts(mask, want) {
		t.Fatalf("mask = %v, want %v (African withheld too, the total shown)", mask, want)
	}
	if lo, hi, _ := Bounds(r, mask, caribbean, 100); lo != 0 || hi != 25 {
		t.Errorf("Caribbean after the audit: %d to %d, want 0 to 25", lo, hi)
	}
	for _, c := range []int{caribbean, other} {
		lo, hi, err := Bounds(r, mask, c, 100)
		if err != nil {
			t.Fatal(err)
		}
		tlo, thi := Target(r.Values[c], ProtectionMargin)
		if lo > tlo || hi < thi {
			t.Errorf("cell %d (value %d): %d to %d, want at least %d to %d", c, r.Values[c], lo, hi, tlo, thi)
		}
	}
}

// TestTargets: the range a withheld count of 1 to 9 must stay within
// reach of, worked by hand: 5 either side, no lower than 0 (a reader knows
// only that a withheld count is 0 or more, so nothing else clips it).
func TestTargets(t *testing.T) {
	for _, c := range []struct{ v, lo, hi int64 }{{1, 0, 6}, {3, 0, 8}, {5, 0, 10}, {7, 2, 12}, {9, 4, 14}} {
		if lo, hi := Target(c.v, ProtectionMargin); lo != c.lo || hi != c.hi {
			t.Errorf("Target(%d) = %d to %d, want %d to %d", c.v, lo, hi, c.lo, c.hi)
		}
	}
}

// TestBoundsAgainstEnumeration checks the branch and bound against trying
// every whole-number value of the withheld cells of small random tables
// (rows, columns and their totals), with "fewer than 10" limited to 1..9.
func TestBoundsAgainstEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 5))
	checked := 0
	for trial := 0; trial < 600; trial++ {
		rows, cols := 2+rng.IntN(2), 2+rng.IntN(2)
		r := &Release{}
		cell := make([][]int, rows+1)
		vals := make([][]int64, rows+1)
		for i := range cell {
			cell[i] = make([]int, cols+1)
			vals[i] = make([]int64, cols+1)
		}
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				v := int64(rng.IntN(14))
				vals[i][j] = v
				vals[i][cols] += v
				vals[rows][j] += v
				vals[rows][cols] += v
			}
		}
		for i := range cell {
			for j := range cell[i] {
				cell[i][j] = r.Cell(vals[i][j], true)
			}
		}
		for i := 0; i <= rows; i++ {
			r.Sum(cell[i][:cols], cell[i][cols])
		}
		for j := 0; j <= cols; j++ {
			var parts []int
			for i := 0; i < rows; i++ {
				parts = append(parts, cell[i][j])
			}
			r.Sum(parts, cell[rows][j])
		}
		mask := make([]int, len(r.Values))
		var unknown []int
		for i, v := range r.Values {
			switch {
			case Suppressed(v):
				mask[i] = Primary
			case rng.IntN(5) == 0:
				mask[i] = Secondary
			}
			if mask[i] != Shown {
				unknown = append(unknown, i)
			}
		}
		big := false
		for _, c := range unknown {
			big = big || r.Values[c] > 40
		}
		if len(unknown) == 0 || len(unknown) > 3 || big {
			continue // the enumeration below tries 0 to 40 only
		}
		checked++
		wantLo, wantHi := enumerate(r, mask, unknown)
		for k, c := range unknown {
			lo, hi, err := Bounds(r, mask, c, 2000)
			if err != nil {
				t.Fatalf("trial %d: %v", trial, err)
			}
			if lo != wantLo[k] || hi != wantHi[k] {
				t.Errorf("trial %d cell %d: %d to %d, want %d to %d", trial, c, lo, hi, wantLo[k], wantHi[k])
			}
		}
	}
	if checked < 30 {
		t.Fatalf("only %d tables checked", checked)
	}
}

// enumerate tries every value of the unknown cells (0..40 for withheld,
// 1..9 for fewer than 10) and keeps the range of each over the solutions.
func enumerate(r *Release, mask []int, unknown []int) (lo, hi []int64) {
	lo, hi = make([]int64, len(unknown)), make([]int64, len(unknown))
	for k := range lo {
		lo[k], hi[k] = 1<<40, -1
	}
	vals := append([]int64(nil), r.Values...)
	var try func(k int)
	try = func(k int) {
		if k == len(unknown) {
			for _, c := range r.Constraints {
				s := 0.0
				for _, t := range c.Terms {
					s += t.Coef * float64(vals[t.Cell])
				}
				if s != 0 {
					return
				}
			}
			for k, c := range unknown {
				lo[k], hi[k] = min(lo[k], vals[c]), max(hi[k], vals[c])
			}
			return
		}
		from, to := int64(0), int64(40) // a withheld count is 0 or more, whatever its value
		for v := from; v <= to; v++ {
			vals[unknown[k]] = v
			try(k + 1)
		}
	}
	try(0)
	for k := range unknown {
		if hi[k] == 40 {
			hi[k] = Unbounded // only bounded by the enumeration's own limit
		}
	}
	return lo, hi
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestRectangleWithheld: a 2 × 2 table with its totals, worked by hand.
//
//	         x    y   total
//	A        3   20     23
//	B       15   30     45
//	total   18   50     68
//
// A·x = 3 is withheld (1 to 9). Alone it is 23 − 20 = 3 exactly. Withholding
// one more count in its row (A·y) is not enough: A·y = 50 − 30 from its
// column. The audit must withhold the rectangle A·x, A·y, B·x, B·y: then
// A·x can be 0 (A·y 23, B·x 18, B·y 27) or 8 (A·y 15, B·x 10, B·y 35), and
// every total still adds up, so a reader learns only that A·x is 0 to 18.
// Totals stay shown.
func TestRectangleWithheld(t *testing.T) {
	r := &Release{}
	ax, ay, at := r.Cell(3, true), r.Cell(20, true), r.Cell(23, true)
	bx, by, bt := r.Cell(15, true), r.Cell(30, true), r.Cell(45, true)
	tx, ty, tt := r.Cell(18, true), r.Cell(50, true), r.Cell(68, true)
	r.Sum([]int{ax, ay}, at)
	r.Sum([]int{bx, by}, bt)
	r.Sum([]int{ax, bx}, tx)
	r.Sum([]int{ay, by}, ty)
	r.Sum([]int{at, bt}, tt)
	r.Sum([]int{tx, ty}, tt)
	mask := Protect(r, ProtectionMargin)
	want := []int{Primary, Secondary, Shown, Secondary, Secondary, Shown, Shown, Shown, Shown}
	if !equalInts(mask, want) {
		t.Fatalf("mask = %v, want %v", mask, want)
	}
	lo, hi, err := Bounds(r, mask, ax, 100)
	if err != nil {
		t.Fatal(err)
	}
	if lo != 0 || hi != 18 {
		t.Errorf("A·x: a reader knows %d to %d, want 0 to 18", lo, hi)
	}
}

// TestBoundsWithoutRelations: a withheld count in no relation at all (the
// linear program has no rows) is 0 to unbounded, not a panic.
func TestBoundsWithoutRelations(t *testing.T) {
	r := &Release{}
	a := r.Cell(3, true)
	lo, hi, err := Bounds(r, []int{Primary}, a, 10)
	if err != nil {
		t.Fatal(err)
	}
	if lo != 0 || hi != Unbounded {
		t.Fatalf("bounds %d to %d, want 0 to unbounded", lo, hi)
	}
	if m := Protect(r, ProtectionMargin); m[a] != Primary {
		t.Fatalf("mask %v", m)
	}
}

// TestProtectRunsConcurrently: two servers (or two requests) decide
// releases at the same time, so Protect shares nothing between calls. A
// package variable it wrote on every call ("how many the last call left
// unproven") was a data race that -race caught in CI.
func TestProtectRunsConcurrently(t *testing.T) {
	release := func() *Release {
		r := &Release{}
		ax, ay, at := r.Cell(3, true), r.Cell(20, true), r.Cell(23, true)
		bx, by, bt := r.Cell(15, true), r.Cell(30, true), r.Cell(45, true)
		r.Sum([]int{ax, ay}, at)
		r.Sum([]int{bx, by}, bt)
		return r
	}
	want := Protect(release(), ProtectionMargin)
	var wg sync.WaitGroup
	masks := make([][]int, 4)
	for i := range masks {
		wg.Go(func() { masks[i] = Protect(release(), ProtectionMargin) })
	}
	wg.Wait()
	for i, m := range masks {
		if !equalInts(m, want) {
			t.Errorf("call %d: mask %v, want %v", i, m, want)
		}
	}
}

// TestProtectStopsWhenCancelled: a decision stops within one witness
// search of its context ending (a shutdown, while the survey-decisions job
// decides a release for seconds) and returns the context's error, never a
// decision it did not finish.
func TestProtectStopsWhenCancelled(t *testing.T) {
	release := func() *Release {
		r := &Release{}
		parts := []int{r.Cell(3, true), r.Cell(4, true), r.Cell(5, true), r.Cell(6, true), r.Cell(40, true)}
		r.Sum(parts, r.Cell(58, true))
		return r
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mv := &searchesSeen{cancel: cancel}
	d, err := ProtectFrom(ctx, release(), ProtectionMargin, mv, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled during the first search: %v, want context.Canceled", err)
	}
	if d.Mask != nil || d.Witnesses != nil {
		t.Errorf("a decision cut short was returned: %+v", d)
	}
	if got, want := len(mv.cells), 1; got != want {
		t.Errorf("%d witness searches (counts %v), want %d: the one running when the context ended", got, mv.cells, want)
	}

	// Not cancelled, the same audit searches both ends of every count of 1
	// to 9: what the cancelled one did not do.
	all := &searchesSeen{cancel: func() {}}
	if _, err := ProtectFrom(context.Background(), release(), ProtectionMargin, all, nil); err != nil {
		t.Fatal(err)
	}
	if len(all.cells) < 4 {
		t.Fatalf("%d witness searches without a cancel: the test proves nothing", len(all.cells))
	}
}

// searchesSeen is a Mover that proposes nothing (the linear programs then
// search), calls cancel and records the count of each search.
type searchesSeen struct {
	cancel func()
	cells  []int
}

func (m *searchesSeen) Moves(cell int, _ int64, _ []int, _ map[int]int64) []map[int]int64 {
	m.cancel()
	m.cells = append(m.cells, cell)
	return nil
}
