package stats

import (
	"context"
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
// offices run it for linked tables (the audit of tau-ARGUS): a count from
// 1 to MinCell-1 is withheld (primary suppression), every withheld count
// carries the same label (as the ONS's "[c]"), and for each end of each
// such count's protection interval (Target) the audit (ProtectWith) finds a
// witness, whole numbers for every count consistent with everything
// published with the count at that end, withholding more counts
// (secondary suppression) where a witness needs them. Bounds (gonum's
// simplex with branch and bound on top) is the attacker's exact tool, used
// by the tests (disclosuretest) and for small tables.

// Mask states besides Shown, Primary and Secondary (see Suppress).
const (
	// Unpublished marks a quantity that is never published but that the
	// relations need (say, how many people skipped a question): a reader
	// knows only that it is a whole number of 0 or more.
	Unpublished = 3
)

// ProtectionMargin is how far either side of its true value a withheld
// count of 1 to 9 must stay possible (no lower than 0).
const ProtectionMargin = 5

// Unbounded is the upper bound Bounds reports for a count that can be as
// large as anyone likes.
const Unbounded = math.MaxInt64

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
	// Constants are known to every reader whatever their value (the 9 of
	// "fewer than 10 people"): never withheld.
	Constants map[int]bool
	// Hidden counts are never shown (the answers of a group too small to
	// show) but are audited like any withheld count: withheld from the
	// start, and a hidden count of 1 to 9 gets the same protection as a
	// count of 1 to 9 that is withheld.
	Hidden map[int]bool
	// Cost is what withholding each count costs the release's readers
	// (nil: 1 each). Of the witnesses that prove a count safe, the audit
	// takes the one whose further withheld counts cost least, so a release
	// can say which counts it would rather keep (the headline groups')
	// and which it can spare ("not stated", the smallest counts).
	Cost []float64
}

// cost is what withholding the counts open costs.
func (r *Release) cost(open []int) float64 {
	if r.Cost == nil {
		return float64(len(open))
	}
	s := 0.0
	for _, c := range open {
		s += r.Cost[c]
	}
	return s
}

// Constant adds a quantity every reader knows and returns its index.
func (r *Release) Constant(v int64) int {
	i := r.Cell(v, true)
	if r.Constants == nil {
		r.Constants = map[int]bool{}
	}
	r.Constants[i] = true
	return i
}

// small reports whether cell i is a published count of 1 to 9.
func (r *Release) small(i int) bool { return r.Public[i] && !r.Constants[i] && Suppressed(r.Values[i]) }

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
// when shown; otherwise that it is a whole number of 0 or more. A withheld
// count says no more than that: "withheld" is the one label for a count of
// 1 to 9 and for any count withheld to protect one (a zero among them),
// as the ONS's [c] is. Anything more a label says (a group "too small to
// show" has fewer than 10 people) is a relation of the release.
func Known(value int64, state int) (lo, hi float64) {
	if state == Shown {
		return float64(value), float64(value)
	}
	return 0, math.Inf(1)
}

// Target is the range a withheld count of 1 to 9 with value v must stay
// within reach of: margin either side, and no lower than 0.
func Target(v int64, margin int64) (lo, hi int64) {
	return max(0, v-margin), v + margin
}

// Targets are the ranges each "fewer than 10" count must stay within reach
// of: Target, narrowed to what the labels alone allow. Labels alone can
// pin a count whatever else is withheld: if "strongly agree" and "agree"
// are both "fewer than 10" and so is their sum, each is at most 8. The
// labels' own limits are found by propagating the ranges the labels give
// (1 to 9 for "fewer than 10", 0 or more for anything else) through each
// relation in turn until nothing changes; that never narrows a range more
// than the labels really do, so the target is never easier than it should be.
func Targets(r *Release, margin int64) map[int][2]int64 {
	lo := make([]float64, len(r.Values))
	hi := make([]float64, len(r.Values))
	for i := range r.Values {
		lo[i], hi[i] = 0, math.Inf(1)
		if r.Constants[i] {
			lo[i], hi[i] = float64(r.Values[i]), float64(r.Values[i])
		}
	}
	for round := 0; round < 20; round++ {
		changed := false
		for _, c := range r.Constraints {
			for _, t := range c.Terms {
				// coef·x ≤ −Σ others (and ≥ for an equality): the others' range
				// bounds x.
				minRest, maxRest := 0.0, 0.0
				for _, o := range c.Terms {
					if o.Cell == t.Cell {
						continue
					}
					a, b := o.Coef*lo[o.Cell], o.Coef*hi[o.Cell]
					minRest += math.Min(a, b)
					maxRest += math.Max(a, b)
				}
				// coef·x + rest ≤ 0 → coef·x ≤ −minRest; equality also coef·x ≥ −maxRest.
				up, down := -minRest, math.Inf(-1)
				if c.Equal {
					down = -maxRest
				}
				var nlo, nhi float64
				if t.Coef > 0 {
					nlo, nhi = down/t.Coef, up/t.Coef
				} else {
					nlo, nhi = up/t.Coef, down/t.Coef
				}
				if nlo = math.Ceil(nlo - 1e-9); nlo > lo[t.Cell] && !math.IsNaN(nlo) {
					lo[t.Cell], changed = nlo, true
				}
				if nhi = math.Floor(nhi + 1e-9); nhi < hi[t.Cell] && !math.IsNaN(nhi) {
					hi[t.Cell], changed = nhi, true
				}
			}
		}
		if !changed {
			break
		}
	}
	out := map[int][2]int64{}
	for i, v := range r.Values {
		if r.small(i) {
			tlo, thi := Target(v, margin)
			if hi[i] < float64(thi) {
				thi = int64(hi[i])
			}
			out[i] = [2]int64{max(tlo, int64(lo[i])), thi}
		}
	}
	return out
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
	truth  []float64
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
		p.truth = append(p.truth, float64(r.Values[c]))
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
	lpUnbounded
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
	// per finite upper bound. Each row starts with a basic column of its
	// own: its slack where the slack alone satisfies it, otherwise an
	// artificial column that costs bigM (the "big M" method). Handing the
	// simplex that basis spares it gonum's search for a first basis, which
	// tries columns one QR factorisation at a time and dominates the time
	// on tables of a few hundred counts.
	var bounded []int
	for j := range hi {
		if !math.IsInf(hi[j], 1) {
			bounded = append(bounded, j)
		}
	}
	rows := len(p.eq) + len(p.le) + len(bounded)
	type row struct {
		coef  []float64 // over y
		slack int       // -1 for none; else the index among slacks
		rhs   float64
	}
	shift := func(coef []float64, rhs float64) float64 {
		for j, a := range coef {
			rhs -= a * lo[j]
		}
		return rhs
	}
	rs := make([]row, 0, rows)
	for i, co := range p.eq {
		rs = append(rs, row{co, -1, shift(co, p.eqb[i])})
	}
	for i, co := range p.le {
		rs = append(rs, row{co, i, shift(co, p.leb[i])})
	}
	for k, j := range bounded {
		co := make([]float64, n)
		co[j] = 1
		rs = append(rs, row{co, len(p.le) + k, hi[j] - lo[j]})
	}
	slacks := len(p.le) + len(bounded)
	var artificial []int // rows that need one
	for i, r := range rs {
		if r.slack < 0 || r.rhs < 0 {
			artificial = append(artificial, i)
		}
	}
	cols := n + slacks + len(artificial)
	if rows == 0 {
		// Nothing binds the counts but their lower ends (no relation, no
		// finite upper end): the least is lo, the greatest unbounded.
		if sign < 0 {
			return math.Inf(-1), nil, lpUnbounded
		}
		return sign * lo[v], append([]float64(nil), lo...), lpOptimal
	}
	A := mat.NewDense(rows, cols, nil)
	b := make([]float64, rows)
	basis := make([]int, rows)
	for i, r := range rs {
		for j, a := range r.coef {
			if a != 0 {
				A.Set(i, j, a)
			}
		}
		if r.slack >= 0 {
			A.Set(i, n+r.slack, 1)
			basis[i] = n + r.slack
		}
		b[i] = r.rhs
	}
	c := make([]float64, cols)
	c[v] = sign
	for k, i := range artificial {
		col := n + slacks + k
		A.Set(i, col, 1)
		if b[i] < 0 {
			A.Set(i, col, -1)
		}
		c[col] = bigM
		basis[i] = col
	}
	p.nodes++
	opt, y, err := lp.Simplex(c, A, b, 1e-10, basis)
	switch {
	case errors.Is(err, lp.ErrInfeasible):
		return 0, nil, lpInfeasible
	case errors.Is(err, lp.ErrUnbounded):
		return math.Inf(-1), nil, lpUnbounded
	case err != nil:
		return 0, nil, lpFailed
	}
	left := 0.0
	for k := range artificial {
		left += y[n+slacks+k]
	}
	if left > 1e-6 {
		return 0, nil, lpInfeasible // the artificial columns could not all leave
	}
	x := make([]float64, n)
	for j := range x {
		x[j] = y[j] + lo[j]
	}
	return opt - bigM*left + sign*lo[v], x, lpOptimal
}

// bigM is the cost of an artificial column: far more than any count can
// move the objective (a single count of at most a few thousand), so an
// optimum keeps artificial columns at 0 whenever the relations allow.
const bigM = 1e3

// Bound is the smallest (sign +1) or largest (sign −1) whole-number value
// of cell consistent with the problem, by branch and bound over the
// simplex's linear relaxation. It returns ErrUndecided if it cannot tell
// within nodeLimit linear programs.
func (p *Problem) Bound(cell int, sign float64, nodeLimit int) (int64, error) {
	return p.bound(cell, sign, nodeLimit, math.Inf(-1), nil)
}

// bound is Bound that stops as soon as a whole-number solution reaches
// stop (in sign·value terms) and hands every whole-number solution it
// finds to seen.
func (p *Problem) bound(cell int, sign float64, nodeLimit int, stop float64, seen func(x []float64)) (int64, error) {
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
		root := p.nodes == start
		val, x, st := p.solve(v, sign, nd.lo, nd.hi)
		switch {
		case st == lpFailed, st == lpInfeasible && root && p.truthWithin(nd.lo, nd.hi):
			// The true values satisfy every relation, so an "infeasible"
			// root is the simplex failing numerically, not an answer.
			return 0, ErrUndecided
		case st == lpUnbounded:
			return Unbounded, nil
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
			if seen != nil {
				seen(x)
			}
			if best <= stop {
				break
			}
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
	return lo, hi, nil
}

// truthWithin reports whether the true values lie within lo..hi.
func (p *Problem) truthWithin(lo, hi []float64) bool {
	for j, t := range p.truth {
		if t < lo[j] || t > hi[j] {
			return false
		}
	}
	return true
}

// Protect decides which cells of a release may be published so that no
// withheld count of 1 to 9 can be narrowed by a reader, using every
// relation of the release at once, to less than margin either side of its
// true value (within what the labels alone allow: Targets). Cells that
// are not public are Unpublished. It is ProtectWith without a Mover: only
// the witnesses the linear programs find (slow; for small tables).
func Protect(r *Release, margin int64) []int {
	return ProtectWith(r, margin, nil).Mask
}

// Mover proposes witnesses for a release whose structure it knows (which
// counts are rows, columns and totals of which table): each proposal is
// the new values of the counts it changes, cell's own included, starting
// from the true values changed as in from (a witness part of the way).
// ProtectWith checks every proposal against every relation and label, so
// a Mover cannot make a release less safe, only the audit faster.
type Mover interface {
	Moves(cell int, target int64, mask []int, from map[int]int64) []map[int]int64
}

// Decision is what ProtectWith decided, with its proof.
type Decision struct {
	Mask []int
	// Witnesses holds, for each withheld count of 1 to 9, the two
	// witnesses (lowest end, highest end): the values of the counts that
	// differ from the true ones. A reader can check them against the
	// release's relations: they are the proof.
	Witnesses map[int][2]map[int]int64
	// Unproven counts the ends left without a witness (the release must
	// not be published: survey refuses).
	Unproven int
}

// ProtectWith decides a release's mask by cell suppression with a
// suppression audit in one pass: for each end of each withheld count's
// target it takes, of the witnesses the Mover proposes (or, without a
// Mover, the linear programs find), the one that needs fewest counts
// withheld besides those already withheld, and withholds them. A witness
// is whole numbers for every count, agreeing with every count still shown,
// every label ("withheld" is 0 or more)
// and every relation, with the count at that end; it proves a reader
// cannot narrow the count past that end. Withholding more only widens
// every range, so a witness found stays a witness as the pass goes on.
//
// Relations that do not hold of the values (an imported table whose groups
// do not add up to its total) are left out: no reader can use them.
func ProtectWith(r *Release, margin int64, mv Mover) Decision {
	d, _ := ProtectFrom(context.Background(), r, margin, mv, nil) // a context that never ends: no error
	return d
}

// ProtectFrom is ProtectWith with the counts marked in also withheld from
// the start, stopping when ctx ends: it looks at ctx before each witness
// search (one is a few small linear programs at most), so a decision of
// seconds stops within one search of a shutdown, and then returns only
// ctx's error (a decision cut short proves nothing).
func ProtectFrom(ctx context.Context, r *Release, margin int64, mv Mover, also []bool) (Decision, error) {
	var kept []Constraint
	for _, c := range r.Constraints {
		if r.holds(c) {
			kept = append(kept, c)
		}
	}
	r.Constraints = kept
	d := Decision{Mask: make([]int, len(r.Values)), Witnesses: map[int][2]map[int]int64{}}
	mask := d.Mask
	for i := range r.Values {
		switch {
		case !r.Public[i]:
			mask[i] = Unpublished
		case r.small(i):
			mask[i] = Primary
		case r.Hidden[i] && !r.Constants[i]:
			mask[i] = Secondary
		case also != nil && also[i] && !r.Constants[i]:
			mask[i] = Secondary
		}
	}
	by := make([][]int, len(r.Values))
	for ci, c := range r.Constraints {
		for _, t := range c.Terms {
			by[t.Cell] = append(by[t.Cell], ci)
		}
	}
	targets := Targets(r, margin)
	// The search for a witness depends on nothing but the mask (the
	// Mover's proposals and the linear programs alike), so an end that
	// found none is not searched again until more is withheld: failedAt
	// is the number of counts withheld when it last failed.
	withheld := 0
	failedAt := map[[2]int64]int{}
	// Passes: a later pass finds witnesses through counts withheld for
	// other counts in an earlier one.
	for pass := 0; pass < 3; pass++ {
		d.Unproven = 0
		for i, st := range mask {
			if st != Primary {
				continue
			}
			t := targets[i]
			got := d.Witnesses[i]
			for e, end := range t {
				if end == r.Values[i] {
					got[e] = map[int]int64{}
					continue
				}
				if got[e] != nil {
					continue
				}
				if n, ok := failedAt[[2]int64{int64(i), int64(e)}]; ok && n == withheld {
					d.Unproven++
					continue
				}
				if err := ctx.Err(); err != nil {
					return Decision{}, err
				}
				var best map[int]int64
				var bestOpen []int
				bestCost := 0.0
				try := func(w map[int]int64) {
					open, ok := r.admits(mask, by, w)
					if !ok {
						return
					}
					if c := r.cost(open); best == nil || c < bestCost {
						best, bestOpen, bestCost = w, open, c
					}
				}
				if mv == nil {
					for _, w := range tableMoves(r, by, i, end) {
						try(w)
					}
				}
				if mv != nil {
					// Up to six moves, each from where the last one got to.
					from := map[int]int64{}
					for step := 0; step < 6 && best == nil; step++ {
						var further map[int]int64
						var furtherOpen []int
						for _, w := range mv.Moves(i, end, mask, from) {
							all := make(map[int]int64, len(from)+len(w))
							for c, v := range from {
								all[c] = v
							}
							for c, v := range w {
								all[c] = v
							}
							if reaches(at(all, i, r.Values[i]), r.Values[i], end) {
								try(all)
								continue
							}
							open, ok := r.admits(mask, by, all)
							if ok && abs64(at(all, i, r.Values[i])-r.Values[i]) > abs64(at(from, i, r.Values[i])-r.Values[i]) && (further == nil ||
								abs64(at(all, i, r.Values[i])-end) < abs64(at(further, i, r.Values[i])-end) || (abs64(at(all, i, r.Values[i])-end) == abs64(at(further, i, r.Values[i])-end) && r.cost(open) < r.cost(furtherOpen))) {
								further, furtherOpen = all, open
							}
						}
						if further == nil {
							break
						}
						from = further
					}
				}
				if best == nil {
					if w := lpWitness(r, mask, i, end); w != nil {
						try(w)
					}
				}
				if best == nil {
					d.Unproven++
					failedAt[[2]int64{int64(i), int64(e)}] = withheld
					continue
				}
				for _, x := range bestOpen {
					mask[x] = Secondary
				}
				withheld += len(bestOpen)
				got[e] = best
			}
			d.Witnesses[i] = got
		}
		if d.Unproven == 0 {
			break
		}
	}
	return d, nil
}

// admits reports whether w (new values of some counts) is a witness once
// the counts it moves that are shown (open) are withheld too: every
// relation through a moved count holds, every moved count stays within
// its label (0 or more), and no constant moves.
func (r *Release) admits(mask []int, by [][]int, w map[int]int64) (open []int, ok bool) {
	open, why := r.Why(mask, by, w)
	return open, why < -1
}

// Why is admits for debugging: -2 if admitted, -1 for a count out of its
// label, otherwise the relation that fails.
func (r *Release) Why(mask []int, by [][]int, w map[int]int64) (open []int, why int) {
	if by == nil {
		by = make([][]int, len(r.Values))
		for ci, c := range r.Constraints {
			for _, t := range c.Terms {
				by[t.Cell] = append(by[t.Cell], ci)
			}
		}
	}
	val := func(c int) int64 {
		if v, ok := w[c]; ok {
			return v
		}
		return r.Values[c]
	}
	touched := map[int]bool{}
	for c, v := range w {
		if v == r.Values[c] {
			continue
		}
		switch {
		case r.Constants[c]:
			return nil, -1
		case mask[c] == Shown:
			open = append(open, c)
		}
		if v < 0 {
			return nil, -1
		}
		for _, ci := range by[c] {
			touched[ci] = true
		}
	}
	for ci := range touched {
		c := r.Constraints[ci]
		var s int64
		for _, t := range c.Terms {
			s += int64(t.Coef) * val(t.Cell)
		}
		if (c.Equal && s != 0) || (!c.Equal && s > 0) {
			return nil, ci
		}
	}
	sort.Ints(open)
	return open, -2
}

// tableMoves proposes the moves of cell suppression in a table of sums
// (the hypercube method in two dimensions), for a release without a
// Mover: cell against another count of one of its sums (when that count
// is in no other sum), and rectangles: cell and a count c1 of one sum
// through it, a count c2 of another sum through it, and the count c3 in a
// sum with c1 and a sum with c2, moving in turn up and down so that every
// sum stays. Each proposal is checked like any other.
func tableMoves(r *Release, by [][]int, cell int, end int64) []map[int]int64 {
	d := end - r.Values[cell]
	coef := func(ci, c int) int64 {
		var k int64
		for _, t := range r.Constraints[ci].Terms {
			if t.Cell == c {
				k += int64(t.Coef)
			}
		}
		return k
	}
	var out []map[int]int64
	var eqs []int
	for _, ci := range by[cell] {
		if r.Constraints[ci].Equal {
			eqs = append(eqs, ci)
		}
	}
	// The change of c that keeps sum ci when x changes by dx.
	opp := func(ci, x int, dx int64, c int) (int64, bool) {
		a, b := coef(ci, x), coef(ci, c)
		if b == 0 || (a*dx)%b != 0 {
			return 0, false
		}
		return -a * dx / b, true
	}
	for _, r1 := range eqs {
		for _, t1 := range r.Constraints[r1].Terms {
			c1 := t1.Cell
			if c1 == cell {
				continue
			}
			d1, ok := opp(r1, cell, d, c1)
			if !ok {
				continue
			}
			out = append(out, map[int]int64{cell: end, c1: r.Values[c1] + d1})
			for _, r2 := range eqs {
				if r2 == r1 {
					continue
				}
				for _, t2 := range r.Constraints[r2].Terms {
					c2 := t2.Cell
					if c2 == cell || c2 == c1 {
						continue
					}
					d2, ok := opp(r2, cell, d, c2)
					if !ok {
						continue
					}
					for _, r3 := range by[c1] {
						if r3 == r1 || !r.Constraints[r3].Equal {
							continue
						}
						for _, t3 := range r.Constraints[r3].Terms {
							c3 := t3.Cell
							if c3 == c1 || c3 == cell || c3 == c2 {
								continue
							}
							d3, ok := opp(r3, c1, d1, c3)
							if !ok {
								continue
							}
							out = append(out, map[int]int64{cell: end, c1: r.Values[c1] + d1, c2: r.Values[c2] + d2, c3: r.Values[c3] + d3})
						}
					}
				}
			}
		}
	}
	return out
}

// at is cell's value in w, or v if w does not change it.
func at(w map[int]int64, cell int, v int64) int64 {
	if x, ok := w[cell]; ok {
		return x
	}
	return v
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// reaches reports whether v is at or beyond end, on the side of end away
// from the true value.
func reaches(v, truth, end int64) bool {
	if end < truth {
		return v <= end
	}
	return v >= end
}

// lpWitness looks for a witness among the withheld counts nearest cell by
// linear programming (Witnesses): slow, so only where no Mover helped.
func lpWitness(r *Release, mask []int, cell int, end int64) (out map[int]int64) {
	defer func() {
		// gonum's dense routines panic on shapes they do not expect; a
		// witness not found is the safe answer (more is withheld).
		if recover() != nil {
			out = nil
		}
	}()
	// Large linked tables are searched only near the count (the 20 and
	// then 45 withheld counts nearest it): a solution there is a solution
	// of the whole release.
	sizes := []int{20}
	if LinkedCount(r, mask, cell) > 60 {
		sizes = []int{20, 45}
	}
	w := Witnesses{Release: r, Mask: mask, Sizes: sizes, Seen: func(cells []int, x []float64) {
		m := map[int]int64{}
		for j, c := range cells {
			m[c] = int64(math.Round(x[j]))
		}
		if v, ok := m[cell]; ok && reaches(v, r.Values[cell], end) {
			out = m
		}
	}}
	sign := 1.0
	if end > r.Values[cell] {
		sign = -1
	}
	if !w.Reach(cell, sign, end) {
		return nil
	}
	return out
}

// Witnesses finds whole-number solutions of a release's relations with one
// withheld count pushed to a given value. A solution is searched for among
// the withheld counts nearest the cell (breadth first through the
// relations), every other count held at its true value: any solution found
// that way is a solution of the whole release, so it proves the count can
// be that low or high. Small neighbourhoods keep the linear programs small
// (gonum's simplex is dense); a larger one is tried only if the small one
// finds none. Finding none is not proof that none exists, so the audit
// then withholds more: it errs towards protection.
type Witnesses struct {
	Release *Release
	Mask    []int
	Seen    func(cells []int, x []float64) // each whole-number solution found
	Sizes   []int                          // neighbourhood sizes to try; default 20, 45
}

// Reach reports whether a solution has cell ≤ target (sign +1) or
// ≥ target (sign −1).
func (w Witnesses) Reach(cell int, sign float64, target int64) bool {
	sizes := w.Sizes
	if len(sizes) == 0 {
		sizes = []int{20, 45}
	}
	comp := component(w.Release, w.Mask, cell)
	for k, size := range sizes {
		if k > 0 && sizes[k-1] >= len(comp.cells) {
			break
		}
		mask := w.near(cell, size)
		p := NewProblem(w.Release, mask, cell)
		var seen func([]float64)
		if w.Seen != nil {
			seen = func(x []float64) { w.Seen(p.cells, x) }
		}
		got, err := p.bound(cell, sign, 8, sign*float64(target), seen)
		if err == nil && sign*float64(got) <= sign*float64(target) {
			return true
		}
	}
	return false
}

// Relaxed bounds cell using only the relations among the size withheld
// counts nearest it (relations reaching further are left out). Leaving
// relations out can only widen a range, so if even this range is narrower
// than a target, the reader can certainly narrow the count that far.
func (w Witnesses) Relaxed(cell, size, nodeLimit int) (lo, hi int64, err error) {
	mask := w.near(cell, size)
	sub := &Release{Values: w.Release.Values, Public: w.Release.Public}
	for _, c := range w.Release.Constraints {
		ok := true
		for _, t := range c.Terms {
			// a count withheld but outside the neighbourhood: leave the relation out
			ok = ok && !(w.Mask[t.Cell] != Shown && mask[t.Cell] == Shown)
		}
		if ok {
			sub.Constraints = append(sub.Constraints, c)
		}
	}
	return Bounds(sub, w.Mask, cell, nodeLimit)
}

// near is the mask with every withheld count outside the size nearest to
// cell treated as shown (held at its true value).
func (w Witnesses) near(cell, size int) []int {
	r, mask := w.Release, w.Mask
	byCell := map[int][]int{}
	for ci, c := range r.Constraints {
		for _, t := range c.Terms {
			if mask[t.Cell] != Shown {
				byCell[t.Cell] = append(byCell[t.Cell], ci)
			}
		}
	}
	in := map[int]bool{cell: true}
	queue := []int{cell}
	for len(queue) > 0 && len(in) < size {
		c := queue[0]
		queue = queue[1:]
		for _, ci := range byCell[c] {
			for _, t := range r.Constraints[ci].Terms {
				if mask[t.Cell] != Shown && !in[t.Cell] && len(in) < size {
					in[t.Cell] = true
					queue = append(queue, t.Cell)
				}
			}
		}
	}
	out := append([]int(nil), mask...)
	for i := range out {
		if out[i] != Shown && !in[i] {
			out[i] = Shown
		}
	}
	return out
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
				} else if r.Values[t.Cell] > 0 && (pick < 0 || r.Values[t.Cell] < r.Values[pick]) {
					pick = t.Cell // never a zero: a reader knows a withheld count is 1 or more
				}
			}
			if unknown == 1 && !hidden && pick >= 0 {
				mask[pick] = Secondary
				changed = true
			}
		}
	}
}

// LinkedCount is how many unknown counts are linked to cell through
// relations under mask.
func LinkedCount(r *Release, mask []int, cell int) int { return len(component(r, mask, cell).cells) }

// SuppressRelease is primary suppression and the subtraction rule (no
// equality with exactly one withheld count) over a whole release. It is
// fast but, unlike Protect, it does not stop a reader who combines
// several relations.
func SuppressRelease(r *Release) []int {
	var kept []Constraint
	for _, c := range r.Constraints {
		if r.holds(c) {
			kept = append(kept, c)
		}
	}
	r.Constraints = kept
	mask := make([]int, len(r.Values))
	for i := range r.Values {
		switch {
		case !r.Public[i]:
			mask[i] = Unpublished
		case r.small(i):
			mask[i] = Primary
		}
	}
	loneWithheld(r, mask)
	return mask
}
