package disparity

import (
	"fmt"
	"strings"
)

// The figures themselves are worked out by powers.BuildBasis over the
// stop and search definition (powers.StopSearch), as for every activity;
// this package keeps the words and periods every report shares.

func ptr(f float64) *float64 { return &f }

// MonthsBetween counts the calendar months from one YYYY-MM to another,
// both included (0 if either is not a month).
func MonthsBetween(from, to string) int {
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
	n := MonthsBetween(from, to)
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
