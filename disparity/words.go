package disparity

import (
	"fmt"
	"math"
)

// RatioText is "9.48 (4.41 to 20.37)", or why there is none.
func RatioText(g GroupFigures) string {
	switch {
	case g.RatioToWhite == nil:
		return "no ratio"
	case g.RatioCILow == nil:
		return fmt.Sprintf("%.2f (no interval)", *g.RatioToWhite)
	}
	return fmt.Sprintf("%.2f (%.2f to %.2f)", *g.RatioToWhite, *g.RatioCILow, *g.RatioCIHigh)
}

// Sentences says the report's main findings in plain English, one sentence
// per group, then the share with no recorded ethnicity.
func Sentences(rep *Report) []string {
	var out []string
	for _, g := range rep.Groups {
		if g.Group == "White" {
			continue
		}
		who := people(g.Group)
		switch {
		case g.RatioToWhite == nil:
			out = append(out, fmt.Sprintf("%s: no comparison is possible (no searches of White people or no population figure).", who))
		case g.Searches == 0:
			out = append(out, fmt.Sprintf("%s: no searches recorded in this period.", who))
		case g.RatioCILow == nil:
			out = append(out, fmt.Sprintf("%s were %s likely as White people to be searched.", who, times(*g.RatioToWhite)))
		default:
			s := fmt.Sprintf("%s were %s likely as White people to be searched (95%% interval %.1f to %.1f)",
				who, times(*g.RatioToWhite), *g.RatioCILow, *g.RatioCIHigh)
			if g.Searches < 10 {
				s += fmt.Sprintf("; this rests on only %s, so the interval is wide", plural(g.Searches, "search", "searches"))
			}
			out = append(out, s+".")
		}
	}
	out = append(out, fmt.Sprintf("%.0f%% of searches (%d of %d) had no %s ethnicity recorded.",
		math.Round(rep.NotStated.Share*100), rep.NotStated.Searches, rep.Searches, basisWord(rep.Ethnicity)))
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
