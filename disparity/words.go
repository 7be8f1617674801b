package disparity

import (
	"fmt"
	"math"
	"strings"
)

// RatioText is "9.48 (4.41 to 20.37)", or why there is none.
func RatioText(g GroupFigures) string {
	switch {
	case g.NotACategory:
		return "not a category officers record"
	case g.RatioToWhite == nil:
		return "no ratio"
	case g.Group == "White":
		return "1 (the comparison)"
	case g.RatioCILow == nil:
		return fmt.Sprintf("%.2f (no interval)", *g.RatioToWhite)
	}
	return fmt.Sprintf("%.2f (%.2f to %.2f)", *g.RatioToWhite, *g.RatioCILow, *g.RatioCIHigh)
}

// Sentences says the report's main findings in plain English, one sentence
// per group, then the shares with no recorded ethnicity. A ratio is put as
// "times as likely" only when it is flagged (stats.Compare's one rule for
// ratio and gap); otherwise the words say there is no clear difference,
// with the figure and its interval.
func Sentences(rep *Report) []string {
	var out []string
	for _, g := range rep.Groups {
		if g.Group == "White" {
			continue
		}
		who := people(g.Group)
		var s string
		switch {
		case g.NotACategory:
			s = fmt.Sprintf("%s: not a category officers record, so there is no officer-defined figure.", who)
		case g.RatioToWhite == nil:
			s = fmt.Sprintf("%s: no comparison is possible (no searches of White people or no population figure).", who)
		case g.RatioCILow == nil:
			s = fmt.Sprintf("%s: no comparison with an interval is possible (ratio %.1f).", who, *g.RatioToWhite)
		case g.Flag && g.Searches == 0:
			s = fmt.Sprintf("%s: no searches recorded in this period; fewer than for White people, taking the size of each group into account (ratio 0, 95%% interval 0 to %.1f).", who, *g.RatioCIHigh)
		case g.Flag:
			s = fmt.Sprintf("%s were %s likely as White people to be searched (95%% interval %.1f to %.1f)",
				who, times(*g.RatioToWhite), *g.RatioCILow, *g.RatioCIHigh)
		case g.Searches == 0:
			s = fmt.Sprintf("%s: no searches recorded in this period; no clear difference from White people (ratio 0, 95%% interval 0 to %.1f).", who, *g.RatioCIHigh)
		case *g.RatioCILow > 1 || *g.RatioCIHigh < 1:
			// The two methods disagree at the margin (stats.Compare): the
			// ratio's interval leaves out 1 but the gap's includes 0. Saying
			// the ratio's interval "includes 1" would be false.
			s = fmt.Sprintf("%s: no clear difference from White people (%.1f times as likely to be searched; the ratio's 95%% interval, %.2f to %.2f, leaves out 1, but the interval for the difference in rates includes 0)",
				who, *g.RatioToWhite, *g.RatioCILow, *g.RatioCIHigh)
		default:
			s = fmt.Sprintf("%s: no clear difference from White people (%.1f times as likely to be searched, but the 95%% interval, %.1f to %.1f, includes 1)",
				who, *g.RatioToWhite, *g.RatioCILow, *g.RatioCIHigh)
		}
		if !strings.HasSuffix(s, ".") {
			if g.SmallCount {
				s += fmt.Sprintf("; this rests on only %s, so the interval is wide", plural(g.Searches, "search", "searches"))
			}
			s += "."
		}
		out = append(out, s)
	}
	out = append(out, fmt.Sprintf("%.0f%% of person searches (%d of %d) had no %s ethnicity recorded.",
		math.Round(rep.NotStated.Share*100), rep.NotStated.Searches, rep.PersonSearches, basisWord(rep.Ethnicity)))
	if rep.VehicleOnly > 0 {
		if rep.VehicleOnly == 1 {
			out = append(out, "1 search was of a vehicle only, with nobody to ask about ethnicity; it is counted apart.")
		} else {
			out = append(out, fmt.Sprintf("%d searches were of a vehicle only, with nobody to ask about ethnicity; they are counted apart.", rep.VehicleOnly))
		}
	}
	return out
}

func basisWord(b string) string {
	if b == OfficerDefined {
		return "officer-defined"
	}
	return "self-defined"
}

// times is "9.5 times as" or "0.6 times as"; "about as" near 1.
func times(r float64) string {
	if math.Abs(r-1) < 0.05 {
		return "about as"
	}
	return fmt.Sprintf("%.1f times as", r)
}

// people names a high-level group in a sentence.
func people(group string) string {
	switch group {
	case "Mixed":
		return "People of Mixed or Multiple ethnicity"
	case "Other":
		return "People of other ethnic groups"
	}
	return group + " people"
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

var monthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}

// MonthLabel turns 2019-01 into "January 2019" (anything else as given).
func MonthLabel(m string) string {
	if len(m) != 7 || m[4] != '-' {
		return m
	}
	var mm int
	if _, err := fmt.Sscanf(m[5:], "%d", &mm); err != nil || mm < 1 || mm > 12 {
		return m
	}
	return monthNames[mm-1] + " " + m[:4]
}

// ShortMonth turns 2019-01 into "Jan 2019".
func ShortMonth(m string) string {
	l := MonthLabel(m)
	if l == m {
		return m
	}
	return l[:3] + l[strings.Index(l, " "):]
}

// People names a high-level group in a sentence ("Black people").
func People(group string) string { return people(group) }

// Times is "9.5 times as" or "about as", for a flagged ratio.
func Times(r float64) string { return times(r) }

// Plural is "1 row" or "2 rows".
func Plural(n int64, one, many string) string { return plural(n, one, many) }
