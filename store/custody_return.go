package store

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// FinancialQuarter is a quarter of the financial year, April to March, in
// UK time: the quarters a Police and Crime Commissioner's office reports
// to ICVA by. "2026-27-Q1" is April to June 2026; Q4 is January to March
// 2027.
type FinancialQuarter struct {
	Year int // the year the financial year starts in (2026 for 2026/27)
	Q    int // 1 to 4
}

// ParseFinancialQuarter reads "2026-27-Q1".
func ParseFinancialQuarter(s string) (FinancialQuarter, bool) {
	y, q, ok := strings.Cut(s, "-Q")
	a, b, ok2 := strings.Cut(y, "-")
	year, err1 := strconv.Atoi(a)
	next, err2 := strconv.Atoi(b)
	n, err3 := strconv.Atoi(q)
	if !ok || !ok2 || err1 != nil || err2 != nil || err3 != nil || n < 1 || n > 4 || year < 2000 || year > 2100 || next != (year+1)%100 || len(b) != 2 {
		return FinancialQuarter{}, false
	}
	return FinancialQuarter{Year: year, Q: n}, true
}

// FinancialQuarterOf is the financial quarter t falls in, in UK time.
func FinancialQuarterOf(t time.Time) FinancialQuarter {
	t = t.In(London)
	m := int(t.Month())
	if m >= 4 {
		return FinancialQuarter{Year: t.Year(), Q: (m-4)/3 + 1}
	}
	return FinancialQuarter{Year: t.Year() - 1, Q: 4}
}

// String is "2026-27-Q1", as ParseFinancialQuarter reads it.
func (q FinancialQuarter) String() string {
	return fmt.Sprintf("%d-%02d-Q%d", q.Year, (q.Year+1)%100, q.Q)
}

// Start is the quarter's first moment, midnight UK time.
func (q FinancialQuarter) Start() time.Time {
	return time.Date(q.Year, time.Month(4+3*(q.Q-1)), 1, 0, 0, 0, 0, London)
}

// End is the first moment after the quarter.
func (q FinancialQuarter) End() time.Time { return q.Start().AddDate(0, 3, 0) }

// Previous is the quarter before.
func (q FinancialQuarter) Previous() FinancialQuarter {
	return FinancialQuarterOf(q.Start().AddDate(0, -1, 0))
}

// SuiteVisits counts one custody suite's visits in a quarter.
type SuiteVisits struct {
	Suite         string
	Made, NotMade int
}

// IssueCount counts the issues of one category.
type IssueCount struct {
	Category string
	Issues   int
}

// CustodyReturn is the quarterly return ICVA asks custody visiting schemes
// for.
type CustodyReturn struct {
	Quarter                       FinancialQuarter
	VisitsMade, PlannedNotMade    int
	Held, Offered, Seen, Declined int
	NotSeen                       int
	DelayTotal                    time.Duration // the sum of the delays in admission
	AverageDelayMinutes           int           // the mean delay, in whole minutes rounded half up
	Suites                        []SuiteVisits // by suite name
	Issues                        []IssueCount  // every category, in CustodyIssueCategories order
}

// CustodyReturnOf works out the return for quarter q from the custody
// visits and the submitted reports, at now.
//
//   - A visit is made when its report is submitted; it counts in the quarter
//     its visitors arrived in (UK time).
//   - A visit is planned and not made when it is a custody visit whose day
//     (its start, or for an unannounced visit whose pair chose no time, the
//     Monday of its week) is in the quarter, which has started by now (for
//     an unannounced visit without a time: whose week is over), and which
//     has no submitted report.
//   - The average delay is the mean of (admitted - arrived) over the visits
//     made, in whole minutes, rounded half up.
func CustodyReturnOf(q FinancialQuarter, visits []Visit, reports []CustodyReport, now time.Time) CustodyReturn {
	from, to := q.Start(), q.End()
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	ret := CustodyReturn{Quarter: q}
	suites := map[string]*SuiteVisits{}
	suite := func(name string) *SuiteVisits {
		if suites[name] == nil {
			suites[name] = &SuiteVisits{Suite: name}
		}
		return suites[name]
	}
	made := map[string]bool{}
	issues := map[string]int{}
	for _, r := range reports {
		if !r.Done() {
			continue
		}
		made[r.ID] = true
		if !in(r.Arrived) {
			continue
		}
		ret.VisitsMade++
		ret.Held += r.Held
		ret.Offered += r.Offered
		ret.Seen += r.Seen
		ret.Declined += r.Declined
		ret.NotSeen += r.NotSeen
		ret.DelayTotal += r.Delay()
		suite(r.Suite).Made++
		for _, c := range r.IssueCategories {
			issues[c]++
		}
	}
	for _, v := range visits {
		if v.Type != VisitCustody || made[v.ID] || !in(v.CalendarDayForReturn()) || !v.Past(now) {
			continue
		}
		ret.PlannedNotMade++
		suite(v.Location).NotMade++
	}
	if ret.VisitsMade > 0 {
		// Half up: (total + n/2) / n in whole minutes, done in seconds.
		secs := int64(ret.DelayTotal / time.Second)
		n := int64(ret.VisitsMade)
		ret.AverageDelayMinutes = int((secs + 30*n) / (60 * n))
	}
	for _, s := range suites {
		ret.Suites = append(ret.Suites, *s)
	}
	sort.Slice(ret.Suites, func(i, j int) bool { return ret.Suites[i].Suite < ret.Suites[j].Suite })
	for _, c := range CustodyIssueCategories {
		ret.Issues = append(ret.Issues, IssueCount{Category: c, Issues: issues[c]})
	}
	return ret
}

// CalendarDayForReturn is the day a visit counts in for the quarterly
// return: its start once known, else the Monday of its week.
func (v *Visit) CalendarDayForReturn() time.Time {
	if v.Unannounced && !v.TimeSet {
		return v.Week
	}
	return v.Start
}
