package stats

import "math"

// Difference is p1 - p0 for two independent proportions (a1 of n1 against
// the reference a0 of n0) with Newcombe's hybrid score interval (method 10
// of Newcombe 1998), built from the two Wilson intervals:
// low = d - sqrt((p1-l1)² + (u0-p0)²), high = d + sqrt((u1-p1)² + (p0-l0)²).
// ok is false when either base is empty.
func Difference(a1, n1, a0, n0 int64) (Interval, bool) {
	w1, ok1 := Wilson(a1, n1)
	w0, ok0 := Wilson(a0, n0)
	if !ok1 || !ok0 {
		return Interval{}, false
	}
	d := w1.Estimate - w0.Estimate
	return Interval{
		Estimate: d,
		Low:      d - math.Sqrt(sq(w1.Estimate-w1.Low)+sq(w0.High-w0.Estimate)),
		High:     d + math.Sqrt(sq(w1.High-w1.Estimate)+sq(w0.Estimate-w0.Low)),
	}, true
}

func sq(x float64) float64 { return x * x }

// ExcludesOne reports whether a ratio's interval lies wholly above or below
// 1: a difference unlikely to be chance at the 95% level.
func (iv Interval) ExcludesOne() bool { return iv.Low > 1 || iv.High < 1 }

// ExcludesZero reports whether a difference's interval lies wholly above or
// below 0.
func (iv Interval) ExcludesZero() bool { return iv.Low > 0 || iv.High < 0 }

// Cell states returned by Suppress.
const (
	Shown     = 0 // publish the count
	Primary   = 1 // fewer than MinCell (but not zero): "fewer than 10"
	Secondary = 2 // withheld so that a primary cell cannot be worked out by subtraction
)

// Relation says that the published cells Parts add up to the published cell
// Total (the answers in a group add up to the group's total; a group's
// answers across groups add up to the overall count).
type Relation struct {
	Parts []int
	Total int
}

// Suppress decides which of values may be published. A count from 1 to
// MinCell-1 is withheld (primary suppression). Then, while any relation has
// exactly one withheld cell (which anyone could recover as the total minus
// the other parts, or as the sum of the parts), the smallest non-zero cell
// still shown in that relation is withheld too (secondary suppression),
// preferring a part to the total. A zero is withheld only when nothing else
// is left: a zero is often known anyway (a group with no respondents), and
// withholding it would protect nothing. It returns Shown, Primary or Secondary per value.
//
// This is the usual one-relation-at-a-time heuristic used for published
// tables (each row and column, and each total, has no lone withheld cell);
// it does not solve the general linear-programming attack across many
// overlapping relations.
func Suppress(values []int64, rels []Relation) []int {
	mask := make([]int, len(values))
	for i, v := range values {
		if Suppressed(v) {
			mask[i] = Primary
		}
	}
	for changed := true; changed; {
		changed = false
		for _, r := range rels {
			withheld, pick := 0, -1
			for _, p := range r.Parts {
				if mask[p] != Shown {
					withheld++
				} else if pick < 0 || better(values[p], values[pick]) {
					pick = p
				}
			}
			if mask[r.Total] != Shown {
				withheld++
			}
			if withheld != 1 {
				continue
			}
			if pick < 0 {
				pick = r.Total // every part is withheld but the total: withhold it too
			}
			if mask[pick] == Shown {
				mask[pick] = Secondary
				changed = true
			}
		}
	}
	return mask
}

// better reports whether a is a better secondary cell than b: the smaller
// non-zero count.
func better(a, b int64) bool {
	if (a == 0) != (b == 0) {
		return b == 0
	}
	return a < b
}
