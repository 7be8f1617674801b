package powers

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"candour/disparity"
	"candour/policeuk"
	"candour/stats"
	"candour/store"
)

// Vetting outcomes, in the order the force records them.
const (
	VettingCleared    = "Cleared"
	VettingConditions = "Cleared with conditions"
	VettingRefused    = "Refused"
	VettingWithdrawn  = "Withdrawn"
)

// Vocabularies of the force's vetting decisions (College of Policing
// Authorised Professional Practice on vetting: recruitment vetting,
// management vetting, non-police personnel vetting levels 1 to 3, and the
// national security levels).
var (
	VettingApplications = []string{"Police officer", "Police staff", "Special constable", "Police support volunteer",
		"Contractor", "Transferee", "Renewal"}
	VettingLevels   = []string{"RV", "MV", "NPPV1", "NPPV2", "NPPV3", "CTC", "SC", "DV"}
	VettingOutcomes = []string{VettingCleared, VettingConditions, VettingRefused, VettingWithdrawn}
	VettingSexes    = []string{"Female", "Male", "Not stated"}
)

// Vetting is the force's vetting decisions, one row per decision, from
// its vetting unit's own records: never published (the inspectorate asked
// the force to monitor disproportionality in them; a small count can point
// at a person). Its figures are not rates per resident but the share of
// each group's decisions that were refusals or withdrawals, compared with
// White applicants' (BuildVetting), read only by the Counter Corruption
// Unit and administrators. Restricted keeps it out of every page, list and
// public route of the other activities.
var Vetting = register(&Dataset{
	Kind:  "vetting",
	Title: "Vetting decisions",
	One:   "decision", Many: "decisions", Base: "decisions",
	Likely:   "to be refused",
	Suppress: true,
	// Restricted: the CCU and administrators only, never published.
	Restricted: true,
	Summary: "The force's vetting decisions: what share of each ethnic group's applications (as the applicant described their ethnicity) " +
		"were refused or withdrawn, how that compares with White applicants, and how it changed quarter by quarter.",
	Source: "the force vetting unit's own records of decisions, imported as CSV",
	Cannot: []string{
		"A refusal rate says how often applications of a group were refused, not why: the reasons are in the vetting files, not here.",
		"Applicants who withdrew before a decision are counted as withdrawn; some may have withdrawn because they expected a refusal, so refusal rates alone can understate differences.",
		"Decisions with no self-defined ethnicity are counted as not stated, so each group's counts may be too low by an unknown amount.",
		"Someone who applied twice in the period is counted twice.",
	},
	Columns: []Column{
		{Name: "Decision date", Required: true, Date: true},
		{Name: "Application type", Required: true, Values: VettingApplications},
		{Name: "Vetting level", Required: true, Values: VettingLevels},
		{Name: "Outcome", Required: true, Values: VettingOutcomes, Breakdown: true},
		{Name: "Self-defined ethnicity", Ethnicity: true},
		{Name: "Sex", Values: append([]string{""}, VettingSexes...)},
	},
	Derive: deriveVetting,
	Group: func(label string) stats.Group {
		if strings.EqualFold(strings.TrimSpace(label), "Prefer not to say") {
			return stats.NotStated
		}
		return stats.GroupOf(label)
	},
})

// VettingBy are the columns the decisions are also shown by (not by
// ethnic group: a group's decisions of one sex, type or level are nearly
// always 1 to 9), in the order of the file: each is counted as
// "by:COLUMN" (the decisions) and "by:COLUMN:OUTCOME" (refused, withdrawn).
var VettingBy = []string{"Sex", "Application type", "Vetting level"}

// vettingNotStatedSex is how an empty Sex is shown.
const vettingNotStatedSex = "Not stated"

// deriveVetting counts each decision by sex, application type and
// vetting level, with its outcome when refused or withdrawn.
func deriveVetting(f []string) ([][2]string, []RowProblem) {
	value := map[string]string{"Application type": f[1], "Vetting level": f[2], "Sex": f[5]}
	if value["Sex"] == "" {
		value["Sex"] = vettingNotStatedSex
	}
	var cells [][2]string
	for _, col := range VettingBy {
		cells = append(cells, [2]string{"by:" + col, value[col]})
		if f[3] == VettingRefused || f[3] == VettingWithdrawn {
			cells = append(cells, [2]string{"by:" + col + ":" + f[3], value[col]})
		}
	}
	return cells, nil
}

// Count is a count as it may be shown: its value and its suppression state
// (stats.Shown, stats.Primary: "fewer than 10", stats.Secondary: withheld
// so that another cannot be worked out, stats.Unpublished: a quarterly
// count of a measure with a small quarter, not shown).
type Count struct {
	Value int64
	State int
}

// Shown reports whether the count is published.
func (c Count) Shown() bool { return c.State == stats.Shown }

// Text is the count as the page shows it.
func (c Count) Text() string {
	switch c.State {
	case stats.Shown:
		return fmt.Sprint(c.Value)
	case stats.Primary:
		return "fewer than 10"
	case stats.Unpublished:
		return "not shown"
	}
	return "withheld"
}

// VettingComparison is a group's rate of one outcome against White
// applicants' (stats.Compare): ratio with its 95% interval and the flag.
type VettingComparison struct {
	Ratio, Low, High *float64
	Flag             bool
}

// VettingRow is one group's decisions in a period.
type VettingRow struct {
	Group                         string // one of stats.Groups, stats.NotStated, or "All"
	Decisions, Refused, Withdrawn Count
	// RefusalRate and WithdrawalRate are the shares of the group's
	// decisions with Wilson intervals; nil when a count they need is
	// withheld or there are no decisions.
	RefusalRate, WithdrawalRate *stats.Interval
	// Against White applicants (not for White, not stated or All).
	RefusalRatio, WithdrawalRatio VettingComparison
}

// VettingQuarter is one calendar quarter's figures for all decisions.
type VettingQuarter struct {
	Key   string // 2025-Q2
	Label string // April to June 2025
	Total VettingRow
}

// VettingReport is the vetting figures for one force and period.
type VettingReport struct {
	Force, ForceName string
	From, To         string
	Period           string
	Months           []string
	Rows             []VettingRow // the five groups, then not stated
	Total            VettingRow
	Quarters         []VettingQuarter
	// NotStatedShare is the not-stated share of all decisions (nil when
	// its count is withheld).
	NotStatedShare *float64
	// Breakdowns are the period's decisions by each of VettingBy, all
	// ethnic groups together, audited in one release with Rows.
	Breakdowns []VettingBreakdown
	// Uncounted lists the months imported before Candour counted
	// decisions by sex, type and level: then there are no Breakdowns.
	Uncounted []string
}

// VettingBreakdown is the period's decisions by one column: a row per
// value with decisions (Group holds the value), in the vocabulary's order.
type VettingBreakdown struct {
	Column string
	Rows   []VettingRow
}

// vettingBy is one column's counts by value, as counted.
type vettingBy struct {
	column string
	values []string
	counts map[string]vettingCounts
}

// vettingGroups are the rows of every table: the five groups and not stated.
func vettingGroups() []string {
	return append(groupNames(), string(stats.NotStated))
}

// vettingCounts are the three counts of one group in one quarter.
type vettingCounts struct{ n, refused, withdrawn int64 }

// BuildVetting works out the vetting figures for a force and period
// (YYYY-MM, inclusive; empty means all) from the monthly counters.
func BuildVetting(ctx context.Context, db DB, force, from, to string) (*VettingReport, error) {
	months, err := db.PowerMonths(ctx, Vetting.Kind, force, from, to)
	if err != nil {
		return nil, err
	}
	rep := computeVetting(months)
	rep.Force, rep.From, rep.To = force, from, to
	if f, ok := policeuk.Force(force); ok {
		rep.ForceName = f.Name
	}
	if rep.From == "" && len(months) > 0 {
		rep.From = months[0].Month
	}
	if rep.To == "" && len(months) > 0 {
		rep.To = months[len(months)-1].Month
	}
	rep.Period = disparity.PeriodLabel(rep.From, rep.To, rep.Months)
	return rep, nil
}

// QuarterOf is the calendar quarter of a month: 2025-05 → 2025-Q2.
func QuarterOf(month string) string {
	if len(month) != 7 {
		return month
	}
	q := (int(month[5]-'0')*10+int(month[6]-'0')-1)/3 + 1
	return fmt.Sprintf("%s-Q%d", month[:4], q)
}

// QuarterLabel names a quarter: 2025-Q2 → "April to June 2025".
func QuarterLabel(q string) string {
	names := map[byte]string{'1': "January to March", '2': "April to June", '3': "July to September", '4': "October to December"}
	if len(q) != 7 || names[q[6]] == "" {
		return q
	}
	return names[q[6]] + " " + q[:4]
}

// vettingVocabulary is the order a VettingBy column's values are shown in.
func vettingVocabulary(col string) []string {
	switch col {
	case "Sex":
		return VettingSexes
	case "Application type":
		return VettingApplications
	}
	return VettingLevels
}

func computeVetting(months []store.PowerMonth) *VettingReport {
	rep := &VettingReport{}
	byQuarter := map[string]map[string]*vettingCounts{}
	by := make([]vettingBy, len(VettingBy))
	for i, col := range VettingBy {
		by[i] = vettingBy{column: col, counts: map[string]vettingCounts{}}
	}
	for _, m := range months {
		if m.Records == 0 {
			continue
		}
		rep.Months = append(rep.Months, m.Month)
		counted := false
		for _, cell := range m.Cells {
			for i, col := range VettingBy {
				c, ok := by[i].counts[cell.Value], true
				switch cell.Dim {
				case "by:" + col:
					c.n += cell.Searches
					counted = true
				case "by:" + col + ":" + VettingRefused:
					c.refused += cell.Searches
				case "by:" + col + ":" + VettingWithdrawn:
					c.withdrawn += cell.Searches
				default:
					ok = false
				}
				if ok {
					by[i].counts[cell.Value] = c
				}
			}
		}
		if !counted {
			rep.Uncounted = append(rep.Uncounted, m.Month)
		}
		q := QuarterOf(m.Month)
		if byQuarter[q] == nil {
			byQuarter[q] = map[string]*vettingCounts{}
			for _, g := range vettingGroups() {
				byQuarter[q][g] = &vettingCounts{}
			}
		}
		for _, cell := range m.Cells {
			vc := byQuarter[q][cell.Group]
			if cell.Basis != disparity.SelfDefined || vc == nil {
				continue
			}
			switch {
			case cell.Dim == "all":
				vc.n += cell.Searches
			case cell.Dim == "Outcome" && cell.Value == VettingRefused:
				vc.refused += cell.Searches
			case cell.Dim == "Outcome" && cell.Value == VettingWithdrawn:
				vc.withdrawn += cell.Searches
			}
		}
	}
	var quarters []string
	for q := range byQuarter {
		quarters = append(quarters, q)
	}
	sort.Strings(quarters)
	period := map[string]vettingCounts{}
	for _, q := range quarters {
		for g, c := range byQuarter[q] {
			p := period[g]
			p.n, p.refused, p.withdrawn = p.n+c.n, p.refused+c.refused, p.withdrawn+c.withdrawn
			period[g] = p
		}
	}
	if len(rep.Uncounted) > 0 {
		by = nil
	}
	for i := range by {
		for _, v := range vettingVocabulary(by[i].column) {
			if by[i].counts[v].n > 0 {
				by[i].values = append(by[i].values, v)
			}
		}
	}
	t := newVettingTable(vettingGroups(), period, by)
	mask := t.protect()
	rep.Rows, rep.Total, rep.Breakdowns = t.rows(mask)
	rep.Quarters = vettingTrend(quarters, byQuarter, rep.Total)
	if ns := rep.Rows[len(rep.Rows)-1].Decisions; ns.Shown() && rep.Total.Decisions.Shown() && rep.Total.Decisions.Value > 0 {
		rep.NotStatedShare = ptr(float64(ns.Value) / float64(rep.Total.Decisions.Value))
	}
	return rep
}

// vettingTrend is the quarterly trend of all decisions: each quarter's
// decisions, refusals and withdrawals. A measure is shown by quarter only
// when every quarter's count is 0 or 10 or more and the period's total is
// shown: then the quarters add nothing a reader could subtract (every
// count in the sum is published). Quarters by ethnic group are not shown:
// with the period's figures by group beside them, quarters of 1 to 9
// would force the audit to withhold the period's figures, which are the
// ones that matter (docs/disparity.md).
func vettingTrend(quarters []string, byQuarter map[string]map[string]*vettingCounts, total VettingRow) []VettingQuarter {
	if len(quarters) < 2 {
		return nil
	}
	totals := make([][3]int64, len(quarters))
	for qi, q := range quarters {
		for _, c := range byQuarter[q] {
			totals[qi][0] += c.n
			totals[qi][1] += c.refused
			totals[qi][2] += c.withdrawn
		}
	}
	periodShown := [3]bool{total.Decisions.Shown(), total.Refused.Shown(), total.Withdrawn.Shown()}
	var shown [3]bool
	for k := range 3 {
		shown[k] = periodShown[k]
		for qi := range quarters {
			if stats.Suppressed(totals[qi][k]) {
				shown[k] = false
			}
		}
	}
	var out []VettingQuarter
	for qi, q := range quarters {
		count := func(k int) Count {
			if shown[k] {
				return Count{Value: totals[qi][k]}
			}
			return Count{Value: totals[qi][k], State: stats.Unpublished}
		}
		r := VettingRow{Group: "All", Decisions: count(0), Refused: count(1), Withdrawn: count(2)}
		r.RefusalRate = rateOf(r.Refused, r.Decisions)
		r.WithdrawalRate = rateOf(r.Withdrawn, r.Decisions)
		out = append(out, VettingQuarter{Key: q, Label: QuarterLabel(q), Total: r})
	}
	return out
}

// vettingTable is every count of the period's table by group, as one
// release with every relation a reader can see between them: the groups'
// decisions, refusals and withdrawals add up to the totals, and in each
// line refusals, withdrawals and the decisions cleared (never shown) add
// up to the decisions. Suppression is decided on the whole release at
// once (the surveys' audit, stats.ProtectWith), so no withheld count can
// be worked out by subtracting published ones. The tables by sex, type and
// level are in the same release: each value's line adds up as a group's
// does, and each table's values add up to the same totals.
type vettingTable struct {
	rel    stats.Release
	groups []string
	// cell[g] for g in 0..len(groups) (len: all groups): decisions,
	// refused, withdrawn.
	cell [][3]int
	by   []vettingBy
	// byCell[d][v]: the cells of by[d]'s v-th value.
	byCell [][][3]int
}

// line adds one line's three counts and the decisions cleared (never
// shown, but known to be the rest) to the release.
func (t *vettingTable) line(c vettingCounts) [3]int {
	var out [3]int
	for k, v := range [3]int64{c.n, c.refused, c.withdrawn} {
		out[k] = t.rel.Cell(v, true)
	}
	cleared := t.rel.Cell(c.n-c.refused-c.withdrawn, false)
	t.rel.Sum([]int{out[1], out[2], cleared}, out[0])
	return out
}

func newVettingTable(groups []string, counts map[string]vettingCounts, by []vettingBy) *vettingTable {
	t := &vettingTable{groups: groups, by: by}
	ng := len(groups)
	t.cell = make([][3]int, ng+1)
	var all vettingCounts
	for _, g := range groups {
		c := counts[g]
		all.n, all.refused, all.withdrawn = all.n+c.n, all.refused+c.refused, all.withdrawn+c.withdrawn
	}
	for gi := range ng + 1 {
		c := all
		if gi < ng {
			c = counts[groups[gi]]
		}
		t.cell[gi] = t.line(c)
	}
	for k := range 3 {
		var parts []int
		for gi := range ng {
			parts = append(parts, t.cell[gi][k])
		}
		t.rel.Sum(parts, t.cell[ng][k])
	}
	t.byCell = make([][][3]int, len(by))
	for d, b := range by {
		for _, v := range b.values {
			t.byCell[d] = append(t.byCell[d], t.line(b.counts[v]))
		}
		for k := range 3 {
			var parts []int
			for _, c := range t.byCell[d] {
				parts = append(parts, c[k])
			}
			t.rel.Sum(parts, t.cell[ng][k])
		}
	}
	// "Fewer than 10" says more than "withheld": a reader knows each such
	// count is at most 9.
	nine := -1
	for i := range t.rel.Values {
		if t.rel.Public[i] && stats.Suppressed(t.rel.Values[i]) {
			if nine < 0 {
				nine = t.rel.Constant(stats.MinCell - 1)
			}
			t.rel.AtMost([]int{i}, nine)
		}
	}
	return t
}

// protect decides what is withheld: stats.ProtectWith on the whole
// release. Where the audit cannot prove a "fewer than 10" count safe (no
// witness for one end of its range), every count is withheld: what is
// shown is always proven, never a guess.
func (t *vettingTable) protect() []int {
	d := stats.ProtectWith(&t.rel, stats.ProtectionMargin, nil)
	if d.Unproven == 0 {
		return d.Mask
	}
	mask := make([]int, len(t.rel.Values))
	for i := range mask {
		mask[i] = stats.Secondary
		if !t.rel.Public[i] {
			mask[i] = stats.Unpublished
		}
	}
	return mask
}

// rows turns the cells into rows as shown: counts with their states,
// rates only from shown counts, and ratios to White only where both
// groups' counts are shown; then the tables by sex, type and level.
func (t *vettingTable) rows(mask []int) ([]VettingRow, VettingRow, []VettingBreakdown) {
	count := func(i int) Count { return Count{Value: t.rel.Values[i], State: mask[i]} }
	line := func(c [3]int) VettingRow {
		r := VettingRow{Decisions: count(c[0]), Refused: count(c[1]), Withdrawn: count(c[2])}
		r.RefusalRate = rateOf(r.Refused, r.Decisions)
		r.WithdrawalRate = rateOf(r.Withdrawn, r.Decisions)
		return r
	}
	var bds []VettingBreakdown
	for d, b := range t.by {
		bd := VettingBreakdown{Column: b.column}
		for vi, v := range b.values {
			r := line(t.byCell[d][vi])
			r.Group = v
			bd.Rows = append(bd.Rows, r)
		}
		bds = append(bds, bd)
	}
	var out []VettingRow
	white := -1
	for gi, g := range t.groups {
		r := line(t.cell[gi])
		r.Group = g
		out = append(out, r)
		if g == string(stats.White) {
			white = gi
		}
	}
	for i := range out {
		g := out[i].Group
		if white < 0 || g == string(stats.White) || g == string(stats.NotStated) {
			continue
		}
		w := out[white]
		out[i].RefusalRatio = compareCounts(out[i].Refused, out[i].Decisions, w.Refused, w.Decisions)
		out[i].WithdrawalRatio = compareCounts(out[i].Withdrawn, out[i].Decisions, w.Withdrawn, w.Decisions)
	}
	total := line(t.cell[len(t.groups)])
	total.Group = "All"
	return out, total, bds
}

func rateOf(k, n Count) *stats.Interval {
	if !k.Shown() || !n.Shown() {
		return nil
	}
	iv, ok := stats.Wilson(k.Value, n.Value)
	if !ok {
		return nil
	}
	return &iv
}

// compareCounts is stats.Compare of a group's outcome rate with White
// applicants', from shown counts only.
func compareCounts(a1, n1, a0, n0 Count) VettingComparison {
	var vc VettingComparison
	if !a1.Shown() || !n1.Shown() || !a0.Shown() || !n0.Shown() {
		return vc
	}
	cmp := stats.Compare(a1.Value, n1.Value, a0.Value, n0.Value)
	if !cmp.HasRatio {
		return vc
	}
	vc.Ratio = ptr(cmp.Ratio.Estimate)
	if cmp.HasRatioCI {
		vc.Low, vc.High = ptr(cmp.Ratio.Low), ptr(cmp.Ratio.High)
	}
	vc.Flag = cmp.Flag
	return vc
}

// VettingSentences says the period's findings in plain English: the
// not-stated share first, then for each group its refusal and withdrawal
// rates against White applicants', "times as likely" only when flagged.
func VettingSentences(rep *VettingReport) []string {
	var out []string
	if rep.NotStatedShare != nil {
		ns := rep.Rows[len(rep.Rows)-1].Decisions.Value
		out = append(out, fmt.Sprintf("%.0f%% of the %d decisions (%d) had no self-defined ethnicity recorded.",
			*rep.NotStatedShare*100, rep.Total.Decisions.Value, ns))
	} else {
		out = append(out, "How many decisions had no self-defined ethnicity recorded is withheld: it is small, or would show a small count.")
	}
	for _, r := range rep.Rows {
		if r.Group == string(stats.White) || r.Group == string(stats.NotStated) {
			continue
		}
		who := disparity.People(r.Group)
		for _, o := range []struct {
			what string
			cmp  VettingComparison
		}{{"refused", r.RefusalRatio}, {"withdrawn", r.WithdrawalRatio}} {
			switch {
			case o.cmp.Ratio == nil:
				out = append(out, fmt.Sprintf("%s: no comparison of applications %s is shown (a count is fewer than 10, is withheld, or White applicants had none).", who, o.what))
			case o.cmp.Low == nil:
				out = append(out, fmt.Sprintf("%s: applications were %s at %.1f times the White rate, with no interval.", who, o.what, *o.cmp.Ratio))
			case o.cmp.Flag:
				out = append(out, fmt.Sprintf("Applications from %s were %s likely as White applicants' to be %s (95%% interval %.1f to %.1f).",
					lower(who), disparity.Times(*o.cmp.Ratio), o.what, *o.cmp.Low, *o.cmp.High))
			default:
				out = append(out, fmt.Sprintf("%s: no clear difference from White applicants in applications %s (%.1f times the White rate, but the 95%% interval, %.1f to %.1f, includes 1).",
					who, o.what, *o.cmp.Ratio, *o.cmp.Low, *o.cmp.High))
			}
		}
	}
	return out
}
