package store

import (
	"context"
	"slices"
	"sort"
	"time"
)

// monthViews is what pages look up in one load of the calendar's months
// (visit_months.go), built once per load (copyIndex) beside the copy, so
// that a member's home page costs the same at ten times the visits (issue
// 18): it walked every copy of its groups' last year for the few the
// member went to, and every copy of four months for its next open visits.
// Derived from the load and never written apart from it, the views are
// exactly as fresh as the copy on both engines.
type monthViews struct {
	// shown is every copy shown (in its own month), by calendar day, then id.
	shown []Visit
	byID  map[string]int32
	// byGroup is the positions in shown of each group's copies, in order.
	byGroup map[string][]int32
	// attending is the positions of the copies whose attendees name the
	// person, by person: only an unannounced visit's copy keeps them (its
	// pair), so these are the visits a person was paired on.
	attending map[string][]int32
	// waiting is the findings that wait on the copies of each group ("":
	// every group), in calendar order: FindingsCounts is two binary
	// searches a group.
	waiting map[string]*runningCounts
}

// runningCounts are the findings waiting on a list of copies, by calendar
// day: days[i] is the i-th copy's day, and signOff[i] and answer[i] the
// totals of the copies before it (each slice one longer than days).
type runningCounts struct {
	days            []time.Time
	signOff, answer []int
}

func (r *runningCounts) add(v *Visit) {
	n := CountFindings([]Visit{*v}, nil)
	if r.signOff == nil {
		r.signOff, r.answer = []int{0}, []int{0}
	}
	r.days = append(r.days, v.CalendarDay())
	r.signOff = append(r.signOff, r.signOff[len(r.signOff)-1]+n.ToSignOff)
	r.answer = append(r.answer, r.answer[len(r.answer)-1]+n.ToAnswer)
}

// between adds to n the findings waiting on the copies whose calendar day
// falls from first to last.
func (r *runningCounts) between(n *FindingCounts, first, last time.Time) {
	lo := sort.Search(len(r.days), func(i int) bool { return !r.days[i].Before(first) })
	hi := sort.Search(len(r.days), func(i int) bool { return r.days[i].After(last) })
	if lo < hi {
		n.ToSignOff += r.signOff[hi] - r.signOff[lo]
		n.ToAnswer += r.answer[hi] - r.answer[lo]
	}
}

// newMonthViews builds the views of one load of the months.
func newMonthViews(months map[string]visitMonth) *monthViews {
	v := &monthViews{byID: map[string]int32{}, byGroup: map[string][]int32{}, attending: map[string][]int32{},
		waiting: map[string]*runningCounts{"": {}}}
	for _, m := range months {
		v.shown = append(v.shown, m.shown...)
	}
	slices.SortFunc(v.shown, byCalendarDay)
	for i := range v.shown {
		c := &v.shown[i]
		at := int32(i)
		v.byID[c.ID] = at
		v.byGroup[c.GroupID] = append(v.byGroup[c.GroupID], at)
		for _, id := range slices.Compact(slices.Sorted(slices.Values(c.Attendees))) {
			v.attending[id] = append(v.attending[id], at)
		}
		if v.waiting[c.GroupID] == nil {
			v.waiting[c.GroupID] = &runningCounts{}
		}
		v.waiting[c.GroupID].add(c)
		v.waiting[""].add(c)
	}
	return v
}

// monthViewsNow is the views of the months' current load, built at its
// first use.
func (s *Store) monthViewsNow(ctx context.Context) (*monthViews, error) {
	l, err := s.monthsCp.getLoad(ctx, s)
	if err != nil {
		return nil, err
	}
	return s.monthsIx.of(l.n, func() *monthViews { return newMonthViews(l.v) }), nil
}

// FindingCounts are the findings a home page says wait: submitted on
// visits not yet signed off (for the chair), and signed off but not
// answered by the force.
type FindingCounts struct {
	ToSignOff int
	ToAnswer  int
}

// CountFindings counts the findings waiting on the copies vs of these
// groups (nil: every group): a walk of every copy given, which
// FindingsCounts answers from counts kept beside the months' copy (and
// fakes of it from a list).
func CountFindings(vs []Visit, groupIDs []string) FindingCounts {
	var n FindingCounts
	for _, v := range vs {
		if groupIDs != nil && !slices.Contains(groupIDs, v.GroupID) {
			continue
		}
		if v.SignedOff {
			n.ToAnswer += max(len(v.Submitted)-len(v.Answered), 0)
		} else {
			n.ToSignOff += len(v.Submitted)
		}
	}
	return n
}

// FindingsCounts counts the findings waiting on the visits of these groups
// (nil: every group) whose calendar day falls from first to last: from
// counts kept beside the calendar's copy, so a home page costs the same
// whatever the number of visits.
func (s *Store) FindingsCounts(ctx context.Context, groupIDs []string, first, last time.Time) (FindingCounts, error) {
	v, err := s.monthViewsNow(ctx)
	if err != nil {
		return FindingCounts{}, err
	}
	var n FindingCounts
	if groupIDs == nil {
		v.waiting[""].between(&n, first, last)
		return n, nil
	}
	for _, g := range slices.Compact(slices.Sorted(slices.Values(groupIDs))) {
		if r := v.waiting[g]; r != nil && g != "" {
			r.between(&n, first, last)
		}
	}
	return n, nil
}

// VisitCopiesOf returns the calendar copies (schedules, findings, no
// seats) of the visits of these groups (nil: every group) whose calendar
// day falls from first to last that userID is booked on (booked: the visit
// ids of their diary) or paired on (an unannounced visit's copy keeps its
// pair), by calendar day, from memory: a member's home page looks only at
// their own visits, not at every visit of their groups.
func (s *Store) VisitCopiesOf(ctx context.Context, userID string, booked, groupIDs []string, first, last time.Time) ([]Visit, error) {
	v, err := s.monthViewsNow(ctx)
	if err != nil {
		return nil, err
	}
	at := slices.Clone(v.attending[userID])
	for _, id := range booked {
		if i, ok := v.byID[id]; ok {
			at = append(at, i)
		}
	}
	slices.Sort(at) // shown's order: by calendar day, then id
	at = slices.Compact(at)
	s.visitsLooked.Add(int64(len(at)))
	var out []Visit
	for _, i := range at {
		c := v.shown[i]
		if (groupIDs == nil || slices.Contains(groupIDs, c.GroupID)) && !c.CalendarDay().Before(first) && !c.CalendarDay().After(last) {
			out = append(out, c)
		}
	}
	return out, nil
}

// groupCopiesBetween returns the copies of these groups whose calendar day
// falls from from to before to, by calendar day, found by the views' lists
// of each group: a member's calendar or next visits copy their groups'
// visits of those days, not every visit of every group in those months.
func (s *Store) groupCopiesBetween(ctx context.Context, groupIDs []string, from, to time.Time) ([]Visit, error) {
	v, err := s.monthViewsNow(ctx)
	if err != nil {
		return nil, err
	}
	var at []int32
	for _, g := range slices.Compact(slices.Sorted(slices.Values(groupIDs))) {
		list := v.byGroup[g]
		lo := sort.Search(len(list), func(i int) bool { return !v.shown[list[i]].CalendarDay().Before(from) })
		hi := sort.Search(len(list), func(i int) bool { return !v.shown[list[i]].CalendarDay().Before(to) })
		if lo < hi {
			at = append(at, list[lo:hi]...)
		}
	}
	slices.Sort(at)
	s.visitsLooked.Add(int64(len(at)))
	vs := make([]Visit, 0, len(at))
	for _, i := range at {
		vs = append(vs, v.shown[i])
	}
	return vs, nil
}
