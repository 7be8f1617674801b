package server

import (
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"candour/store"
)

// homeVisits are a member's next visits for their home page: what they
// are booked on (their diary, one read) and the next few open visits in
// their groups, both from the calendar's copies held in memory.
type homeVisits struct {
	Booked []calendarVisit
	Open   []calendarVisit
}

func (s *Server) homeVisits(c *gin.Context, d *store.Diary) (*homeVisits, error) {
	u := currentUser(c)
	if !allowed(u.Role, "visits.view") || allowed(u.Role, "visits.every") || d == nil {
		return nil, nil
	}
	ctx := c.Request.Context()
	now := s.homePage.Now()
	// The next five by the diary's own dates: only those are read.
	type next struct {
		id    string
		start time.Time
	}
	var upcoming []next
	for id, b := range d.Bookings {
		if b.End.After(now) || b.Status == store.SeatPlanned {
			upcoming = append(upcoming, next{id, b.Start})
		}
	}
	sort.Slice(upcoming, func(i, j int) bool { return upcoming[i].start.Before(upcoming[j].start) })
	var ids []string
	for _, n := range upcoming[:min(len(upcoming), 5)] {
		ids = append(ids, n.id)
	}
	booked, err := s.homePage.Schedules(ctx, ids)
	if err != nil {
		return nil, err
	}
	names, _, err := groupNamesIn(ctx, s.homePage)
	if err != nil {
		return nil, err
	}
	h := &homeVisits{}
	for _, v := range booked {
		a := accessTo(u, &v)
		if !a.See {
			continue
		}
		cv := calendarVisit{Visit: v, GroupName: names[v.GroupID], ShowTime: a.ShowTime, Mine: d.Bookings[v.ID].Status}
		h.Booked = append(h.Booked, cv)
	}
	open, err := s.homePage.Visits(ctx, store.VisitFilter{GroupIDs: visitGroupIDs(u), From: now, To: now.AddDate(0, 3, 0)})
	if err != nil {
		return nil, err
	}
	for _, v := range open {
		if _, booked := d.Bookings[v.ID]; booked || v.Unannounced || v.Past(now) || len(h.Open) == 3 {
			continue
		}
		h.Open = append(h.Open, calendarVisit{Visit: v, GroupName: names[v.GroupID], ShowTime: true})
	}
	return h, nil
}
