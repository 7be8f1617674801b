package disparity

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"candour/policeuk"
	"candour/stats"
	"candour/store"
)

// GroupFigures are one high-level group's figures over the period.
// Pointers are nil where a figure does not exist (no population, no
// reference searches, a base too small for a rate).
type GroupFigures struct {
	Group        string   `json:"group"`
	NotACategory bool     `json:"not_a_category,omitempty"` // officer-defined Mixed: officers do not record it
	Searches     int64    `json:"searches"`
	Population   int64    `json:"population"`
	RatePer1000  *float64 `json:"rate_per_1000"`
	RatePerYear  *float64 `json:"rate_per_1000_per_year"` // annualised over the months with data
	RatioToWhite *float64 `json:"ratio_to_white"`
	RatioCILow   *float64 `json:"ratio_ci_low"`
	RatioCIHigh  *float64 `json:"ratio_ci_high"`
	GapPer1000   *float64 `json:"gap_per_1000"` // rate minus the White rate, per 1,000 residents
	GapCILow     *float64 `json:"gap_ci_low"`
	GapCIHigh    *float64 `json:"gap_ci_high"`
	Flag         bool     `json:"flag"`        // a clear difference from White people (stats.Compare's one rule)
	SmallCount   bool     `json:"small_count"` // fewer than 10 searches: read with care
	Arrests      int64    `json:"arrests"`
	ArrestRate   *float64 `json:"arrest_rate"`
	ArrestCILow  *float64 `json:"arrest_ci_low"`
	ArrestCIHigh *float64 `json:"arrest_ci_high"`
	Finds        int64    `json:"finds"`
	FindRate     *float64 `json:"find_rate"`
	FindCILow    *float64 `json:"find_ci_low"`
	FindCIHigh   *float64 `json:"find_ci_high"`
}

// NotStated is the person searches with no usable ethnicity.
type NotStated struct {
	Searches int64   `json:"searches"`
	Share    float64 `json:"share"` // of person searches (vehicle-only searches have nobody to ask)
}

// LabelCount is an ethnicity label we do not recognise, as given.
type LabelCount struct {
	Label    string `json:"label"`
	Searches int64  `json:"searches"`
}

// MonthCount is one month's searches by group.
type MonthCount struct {
	Month    string           `json:"month"`
	Searches int64            `json:"searches"`
	ByGroup  map[string]int64 `json:"by_group"`
}

// BreakdownRow is searches for one value of a dimension, by group.
type BreakdownRow struct {
	Value    string           `json:"value"`
	Searches int64            `json:"searches"`
	ByGroup  map[string]int64 `json:"by_group"`
}

// Report is the disparity report for one force, period and ethnicity basis.
type Report struct {
	Force          string                    `json:"force"`
	ForceName      string                    `json:"force_name"`
	From           string                    `json:"from"`
	To             string                    `json:"to"`
	Period         string                    `json:"period"` // in words, with how many months have data
	MonthsInPeriod int                       `json:"months_in_period"`
	MonthsWithData []string                  `json:"months_with_data"`
	Ethnicity      string                    `json:"ethnicity"`
	Searches       int64                     `json:"searches"`
	PersonSearches int64                     `json:"person_searches"`
	VehicleOnly    int64                     `json:"vehicle_only_searches"`
	NotStated      NotStated                 `json:"not_stated"`
	Unrecognised   int64                     `json:"unrecognised_ethnicity"`
	UnrecognisedBy []LabelCount              `json:"unrecognised_labels"`
	Groups         []GroupFigures            `json:"groups"`
	Months         []MonthCount              `json:"months"`
	Breakdowns     map[string][]BreakdownRow `json:"breakdowns"`
	Population     string                    `json:"population_source"`
	PopulationOf   []store.PopulationArea    `json:"population_areas"`
	PopulationAt   time.Time                 `json:"population_imported_at"`
	DataAt         time.Time                 `json:"data_imported_at"` // the latest import of a month in the period
}

// AnnualBasis says how the per-year rate is worked out.
func (r *Report) AnnualBasis() string {
	n := len(r.MonthsWithData)
	return fmt.Sprintf("searches in the %s with data × 12 ÷ %d, per 1,000 residents (Census 2021), as the Home Office annualises rates", plural(int64(n), "month", "months"), n)
}

// ErrNoPopulation means the force has no Census population loaded.
var ErrNoPopulation = errors.New("no population for this force: load it with candour import population")

// Build computes the report from the stored monthly counters (never from
// the records). from and to are YYYY-MM, inclusive; empty means all.
// The months come from the store's copy in memory (store/copy_powers.go),
// kept until the force's data changes, so a page reads the population by
// _id and adds up a few small counters.
func Build(ctx context.Context, db *store.Store, force, from, to, basis string) (*Report, error) {
	if basis != SelfDefined && basis != OfficerDefined {
		return nil, fmt.Errorf("ethnicity must be %q or %q", SelfDefined, OfficerDefined)
	}
	pop, err := db.Population(ctx, force)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoPopulation
	}
	if err != nil {
		return nil, err
	}
	months, err := db.PowerMonths(ctx, store.PowerStopSearch, force, from, to)
	if err != nil {
		return nil, err
	}
	rep := compute(force, from, to, basis, pop, months)
	if f, ok := policeuk.Force(force); ok {
		rep.ForceName = f.Name
	}
	return rep, nil
}

// CheckPublishable refuses to publish a period that would put no figures,
// or wrong ones, on the public page: a force police.uk does not name, a
// force with no Census population, or no searches in the period. It
// returns the report that would be published.
func CheckPublishable(ctx context.Context, db *store.Store, force, from, to, basis string) (*Report, error) {
	if _, ok := policeuk.Force(force); !ok {
		return nil, refuse("%q is not a police force area of England and Wales as police.uk names them (for example dorset)", force)
	}
	forces, err := db.PowerForces(ctx, store.PowerStopSearch)
	if err != nil {
		return nil, err
	}
	if len(forces[force].Months) == 0 {
		return nil, refuse("there is no stop and search data for %s: import its police.uk files first", force)
	}
	rep, err := Build(ctx, db, force, from, to, basis)
	if errors.Is(err, ErrNoPopulation) {
		return nil, refuse("there is no Census population for %s, so no rates can be worked out: load its TS021 table first", force)
	}
	if err != nil {
		return nil, err
	}
	if rep.Searches == 0 {
		return nil, refuse("there are no searches for %s in %s", force, PeriodName(from, to))
	}
	return rep, nil
}

type tally struct{ n, arrests, finds int64 }

func compute(force, from, to, basis string, pop *store.Population, months []store.PowerMonth) *Report {
	rep := &Report{Force: force, From: from, To: to, Ethnicity: basis, Population: pop.Source, PopulationOf: pop.Areas,
		PopulationAt: pop.ImportedAt, Breakdowns: map[string][]BreakdownRow{}}
	byGroup := map[string]*tally{}
	labels := map[string]int64{}
	breakdown := map[string]map[string]map[string]int64{} // dim → value → group → n
	for _, m := range months {
		mc := MonthCount{Month: m.Month, ByGroup: map[string]int64{}}
		if m.ImportedAt.After(rep.DataAt) {
			rep.DataAt = m.ImportedAt
		}
		for _, c := range m.Cells {
			if c.Basis != basis {
				continue
			}
			switch c.Dim {
			case "all":
				t := byGroup[c.Group]
				if t == nil {
					t = &tally{}
					byGroup[c.Group] = t
				}
				t.n += c.Searches
				t.arrests += c.Arrests
				t.finds += c.Finds
				mc.Searches += c.Searches
				mc.ByGroup[c.Group] += c.Searches
				continue
			case DimLabel:
				labels[c.Value] += c.Searches
				continue
			}
			if breakdown[c.Dim] == nil {
				breakdown[c.Dim] = map[string]map[string]int64{}
			}
			if breakdown[c.Dim][c.Value] == nil {
				breakdown[c.Dim][c.Value] = map[string]int64{}
			}
			breakdown[c.Dim][c.Value][c.Group] += c.Searches
		}
		rep.Months = append(rep.Months, mc)
		rep.Searches += mc.Searches
		if mc.Searches > 0 {
			rep.MonthsWithData = append(rep.MonthsWithData, m.Month)
		}
	}
	if from == "" && len(months) > 0 {
		rep.From = months[0].Month
	}
	if to == "" && len(months) > 0 {
		rep.To = months[len(months)-1].Month
	}
	rep.MonthsInPeriod = monthsBetween(rep.From, rep.To)
	rep.Period = PeriodLabel(rep.From, rep.To, rep.MonthsWithData)
	if t := byGroup[string(stats.VehicleOnly)]; t != nil {
		rep.VehicleOnly = t.n
	}
	rep.PersonSearches = rep.Searches - rep.VehicleOnly
	if t := byGroup[string(stats.NotStated)]; t != nil {
		rep.NotStated.Searches = t.n
	}
	rep.NotStated.Share, _ = stats.Share(rep.NotStated.Searches, rep.PersonSearches)
	if t := byGroup[string(stats.Unrecognised)]; t != nil {
		rep.Unrecognised = t.n
	}
	for l, n := range labels {
		rep.UnrecognisedBy = append(rep.UnrecognisedBy, LabelCount{Label: l, Searches: n})
	}
	sort.Slice(rep.UnrecognisedBy, func(i, j int) bool { return rep.UnrecognisedBy[i].Label < rep.UnrecognisedBy[j].Label })
	white := byGroup[string(stats.White)]
	if white == nil {
		white = &tally{}
	}
	whitePop := pop.Groups[string(stats.White)]
	withData := len(rep.MonthsWithData)
	for _, g := range stats.Groups {
		t := byGroup[string(g)]
		if t == nil {
			t = &tally{}
		}
		gf := GroupFigures{Group: string(g), Searches: t.n, Population: pop.Groups[string(g)], Arrests: t.arrests, Finds: t.finds,
			SmallCount: stats.SmallCount(t.n)}
		if basis == OfficerDefined && g == stats.Mixed && t.n == 0 {
			// police.uk's officer-defined field has no Mixed category: a
			// zero here is not a finding.
			gf.NotACategory, gf.SmallCount = true, false
			rep.Groups = append(rep.Groups, gf)
			continue
		}
		perYear := 0.0
		if withData > 0 {
			perYear = 12 / float64(withData)
		}
		a := CompareWithWhite(g, t.n, gf.Population, white.n, whitePop, perYear)
		gf.RatePer1000, gf.RatePerYear = a.Rate, a.RateYear
		gf.RatioToWhite, gf.RatioCILow, gf.RatioCIHigh = a.Ratio, a.RatioLow, a.RatioHigh
		gf.GapPer1000, gf.GapCILow, gf.GapCIHigh = a.Gap, a.GapLow, a.GapHigh
		gf.Flag = a.Flag
		if iv, ok := stats.Wilson(t.arrests, t.n); ok {
			gf.ArrestRate, gf.ArrestCILow, gf.ArrestCIHigh = ptr(iv.Estimate), ptr(iv.Low), ptr(iv.High)
		}
		if iv, ok := stats.Wilson(t.finds, t.n); ok {
			gf.FindRate, gf.FindCILow, gf.FindCIHigh = ptr(iv.Estimate), ptr(iv.Low), ptr(iv.High)
		}
		rep.Groups = append(rep.Groups, gf)
	}
	for dim, values := range breakdown {
		var rows []BreakdownRow
		for v, groups := range values {
			row := BreakdownRow{Value: v, ByGroup: groups}
			for _, n := range groups {
				row.Searches += n
			}
			rows = append(rows, row)
		}
		sort.Slice(rows, func(i, j int) bool {
			if rows[i].Searches != rows[j].Searches {
				return rows[i].Searches > rows[j].Searches
			}
			return rows[i].Value < rows[j].Value
		})
		rep.Breakdowns[dim] = rows
	}
	return rep
}

func ptr(f float64) *float64 { return &f }

// monthsBetween counts the calendar months from one YYYY-MM to another,
// both included (0 if either is not a month).
func monthsBetween(from, to string) int {
	var y1, m1, y2, m2 int
	if _, err := fmt.Sscanf(from, "%d-%d", &y1, &m1); err != nil {
		return 0
	}
	if _, err := fmt.Sscanf(to, "%d-%d", &y2, &m2); err != nil {
		return 0
	}
	n := (y2-y1)*12 + m2 - m1 + 1
	return max(n, 0)
}

// PeriodName names a period: "January 2019", "August to September 2018",
// "November 2016 to January 2019".
func PeriodName(from, to string) string {
	if from == to || len(from) != 7 || len(to) != 7 {
		return MonthLabel(from)
	}
	if from[:4] == to[:4] {
		l := MonthLabel(from)
		return l[:len(l)-5] + " to " + MonthLabel(to)
	}
	return MonthLabel(from) + " to " + MonthLabel(to)
}

// PeriodLabel names a period and says how many of its months have data:
// "January 2019", "August to September 2018 (both months have data)",
// "November 2016 to February 2019: 4 of 40 months have data: Nov 2016,
// Dec 2018, Jan 2019, Feb 2019".
func PeriodLabel(from, to string, withData []string) string {
	n := monthsBetween(from, to)
	name := PeriodName(from, to)
	switch {
	case n == 1 && len(withData) == 1:
		return name
	case len(withData) == 0:
		return name + ": no month has data"
	case len(withData) == n && n == 2:
		return name + " (both months have data)"
	case len(withData) == n:
		return fmt.Sprintf("%s (all %d months have data)", name, n)
	}
	var short []string
	for _, m := range withData {
		short = append(short, ShortMonth(m))
	}
	list := strings.Join(short, ", ")
	if len(short) > 12 {
		list = strings.Join(short[:12], ", ") + fmt.Sprintf(" and %d more", len(short)-12)
	}
	return fmt.Sprintf("%s: %d of %d months have data: %s", name, len(withData), n, list)
}
