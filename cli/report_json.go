package cli

import (
	"time"

	"candour/powers"
	"candour/store"
)

// The JSON of `candour report disparity --format json`: stop and search's
// shared report (powers.BuildBasis over powers.StopSearch) in the field
// names the command has always printed, so scripts reading it keep
// working.

type jsonGroup struct {
	Group        string   `json:"group"`
	NotACategory bool     `json:"not_a_category,omitempty"` // officer-defined Mixed: officers do not record it
	Searches     int64    `json:"searches"`
	Population   int64    `json:"population"`
	RatePer1000  *float64 `json:"rate_per_1000"`
	RatePerYear  *float64 `json:"rate_per_1000_per_year"`
	RatioToWhite *float64 `json:"ratio_to_white"`
	RatioCILow   *float64 `json:"ratio_ci_low"`
	RatioCIHigh  *float64 `json:"ratio_ci_high"`
	GapPer1000   *float64 `json:"gap_per_1000"`
	GapCILow     *float64 `json:"gap_ci_low"`
	GapCIHigh    *float64 `json:"gap_ci_high"`
	Flag         bool     `json:"flag"`
	SmallCount   bool     `json:"small_count"`
	Arrests      int64    `json:"arrests"`
	ArrestRate   *float64 `json:"arrest_rate"`
	ArrestCILow  *float64 `json:"arrest_ci_low"`
	ArrestCIHigh *float64 `json:"arrest_ci_high"`
	Finds        int64    `json:"finds"`
	FindRate     *float64 `json:"find_rate"`
	FindCILow    *float64 `json:"find_ci_low"`
	FindCIHigh   *float64 `json:"find_ci_high"`
}

type jsonNotStated struct {
	Searches int64   `json:"searches"`
	Share    float64 `json:"share"` // of person searches
}

type jsonLabel struct {
	Label    string `json:"label"`
	Searches int64  `json:"searches"`
}

type jsonCount struct {
	Month    string           `json:"month,omitempty"`
	Value    *string          `json:"value,omitempty"`
	Searches int64            `json:"searches"`
	ByGroup  map[string]int64 `json:"by_group"`
}

type jsonReport struct {
	Force          string                 `json:"force"`
	ForceName      string                 `json:"force_name"`
	From           string                 `json:"from"`
	To             string                 `json:"to"`
	Period         string                 `json:"period"`
	MonthsInPeriod int                    `json:"months_in_period"`
	MonthsWithData []string               `json:"months_with_data"`
	Ethnicity      string                 `json:"ethnicity"`
	Searches       int64                  `json:"searches"`
	PersonSearches int64                  `json:"person_searches"`
	VehicleOnly    int64                  `json:"vehicle_only_searches"`
	NotStated      jsonNotStated          `json:"not_stated"`
	Unrecognised   int64                  `json:"unrecognised_ethnicity"`
	UnrecognisedBy []jsonLabel            `json:"unrecognised_labels"`
	Groups         []jsonGroup            `json:"groups"`
	Months         []jsonCount            `json:"months"`
	Breakdowns     map[string][]jsonCount `json:"breakdowns"`
	Population     string                 `json:"population_source"`
	PopulationOf   []store.PopulationArea `json:"population_areas"`
	PopulationAt   time.Time              `json:"population_imported_at"`
	DataAt         time.Time              `json:"data_imported_at"`
}

func reportJSON(rep *powers.Report) jsonReport {
	j := jsonReport{Force: rep.Force, ForceName: rep.ForceName, From: rep.From, To: rep.To, Period: rep.Period,
		MonthsInPeriod: rep.MonthsInPeriod, MonthsWithData: rep.MonthsWithData, Ethnicity: rep.Basis,
		Searches: rep.Events, PersonSearches: rep.PersonEvents(), VehicleOnly: rep.VehicleOnly,
		NotStated:    jsonNotStated{Searches: rep.NotStated, Share: rep.NotStatedShare},
		Unrecognised: rep.Unrecognised, Breakdowns: map[string][]jsonCount{}, DataAt: rep.DataAt}
	if rep.Population != nil {
		j.Population, j.PopulationOf, j.PopulationAt = rep.Population.Source, rep.Population.Areas, rep.Population.ImportedAt
	}
	for _, l := range rep.Labels {
		j.UnrecognisedBy = append(j.UnrecognisedBy, jsonLabel{Label: l.Label, Searches: l.Events})
	}
	for _, g := range rep.Groups {
		arrest, find := g.Share("arrest"), g.Share("find")
		j.Groups = append(j.Groups, jsonGroup{Group: g.Group, NotACategory: g.NotRecorded, Searches: g.Events, Population: g.Population,
			RatePer1000: g.Rate, RatePerYear: g.RateYear, RatioToWhite: g.Ratio, RatioCILow: g.RatioLow, RatioCIHigh: g.RatioHigh,
			GapPer1000: g.Gap, GapCILow: g.GapLow, GapCIHigh: g.GapHigh, Flag: g.Flag, SmallCount: g.Small && !g.NotRecorded,
			Arrests: arrest.K, ArrestRate: arrest.Estimate, ArrestCILow: arrest.Low, ArrestCIHigh: arrest.High,
			Finds: find.K, FindRate: find.Estimate, FindCILow: find.Low, FindCIHigh: find.High})
	}
	for _, m := range rep.Months {
		j.Months = append(j.Months, jsonCount{Month: m.Month, Searches: m.Events, ByGroup: m.ByGroup})
	}
	for dim, rows := range rep.Breakdowns {
		for _, r := range rows {
			v := r.Value
			j.Breakdowns[dim] = append(j.Breakdowns[dim], jsonCount{Value: &v, Searches: r.Records, ByGroup: r.ByGroup})
		}
	}
	return j
}
