package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"
)

// idsOf lists the ids of vs, in order.
func idsOf(vs []Visit) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.ID)
	}
	return out
}

// viewsAgree checks the months' views (copy_visit_months.go) against a
// walk of every copy of the months, as the home pages read them before
// the views: the findings waiting, each person's booked and paired
// visits, a member's groups' visits and the schedules by id, for several
// windows around now and several sets of groups.
func viewsAgree(t *testing.T, s *Store, people []string, groupSets [][]string, now time.Time) {
	t.Helper()
	ctx := context.Background()
	windows := [][2]time.Time{{now.AddDate(-1, 0, 0), now}, {now.AddDate(0, 0, -10), now.AddDate(0, 3, 0)},
		{now.AddDate(-2, 0, 0), now.AddDate(2, 0, 0)}, {now.AddDate(0, 0, 1), now}}
	for _, w := range windows {
		first, last := w[0], w[1]
		walked, err := s.visitsInMonths(ctx, first, last)
		if err != nil {
			t.Fatal(err)
		}
		var inWindow []Visit
		for _, v := range walked {
			if !v.CalendarDay().Before(first) && !v.CalendarDay().After(last) {
				inWindow = append(inWindow, v)
			}
		}
		for _, gs := range groupSets {
			inGroups := func(v Visit) bool { return gs == nil || slices.Contains(gs, v.GroupID) }
			got, err := s.FindingsCounts(ctx, gs, first, last)
			if err != nil {
				t.Fatal(err)
			}
			if want := CountFindings(inWindow, gs); got != want {
				t.Errorf("groups %v from %s to %s: findings %+v, want %+v", gs, first.Format(time.DateOnly), last.Format(time.DateOnly), got, want)
			}
			for _, p := range people {
				d, err := s.Diary(ctx, p)
				if err != nil {
					t.Fatal(err)
				}
				booked := slices.Collect(maps.Keys(d.Bookings))
				var want []Visit
				for _, v := range inWindow {
					if _, ok := d.Bookings[v.ID]; (ok || v.Attending(p)) && inGroups(v) {
						want = append(want, v)
					}
				}
				got, err := s.VisitCopiesOf(ctx, p, booked, gs, first, last)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(idsOf(got), idsOf(want)) {
					t.Errorf("%s in groups %v from %s to %s: visits %v, want %v", p, gs, first.Format(time.DateOnly), last.Format(time.DateOnly), idsOf(got), idsOf(want))
				}
			}
			if gs == nil {
				continue
			}
			f := VisitFilter{GroupIDs: gs, From: first, To: last}
			all, err := s.visitsInMonths(ctx, first.AddDate(0, 0, -7), last.Add(-time.Nanosecond))
			if err != nil {
				t.Fatal(err)
			}
			want := pickVisits(all, f)
			cal, err := s.Visits(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if got := cal; !slices.Equal(idsOf(got), idsOf(want)) {
				t.Errorf("calendar of groups %v from %s to %s: %v, want %v", gs, first.Format(time.DateOnly), last.Format(time.DateOnly), idsOf(got), idsOf(want))
			}
		}
	}
	// Schedules by id, as the walk of every month found them.
	months, err := s.months(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range months {
		for id := range m.Visits {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	ids = append(ids, "no-such-visit")
	got, err := s.Schedules(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	shown := map[string]bool{}
	for _, m := range months {
		for _, v := range m.shown {
			shown[v.ID] = true
		}
	}
	if len(got) != len(shown) {
		t.Errorf("%d schedules, want the %d visits shown", len(got), len(shown))
	}
	for i := 1; i < len(got); i++ {
		if got[i].CalendarDay().Before(got[i-1].CalendarDay()) {
			t.Errorf("schedules out of order at %d", i)
		}
	}
}

// TestMonthViewsAgreeWithAWalkAfterEveryChange: the counts of findings
// waiting, a person's visits and a member's groups' calendar, read from the
// views built beside each load of the months, are what a walk of every copy
// gives, after visits are seeded and after each change that moves them
// (a finding submitted, a sign-off, an answer, a visit moved to another
// month, a sign-up).
func TestMonthViewsAgreeWithAWalkAfterEveryChange(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	now := s.now()
	people := []string{"a", "b", "c", "d"}
	groupSets := [][]string{nil, {"g1"}, {"g2", "g3"}, {"g1", "g1"}, {}, {"nobody's"}}
	var vs []*Visit
	var fs []*Finding
	for i := range 60 {
		g := []string{"g1", "g2", "g3"}[i%3]
		start := now.AddDate(0, 0, 200-i*9).Truncate(time.Hour)
		v := &Visit{ID: fmt.Sprintf("v%02d", i), Type: VisitStopSearch, GroupID: g, Location: "Kings Park", Start: start, End: start.Add(2 * time.Hour),
			Capacity: 4, MinVetting: "none"}
		if i%5 == 0 {
			// An unannounced pair's visit, filed under its week's Monday.
			d := start.In(London)
			v.Type, v.Unannounced = VisitCustody, true
			v.Week = time.Date(d.Year(), d.Month(), d.Day()-(int(d.Weekday())+6)%7, 0, 0, 0, 0, London)
		}
		who := []string{people[i%4], people[(i+1)%4]}
		if i%7 != 3 {
			v.Attendees = who
		}
		if start.Before(now) {
			for k, uid := range v.Attendees {
				if (i+k)%3 != 0 {
					fs = append(fs, &Finding{VisitID: v.ID, GroupID: g, VisitType: v.Type, VisitStart: start, UserID: uid})
				}
			}
			if i%4 == 1 {
				v.SignedOff = true
				if i%8 == 1 && len(v.Attendees) > 0 {
					v.Answered = v.Attendees[:1]
				}
			}
		}
		vs = append(vs, v)
	}
	if err := s.SeedVisits(ctx, vs, fs); err != nil {
		t.Fatal(err)
	}
	// Bookings that ended over 45 days ago leave the diaries (the job's
	// prune): the visits' copies still name an unannounced visit's pair.
	if _, err := s.PruneDiaries(ctx, now.Add(-45*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	// The seeding has findings waiting both ways, and people booked on
	// visits and paired on unannounced ones, for the walk to agree with.
	n, err := s.FindingsCounts(ctx, nil, now.AddDate(-1, 0, 0), now)
	if err != nil || n.ToSignOff == 0 || n.ToAnswer == 0 {
		t.Fatalf("findings waiting %+v (%v), want some of each", n, err)
	}
	d, err := s.Diary(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	mine, err := s.VisitCopiesOf(ctx, "a", slices.Collect(maps.Keys(d.Bookings)), nil, now.AddDate(-1, 0, 0), now.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	paired := 0
	for _, v := range mine {
		if _, booked := d.Bookings[v.ID]; v.Unannounced && !booked {
			paired++
		}
	}
	if len(mine) < 5 || paired == 0 {
		t.Fatalf("a's visits %v (%d paired on and not in the diary), want several, some paired on", idsOf(mine), paired)
	}
	viewsAgree(t, s, people, groupSets, now)

	// A finding submitted on a past visit not signed off.
	var open *Visit
	for _, v := range vs {
		if v.Start.Before(now) && !v.SignedOff && !v.Unannounced && len(v.Attendees) > 0 && !slices.Contains(v.Submitted, v.Attendees[0]) {
			open = v
			break
		}
	}
	if open == nil {
		t.Fatal("no past visit with a finding to submit")
	}
	f := &Finding{VisitID: open.ID, GroupID: open.GroupID, VisitType: open.Type, VisitStart: open.Start, UserID: open.Attendees[0]}
	if err := s.SaveFinding(ctx, f, 0, true); err != nil {
		t.Fatal(err)
	}
	viewsAgree(t, s, people, groupSets, now)
	// Its sign-off, and the force's answer.
	if err := s.SignOffVisit(ctx, open.ID, "Chair"); err != nil {
		t.Fatal(err)
	}
	viewsAgree(t, s, people, groupSets, now)
	if _, err := s.RespondToFinding(ctx, f.ID, "We have changed our briefing.", "force"); err != nil {
		t.Fatal(err)
	}
	viewsAgree(t, s, people, groupSets, now)
	// A visit to come moved two months on, and a sign-up for another.
	var next []*Visit
	for _, v := range vs {
		if v.Start.After(now.AddDate(0, 0, 2)) && !v.Unannounced {
			next = append(next, v)
		}
	}
	v := next[len(next)-1]
	ch := VisitChange{Type: v.Type, Location: v.Location, MinVetting: v.MinVetting, Start: v.Start.AddDate(0, 2, 0), End: v.End.AddDate(0, 2, 0), Capacity: v.Capacity}
	if _, err := s.UpdateVisit(ctx, v.ID, 1, ch); err != nil {
		t.Fatal(err)
	}
	viewsAgree(t, s, people, groupSets, now)
	w := next[len(next)-2]
	if _, err := s.SignUp(ctx, w.ID, "d", []Membership{{GroupID: w.GroupID, VettingLevel: "NPPV3"}}); err != nil && !errors.Is(err, ErrAlreadySignedUp) {
		t.Fatal(err)
	}
	viewsAgree(t, s, people, groupSets, now)
}

// TestHomeVisitListsLookOnlyAtTheirOwn: what a member's home page asks of
// the calendar's copies (their visits of the last year, the findings
// waiting in the group they chair, their group's next visits) looks at the
// same number of copies when the force has ten times the visits: their
// own and their group's next ones, not every visit of the last year or of
// this month (a count of copies looked at, not a time). At a year's
// visits (300) it walked every copy of its groups' last year, and every
// copy of four months, on every view.
func TestHomeVisitListsLookOnlyAtTheirOwn(t *testing.T) {
	t.Parallel()
	looked := map[int]int64{}
	for _, scale := range []int{1, 10} {
		s := openTest(t)
		ctx := context.Background()
		now := s.now()
		var vs []*Visit
		add := func(id, group string, start time.Time, who []string) {
			vs = append(vs, &Visit{ID: id, Type: VisitStopSearch, GroupID: group, Location: "Kings Park", Start: start, End: start.Add(2 * time.Hour),
				Capacity: 4, MinVetting: "none", Attendees: who})
		}
		// The member's own: four past visits and two to come.
		for i := range 4 {
			add(fmt.Sprintf("mine-%d", i), "panel", now.AddDate(0, 0, -20-30*i).Truncate(time.Hour), []string{"m"})
		}
		for i := range 2 {
			add(fmt.Sprintf("mine-next-%d", i), "panel", now.AddDate(0, 0, 20+30*i).Truncate(time.Hour), []string{"m"})
		}
		// The panel's next three months: the same at both scales.
		for i := range 30 {
			add(fmt.Sprintf("next-%d", i), "panel", now.AddDate(0, 0, 3+3*i).Truncate(time.Hour), nil)
		}
		// A year of other visits: the panel's and other groups', scaled.
		for i := range 60 * scale {
			g := []string{"panel", "iag", "youth"}[i%3]
			add(fmt.Sprintf("past-%d", i), g, now.AddDate(0, 0, -8-(i*350)/(60*scale)).Truncate(time.Hour), []string{"someone"})
		}
		if err := s.SeedVisits(ctx, vs, nil); err != nil {
			t.Fatal(err)
		}
		d, err := s.Diary(ctx, "m")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Schedules(ctx, nil); err != nil { // the months and their views loaded
			t.Fatal(err)
		}
		before := s.visitsLooked.Load()
		mine, err := s.VisitCopiesOf(ctx, "m", slices.Collect(maps.Keys(d.Bookings)), []string{"panel"}, now.AddDate(-1, 0, 0), now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.FindingsCounts(ctx, []string{"panel"}, now.AddDate(-1, 0, 0), now); err != nil {
			t.Fatal(err)
		}
		next, err := s.Visits(ctx, VisitFilter{GroupIDs: []string{"panel"}, From: now, To: now.AddDate(0, 3, 0)})
		if err != nil {
			t.Fatal(err)
		}
		looked[scale] = s.visitsLooked.Load() - before
		t.Logf("%d× visits: %d copies looked at; %d of the member's past visits, %d next", scale, looked[scale], len(mine), len(next))
		if len(next) < 30 {
			t.Errorf("%d× visits: %d of the panel's next visits, want at least 30", scale, len(next))
		}
	}
	if looked[10] != looked[1] {
		t.Errorf("a member's home looked at %d copies at ten times the visits and %d at a year's, want the same", looked[10], looked[1])
	}
}
