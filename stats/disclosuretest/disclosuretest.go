// Package disclosuretest attacks published figures the way a determined
// reader would: from what was published (the counts shown, the labels of
// those withheld) and the relations anyone can see between them, it works
// out the smallest and largest whole number each withheld count can be,
// and reports every "fewer than 10" count pinned closer than the
// protection margin. It is for tests only: it needs the true values to say
// how close the reader got.
package disclosuretest

import (
	"fmt"
	"math"
	"sort"

	"candour/stats"
)

// Knowledge is what a reader knows: cells by name, and relations.
type Knowledge struct {
	// Enough, if more than 0, stops the attack once it has pinned that
	// many counts (a test showing the attack can fail needs no more).
	Enough int
	// claims are witnesses offered by whoever decided the release, by
	// count name: checked here against the reader's own relations before
	// they count for anything.
	claims map[string][2]map[string]int64
	// Lenient drops relations that are false of the values instead of
	// failing: for imported tables, whose groups need not add up to their
	// total (a reader can only rely on the relations that hold).
	Lenient bool
	rel     stats.Release
	mask    []int
	names   []string
	index   map[string]int
}

// New returns empty knowledge.
func New() *Knowledge { return &Knowledge{index: map[string]int{}} }

// Constant records a number every reader knows (the 9 of "fewer than 10
// people").
func (k *Knowledge) Constant(name string, v int64) error {
	if err := k.Cell(name, stats.Shown, v); err != nil {
		return err
	}
	i := k.index[name]
	if k.rel.Constants == nil {
		k.rel.Constants = map[int]bool{}
	}
	k.rel.Constants[i] = true
	return nil
}

// Claim offers witnesses for the count named: for its lowest and highest
// end, the names and values of the counts that differ from the true ones.
// Attack accepts a witness only if, with those values, every relation the
// reader knows holds and every count the reader sees is unchanged: a
// claim is a proof the attack checks, not something it trusts.
func (k *Knowledge) Claim(name string, w [2]map[string]int64) {
	if k.claims == nil {
		k.claims = map[string][2]map[string]int64{}
	}
	k.claims[name] = w
}

// Has reports whether a cell of that name is known.
func (k *Knowledge) Has(name string) bool { _, ok := k.index[name]; return ok }

// Cell records a published figure. state is stats.Shown (its value is
// known), stats.Primary ("fewer than 10": 1 to 9), stats.Secondary
// ("withheld": 0 or more) or stats.Unpublished (never published, 0 or
// more); truth is its true value. Recording the same name again must agree.
func (k *Knowledge) Cell(name string, state int, truth int64) error {
	if i, ok := k.index[name]; ok {
		if k.mask[i] != state || k.rel.Values[i] != truth {
			return fmt.Errorf("%s published twice differently: %d (state %d) and %d (state %d)", name, k.rel.Values[i], k.mask[i], truth, state)
		}
		return nil
	}
	k.index[name] = k.rel.Cell(truth, state != stats.Unpublished)
	k.mask = append(k.mask, state)
	k.names = append(k.names, name)
	return nil
}

func (k *Knowledge) ids(names []string) ([]int, error) {
	var out []int
	for _, n := range names {
		i, ok := k.index[n]
		if !ok {
			return nil, fmt.Errorf("no cell %q", n)
		}
		out = append(out, i)
	}
	return out, nil
}

// Sum records that the parts add up to total.
func (k *Knowledge) Sum(parts []string, total string) error {
	return k.relate(parts, []string{total}, true)
}

// AtMost records that the parts add up to at most the totals added up.
func (k *Knowledge) AtMost(parts []string, totals ...string) error {
	return k.relate(parts, totals, false)
}

// AtLeast records that the parts add up to at least total.
func (k *Knowledge) AtLeast(parts []string, total string) error {
	return k.relate([]string{total}, parts, false)
}

func (k *Knowledge) relate(parts, totals []string, equal bool) error {
	ps, err := k.ids(parts)
	if err != nil {
		return err
	}
	ts, err := k.ids(totals)
	if err != nil {
		return err
	}
	var terms []stats.Term
	for _, p := range ps {
		terms = append(terms, stats.Term{Cell: p, Coef: 1})
	}
	for _, t := range ts {
		terms = append(terms, stats.Term{Cell: t, Coef: -1})
	}
	k.rel.Constraints = append(k.rel.Constraints, stats.Constraint{Terms: terms, Equal: equal})
	return nil
}

// check turns a claimed witness into the reader's counts and checks it:
// counts the reader does not know are left out (no relation of the
// reader's has them), a count the reader sees may not change, withheld
// counts stay 0 or more, and every relation through a changed count holds.
func (k *Knowledge) check(w map[string]int64, by [][]int) (map[int]int64, bool) {
	if w == nil {
		return nil, false
	}
	v := map[int]int64{}
	for n, x := range w {
		i, ok := k.index[n]
		if !ok || x == k.rel.Values[i] {
			continue
		}
		if k.mask[i] == stats.Shown || x < 0 {
			return nil, false
		}
		v[i] = x
	}
	val := func(c int) int64 {
		if x, ok := v[c]; ok {
			return x
		}
		return k.rel.Values[c]
	}
	for c := range v {
		for _, ci := range by[c] {
			con := k.rel.Constraints[ci]
			var s int64
			for _, t := range con.Terms {
				s += int64(t.Coef) * val(t.Cell)
			}
			if (con.Equal && s != 0) || (!con.Equal && s > 0) {
				return nil, false
			}
		}
	}
	return v, true
}

// Pinned is a "fewer than 10" count the reader narrowed too far.
type Pinned struct {
	Name         string
	Value        int64
	Lo, Hi       int64 // the reader's whole-number range
	WantLo, Want int64 // the range the reader must not get inside
}

func (p Pinned) String() string {
	return fmt.Sprintf("%s = %d: a reader knows it is %d to %d (must not be narrower than %d to %d)", p.Name, p.Value, p.Lo, p.Hi, p.WantLo, p.Want)
}

// Progress, if set, hears about slow steps.
var Progress func(string)

// MaxExact is the most linked counts Attack bounds exactly.
var MaxExact = 60

// Result is what the attack found.
type Result struct {
	Withheld  int      // "fewer than 10" counts attacked
	Pinned    []Pinned // those narrowed within the margin
	Exact     []string // those recovered exactly
	Undecided []string // those the solver could not decide (a test should fail)
}

// Attack bounds every "fewer than 10" count. A relation that is not true
// of the values is an error in the reader's model (the test's, not the
// release's) and is reported.
func (k *Knowledge) Attack(margin int64) (*Result, error) {
	var kept []stats.Constraint
	for _, c := range k.rel.Constraints {
		s := 0.0
		for _, t := range c.Terms {
			s += t.Coef * float64(k.rel.Values[t.Cell])
		}
		if broken := (c.Equal && s != 0) || (!c.Equal && s > 0); !broken {
			kept = append(kept, c)
			continue
		}
		if !k.Lenient {
			var names []string
			for _, t := range c.Terms {
				names = append(names, fmt.Sprintf("%g×%s=%d", t.Coef, k.names[t.Cell], k.rel.Values[t.Cell]))
			}
			return nil, fmt.Errorf("a relation the reader relies on is false: %v", names)
		}
	}
	k.rel.Constraints = kept
	targets := stats.Targets(&k.rel, margin)
	res := &Result{}
	seenLo := append([]int64(nil), k.rel.Values...)
	seenHi := append([]int64(nil), k.rel.Values...)
	w := stats.Witnesses{Release: &k.rel, Mask: k.mask, Sizes: []int{20, 45}, Seen: func(cells []int, x []float64) {
		for j, c := range cells {
			v := int64(math.Round(x[j]))
			seenLo[c], seenHi[c] = min(seenLo[c], v), max(seenHi[c], v)
		}
	}}
	by := make([][]int, len(k.rel.Values))
	for ci, c := range k.rel.Constraints {
		for _, t := range c.Terms {
			by[t.Cell] = append(by[t.Cell], ci)
		}
	}
	for i, st := range k.mask {
		if st != stats.Primary {
			continue
		}
		if k.Enough > 0 && len(res.Pinned) >= k.Enough {
			break
		}
		res.Withheld++
		t := targets[i]
		if cl, ok := k.claims[k.names[i]]; ok {
			for e := range cl {
				if v, ok := k.check(cl[e], by); ok {
					for c, x := range v {
						seenLo[c], seenHi[c] = min(seenLo[c], x), max(seenHi[c], x)
					}
				}
			}
		}
		// A whole-number solution of every relation with the count at each
		// end of its target proves the reader cannot narrow it further.
		if (seenLo[i] <= t[0] || w.Reach(i, 1, t[0])) && (seenHi[i] >= t[1] || w.Reach(i, -1, t[1])) {
			continue
		}
		if Progress != nil {
			Progress("no witness for " + k.names[i])
		}
		// Otherwise: if the relations near the count alone already pin it,
		// the reader can pin it.
		pinned := false
		for _, size := range []int{20, 45} {
			if lo, hi, err := w.Relaxed(i, size, 500); err == nil && (lo > t[0] || hi < t[1]) {
				res.Pinned = append(res.Pinned, Pinned{Name: k.names[i], Value: k.rel.Values[i], Lo: lo, Hi: hi, WantLo: t[0], Want: t[1]})
				if lo == hi {
					res.Exact = append(res.Exact, k.names[i])
				}
				pinned = true
				break
			}
		}
		if pinned {
			continue
		}
		// Otherwise the reader's exact range, if the linked counts are few
		// enough for the dense simplex to bound in reasonable time.
		if n := stats.LinkedCount(&k.rel, k.mask, i); n > MaxExact {
			res.Undecided = append(res.Undecided, fmt.Sprintf("%s: no witness found and %d linked counts", k.names[i], n))
			continue
		}
		lo, hi, err := stats.Bounds(&k.rel, k.mask, i, 5000)
		if err != nil {
			res.Undecided = append(res.Undecided, k.names[i]+": "+err.Error())
			continue
		}
		if lo == hi {
			res.Exact = append(res.Exact, k.names[i])
		}
		if lo > t[0] || hi < t[1] {
			res.Pinned = append(res.Pinned, Pinned{Name: k.names[i], Value: k.rel.Values[i], Lo: lo, Hi: hi, WantLo: t[0], Want: t[1]})
		}
	}
	sort.Slice(res.Pinned, func(a, b int) bool { return res.Pinned[a].Name < res.Pinned[b].Name })
	return res, nil
}
