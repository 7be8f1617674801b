package survey

import (
	"sort"
	"strconv"
	"strings"

	"candour/stats"
	"candour/store"
)

// mover proposes witnesses for the audit (stats.Mover) from what the
// release's counts are: the answers of a group of a breakdown to a
// question, everyone's answers, a group's size. Each proposal is a
// standard move of cell suppression for linked tables:
//
//   - a count in a group's row moves with another answer in the same row
//     and the same two answers of another group of the same breakdown the
//     other way (a rectangle: every row and column total stays);
//   - a count of everyone's answers moves with another of everyone's
//     answers the other way, and in every breakdown the same two answers
//     of one or more groups with it (every group's total stays);
//   - a group's size moves with another group's size of the same
//     breakdown the other way, and in every question broken down by it
//     the group's answers (and those who answered) move with it: people
//     moved between groups with their answers.
//
// Combined rows follow their parts. stats.ProtectWith checks every
// proposal against every relation and label; a wrong proposal is just
// refused.
type mover struct {
	from  map[int]int64 // where the witness starts (true values otherwise)
	rl    *release
	s     *source
	names []string
	mask  []int
	cheap bool // spread to the groups whose counts cost least first
}

func newMover(rl *release, s *source) *mover {
	m := &mover{rl: rl, s: s, names: make([]string, len(rl.Values))}
	for k, i := range rl.keys {
		m.names[i] = k
	}
	return m
}

// move is a proposal being built: new values by cell.
type move map[int]int64

func (m *mover) val(w move, c int) int64 {
	if v, ok := w[c]; ok {
		return v
	}
	if v, ok := m.from[c]; ok {
		return v
	}
	return m.rl.Values[c]
}

func (m *mover) add(w move, key string, d int64) bool {
	i, ok := m.rl.keys[key]
	if !ok {
		return false
	}
	w[i] = m.val(w, i) + d
	return true
}

// reach is how far a count of group g's row can move in direction dir
// (+1 or -1): down to 0; up without limit, except those who answered a
// question, who stay no more than the group's size.
func (m *mover) reach(w move, q *store.Question, dim, g, code string, dir int64) int64 {
	if dir < 0 {
		return m.room(w, qkey(q.ID, dim, g, code))
	}
	if code != store.TallyAnswered || dim == store.DimAll {
		return 1 << 40
	}
	i, ok := m.rl.keys[sizeKey(dim, g)]
	b, okb := m.rl.keys[qkey(q.ID, dim, g, code)]
	if !ok || !okb {
		return 1 << 40
	}
	return max(0, m.val(w, i)-m.val(w, b))
}

// room is how far a count can go down and stay within its label.
func (m *mover) room(w move, key string) int64 {
	i, ok := m.rl.keys[key]
	if !ok {
		return 0
	}
	return m.val(w, i) // withheld counts are 0 or more
}

// cost is what withholding a count costs (0 if it is already withheld).
func (m *mover) cost(key string) float64 {
	i, ok := m.rl.keys[key]
	if !ok || m.rl.Cost == nil || m.withheld(key) {
		return 0
	}
	return m.rl.Cost[i]
}

// withheld reports whether a count is already withheld (a move through it
// costs nothing).
func (m *mover) withheld(key string) bool {
	i, ok := m.rl.keys[key]
	return ok && m.mask != nil && m.mask[i] != stats.Shown
}

// Moves proposes each move twice: spreading the balancing change across
// a breakdown's groups with most room first (fewest counts touched), and
// with the cheapest first ("not stated" and small counts before the
// headline groups'; costs). The audit takes the cheapest that holds.
func (m *mover) Moves(cell int, target int64, mask []int, from map[int]int64) []map[int]int64 {
	m.cheap = false
	out := m.moves(cell, target, mask, from)
	m.cheap = true
	out = append(out, m.moves(cell, target, mask, from)...)
	m.cheap = false
	return out
}

func (m *mover) moves(cell int, target int64, mask []int, from map[int]int64) []map[int]int64 {
	m.mask, m.from = mask, from
	name := m.names[cell]
	d := target - m.val(nil, cell)
	parts := strings.Split(name, "/")
	var out []move
	switch {
	case parts[0] == "n" && len(parts) == 3:
		out = m.sizeMoves(parts[1], parts[2], d)
		if parts[1] != store.AboutEthnicity && parts[2] == store.NotStated && d < 0 {
			// "Not stated" of another breakdown going down: those moved out
			// of it who said "prefer not to say" give another answer now
			// ("prefer not to say" is at most "not stated").
			for _, w := range out {
				m.pntsWithin(w, parts[1])
			}
		}
	case parts[0] == "q" && len(parts) == 5:
		q := m.s.v.Question(parts[1])
		if q == nil {
			return nil
		}
		switch {
		case q.AboutYou && parts[2] == store.DimAll && m.s.hasDim(q.ID) && q.ID != store.AboutEthnicity && parts[4] == store.PreferNotToSay:
			// "Prefer not to say" is part of "not stated": people moved
			// between a group and "not stated", saying so.
			for _, w := range m.sizeMoves(q.ID, store.NotStated, d) {
				m.add(w, name, d)
				m.rebase(w, q.ID)
				out = append(out, w)
			}
		case q.AboutYou && parts[2] == store.DimAll && m.s.hasDim(q.ID) && q.ID != store.AboutEthnicity:
			out = m.sizeMoves(q.ID, parts[4], d)
		case q.AboutYou:
		case parts[2] == store.DimAll:
			out = m.everyoneMoves(q, parts[4], d)
		default:
			out = m.groupMoves(q, parts[2], parts[3], parts[4], d)
		}
	}
	res := make([]map[int]int64, len(out))
	for i, w := range out {
		res[i] = w
	}
	return res
}

// codes are a question's answer codes.
func codes(q *store.Question) []string {
	var cs []string
	for _, o := range q.Choices() {
		cs = append(cs, o.Code)
	}
	return cs
}

// blockOf is the combined row a code is part of ("" if none).
func blockOf(q *store.Question, code string) (string, []string) {
	for mi, ms := range measures(q) {
		if len(ms.Codes) < 2 {
			continue
		}
		for _, c := range ms.Codes {
			if c == code {
				return "m" + strconv.Itoa(mi), ms.Codes
			}
		}
	}
	return "", nil
}

// combine sets the combined rows of a group's row from its parts.
func (m *mover) combine(w move, q *store.Question, dim, val string) {
	for mi, ms := range measures(q) {
		if len(ms.Codes) < 2 {
			continue
		}
		i, ok := m.rl.keys[qkey(q.ID, dim, val, "m"+strconv.Itoa(mi))]
		if !ok {
			continue
		}
		var n int64
		for _, c := range ms.Codes {
			if j, ok := m.rl.keys[qkey(q.ID, dim, val, c)]; ok {
				n += m.val(w, j)
			}
		}
		if n != m.val(nil, i) {
			w[i] = n
		}
	}
}

// groupMoves: rectangles in the question's table for the breakdown.
func (m *mover) groupMoves(q *store.Question, dim, g, x string, d int64) []move {
	if strings.HasPrefix(x, "m") && x != store.TallyAnswered {
		// A combined row: move one of its parts (with a partner outside it).
		var out []move
		_, cs := blockOf(q, firstCode(q, x))
		for _, c := range cs {
			out = append(out, m.groupMoves(q, dim, g, c, d)...)
		}
		return out
	}
	var out []move
	dir := int64(1)
	if d < 0 {
		dir = -1
	}
	all := append(codes(q), store.TallyAnswered)
	for _, y0 := range all {
		if y0 == x {
			continue
		}
		// The row's other counts that move with x: y0 first, then the
		// others with most room, until the row adds up again.
		ys := []string{y0}
		for _, y := range all {
			if y != x && y != y0 && y != store.TallyAnswered {
				ys = append(ys, y)
			}
		}
		if y0 != store.TallyAnswered && x != store.TallyAnswered {
			ys = append(ys, store.TallyAnswered) // and, last, those who answered
		}
		w := move{}
		if !m.add(w, qkey(q.ID, dim, g, x), d) {
			continue
		}
		left := abs(d)
		ok := true
		for _, y := range ys {
			if left == 0 {
				break
			}
			sign := int64(-1) // y moves against x in the row
			if y == store.TallyAnswered || x == store.TallyAnswered {
				sign = 1 // x and those who answered move together
			}
			k := min(left, m.reach(w, q, dim, g, y, sign*dir))
			if k <= 0 {
				continue
			}
			if _, okk := m.rl.keys[qkey(q.ID, dim, g, y)]; !okk {
				continue
			}
			m.add(w, qkey(q.ID, dim, g, y), sign*dir*k)
			// ...and in the other groups, the same two counts the other way.
			ok = ok && m.spread(w, q, dim, x, y, sign, -dir*k, g)
			left -= k
		}
		if !ok || left != 0 {
			continue
		}
		m.combine(w, q, dim, g)
		out = append(out, w)
	}
	// People moved into or out of the group with this answer.
	sized := m.sizeMovesFor(dim, g, d, q.ID, x)
	out = append(out, sized...)
	// ...and, where the people moved did not give answer x often enough,
	// the rest of the way by a rectangle in the question's table.
	for _, w := range sized {
		out = append(out, m.topUp(w, q, dim, g, x, d)...)
	}
	// Or everyone's answer moves with it.
	out = append(out, m.everyoneMovesVia(q, x, d, dim, g)...)
	return out
}

// topUp finishes a move that took count x of group g only part of the
// way (d in all): the rest as answer x against another answer y in g's
// row, and the other way across the breakdown's other groups. A group too
// small to show can take people from "not stated" this way without its
// answers having to match theirs: one proposal for each y.
func (m *mover) topUp(w move, q *store.Question, dim, g, x string, d int64) []move {
	if x == store.TallyAnswered || strings.HasPrefix(x, "m") || !q.Choice() {
		return nil
	}
	i, ok := m.rl.keys[qkey(q.ID, dim, g, x)]
	if !ok {
		return nil
	}
	rem := d - (m.val(w, i) - m.val(nil, i))
	if rem == 0 || (rem > 0) != (d > 0) {
		return nil
	}
	var out []move
	for _, y := range codes(q) {
		if y == x {
			continue
		}
		j, ok := m.rl.keys[qkey(q.ID, dim, g, y)]
		if !ok {
			continue
		}
		if rem > 0 && m.val(w, j) < rem {
			continue // y cannot give up rem answers in g
		}
		if rem < 0 && m.val(w, i) < -rem {
			continue
		}
		w2 := move{}
		for c, v := range w {
			w2[c] = v
		}
		w2[i] = m.val(w, i) + rem
		w2[j] = m.val(w, j) - rem
		if !m.spread(w2, q, dim, x, y, -1, -rem, g) {
			continue
		}
		m.combine(w2, q, dim, g)
		out = append(out, w2)
	}
	return out
}

// firstCode is the first part of combined row mi.
func firstCode(q *store.Question, mkey string) string {
	mi, err := strconv.Atoi(strings.TrimPrefix(mkey, "m"))
	ms := measures(q)
	if err != nil || mi >= len(ms) || len(ms[mi].Codes) == 0 {
		return ""
	}
	return ms[mi].Codes[0]
}

// spread moves d of (code x against code y) across the groups of a
// breakdown, as far as each group's count can go: x by +k and y by sign·k
// in each group used. The groups with counts already withheld go first,
// then the largest.
func (m *mover) spread(w move, q *store.Question, dim, x, y string, sign, d int64, except string) bool {
	return m.spreadFirst(w, q, dim, x, y, sign, d, except, "")
}

// spreadFirst is spread using group first before any other.
func (m *mover) spreadFirst(w move, q *store.Question, dim, x, y string, sign, d int64, except, first string) bool {
	type grp struct {
		val  string
		room int64
		free bool
		cost float64
	}
	var gs []grp
	for _, g := range store.DimValues(dim) {
		if _, ok := m.rl.keys[qkey(q.ID, dim, g, x)]; !ok || g == except {
			continue
		}
		dx := int64(1)
		if d < 0 {
			dx = -1
		}
		room := min(m.reach(w, q, dim, g, x, dx), m.reach(w, q, dim, g, y, sign*dx))
		free := m.withheld(qkey(q.ID, dim, g, x)) && m.withheld(qkey(q.ID, dim, g, y))
		gs = append(gs, grp{g, room, free, m.cost(qkey(q.ID, dim, g, x)) + m.cost(qkey(q.ID, dim, g, y))})
	}
	sort.SliceStable(gs, func(i, j int) bool {
		if (gs[i].val == first) != (gs[j].val == first) {
			return gs[i].val == first
		}
		if gs[i].free != gs[j].free {
			return gs[i].free
		}
		if m.cheap && gs[i].cost != gs[j].cost {
			return gs[i].cost < gs[j].cost
		}
		return gs[i].room > gs[j].room
	})
	left := abs(d)
	for _, g := range gs {
		if left == 0 {
			break
		}
		k := min(left, g.room)
		if k <= 0 {
			continue
		}
		kd := k
		if d < 0 {
			kd = -k
		}
		m.add(w, qkey(q.ID, dim, g.val, x), kd)
		m.add(w, qkey(q.ID, dim, g.val, y), sign*kd)
		m.combine(w, q, dim, g.val)
		left -= k
	}
	return left == 0
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// everyoneMoves: everyone's count against another of everyone's, and the
// same in every breakdown.
func (m *mover) everyoneMoves(q *store.Question, x string, d int64) []move {
	return m.everyoneMovesVia(q, x, d, "", "")
}

// everyoneMovesVia is everyoneMoves with group g of breakdown dim taking
// the move first in its breakdown (a move of that group's count that the
// other groups cannot balance: everyone's count moves with it).
func (m *mover) everyoneMovesVia(q *store.Question, x string, d int64, dim0, g0 string) []move {
	all := store.DimAll
	if strings.HasPrefix(x, "m") {
		var out []move
		_, cs := blockOf(q, firstCode(q, x))
		for _, c := range cs {
			out = append(out, m.everyoneMovesVia(q, c, d, dim0, g0)...)
		}
		return out
	}
	var out []move
	for _, y := range append(codes(q), store.TallyAnswered) {
		if y == x {
			continue
		}
		sign := int64(-1)
		if y == store.TallyAnswered || x == store.TallyAnswered {
			sign = 1
		}
		w := move{}
		if !m.add(w, qkey(q.ID, all, all, x), d) || !m.add(w, qkey(q.ID, all, all, y), sign*d) {
			continue
		}
		m.combine(w, q, all, all)
		ok := true
		if q.Choice() && !q.AboutYou {
			for _, dim := range m.s.dims {
				first := ""
				if dim == dim0 {
					first = g0
				}
				ok = ok && m.spreadFirst(w, q, dim, x, y, sign, d, "", first)
			}
		}
		if ok {
			out = append(out, w)
		}
	}
	return out
}

// sizeKey is the count that is a group's size.
func sizeKey(dim, val string) string {
	if dim == store.AboutEthnicity || val == store.NotStated {
		return nkey(dim, val)
	}
	return qkey(dim, store.DimAll, store.DimAll, val)
}

// sizeMoves: people moved between two groups of a breakdown, with their
// answers.
func (m *mover) sizeMoves(dim, g string, d int64) []move { return m.sizeMovesFor(dim, g, d, "", "") }

// pntsWithin lowers "prefer not to say" of about-you question dim to no
// more than its "not stated", and sets those who answered again.
func (m *mover) pntsWithin(w move, dim string) {
	p, ok := m.rl.keys[qkey(dim, store.DimAll, store.DimAll, store.PreferNotToSay)]
	ns, okn := m.rl.keys[nkey(dim, store.NotStated)]
	if !ok || !okn {
		return
	}
	if over := m.val(w, p) - m.val(w, ns); over > 0 {
		w[p] = m.val(w, p) - over
		m.rebase(w, dim)
	}
}

// rebase sets those who answered an about-you question to its answers
// added up.
func (m *mover) rebase(w move, dim string) {
	ay := m.s.v.Question(dim)
	i, ok := m.rl.keys[qkey(dim, store.DimAll, store.DimAll, store.TallyAnswered)]
	if ay == nil || !ok {
		return
	}
	var n int64
	for _, c := range codes(ay) {
		if j, ok := m.rl.keys[qkey(dim, store.DimAll, store.DimAll, c)]; ok {
			n += m.val(w, j)
		}
	}
	w[i] = n
}

// sizeMovesFor is sizeMoves with the people moved giving answer code to
// question qid where they can.
func (m *mover) sizeMovesFor(dim, g string, d int64, qid, code string) []move {
	var out []move
	for _, h := range store.DimValues(dim) {
		if h == g {
			continue
		}
		if _, ok := m.rl.keys[sizeKey(dim, h)]; !ok {
			continue
		}
		w := move{}
		m.add(w, sizeKey(dim, g), d)
		m.add(w, sizeKey(dim, h), -d)
		if dim != store.AboutEthnicity {
			m.rebase(w, dim)
		}
		if dim == store.AboutEthnicity && (g == store.NotStated || h == store.NotStated) {
			// Those moved from or to "not stated" may have answered "prefer
			// not to say" (answered stays) or skipped the question.
			for j := int64(0); j < abs(d); j++ {
				w2 := move{}
				m.add(w2, sizeKey(dim, g), d)
				m.add(w2, sizeKey(dim, h), -d)
				if j > 0 {
					jj := j
					if (g == store.NotStated) == (d > 0) {
						jj = -j
					}
					m.add(w2, qkey(dim, store.DimAll, store.DimAll, store.TallyAnswered), jj)
				}
				if m.carryAll(w2, dim, g, h, d, qid, code) {
					out = append(out, w2)
				}
			}
		}
		if m.carryAll(w, dim, g, h, d, qid, code) {
			out = append(out, w)
		}
	}
	return out
}

// carryAll carries the answers of people moved between groups g and h to
// every question broken down by dim.
func (m *mover) carryAll(w move, dim, g, h string, d int64, qid, code string) bool {
	{
		ok := true
		for _, q := range m.s.published() {
			if !q.Choice() || q.AboutYou || !m.s.asked[q.ID] {
				continue
			}
			pref := ""
			if q.ID == qid {
				pref = code
			}
			ok = ok && m.carry(w, q, dim, g, h, d, pref)
		}
		return ok
	}
}

// carry moves the answers to q of people moved from group h to group g
// (d of them; d < 0 moves them from g to h).
func (m *mover) carry(w move, q *store.Question, dim, g, h string, d int64, pref string) bool {
	from, to, k := h, g, d
	if d < 0 {
		from, to, k = g, h, -d
	}
	base := func(v string) string { return qkey(q.ID, dim, v, store.TallyAnswered) }
	if _, ok := m.rl.keys[base(from)]; !ok {
		return true
	}
	if _, ok := m.rl.keys[base(to)]; !ok {
		return true
	}
	// How many of the people moved answered q: all of them for a question
	// everyone answers; otherwise only as many as "from" would be left
	// with more answers than people.
	n := k
	if pref != "" {
		n = k // the people moved answered q
	} else if !(q.Required && q.ShowIfQ == "") {
		fromSize := m.val(w, m.rl.keys[sizeKey(dim, from)])
		n = max(0, m.val(w, m.rl.keys[base(from)])-fromSize)
	}
	if n == 0 {
		return true
	}
	m.add(w, base(from), -n)
	m.add(w, base(to), n)
	cs := codes(q)
	if q.Type == store.QMultiple {
		// No answer of "from" may be more than those left answering, and
		// those moved ticked at least one answer each.
		left := m.val(w, m.rl.keys[base(from)])
		var moved int64
		for _, c := range cs {
			if e := m.val(w, m.rl.keys[qkey(q.ID, dim, from, c)]) - left; e > 0 {
				m.add(w, qkey(q.ID, dim, from, c), -e)
				m.add(w, qkey(q.ID, dim, to, c), e)
				moved += e
			}
		}
		sort.SliceStable(cs, func(i, j int) bool { return cs[i] == pref && cs[j] != pref })
		for _, c := range cs {
			if moved >= n {
				break
			}
			k := min(n-moved, m.room(w, qkey(q.ID, dim, from, c)))
			if k > 0 {
				m.add(w, qkey(q.ID, dim, from, c), -k)
				m.add(w, qkey(q.ID, dim, to, c), k)
				moved += k
			}
		}
		return true
	}
	left := n
	sort.SliceStable(cs, func(i, j int) bool {
		if (cs[i] == pref) != (cs[j] == pref) {
			return cs[i] == pref
		}
		return m.room(w, qkey(q.ID, dim, from, cs[i])) > m.room(w, qkey(q.ID, dim, from, cs[j]))
	})
	for _, c := range cs {
		if left == 0 {
			break
		}
		r := m.room(w, qkey(q.ID, dim, from, c))
		kk := min(left, r)
		if kk <= 0 {
			continue
		}
		m.add(w, qkey(q.ID, dim, from, c), -kk)
		m.add(w, qkey(q.ID, dim, to, c), kk)
		left -= kk
	}
	m.combine(w, q, dim, from)
	m.combine(w, q, dim, to)
	return left == 0
}

// questionsOf marks every count of the questions that have a count the
// decision left without a witness.
func (m *mover) questionsOf(d stats.Decision) []bool {
	qs := map[string]bool{}
	for i, st := range d.Mask {
		if st != stats.Primary {
			continue
		}
		if w := d.Witnesses[i]; w[0] == nil || w[1] == nil {
			if p := strings.Split(m.names[i], "/"); p[0] == "q" && len(p) == 5 {
				qs[p[1]] = true
			}
		}
	}
	out := make([]bool, len(m.names))
	for i, n := range m.names {
		if p := strings.Split(n, "/"); p[0] == "q" && len(p) == 5 && qs[p[1]] {
			out[i] = true
		}
	}
	return out
}
