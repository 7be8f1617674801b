package powers

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"candour/disparity"
	"candour/policeuk"
	"candour/stats"
)

// Vocabularies of missing person episodes (the College of Policing's risk
// grading: no apparent risk, low, medium, high).
var (
	MissingRisks    = []string{"No apparent risk", "Low", "Medium", "High"}
	MissingAgeBands = []string{"0-11", "12-17", "18-24", "25-39", "40-59", "60 and over"}
)

// MissingPeople is episodes of people reported missing, from the force's
// own records: one row per episode, with a hashed person key (never a
// name) so that repeat episodes can be counted. The shared monitor shows
// episodes per 1,000 residents and the shares found within 24 and 72
// hours and of repeat episodes; its own page (BuildMissingTimes) shows how
// long each group took to be found.
var MissingPeople = register(&Dataset{
	Kind:  "missing-people",
	Title: "Missing people",
	One:   "missing person episode", Many: "missing person episodes", Base: "episodes",
	Likely:   "to be reported missing",
	Suppress: true,
	Page:     "/missing-people/time-to-find", PageLabel: "How long each group took to be found",
	Summary: "Episodes of people reported missing, from the force's own records: how many of each ethnic group (as the person described it, or their family), " +
		"per 1,000 residents, how that compares with White people, what share were found within 24 and within 72 hours, what share were repeat episodes, " +
		"and how long each group took to be found.",
	Source: "the force's own records of missing person episodes, imported as CSV",
	Cannot: []string{
		"Episodes not yet found when the file was made are counted as not found within 24 or 72 hours, and as taking longer than every episode found: an episode reported shortly before the file was made may yet be found within 24 hours.",
		"A repeat episode is one whose person key came earlier in the same file; episodes before the file's first are unknown, so repeats are undercounted at its start.",
		"Time to find is counted in whole hours, rounded up, from the time reported to the time found.",
	},
	Columns: []Column{
		{Name: "Reported at", Required: true, Date: true},
		{Name: "Found at", Hint: "a time (2025-03-31T18:30:00 in UK time, or 2025-03-31T17:30:00Z); empty if the person has not been found yet"},
		{Name: "Risk", Required: true, Values: MissingRisks, Breakdown: true},
		{Name: "Self-defined ethnicity", Ethnicity: true},
		{Name: "Age band", Required: true, Values: MissingAgeBands, Breakdown: true},
		{Name: "Person key", Required: true, Person: true},
	},
	Derive: deriveMissing,
	Shares: []Measure{
		{Key: "found24", Label: "were found within 24 hours", Column: "within24", Values: []string{"yes"}},
		{Key: "found72", Label: "were found within 72 hours", Column: "within72", Values: []string{"yes"}},
		{Key: "repeat", Label: "were repeat episodes", Column: "repeat", Values: []string{"yes"}},
	},
	Group: func(label string) stats.Group {
		if strings.EqualFold(strings.TrimSpace(label), "Prefer not to say") {
			return stats.NotStated
		}
		return stats.GroupOf(label)
	},
})

// MissingTimesKind is the publication kind of time to find
// (BuildMissingTimes), published apart from the shared monitor.
const MissingTimesKind = "missing-people-time"

// OpenEpisode is the hours value of an episode not yet found.
const OpenEpisode = "open"

// timeOf reads a time with a zone (converted) or without one (taken as
// Europe/London, so the hour lost or gained when the clocks change is
// counted right).
func timeOf(v string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, true
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, v, policeuk.London); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// deriveMissing works out an episode's hours to find (rounded up; "open"
// when not found) and whether it was found within 24 and 72 hours.
func deriveMissing(f []string) ([][2]string, []RowProblem) {
	reported, ok := timeOf(f[0])
	if !ok {
		return nil, []RowProblem{{Column: "Reported at", Problem: fmt.Sprintf("%q is not a time like 2025-03-31T18:30:00 (UK time) or 2025-03-31T17:30:00Z", f[0])}}
	}
	if f[1] == "" {
		return [][2]string{{"hours", OpenEpisode}, {"within24", "no"}, {"within72", "no"}}, nil
	}
	found, ok := timeOf(f[1])
	if !ok {
		return nil, []RowProblem{{Column: "Found at", Problem: fmt.Sprintf("%q is not a time like 2025-03-31T18:30:00 (UK time) or 2025-03-31T17:30:00Z; leave it empty if the person has not been found", f[1])}}
	}
	d := found.Sub(reported)
	if d < 0 {
		return nil, []RowProblem{{Column: "Found at", Problem: "is before the time the person was reported missing"}}
	}
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	h := int64(math.Ceil(d.Hours()))
	return [][2]string{{"hours", strconv.FormatInt(h, 10)}, {"within24", yes(d <= 24*time.Hour)}, {"within72", yes(d <= 72*time.Hour)}}, nil
}

// Quantile is a quantile of the time to find, in whole hours, with its
// distribution-free 95% interval (stats.QuantileRanks). An end that falls
// on an episode not yet found is open (longer than any found); an end the
// sample is too small for is missing.
type Quantile struct {
	Hours         int64
	Open          bool // the estimate itself is an episode not yet found
	Low, High     int64
	HasLow        bool
	HasHigh       bool
	LowOpen       bool
	HighOpen      bool
	Coverage      float64
	LowRank, Rank int64
	HighRank      int64
}

// GroupTimes is one group's time to find.
type GroupTimes struct {
	Group    string
	Episodes int64
	Open     int64
	Median   *Quantile // nil when withheld or fewer than 10 episodes
	P90      *Quantile
	Withheld bool // the group's count is withheld on the monitor
	// Difference is the 95% interval for the group's median less White
	// people's (stats.MedianDifference: the exact percentile bootstrap);
	// nil for White people and wherever either median is not shown.
	Difference *stats.MedianGap
	// Longer: the difference's interval lies wholly above 0; Shorter:
	// wholly below.
	Longer, Shorter bool
	whiteMedian     *Quantile
}

// MissingTimes is time to find by group for one force and period.
type MissingTimes struct {
	Report *Report // the shared figures (counts, shares, suppression)
	Groups []GroupTimes
}

// BuildMissingTimes works out the median and 90th percentile time to find
// of each group from the monthly counters of hours, beside the shared
// report whose suppression it follows: a group whose count is withheld
// there, or with fewer than 10 episodes, has no times.
func BuildMissingTimes(ctx context.Context, db DB, force, from, to string) (*MissingTimes, error) {
	rep, err := Build(ctx, db, MissingPeople, force, from, to)
	if err != nil {
		return nil, err
	}
	months, err := db.PowerMonths(ctx, MissingPeople.Kind, force, rep.From, rep.To)
	if err != nil {
		return nil, err
	}
	hist := map[string]map[string]int64{}
	for _, m := range months {
		for _, c := range m.Cells {
			if c.Basis != disparity.SelfDefined || c.Dim != "hours" {
				continue
			}
			if hist[c.Group] == nil {
				hist[c.Group] = map[string]int64{}
			}
			hist[c.Group][c.Value] += c.Searches
		}
	}
	return missingTimes(rep, hist), nil
}

func missingTimes(rep *Report, hist map[string]map[string]int64) *MissingTimes {
	mt := &MissingTimes{Report: rep}
	var white *GroupTimes
	for _, g := range rep.Groups {
		gt := GroupTimes{Group: g.Group, Withheld: g.Suppressed}
		h := hist[g.Group]
		for _, n := range h {
			gt.Episodes += n
		}
		gt.Open = h[OpenEpisode]
		if !gt.Withheld && gt.Episodes >= stats.MinCell {
			gt.Median, gt.P90 = quantileOf(h, 0.5), quantileOf(h, 0.9)
		}
		mt.Groups = append(mt.Groups, gt)
		if g.Group == string(stats.White) {
			white = &mt.Groups[len(mt.Groups)-1]
		}
	}
	for i := range mt.Groups {
		g := &mt.Groups[i]
		if white == nil || g == white || g.Median == nil || white.Median == nil {
			continue
		}
		if d, ok := stats.MedianDifference(binsOf(hist[g.Group]), binsOf(hist[white.Group])); ok {
			g.Difference, g.whiteMedian = &d, white.Median
			g.Longer, g.Shorter = d.Low > 0, d.High < 0
		}
	}
	return mt
}

// binsOf reads a histogram of hours ("open" for an episode not yet found).
func binsOf(h map[string]int64) []stats.Bin {
	var bins []stats.Bin
	for v, c := range h {
		b := stats.Bin{N: c}
		if v == OpenEpisode {
			b.Open = true
		} else {
			b.Value, _ = strconv.ParseInt(v, 10, 64)
		}
		bins = append(bins, b)
	}
	sort.Slice(bins, func(i, j int) bool {
		if bins[i].Open != bins[j].Open {
			return !bins[i].Open
		}
		return bins[i].Value < bins[j].Value
	})
	return bins
}

// quantileOf finds the p-quantile and its interval in a histogram of
// hours ("open" sorts after every hour).
func quantileOf(h map[string]int64, p float64) *Quantile {
	bins := binsOf(h)
	var n int64
	for _, b := range bins {
		n += b.N
	}
	at := func(rank int64) (int64, bool) {
		var seen int64
		for _, b := range bins {
			seen += b.N
			if seen >= rank {
				return b.Value, b.Open
			}
		}
		return 0, true
	}
	r, ok := stats.QuantileRanks(n, p)
	if !ok {
		return nil
	}
	q := &Quantile{Rank: r.Rank, LowRank: r.Low, HighRank: r.High, HasLow: r.HasLow, HasHigh: r.HasHigh, Coverage: r.Coverage}
	q.Hours, q.Open = at(r.Rank)
	if r.HasLow {
		q.Low, q.LowOpen = at(r.Low)
	}
	if r.HasHigh {
		q.High, q.HighOpen = at(r.High)
	}
	return q
}

// Text is the quantile as the page shows it: "24 hours (20 to 100)".
func (q *Quantile) Text() string {
	if q == nil {
		return "–"
	}
	end := func(h int64, open bool) string {
		if open {
			return "not yet found"
		}
		return strconv.FormatInt(h, 10)
	}
	s := hours(q.Hours, func(n int64) string { return strconv.FormatInt(n, 10) })
	if q.Open {
		s = "not yet found"
	}
	lo, hi := "no lower end", "no upper end"
	if q.HasLow {
		lo = end(q.Low, q.LowOpen)
	}
	if q.HasHigh {
		hi = end(q.High, q.HighOpen)
	}
	return fmt.Sprintf("%s (%s to %s)", s, lo, hi)
}

// DifferenceText is the difference in medians as the page shows it:
// "+18 hours (+12 to +94)"; "–" where there is none.
func (g GroupTimes) DifferenceText() string {
	d := g.Difference
	if d == nil {
		return "–"
	}
	end := func(v float64) string {
		switch {
		case math.IsInf(v, 1):
			return "not yet found"
		case math.IsInf(v, -1):
			return "White not yet found"
		}
		return signed(int64(v))
	}
	est := "–"
	if g.Median != nil && g.whiteMedian != nil && !g.Median.Open && !g.whiteMedian.Open {
		est = hours(g.Median.Hours-g.whiteMedian.Hours, signed)
	}
	return fmt.Sprintf("%s (%s to %s)", est, end(d.Low), end(d.High))
}

// signed writes a difference with its sign: "+3", "-1", "0".
func signed(n int64) string {
	if n == 0 {
		return "0"
	}
	return fmt.Sprintf("%+d", n)
}

// hours writes a number of hours ("1 hour", "24 hours") with write.
func hours(n int64, write func(int64) string) string {
	if n == 1 || n == -1 {
		return write(n) + " hour"
	}
	return write(n) + " hours"
}

// MissingSentences says, in plain English, which groups took longer to be
// found than White people, with both medians and their intervals.
func MissingSentences(mt *MissingTimes) []string {
	var white *GroupTimes
	for i := range mt.Groups {
		if mt.Groups[i].Group == string(stats.White) {
			white = &mt.Groups[i]
		}
	}
	var out []string
	for _, g := range mt.Groups {
		if g.Group == string(stats.White) {
			continue
		}
		who := disparity.People(g.Group)
		switch {
		case g.Withheld:
			out = append(out, fmt.Sprintf("%s: no times are shown, because the count is fewer than 10 or would show one that is.", who))
		case g.Median == nil:
			out = append(out, fmt.Sprintf("%s: no times are shown (fewer than 10 episodes).", who))
		case white == nil || white.Median == nil:
			out = append(out, fmt.Sprintf("%s: no comparison with White people is possible (too few White episodes).", who))
		case g.Difference == nil:
			out = append(out, fmt.Sprintf("%s: no comparison with White people is possible.", who))
		case g.Longer:
			out = append(out, fmt.Sprintf("%s reported missing took longer to be found than White people: half were found within %s, against %s for White people; the 95%% interval for the difference, %s, leaves out 0.",
				who, g.Median.Text(), white.Median.Text(), g.DifferenceText()))
		case g.Shorter:
			out = append(out, fmt.Sprintf("%s reported missing were found sooner than White people: half were found within %s, against %s for White people; the 95%% interval for the difference, %s, leaves out 0.",
				who, g.Median.Text(), white.Median.Text(), g.DifferenceText()))
		default:
			out = append(out, fmt.Sprintf("%s: no clear difference from White people in the time to be found (median %s, against %s; the 95%% interval for the difference, %s, includes 0).",
				who, g.Median.Text(), white.Median.Text(), g.DifferenceText()))
		}
	}
	return out
}
