package server

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
)

// calendarVisit is one visit as the reader may see it.
type calendarVisit struct {
	Visit     store.Visit
	GroupName string
	ShowTime  bool
	Mine      string // "confirmed", "waiting" or "" for the reader
	Findings  string // past visits: "write" (yours to write up), "submitted", "signoff" (a chair's to sign off), "signed"
}

// calendarDay is one square of the month grid.
type calendarDay struct {
	Day     int // 0 for the padding before the first and after the last day
	Today   bool
	Visits  []calendarVisit
	ISODate string
}

type calendarData struct {
	View        string // "month", "list" (coming up) or "past"
	Month       time.Time
	MonthLabel  string
	Prev, Next  string // "2026-11"
	Weeks       [][]calendarDay
	Visits      []calendarVisit
	Group, Type choiceField
	Filtered    bool
	CanCreate   bool
	CanPlan     bool
	CanPoll     bool // may say which weeks they can do for unannounced visits
	CanExport   bool
	CanClaim    bool // expenses claims for visits (expenses.go)
	CanApprove  bool
	MonthLink   string
	ListLink    string
	PastLink    string
	PrevLink    string
	NextLink    string
	Meetings    []store.Meeting // the groups' meetings in the month shown (meeting_show.go)
}

// visitCalendar shows the visits a person may see, as a month grid (with
// the same visits listed below it, which is what a phone shows best) or as
// a list of what is coming up, filtered by group and type.
func (s *Server) visitCalendar(c *gin.Context) {
	ctx := c.Request.Context()
	u := currentUser(c)
	names, groups, err := groupNamesIn(ctx, s.calendar)
	if err != nil {
		s.serverError(c, err)
		return
	}
	mine := visitGroupIDs(u)
	if mine != nil {
		var own []store.Group
		for _, g := range groups {
			if slices.Contains(mine, g.ID) {
				own = append(own, g)
			}
		}
		groups = own
	}
	d := &calendarData{View: c.DefaultQuery("view", "month"),
		Group:     newChoices("group", "Group", c.Query("group"), nil, groupChoices(groups, "All your groups")),
		Type:      newChoices("type", "Type of visit", c.Query("type"), nil, visitTypeChoices("Any type")),
		CanCreate: allowed(u.Role, "visits.edit") && (allowed(u.Role, "visits.every") || len(chairedGroups(u)) > 0),
		CanPlan:   allowed(u.Role, "visits.plan") && len(chairedGroups(u)) > 0,
		CanPoll:   allowed(u.Role, "visits.availability") && len(pairableGroups(u)) > 0,
		CanExport: allowed(u.Role, "visits.export"), CanClaim: allowed(u.Role, "expenses.claim"), CanApprove: allowed(u.Role, "expenses.approve")}
	if allowed(u.Role, "visits.every") {
		d.Group.Choices[0].Label = "All groups"
	}
	d.Filtered = d.Group.Value != "" || d.Type.Value != ""
	now := s.calendar.Now().In(london)
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, london)
	var monthErr *apperr.Error
	if m := c.Query("month"); m != "" {
		if t, err := time.ParseInLocation("2006-01", m, london); err == nil {
			month = t
		} else {
			monthErr = apperr.Invalidf("month", "Choose a month like 2026-03")
		}
	}
	filterErr := apperr.Join(append([]*apperr.Error{monthErr}, apperr.All(checkChoices(&d.Group, &d.Type))...)...)
	if d.View != "month" && d.View != "list" && d.View != "past" {
		d.View = "month"
	}
	page := &Page{Title: "Visits", Data: d}
	if filterErr != nil {
		s.formAgain(c, "visit_calendar", page, filterErr)
		return
	}
	f := store.VisitFilter{GroupIDs: mine, Type: d.Type.Value}
	if d.Group.Value != "" {
		f.GroupIDs = []string{d.Group.Value}
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, london)
	switch d.View {
	case "month":
		f.From, f.To = month, month.AddDate(0, 1, 0)
	case "past":
		// The last twelve months, up to today: where findings are written.
		f.From, f.To = today.AddDate(-1, 0, 0), today.AddDate(0, 0, 1)
	default:
		f.From = today
	}
	if d.View == "month" && d.Type.Value == "" {
		ms, err := s.calendar.Meetings(ctx, f.GroupIDs, f.From, 100)
		if err != nil {
			s.serverError(c, err)
			return
		}
		for _, m := range ms {
			if m.Start.Before(f.To) {
				d.Meetings = append(d.Meetings, m)
			}
		}
	}
	vs, err := s.calendar.Visits(ctx, f) // schedules from the month documents: seats are on the visit pages
	if err != nil {
		s.serverError(c, err)
		return
	}
	diary, err := s.calendar.Diary(ctx, u.ID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	if d.View == "past" {
		// Newest first: the visits that need findings are the recent ones.
		sort.SliceStable(vs, func(i, j int) bool { return vs[i].CalendarDay().After(vs[j].CalendarDay()) })
	}
	for _, v := range vs {
		a := accessTo(u, &v)
		if !a.See || (d.View == "past" && !v.Past(s.calendar.Now())) {
			continue
		}
		cv := calendarVisit{Visit: v, GroupName: names[v.GroupID], ShowTime: a.ShowTime}
		if b, ok := diary.Bookings[v.ID]; ok {
			cv.Mine = b.Status
		}
		d.Visits = append(d.Visits, cv)
		if d.View != "month" && len(d.Visits) == 50 {
			break
		}
	}
	if d.View == "past" {
		if err := s.markFindings(ctx, u, d.Visits); err != nil {
			s.serverError(c, err)
			return
		}
	}
	d.Month, d.MonthLabel = month, month.Format("January 2006")
	d.Prev, d.Next = month.AddDate(0, -1, 0).Format("2006-01"), month.AddDate(0, 1, 0).Format("2006-01")
	d.MonthLink = calendarLink("month", month.Format("2006-01"), d.Group.Value, d.Type.Value)
	d.ListLink = calendarLink("list", "", d.Group.Value, d.Type.Value)
	d.PastLink = calendarLink("past", "", d.Group.Value, d.Type.Value)
	d.PrevLink = calendarLink("month", d.Prev, d.Group.Value, d.Type.Value)
	d.NextLink = calendarLink("month", d.Next, d.Group.Value, d.Type.Value)
	if d.View == "month" {
		d.Weeks = monthGrid(month, now, d.Visits)
	}
	s.render(c, http.StatusOK, "visit_calendar", page)
}

// calendarLink is the calendar's address for a view, a month and the
// filters. It is built whole here: html/template escapes a value placed
// after "?" in an href as one query value, so "&group=" written into the
// template would reach the server as part of the month.
func calendarLink(view, month, group, typ string) string {
	q := url.Values{"view": {view}}
	if month != "" {
		q.Set("month", month)
	}
	if group != "" {
		q.Set("group", group)
	}
	if typ != "" {
		q.Set("type", typ)
	}
	return "/visits?" + q.Encode()
}

// markFindings says, for the past visits the reader attended or chairs,
// where their findings stand. The calendar's copies hold no findings, so
// those visits (at most 50) are read by id.
func (s *Server) markFindings(ctx context.Context, u *store.User, cvs []calendarVisit) error {
	chaired := chairedGroups(u)
	var ids []string
	for _, cv := range cvs {
		if cv.Mine == store.SeatConfirmed || cv.Mine == store.SeatPlanned || chaired[cv.Visit.GroupID] || cv.Visit.Attending(u.ID) {
			ids = append(ids, cv.Visit.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	full, err := s.calendar.VisitsByID(ctx, ids)
	if err != nil {
		return err
	}
	byID := map[string]store.Visit{}
	for _, v := range full {
		byID[v.ID] = v
	}
	for i, cv := range cvs {
		v, ok := byID[cv.Visit.ID]
		if !ok {
			continue
		}
		switch {
		case v.SignedOff:
			cvs[i].Findings = "signed"
		case chaired[v.GroupID] && len(v.Submitted) > 0:
			cvs[i].Findings = "signoff"
		case v.Attending(u.ID) && v.HasSubmitted(u.ID):
			cvs[i].Findings = "submitted"
		case v.Attending(u.ID):
			cvs[i].Findings = "write"
		}
	}
	return nil
}

// monthGrid lays a month out Monday to Sunday.
func monthGrid(month, now time.Time, vs []calendarVisit) [][]calendarDay {
	var weeks [][]calendarDay
	week := make([]calendarDay, (int(month.Weekday())+6)%7)
	for d := month; d.Month() == month.Month(); d = d.AddDate(0, 0, 1) {
		cd := calendarDay{Day: d.Day(), ISODate: d.Format(time.DateOnly),
			Today: d.Year() == now.Year() && d.YearDay() == now.YearDay()}
		for _, v := range vs {
			at := v.Visit.CalendarDay().In(london)
			if v.ShowTime && v.Visit.TimeSet {
				at = v.Visit.Start.In(london)
			}
			if at.Year() == d.Year() && at.YearDay() == d.YearDay() {
				cd.Visits = append(cd.Visits, v)
			}
		}
		week = append(week, cd)
		if len(week) == 7 {
			weeks = append(weeks, week)
			week = nil
		}
	}
	if len(week) > 0 {
		for len(week) < 7 {
			week = append(week, calendarDay{})
		}
		weeks = append(weeks, week)
	}
	return weeks
}
