package disparity

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"candour/stats"
	"candour/store"
)

// GroupFigures are one high-level group's figures over the period.
// Pointers are nil where a figure does not exist (no population, no
// reference searches, a zero count for an interval).
type GroupFigures struct {
	Group        string   `json:"group"`
	Searches     int64    `json:"searches"`
	Population   int64    `json:"population"`
	RatePer1000  *float64 `json:"rate_per_1000"`
	RatioToWhite *float64 `json:"ratio_to_white"`
	RatioCILow   *float64 `json:"ratio_ci_low"`
	RatioCIHigh  *float64 `json:"ratio_ci_high"`
	Arrests      int64    `json:"arrests"`
	ArrestRate   *float64 `json:"arrest_rate"`
	Finds        int64    `json:"finds"`
	FindRate     *float64 `json:"find_rate"`
}

// NotStated is the searches with no usable ethnicity.
type NotStated struct {
	Searches int64   `json:"searches"`
	Share    float64 `json:"share"`
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
	Force        string                    `json:"force"`
	From         string                    `json:"from"`
	To           string                    `json:"to"`
	Ethnicity    string                    `json:"ethnicity"`
	Searches     int64                     `json:"searches"`
	NotStated    NotStated                 `json:"not_stated"`
	Unrecognised int64                     `json:"unrecognised_ethnicity"`
	Groups       []GroupFigures            `json:"groups"`
	Months       []MonthCount              `json:"months"`
	Breakdowns   map[string][]BreakdownRow `json:"breakdowns"`
	Population   string                    `json:"population_source"`
}

// ErrNoPopulation means the force has no Census population loaded.
var ErrNoPopulation = errors.New("no population for this force: load it with candour import population")

// Build computes the report from the stored monthly counters (never from
// the records). from and to are YYYY-MM, inclusive; empty means all.
// Reports are kept in memory until the force's data or population changes
// (figures change only at import), so pages read two small documents.
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
	forces, err := db.PowerForces(ctx, store.PowerStopSearch)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%p|%s|%s|%s|%s|%d|%d", db, force, from, to, basis, forces[force].Version, pop.ImportedAt.UnixNano())
	if rep, ok := cache.get(key); ok {
		return rep, nil
	}
	months, err := db.PowerMonths(ctx, store.PowerStopSearch, force, from, to)
	if err != nil {
		return nil, err
	}
	rep := compute(force, from, to, basis, pop, months)
	cache.put(key, rep)
	return rep, nil
}

// reportCache holds recent reports; they are read-only once built.
type reportCache struct {
	mu sync.Mutex
	m  map[string]*Report
}

var cache = &reportCache{m: map[string]*Report{}}

func (c *reportCache) get(key string) (*Report, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.m[key]
	return r, ok
}

func (c *reportCache) put(key string, r *Report) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= 256 { // a few hundred periods at most; start again rather than grow
		c.m = map[string]*Report{}
	}
	c.m[key] = r
}

type tally struct{ n, arrests, finds int64 }

func compute(force, from, to, basis string, pop *store.Population, months []store.PowerMonth) *Report {
	rep := &Report{Force: force, From: from, To: to, Ethnicity: basis, Population: pop.Source, Breakdowns: map[string][]BreakdownRow{}}
	byGroup := map[string]*tally{}
	breakdown := map[string]map[string]map[string]int64{} // dim → value → group → n
	for _, m := range months {
		mc := MonthCount{Month: m.Month, ByGroup: map[string]int64{}}
		for _, c := range m.Cells {
			if c.Basis != basis {
				continue
			}
			if c.Dim == "all" {
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
	}
	if from == "" && len(months) > 0 {
		rep.From = months[0].Month
	}
	if to == "" && len(months) > 0 {
		rep.To = months[len(months)-1].Month
	}
	if t := byGroup[string(stats.NotStated)]; t != nil {
		rep.NotStated.Searches = t.n
	}
	rep.NotStated.Share, _ = stats.Share(rep.NotStated.Searches, rep.Searches)
	if t := byGroup[string(stats.Unrecognised)]; t != nil {
		rep.Unrecognised = t.n
	}
	white := byGroup[string(stats.White)]
	if white == nil {
		white = &tally{}
	}
	for _, g := range stats.Groups {
		t := byGroup[string(g)]
		if t == nil {
			t = &tally{}
		}
		gf := GroupFigures{Group: string(g), Searches: t.n, Population: pop.Groups[string(g)], Arrests: t.arrests, Finds: t.finds}
		if r, ok := stats.Rate(t.n, gf.Population); ok {
			gf.RatePer1000 = &r
		}
		if g == stats.White && white.n > 0 {
			one := 1.0
			gf.RatioToWhite = &one // the reference: no interval against itself
		} else if iv, hasRatio, hasInterval := stats.RiskRatio(t.n, gf.Population, white.n, pop.Groups[string(stats.White)]); hasRatio {
			gf.RatioToWhite = &iv.Estimate
			if hasInterval {
				gf.RatioCILow, gf.RatioCIHigh = &iv.Low, &iv.High
			}
		}
		if r, ok := stats.Share(t.arrests, t.n); ok {
			gf.ArrestRate = &r
		}
		if r, ok := stats.Share(t.finds, t.n); ok {
			gf.FindRate = &r
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
