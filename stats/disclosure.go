package stats

import (
	"errors"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

// Disclosure control for a whole release: every count published from one
// source at once (a survey version's results page, public summary and
// CSV), with every linear relation a reader can rely on between them.
//
// The method is cell suppression with a suppression audit, as statistical
// offices run it for linked tables (the audit of tau-ARGUS, or the
// "interval" check of the ONS): a count from 1 to MinCell-1 is withheld
// (primary suppression); then, for each withheld count, the smallest and
// largest whole numbers consistent with everything published are worked
// out by integer linear programming (gonum's simplex with branch and bound
// on top), and further counts are withheld (secondary suppression) until
// no withheld count can be pinned closer than the protection margin.

// Mask states besides Shown, Primary and Secondary (see Suppress).
const (
	// Unpublished marks a quantity that is never published but that the
	// relations need (say, how many people skipped a question): a reader
	// knows only that it is a whole number of 0 or more.
	Unpublished = 3
)

// ProtectionMargin is how far either side of its true value a "fewer than
// 10" count must stay possible (within what the label itself says: 1 to 9).
const ProtectionMargin = 5

// unboundedCap stands in for "no upper limit" in the linear programs (a
// count above a million never occurs in a survey here): every variable
// then has a finite range, so no program is unbounded.
const unboundedCap = 1 << 20

// Term is coef × cell in a linear relation.
type Term struct {
	Cell int
	Coef float64
}

// Constraint is Σ coef·cell = 0 (Equal) or Σ coef·cell ≤ 0.
type Constraint struct {
	Terms []Term
	Equal bool
}

// Release is every quantity of one release with the relations a reader
// knows hold between them.
type Release struct {
	Values      []int64
	Public      []bool
	Constraints []Constraint
}

// Cell adds a quantity and returns its index. A quantity that is not
// public is never shown but takes part in relations.
func (r *Release) Cell(v int64, public bool) int {
	r.Values = append(r.Values, v)
	r.Public = append(r.Public, public)
	return len(r.Values) - 1
}

// Sum records that the parts add up to total.
func (r *Release) Sum(parts []int, total int) { r.add(parts, total, true) }

// AtMost records that the parts add up to no more than total.
func (r *Release) AtMost(parts []int, total int) { r.add(parts, total, false) }

func (r *Release) add(parts []int, total int, equal bool) {
	var ts []Term
	for _, p := range parts {
		ts = append(ts, Term{p, 1})
	}
	ts = append(ts, Term{total, -1})
	r.Constraints = append(r.Constraints, Constraint{Terms: merge(ts), Equal: equal})
}

// merge adds up the coefficients of repeated cells and drops zeros.
func merge(ts []Term) []Term {
	sum := map[int]float64{}
	var order []int
	for _, t := range ts {
		if _, ok := sum[t.Cell]; !ok {
			order = append(order, t.Cell)
		}
		sum[t.Cell] += t.Coef
	}
	var out []Term
	for _, c := range order {
		if sum[c] != 0 {
			out = append(out, Term{c, sum[c]})
		}
	}
	return out
}

// holds reports whether a constraint is true of the release's values.
func (r *Release) holds(c Constraint) bool {
	s := 0.0
	for _, t := range c.Terms {
		s += t.Coef * float64(r.Values[t.Cell])
	}
	if c.Equal {
		return s == 0
	}
	return s <= 0
}

// Known is what a reader knows of a cell from its label alone: its value
// when shown, 1 to MinCell-1 for "fewer than 10", 0 or more otherwise.
func Known(value int64, state int) (lo, hi float64) {
	switch state {
	case Shown:
		return float64(value), float64(value)
	case Primary:
		return 1, MinCell - 1
	}
	return 0, unboundedCap
}

// Target is the range a "fewer than 10" count of value v must stay
// within reach of: margin either side, within 1 to MinCell-1.
func Target(v int64, margin int64) (lo, hi int64) {
	return max(1, v-margin), min(MinCell-1, v+margin)
}

// ErrUndecided means the branch and bound gave up before it could decide
// (too many nodes, or the simplex failed numerically).
var ErrUndecided = errors.New("stats: integer bounds undecided")

// Problem is the integer program an attacker solves for the withheld cells
// linked to one another: the unknown cells, their ranges from their labels,
// and every relation that involves them with the published values moved to
// the right-hand side.
type Problem struct {
	cells  []int // release index of each variable
	index  map[int]int
	lo, hi []float64
	eq     [][]float64 // independent equality rows only
	eqb    []float64
	le     [][]float64
	leb    []float64
	nodes  int
}

// NewProblem is the integer program of the unknown cells (mask != Shown)
// linked to cell through relations, as a reader who knows the release's
// relations sees it.
func NewProblem(r *Release, mask []int, cell int) *Problem {
	comp := component(r, mask, cell)
	p := &Problem{index: map[int]int{}}
	for _, c := range comp.cells {
		p.index[c] = len(p.cells)
		p.cells = append(p.cells, c)
		lo, hi := Known(r.Values[c], mask[c])
		p.lo, p.hi = append(p.lo, lo), append(p.hi, hi)
	}
	var eq [][]float64
	var eqb []float64
	for _, ci := range comp.constraints {
		c := r.Constraints[ci]
		row := make([]float64, len(p.cells))
		rhs := 0.0
		for _, t := range c.Terms {
			if j, ok := p.index[t.Cell]; ok {
				row[j] += t.Coef
			} else {
				rhs -= t.Coef * float64(r.Values[t.Cell])
			}
		}
		if c.Equal {
			eq, eqb = append(eq, row), append(eqb, rhs)
		} else {
			p.le, p.leb = append(p.le, row), append(p.leb, rhs)
		}
	}
	keep := independentRows(eq)
	for _, i := range keep {
		p.eq, p.eqb = append(p.eq, eq[i]), append(p.eqb, eqb[i])
	}
	return p
}

type comp struct {
	cells       []int
	constraints []int
}

// component finds the unknown cells reachable from cell through relations
// that involve unknown cells, and those relations.
func component(r *Release, mask []int, cell int) comp {
	byCell := map[int][]int{}
	for ci, c := range r.Constraints {
		for _, t := range c.Terms {
			if mask[t.Cell] != Shown {
				byCell[t.Cell] = append(byCell[t.Cell], ci)
			}
		}
	}
	seenC, seenR := map[int]bool{cell: true}, map[int]bool{}
	out := comp{}
	queue := []int{cell}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		out.cells = append(out.cells, c)
		for _, ci := range byCell[c] {
			if seenR[ci] {
				continue
			}
			seenR[ci] = true
			out.constraints = append(out.constraints, ci)
			for _, t := range r.Constraints[ci].Terms {
				if mask[t.Cell] != Shown && !seenC[t.Cell] {
					seenC[t.Cell] = true
					queue = append(queue, t.Cell)
				}
			}
		}
	}
	sort.Ints(out.cells)
	sort.Ints(out.constraints)
	return out
}

// independentRows picks a largest set of linearly independent rows
// (Gaussian elimination with partial pivoting): the simplex needs a
// full-rank matrix, and tables repeat themselves (the rows' totals add up
// to the same grand total as the columns').
func independentRows(rows [][]float64) []int {
	if len(rows) == 0 {
		return nil
	}
	n := len(rows[0])
	work := make([][]float64, len(rows))
	for i := range rows {
		work[i] = append([]float64(nil), rows[i]...)
	}
	var keep []int
	used := make([]bool, len(rows))
	for col := 0; col < n; col++ {
		piv, best := -1, 1e-9
		for i := range work {
			if !used[i] && math.Abs(work[i][col]) > best {
				piv, best = i, math.Abs(work[i][col])
			}
		}
		if piv < 0 {
			continue
		}
		used[piv] = true
		keep = append(keep, piv)
		for i := range work {
			if i == piv || used[i] {
				continue
			}
			f := work[i][col] / work[piv][col]
			if f == 0 {
				continue
			}
			for k := col; k < n; k++ {
				work[i][k] -= f * work[piv][k]
			}
		}
	}
	sort.Ints(keep)
	return keep
}

type lpStatus int

const (
	lpOptimal lpStatus = iota
	lpInfeasible
	lpFailed
)

// solve minimises sign·x[v] within the bounds lo..hi by the simplex.
func (p *Problem) solve(v int, sign float64, lo, hi []float64) (float64, []float64, lpStatus) {
	n := len(p.cells)
	for j := range lo {
		if lo[j] > hi[j]+1e-9 {
			return 0, nil, lpInfeasible
		}
	}
	// Standard form over y = x − lo ≥ 0, plus one slack per inequality and
	// per upper bound.
	rows := len(p.eq) + len(p.le) + n
	cols := n + len(p.le) + n
	A := mat.NewDense(rows, cols, nil)
	b := make([]float64, rows)
	shift := func(row []float64, rhs float64) float64 {
		for j, a := range row {
			rhs -= a * lo[j]
		}
		return rhs
	}
	r := 0
	for i, row := range p.eq {
		for j, a := range row {
			A.Set(r, j, a)
		}
		b[r] = shift(row, p.eqb[i])
		r++
	}
	for i, row := range p.le {
		for j, a := range row {
			A.Set(r, j, a)
		}
		A.Set(r, n+i, 1)
		b[r] = shift(row, p.leb[i])
		r++
	}
	for j := 0; j < n; j++ {
		A.Set(r, j, 1)
		A.Set(r, n+len(p.le)+j, 1)
		b[r] = hi[j] - lo[j]
		r++
	}
	c := make([]float64, cols)
	c[v] = sign
	p.nodes++
	opt, y, err := lp.Simplex(c, A, b, 1e-10, nil)
	switch {
	case errors.Is(err, lp.ErrInfeasible):
		return 0, nil, lpInfeasible
	case err != nil:
		return 0, nil, lpFailed
	}
	x := make([]float64, n)
	for j := range x {
		x[j] = y[j] + lo[j]
	}
	return opt + sign*lo[v], x, lpOptimal
}

// Bound is the smallest (sign +1) or largest (sign −1) whole-number value
// of cell consistent with the problem, by branch and bound over the
// simplex's linear relaxation. It returns ErrUndecided if it cannot tell
// within nodeLimit linear programs.
func (p *Problem) Bound(cell int, sign float64, nodeLimit int) (int64, error) {
	v, ok := p.index[cell]
	if !ok {
		return 0, errors.New("stats: cell is not in the problem")
	}
	type node struct{ lo, hi []float64 }
	stack := []node{{append([]float64(nil), p.lo...), append([]float64(nil), p.hi...)}}
	best := math.Inf(1) // of sign·x[v]
	start := p.nodes
	for len(stack) > 0 {
		if p.nodes-start >= nodeLimit {
			return 0, ErrUndecided
		}
		nd := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		val, x, st := p.solve(v, sign, nd.lo, nd.hi)
		if st == lpFailed {
			return 0, ErrUndecided
		}
		if st == lpInfeasible || math.Ceil(val-1e-6) >= best {
			continue
		}
		frac, fv := -1, 0.0
		for j, xj := range x {
			if d := math.Abs(xj - math.Round(xj)); d > 1e-6 && d > fv {
				frac, fv = j, d
			}
		}
		if frac < 0 {
			best = math.Round(val)
			continue
		}
		down := node{append([]float64(nil), nd.lo...), append([]float64(nil), nd.hi...)}
		down.hi[frac] = math.Floor(x[frac])
		up := node{append([]float64(nil), nd.lo...), append([]float64(nil), nd.hi...)}
		up.lo[frac] = math.Ceil(x[frac])
		stack = append(stack, up, down)
	}
	if math.IsInf(best, 1) {
		return 0, errors.New("stats: no whole-number solution: the relations do not hold")
	}
	return int64(sign * best), nil
}

// Bounds are the smallest and largest whole-number values of cell
// consistent with the release as published under mask.
func Bounds(r *Release, mask []int, cell int, nodeLimit int) (lo, hi int64, err error) {
	p := NewProblem(r, mask, cell)
	if lo, err = p.Bound(cell, 1, nodeLimit); err != nil {
		return 0, 0, err
	}
	if hi, err = p.Bound(cell, -1, nodeLimit); err != nil {
		return 0, 0, err
	}
	return lo, min(hi, unboundedCap), nil
}

// protected reports whether a primary cell's whole-number range reaches
// its target on both sides. It solves the linear relaxation first: if that
// already falls short, so do the whole numbers.
func protected(p *Problem, cell int, v int64, margin int64) bool {
	tlo, thi := Target(v, margin)
	lo, err := p.Bound(cell, 1, 200)
	if err != nil || lo > tlo {
		return false
	}
	hi, err := p.Bound(cell, -1, 200)
	return err == nil && hi >= thi
}

// Protect decides which cells of a release may be published so that no
// "fewer than 10" count can be narrowed by a reader, using every relation
// of the release at once, to less than margin either side of its true
// value (within 1 to MinCell-1). Cells that are not public are Unpublished.
//
// Relations that do not hold of the values (an imported table whose groups
// do not add up to its total) are left out: no reader can use them.
func Protect(r *Release, margin int64) []int {
	var kept []Constraint
	for _, c := range r.Constraints {
		if r.holds(c) {
			kept = append(kept, c)
		}
	}
	r.Constraints = kept
	mask := make([]int, len(r.Values))
	for i, v := range r.Values {
		switch {
		case !r.Public[i]:
			mask[i] = Unpublished
		case Suppressed(v):
			mask[i] = Primary
		}
	}
	for {
		loneWithheld(r, mask)
		failing := auditOnce(r, mask, margin)
		if len(failing) == 0 {
			return mask
		}
		added := false
		for _, cell := range failing {
			if pick := secondaryFor(r, mask, cell); pick >= 0 {
				mask[pick] = Secondary
				added = true
			}
		}
		if !added {
			return mask // nothing left to withhold near the failing cells
		}
	}
}

// auditOnce returns one failing primary cell per linked group of withheld
// cells (the next secondary cell changes the group, so the rest are
// checked again in the next round).
func auditOnce(r *Release, mask []int, margin int64) []int {
	done := map[int]bool{}
	var failing []int
	for i, st := range mask {
		if st != Primary || done[i] {
			continue
		}
		p := NewProblem(r, mask, i)
		ok := true
		for _, c := range p.cells {
			if mask[c] != Primary || !ok {
				continue
			}
			if !protected(p, c, r.Values[c], margin) {
				failing = append(failing, c)
				ok = false
			}
		}
		for _, c := range p.cells {
			done[c] = true
		}
	}
	return failing
}

// secondaryFor picks the next count to withhold for a failing cell: the
// smallest non-zero count shown in a relation with it, or failing that in
// a relation with any withheld count linked to it.
func secondaryFor(r *Release, mask []int, cell int) int {
	pick := func(cells map[int]bool) int {
		best := -1
		for _, c := range r.Constraints {
			in := false
			for _, t := range c.Terms {
				if cells[t.Cell] {
					in = true
					break
				}
			}
			if !in {
				continue
			}
			for _, t := range c.Terms {
				if mask[t.Cell] == Shown && (best < 0 || better(r.Values[t.Cell], r.Values[best])) {
					best = t.Cell
				}
			}
		}
		return best
	}
	if b := pick(map[int]bool{cell: true}); b >= 0 {
		return b
	}
	linked := map[int]bool{}
	for _, c := range component(r, mask, cell).cells {
		linked[c] = true
	}
	return pick(linked)
}

// loneWithheld is the quick first pass: wherever an equality has exactly
// one withheld cell (recoverable by subtraction), withhold the smallest
// non-zero shown cell in it too. It saves linear programs; the audit
// decides.
func loneWithheld(r *Release, mask []int) {
	for changed := true; changed; {
		changed = false
		for _, c := range r.Constraints {
			if !c.Equal {
				continue
			}
			unknown, hidden, pick := 0, false, -1
			for _, t := range c.Terms {
				if mask[t.Cell] != Shown {
					unknown++
					hidden = hidden || mask[t.Cell] == Unpublished
				} else if pick < 0 || better(r.Values[t.Cell], r.Values[pick]) {
					pick = t.Cell
				}
			}
			if unknown == 1 && !hidden && pick >= 0 {
				mask[pick] = Secondary
				changed = true
			}
		}
	}
}
