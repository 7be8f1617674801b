package disparity

import (
	"fmt"
	"math"
	"strings"
)

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
