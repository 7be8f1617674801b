package powers

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"candour/disparity"
	"candour/policeuk"
	"candour/stats"
	"candour/store"
)

// Share is the part of a group's records a measure picks, with its 95%
// Wilson interval (nil when there is no base, or it is suppressed).
type Share struct {
	Key, Label string
	K, N       int64
	Estimate   *float64
	Low, High  *float64
	Small      bool // fewer than 10 records in the base: read with care
	Suppressed bool // withheld: K or N is 1 to 9 in a dataset that suppresses
}

// GroupFigures are one high-level group's figures over the period.
type GroupFigures struct {
	Group       string
	Records     int64    // records in the base (for strip searches: searches where the column was recorded)
	Events      int64    // records counted in rates and ratios
	Population  int64    // the group's residents or drivers (Report.PerWhom)
	Rate        *float64 // events per 1,000 of Population
	RateYear    *float64 // annualised over the months with data
	Ratio       *float64 // rate / the White rate
	RatioLow    *float64
	RatioHigh   *float64
	Gap         *float64 // rate minus the White rate, per 1,000
	GapLow      *float64
	GapHigh     *float64
	Flag        bool // a clear difference (stats.Compare)
	Small       bool // fewer than 10 events
	Suppressed  bool // 1 to 9 events in a dataset that suppresses: only "fewer than 10" is shown
	NotRecorded bool // the source has no figure for the group (0 on every row of every year): not zero
	Shares      []Share
}

// BreakdownRow is records for one value of a column, by group.
type BreakdownRow struct {
	Value   string
	Records int64
	ByGroup map[string]int64
	// Shares is, for each of the five groups, the share of the group's
	// records with this value, with its Wilson interval (nil in a dataset
	// that suppresses, like ByGroup).
	Shares map[string]Share
	Hidden bool // the total is withheld ("fewer than 10" or with one)
}

// Report is one dataset's figures for one force and period.
type Report struct {
	Dataset        *Dataset
	Basis          string // whose description of ethnicity: disparity.SelfDefined or OfficerDefined
	Force          string
	ForceName      string
	From, To       string
	Period         string
	MonthsInPeriod int // calendar months from From to To (0 for a yearly dataset)
	MonthsWithData []string
	Stale          []string // months whose counters predate this dataset (re-import them)
	Records        int64
	Events         int64
	NotStated      int64 // events with no self-defined ethnicity
	// NotStatedSuppressed: the not-stated count is withheld (Suppress).
	NotStatedSuppressed bool
	NotStatedShare      float64 // of events of people
	Apart               int64   // events in no group and not "not stated" (vehicle-only searches, unknown labels)
	// Months are the events of each month with data, by group, for a
	// trend; nil in a dataset that suppresses (a month's small counts
	// would be a release of their own).
	Months []MonthFigures
	// VehicleOnly and Unrecognised split Apart for stop and search:
	// vehicles searched with nobody in them, and ethnicity labels nobody
	// recognised (kept as given).
	VehicleOnly, Unrecognised int64
	// Labels are the unrecognised ethnicity labels, as given, with their
	// events (stop and search's reader keeps them by label).
	Labels     []LabelCount
	Groups     []GroupFigures
	Breakdowns map[string][]BreakdownRow // by column; in a dataset that suppresses, only totals (ByGroup nil) with Hidden set
	// Population is the one the rates are per 1,000 of: the dataset's own
	// kind (Dataset.Population, drivers) where the force has loaded it,
	// else Census residents. Missing names the kind the dataset asked for
	// and did not find ("" when it has what it asked for).
	Population *store.Population
	Missing    string
	DataAt     time.Time
	// Focus is the dataset's Focus subset (children's strip searches),
	// worked out the same way but with no population: counts and shares.
	Focus *Report
	// NoRates: the report has no population (a Focus subset).
	NoRates bool
}

// LabelCount is an ethnicity label nobody recognised, as given.
type LabelCount struct {
	Label  string
	Events int64
}

// PersonEvents are the events of people: all but vehicles searched with
// nobody in them (a label nobody recognised was someone's answer).
func (r *Report) PersonEvents() int64 { return r.Events - r.VehicleOnly }

// AnnualBasis says how the rate a year is worked out.
func (r *Report) AnnualBasis() string {
	n := len(r.MonthsWithData)
	if r.Dataset.Yearly {
		return fmt.Sprintf("%s in the %s with data ÷ %d, per 1,000 %s", r.Dataset.Many, disparity.Plural(int64(n), "year", "years"), n, r.perWhomFull())
	}
	return fmt.Sprintf("%s in the %s with data × 12 ÷ %d, per 1,000 %s, as the Home Office annualises rates",
		r.Dataset.Many, disparity.Plural(int64(n), "month", "months"), n, r.perWhomFull())
}

// PerWhom is what the rates are per 1,000 of: "residents" or "drivers".
func (r *Report) PerWhom() string {
	if r.Population != nil && r.Population.Of == store.Drivers {
		return "drivers"
	}
	return "residents"
}

// perWhomFull is PerWhom with where the figures came from.
func (r *Report) perWhomFull() string {
	if r.PerWhom() == "drivers" {
		return fmt.Sprintf("drivers (%s, %s)", r.Population.Made, r.Population.Period)
	}
	return "residents (Census 2021)"
}

// Share is the group's share of a measure, by its key ("" if none).
func (g GroupFigures) Share(key string) Share {
	for _, sh := range g.Shares {
		if sh.Key == key {
			return sh
		}
	}
	return Share{Key: key}
}

// ErrNoPopulation means the force has no Census population loaded.
var ErrNoPopulation = errors.New("no population for this force: load it with candour import population")

// Build works out a dataset's report for a force and period (YYYY-MM,
// inclusive; empty means all) from the monthly counters, never the
// records, by self-defined ethnicity.
func Build(ctx context.Context, db DB, d *Dataset, force, from, to string) (*Report, error) {
	return BuildBasis(ctx, db, d, force, from, to, disparity.SelfDefined)
}

// BuildBasis is Build by one ethnicity basis: disparity.SelfDefined, or
// disparity.OfficerDefined for a dataset whose counters carry it (stop
// and search). police.uk's officer-defined field has no Mixed category,
// so by that basis a Mixed group with no events is not recorded, never 0.
func BuildBasis(ctx context.Context, db DB, d *Dataset, force, from, to, basis string) (*Report, error) {
	return build(ctx, db, d, force, from, to, basis, true)
}

// Headline is the part of BuildBasis's report the overview shows: the
// period, the months with data and each group's figures (its events,
// rates, ratio to White with the flag, and the suppression that decides
// what is shown), without the breakdowns, the month trend or a Focus
// subset. The figures are the same as BuildBasis's
// (TestHeadlineIsTheReportsFigures).
func Headline(ctx context.Context, db DB, d *Dataset, force, from, to, basis string) (*Report, error) {
	return build(ctx, db, d, force, from, to, basis, false)
}

// build is BuildBasis, or Headline when whole is false.
func build(ctx context.Context, db DB, d *Dataset, force, from, to, basis string, whole bool) (*Report, error) {
	if basis != disparity.SelfDefined && basis != disparity.OfficerDefined {
		return nil, fmt.Errorf("powers: ethnicity basis %q", basis)
	}
	pop, missing, err := population(ctx, db, d, force)
	if err != nil {
		return nil, err
	}
	months, err := db.PowerMonths(ctx, d.StoreKind(), force, from, to)
	if err != nil {
		return nil, err
	}
	rep := compute(d, pop, months, basis, whole)
	rep.Missing = missing
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
	rep.Period = disparity.PeriodLabel(rep.From, rep.To, rep.MonthsWithData)
	rep.MonthsInPeriod = disparity.MonthsBetween(rep.From, rep.To)
	if d.Yearly {
		rep.MonthsInPeriod = 0
		rep.Period = yearsLabel(rep.From, rep.To, rep.MonthsWithData)
	}
	if d.Focus != nil && whole {
		f := compute(d.focusDataset(), &store.Population{}, focusMonths(months), basis, true)
		f.Force, f.ForceName, f.From, f.To, f.Period, f.NoRates = rep.Force, rep.ForceName, rep.From, rep.To, rep.Period, true
		rep.Focus = f
	}
	return rep, nil
}

// population is the one a dataset's rates are per 1,000 of for a force:
// its own kind (Dataset.Population) where loaded, else Census residents,
// with the kind it asked for and did not find. ErrNoPopulation when
// there is neither.
func population(ctx context.Context, db DB, d *Dataset, force string) (*store.Population, string, error) {
	missing := ""
	if d.Population != store.Residents {
		p, err := db.PopulationOf(ctx, d.Population, force)
		if err == nil {
			return p, "", nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, "", err
		}
		missing = d.Population
	}
	p, err := db.Population(ctx, force)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", ErrNoPopulation
	}
	if err != nil {
		return nil, "", err
	}
	return p, missing, nil
}

// MonthFigures are one month's events, by group.
type MonthFigures struct {
	Month   string
	Events  int64
	ByGroup map[string]int64
}

// monthFigures counts one month's events by group from its counters.
func monthFigures(d *Dataset, month string, mc counts) MonthFigures {
	f := MonthFigures{Month: month, ByGroup: map[string]int64{}}
	for k := range mc {
		g := k[2]
		if _, done := f.ByGroup[g]; done {
			continue
		}
		n := mc.all(g)
		if d.Event != nil {
			n = mc.sum(d.Event.Column, d.Event.Values, g)
		}
		if n > 0 {
			f.ByGroup[g] = n
			f.Events += n
		}
	}
	return f
}

// focusMonths keeps only a Focus subset's counters of each month, named
// as the whole dataset's are.
func focusMonths(months []store.PowerMonth) []store.PowerMonth {
	out := make([]store.PowerMonth, 0, len(months))
	for _, m := range months {
		f := m
		f.Cells, f.Records = nil, 0
		for _, c := range m.Cells {
			if dim, ok := strings.CutPrefix(c.Dim, focusPrefix); ok {
				c.Dim = dim
				f.Cells = append(f.Cells, c)
				if dim == "all" {
					f.Records += c.Searches
				}
			}
		}
		out = append(out, f)
	}
	return out
}

// count sums a group's cells of one column over a set of values.
type counts map[[3]string]int64 // dim, value, group

func (c counts) sum(dim string, values []string, group string) int64 {
	var n int64
	for _, v := range values {
		n += c[[3]string{dim, v, group}]
	}
	return n
}

func (c counts) all(group string) int64 { return c[[3]string{"all", "", group}] }

// compute works out a report from the months' counters; without whole,
// only what Headline keeps (no breakdowns or month trend).
func compute(d *Dataset, pop *store.Population, months []store.PowerMonth, basis string, whole bool) *Report {
	rep := &Report{Dataset: d, Basis: basis, Population: pop, Breakdowns: map[string][]BreakdownRow{}}
	c := counts{}
	marked := map[string]counts{Arrests: {}, Finds: {}} // a cell's arrests and finds (Measure.Counter)
	groups := map[string]bool{}
	breakdown := map[string]map[string]map[string]int64{}
	for _, m := range months {
		mc := counts{}
		mm := map[string]counts{Arrests: {}, Finds: {}}
		for _, cell := range m.Cells {
			if cell.Basis != basis {
				continue
			}
			mc[[3]string{cell.Dim, cell.Value, cell.Group}] += cell.Searches
			groups[cell.Group] = true
			if cell.Dim == "all" {
				mm[Arrests][[3]string{"all", "", cell.Group}] += cell.Arrests
				mm[Finds][[3]string{"all", "", cell.Group}] += cell.Finds
			}
		}
		var base int64
		counted := false
		for _, cell := range m.Cells {
			if cell.Basis != basis {
				continue
			}
			switch {
			case d.Event != nil && d.Event.Of != nil:
				if cell.Dim == d.Event.Column {
					counted = true
					if in(cell.Value, d.Event.Of) {
						base += cell.Searches
					}
				}
			case cell.Dim == "all":
				counted = true
				base += cell.Searches
			}
		}
		if !counted && m.Records > 0 {
			rep.Stale = append(rep.Stale, m.Month)
			continue
		}
		if base == 0 {
			continue // the column was not recorded this month: no data, not zero
		}
		rep.MonthsWithData = append(rep.MonthsWithData, m.Month)
		if !d.Suppress && whole {
			rep.Months = append(rep.Months, monthFigures(d, m.Month, mc))
		}
		if m.ImportedAt.After(rep.DataAt) {
			rep.DataAt = m.ImportedAt
		}
		for counter, mk := range mm {
			for k, n := range mk {
				marked[counter][k] += n
			}
		}
		for k, n := range mc {
			c[k] += n
			if !whole || k[0] == "all" || !d.breakdown(k[0]) {
				continue
			}
			if breakdown[k[0]] == nil {
				breakdown[k[0]] = map[string]map[string]int64{}
			}
			if breakdown[k[0]][k[1]] == nil {
				breakdown[k[0]][k[1]] = map[string]int64{}
			}
			breakdown[k[0]][k[1]][k[2]] += n
		}
	}
	for k, n := range c {
		if k[0] == disparity.DimLabel && n > 0 {
			rep.Labels = append(rep.Labels, LabelCount{Label: k[1], Events: n})
		}
	}
	sort.Slice(rep.Labels, func(i, j int) bool { return rep.Labels[i].Label < rep.Labels[j].Label })
	records := func(g string) int64 {
		if d.Event != nil && d.Event.Of != nil {
			return c.sum(d.Event.Column, d.Event.Of, g)
		}
		return c.all(g)
	}
	events := func(g string) int64 {
		if d.Event != nil {
			return c.sum(d.Event.Column, d.Event.Values, g)
		}
		return c.all(g)
	}
	for g := range groups {
		rep.Records += records(g)
		rep.Events += events(g)
		switch stats.Group(g) {
		case stats.NotStated:
			rep.NotStated = events(g)
		case stats.Asian, stats.Black, stats.Mixed, stats.Other, stats.White:
		default:
			rep.Apart += events(g)
			switch stats.Group(g) {
			case stats.VehicleOnly:
				rep.VehicleOnly += events(g)
			case stats.Unrecognised:
				rep.Unrecognised += events(g)
			}
		}
	}
	// Of events of people: a vehicle searched with nobody in it has no
	// one to ask, but a label nobody recognised was someone's answer.
	rep.NotStatedShare, _ = stats.Share(rep.NotStated, rep.Events-rep.VehicleOnly)
	hidden := map[string]bool{}
	if d.Suppress {
		hidden = protect(rep, events)
		rep.NotStatedSuppressed = hidden[string(stats.NotStated)]
	}
	whiteEvents, whitePop := events(string(stats.White)), pop.Groups[string(stats.White)]
	withData := len(rep.MonthsWithData)
	for _, grp := range stats.Groups {
		g := string(grp)
		gf := GroupFigures{Group: g, Records: records(g), Events: events(g), Population: pop.Groups[g]}
		gf.Small = stats.SmallCount(gf.Events)
		for _, m := range d.Shares {
			n := c.all(g)
			if m.Of != nil {
				n = c.sum(m.Column, m.Of, g)
			}
			k := c.sum(m.Column, m.Values, g)
			if m.Counter != "" {
				k = marked[m.Counter].all(g)
			}
			sh := Share{Key: m.Key, Label: m.Label, K: k, N: n, Small: stats.SmallCount(n)}
			if d.Suppress && (stats.Suppressed(sh.K) || stats.Suppressed(sh.N) || stats.Suppressed(sh.N-sh.K)) {
				sh.Suppressed = true
			} else if iv, ok := stats.Wilson(sh.K, sh.N); ok {
				sh.Estimate, sh.Low, sh.High = ptr(iv.Estimate), ptr(iv.Low), ptr(iv.High)
			}
			gf.Shares = append(gf.Shares, sh)
		}
		if hidden[g] {
			gf.Suppressed = true
			for i := range gf.Shares { // their bases would give the count away
				gf.Shares[i] = Share{Key: gf.Shares[i].Key, Label: gf.Shares[i].Label, Suppressed: true}
			}
			rep.Groups = append(rep.Groups, gf)
			continue
		}
		if withData > 0 && c[[3]string{dimUnrecorded, "", g}] == int64(withData) ||
			basis == disparity.OfficerDefined && grp == stats.Mixed && gf.Events == 0 {
			gf.NotRecorded = true
			rep.Groups = append(rep.Groups, gf)
			continue
		}
		perYear := 0.0
		switch {
		case withData > 0 && d.Yearly:
			perYear = 1 / float64(withData)
		case withData > 0:
			perYear = 12 / float64(withData)
		}
		a := disparity.CompareWithWhite(grp, gf.Events, gf.Population, whiteEvents, whitePop, perYear)
		gf.Rate, gf.RateYear = a.Rate, a.RateYear
		if grp == stats.White || !hidden[string(stats.White)] {
			gf.Ratio, gf.RatioLow, gf.RatioHigh = a.Ratio, a.RatioLow, a.RatioHigh
			gf.Gap, gf.GapLow, gf.GapHigh, gf.Flag = a.Gap, a.GapLow, a.GapHigh, a.Flag
		}
		rep.Groups = append(rep.Groups, gf)
	}
	for dim, values := range breakdown {
		var rows []BreakdownRow
		for v, byGroup := range values {
			r := BreakdownRow{Value: v, ByGroup: byGroup}
			for _, n := range byGroup {
				r.Records += n
			}
			if !d.Suppress {
				r.Shares = breakdownShares(rep, byGroup)
			}
			rows = append(rows, r)
		}
		sort.Slice(rows, func(i, j int) bool {
			if rows[i].Records != rows[j].Records {
				return rows[i].Records > rows[j].Records
			}
			return rows[i].Value < rows[j].Value
		})
		if d.Suppress {
			// By group, a breakdown is a second table linked to the first
			// through every group's total: only each value's total is shown.
			for i := range rows {
				rows[i].ByGroup = nil
			}
			protectBreakdown(rows, rep.Records)
		}
		rep.Breakdowns[dim] = rows
	}
	return rep
}

// breakdownShares is, for each group with records (and recorded by the
// source), the share of its records with one value, with a Wilson interval.
func breakdownShares(rep *Report, byGroup map[string]int64) map[string]Share {
	out := map[string]Share{}
	for _, g := range rep.Groups {
		if g.NotRecorded || g.Suppressed || g.Records == 0 {
			continue
		}
		sh := Share{K: byGroup[g.Group], N: g.Records, Small: stats.SmallCount(g.Records)}
		if iv, ok := stats.Wilson(sh.K, sh.N); ok {
			sh.Estimate, sh.Low, sh.High = ptr(iv.Estimate), ptr(iv.Low), ptr(iv.High)
		}
		out[g.Group] = sh
	}
	return out
}

// protect decides which groups' counts a suppressing dataset withholds:
// the five groups and not stated add up to the events of people, which
// are shown, so the counts are one release with one relation. A count of 1
// to 9 is withheld (primary), and others with it until no withheld count
// can be pinned within stats.ProtectionMargin (stats.Protect, the
// suppression audit the surveys use).
func protect(rep *Report, events func(string) int64) map[string]bool {
	// Not stated comes first: where withholding either it or a group's count
	// would protect a small count, the audit takes the first it is offered,
	// and a group's figure matters more to a reader than the unrecorded.
	names := append([]string{string(stats.NotStated)}, groupNames()...)
	rel := &stats.Release{}
	var cells []int
	for _, g := range names {
		cells = append(cells, rel.Cell(events(g), true))
	}
	rel.Sum(cells, rel.Cell(rep.Events-rep.Apart, true))
	mask := stats.Protect(rel, stats.ProtectionMargin)
	hidden := map[string]bool{}
	for i, g := range names {
		hidden[g] = mask[cells[i]] != stats.Shown
	}
	return hidden
}

// protectBreakdown withholds small totals of a breakdown by the same rule:
// the values' totals add up to the records, which are shown.
func protectBreakdown(rows []BreakdownRow, total int64) {
	rel := &stats.Release{}
	var cells []int
	for _, r := range rows {
		cells = append(cells, rel.Cell(r.Records, true))
	}
	rel.Sum(cells, rel.Cell(total, true))
	mask := stats.Protect(rel, stats.ProtectionMargin)
	for i := range rows {
		rows[i].Hidden = mask[cells[i]] != stats.Shown
	}
}

func groupNames() []string {
	var gs []string
	for _, g := range stats.Groups {
		gs = append(gs, string(g))
	}
	return gs
}

// breakdown reports whether a column is shown as a breakdown.
func (d *Dataset) breakdown(col string) bool {
	if d.Table != nil {
		return col == d.Table.Category
	}
	if d.File != nil {
		return in(col, d.File.Breakdowns)
	}
	for _, c := range d.Columns {
		if c.Name == col {
			return c.Breakdown
		}
	}
	return false
}

// Group returns one group's figures.
func (r *Report) Group(g string) GroupFigures {
	for _, gf := range r.Groups {
		if gf.Group == g {
			return gf
		}
	}
	return GroupFigures{Group: g}
}

func ptr(f float64) *float64 { return &f }

// Sentences says the findings in plain English: the not-stated share
// first, then one sentence per group against White people (a ratio is put
// as "times as likely" only when flagged), then each share.
//
// A dataset's own Sentences hook, when set, says them instead.
func Sentences(rep *Report) []string {
	d := rep.Dataset
	if d.Sentences != nil {
		return d.Sentences(rep)
	}
	out := []string{fmt.Sprintf("%.0f%% of the %s (%d of %d) had no %s ethnicity recorded.",
		math.Round(rep.NotStatedShare*100), d.Many, rep.NotStated, rep.Events-rep.Apart, d.EthnicityBasis())}
	if rep.NotStatedSuppressed {
		out[0] = fmt.Sprintf("How many of the %d %s had no %s ethnicity recorded is withheld: it is small, or would show a small count.", rep.Events-rep.Apart, d.Many, d.EthnicityBasis())
	}
	for _, g := range rep.Groups {
		if g.Group == string(stats.White) || rep.NoRates {
			continue
		}
		who, white := rep.who(g.Group), rep.who(string(stats.White))
		var s string
		switch {
		case g.NotRecorded:
			s = fmt.Sprintf("%s: not recorded in these figures (the source has 0 on every row), so there is no figure.", who)
		case g.Suppressed:
			s = fmt.Sprintf("%s: no figures are shown, because the count is fewer than 10 or would show one that is.", who)
		case g.Ratio == nil:
			s = fmt.Sprintf("%s: no comparison is possible (no %s of %s, no population figure, or too few to show).", who, d.Many, white)
		case g.RatioLow == nil:
			s = fmt.Sprintf("%s: no comparison with an interval is possible (ratio %.1f).", who, *g.Ratio)
		case g.Flag && g.Events == 0:
			s = fmt.Sprintf("%s: no %s recorded; fewer than for %s, taking the size of each group into account (ratio 0, 95%% interval 0 to %.1f).", who, d.Many, white, *g.RatioHigh)
		case g.Flag:
			s = fmt.Sprintf("%s were %s likely as %s %s (95%% interval %.1f to %.1f)", who, disparity.Times(*g.Ratio), white, d.Likely, *g.RatioLow, *g.RatioHigh)
		case g.Events == 0:
			s = fmt.Sprintf("%s: no %s recorded; no clear difference from %s (ratio 0, 95%% interval 0 to %.1f).", who, d.Many, white, *g.RatioHigh)
		default:
			s = fmt.Sprintf("%s: no clear difference from %s (%.1f times as likely %s, but the 95%% interval, %.1f to %.1f, includes 1, or the interval for the difference in rates includes 0)",
				who, white, *g.Ratio, d.Likely, *g.RatioLow, *g.RatioHigh)
		}
		if s[len(s)-1] != '.' {
			if g.Small {
				s += fmt.Sprintf("; this rests on only %d, so the interval is wide", g.Events)
			}
			s += "."
		}
		out = append(out, s)
	}
	for i, m := range d.Shares {
		for _, g := range rep.Groups {
			sh := g.Shares[i]
			switch {
			case sh.Suppressed && !g.Suppressed:
				out = append(out, fmt.Sprintf("%s: the share of %s that %s is withheld, because a count in it is fewer than 10.", rep.who(g.Group), d.Base, m.Label))
			case sh.Estimate != nil:
				out = append(out, fmt.Sprintf("Of %s of %s, %.0f%% (%d of %d) %s (95%% interval %.0f%% to %.0f%%).",
					d.Base, lower(rep.who(g.Group)), *sh.Estimate*100, sh.K, sh.N, m.Label, *sh.Low*100, *sh.High*100))
			}
		}
	}
	return out
}

// who names a group's people in sentences: "Black people", or "Black
// drivers" when the rates are per 1,000 drivers.
func (r *Report) who(group string) string {
	s := disparity.People(group)
	if r.PerWhom() == "drivers" {
		s = strings.Replace(strings.Replace(s, "People", "Drivers", 1), " people", " drivers", 1)
	}
	return s
}

// lower puts "People of …" in the middle of a sentence; group names
// keep their capital.
func lower(s string) string {
	if rest, ok := strings.CutPrefix(s, "People "); ok {
		return "people " + rest
	}
	if rest, ok := strings.CutPrefix(s, "Drivers "); ok {
		return "drivers " + rest
	}
	return s
}

// yearsLabel names a period of financial years and says how many have
// data: "the year ending March 2020", "the years ending March 2019 to
// March 2020 (both have data)".
func yearsLabel(from, to string, withData []string) string {
	if from == to {
		return YearLabel(from)
	}
	name := "the years ending March " + YearLabel(from)[len("the year ending March "):] + " to March " + YearLabel(to)[len("the year ending March "):]
	n := 0
	if CheckYear(from) == nil && CheckYear(to) == nil {
		a, _ := strconv.Atoi(from[:4])
		b, _ := strconv.Atoi(to[:4])
		n = b - a + 1
	}
	switch {
	case len(withData) == n && n == 2:
		return name + " (both have data)"
	case len(withData) == n:
		return fmt.Sprintf("%s (all %d have data)", name, n)
	}
	return fmt.Sprintf("%s: %d of %d years have data", name, len(withData), n)
}
