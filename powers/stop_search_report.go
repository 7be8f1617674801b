package powers

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"candour/apperr"
	"candour/disparity"
	"candour/policeuk"
	"candour/store"
)

// stopSearchSentences says stop and search's findings in the words its
// page (/disparity), the command line's report and the public page have
// always used: one sentence per group against White people, then the
// not-stated share of person searches and the vehicle-only searches. A
// ratio is put as "times as likely" only when it is flagged (stats.Compare's
// one rule for ratio and gap); otherwise the words say there is no clear
// difference, with the figure and its interval.
func stopSearchSentences(rep *Report) []string {
	var out []string
	for _, g := range rep.Groups {
		if g.Group == "White" {
			continue
		}
		who := disparity.People(g.Group)
		var s string
		switch {
		case g.NotRecorded:
			s = fmt.Sprintf("%s: not a category officers record, so there is no officer-defined figure.", who)
		case g.Ratio == nil:
			s = fmt.Sprintf("%s: no comparison is possible (no searches of White people or no population figure).", who)
		case g.RatioLow == nil:
			s = fmt.Sprintf("%s: no comparison with an interval is possible (ratio %.1f).", who, *g.Ratio)
		case g.Flag && g.Events == 0:
			s = fmt.Sprintf("%s: no searches recorded in this period; fewer than for White people, taking the size of each group into account (ratio 0, 95%% interval 0 to %.1f).", who, *g.RatioHigh)
		case g.Flag:
			s = fmt.Sprintf("%s were %s likely as White people to be searched (95%% interval %.1f to %.1f)",
				who, disparity.Times(*g.Ratio), *g.RatioLow, *g.RatioHigh)
		case g.Events == 0:
			s = fmt.Sprintf("%s: no searches recorded in this period; no clear difference from White people (ratio 0, 95%% interval 0 to %.1f).", who, *g.RatioHigh)
		case *g.RatioLow > 1 || *g.RatioHigh < 1:
			// The two methods disagree at the margin (stats.Compare): the
			// ratio's interval leaves out 1 but the gap's includes 0. Saying
			// the ratio's interval "includes 1" would be false.
			s = fmt.Sprintf("%s: no clear difference from White people (%.1f times as likely to be searched; the ratio's 95%% interval, %.2f to %.2f, leaves out 1, but the interval for the difference in rates includes 0)",
				who, *g.Ratio, *g.RatioLow, *g.RatioHigh)
		default:
			s = fmt.Sprintf("%s: no clear difference from White people (%.1f times as likely to be searched, but the 95%% interval, %.1f to %.1f, includes 1)",
				who, *g.Ratio, *g.RatioLow, *g.RatioHigh)
		}
		if !strings.HasSuffix(s, ".") {
			if g.Small {
				s += fmt.Sprintf("; this rests on only %s, so the interval is wide", disparity.Plural(g.Events, "search", "searches"))
			}
			s += "."
		}
		out = append(out, s)
	}
	basis := "self-defined"
	if rep.Basis == disparity.OfficerDefined {
		basis = "officer-defined"
	}
	out = append(out, fmt.Sprintf("%.0f%% of person searches (%d of %d) had no %s ethnicity recorded.",
		math.Round(rep.NotStatedShare*100), rep.NotStated, rep.PersonEvents(), basis))
	switch {
	case rep.VehicleOnly == 1:
		out = append(out, "1 search was of a vehicle only, with nobody to ask about ethnicity; it is counted apart.")
	case rep.VehicleOnly > 1:
		out = append(out, fmt.Sprintf("%d searches were of a vehicle only, with nobody to ask about ethnicity; they are counted apart.", rep.VehicleOnly))
	}
	return out
}

// CheckStopSearchPublishable refuses to publish a period of stop and
// search that would put no figures, or wrong ones, on the public page
// (/public/stop-and-search): a force police.uk does not name, a force with
// no data or no Census population, or no searches in the period. The
// refusal is an apperr.Invalid (IsRefusal). It returns the report that
// would be published, by the ethnicity basis given.
func CheckStopSearchPublishable(ctx context.Context, db DB, force, from, to, basis string) (*Report, error) {
	if _, ok := policeuk.Force(force); !ok {
		return nil, apperr.Invalidf("", "%q is not a police force area of England and Wales as police.uk names them (for example dorset)", force)
	}
	forces, err := db.PowerForces(ctx, store.PowerStopSearch)
	if err != nil {
		return nil, err
	}
	if len(forces[force].Months) == 0 {
		return nil, apperr.Invalidf("", "there is no stop and search data for %s: import its police.uk files first", force)
	}
	rep, err := BuildBasis(ctx, db, StopSearch, force, from, to, basis)
	if errors.Is(err, ErrNoPopulation) {
		return nil, apperr.Invalidf("", "there is no Census population for %s, so no rates can be worked out: load its TS021 table first", force)
	}
	if err != nil {
		return nil, err
	}
	if rep.Events == 0 {
		return nil, apperr.Invalidf("", "there are no searches for %s in %s", force, disparity.PeriodName(from, to))
	}
	return rep, nil
}
