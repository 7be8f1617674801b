package store

import (
	"testing"
	"time"
)

// The kept overdue count agrees with the definition (overdue, through
// CountRecs) at the instants around the boundary, where a binary search
// is easiest to get wrong by one: a recommendation is overdue only once
// more than a whole day has passed since its due date.
func TestOverdueCountAtTheBoundary(t *testing.T) {
	t.Parallel()
	due := time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC) // the night the clocks go forward in London
	all := []RecSummary{
		{ID: "a", Status: RecAccepted, DueAt: due},
		{ID: "b", Status: RecInProgress, DueAt: due.Add(time.Nanosecond)},
		{ID: "c", Status: RecImplemented, DueAt: due.Add(-48 * time.Hour)}, // never overdue
		{ID: "d", Status: RecRaised},                                       // no due date
	}
	v := newRecViews(all)
	day := 24 * time.Hour
	for _, c := range []struct {
		now  time.Time
		want int
	}{
		{due.Add(day - time.Nanosecond), 0},
		{due.Add(day), 0}, // exactly a day after: not yet
		{due.Add(day + time.Nanosecond), 1},
		{due.Add(day + 2*time.Nanosecond), 2},
	} {
		got, def := v.overdueAt(c.now), CountRecs(all, c.now, nil).Overdue
		if got != c.want || def != c.want {
			t.Errorf("at due + %v: kept count %d, definition %d, want %d", c.now.Sub(due), got, def, c.want)
		}
	}
}
