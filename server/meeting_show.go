package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/gin-gonic/gin"

	"candour/store"
)

type meetingListData struct {
	Coming, Past []meetingRow
	CanCreate    bool
}

type meetingRow struct {
	Meeting store.Meeting
	Group   string
}

// meetingList shows the meetings of the person's groups (every group for
// staff): those to come, and the last three months'.
func (s *Server) meetingList(c *gin.Context) {
	u := currentUser(c)
	names, err := s.meetingGroupNames(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	now := s.meetings.Now()
	ms, err := s.meetings.Meetings(c.Request.Context(), visitGroupIDs(u), now.AddDate(0, -3, 0), 200)
	if err != nil {
		s.serverError(c, err)
		return
	}
	d := &meetingListData{CanCreate: allowed(u.Role, "meetings.every") || len(chairedGroups(u)) > 0}
	for _, m := range ms {
		row := meetingRow{Meeting: m, Group: names[m.GroupID]}
		if m.End.Before(now) {
			d.Past = append([]meetingRow{row}, d.Past...)
		} else {
			d.Coming = append(d.Coming, row)
		}
	}
	s.render(c, http.StatusOK, "meeting_list", &Page{Title: "Group meetings", Data: d})
}

type memberMark struct {
	UserID, Name string
	Mark         choiceField
}

type actionView struct {
	Action    store.MeetingAction
	RaiseLink string // to the register's form, pre-filled; "" if the person may not raise
}

type meetingShowData struct {
	Meeting    *store.Meeting
	Access     meetingAccess
	Group      string
	Papers     []store.Paper
	Members    []memberMark
	Present    int
	Actions    []actionView
	Minutes    string
	Action     actionForm
	ActionDue  dateField
	MaxPaperMB int
}

func (s *Server) meetingShow(c *gin.Context) {
	m, a, ok := s.loadMeeting(c)
	if !ok {
		return
	}
	s.renderMeeting(c, http.StatusOK, m, a, m.Minutes, actionForm{}, &formErrors{})
}

// renderMeeting draws the meeting page with the forms its reader may use.
func (s *Server) renderMeeting(c *gin.Context, status int, m *store.Meeting, a meetingAccess, minutes string, af actionForm, errs *formErrors) {
	ctx := c.Request.Context()
	names, err := s.meetingGroupNames(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	d := &meetingShowData{Meeting: m, Access: a, Group: names[m.GroupID], Papers: m.PaperList(), Minutes: minutes, Action: af, MaxPaperMB: MaxPaperBytes >> 20,
		ActionDue: dateField{Name: "due", Legend: "Due date", Hint: "For example, 27 3 2027", Error: errs.For("due"), Day: af.Day, Month: af.Month, Year: af.Year, LegendSize: "s"}}
	for _, mk := range m.Attendance {
		if mk == store.AttendPresent {
			d.Present++
		}
	}
	if a.Manage {
		ms, err := s.meetings.GroupMembers(ctx, m.GroupID)
		if err != nil {
			s.serverError(c, err)
			return
		}
		ids := make([]string, 0, len(ms))
		for _, x := range ms {
			ids = append(ids, x.UserID)
		}
		users, err := s.meetings.UsersByID(ctx, ids)
		if err != nil {
			s.serverError(c, err)
			return
		}
		for _, id := range ids {
			mk := choiceField{Name: "att-" + id, Label: users[id].Name, Value: m.Attendance[id], Choices: attendanceChoices(), Inline: true, Small: true, LabelSize: "s"}
			d.Members = append(d.Members, memberMark{UserID: id, Name: users[id].Name, Mark: mk})
		}
	}
	canRaise := allowed(currentUser(c).Role, "recommendations.raise") && a.Manage
	for _, act := range m.ActionList() {
		v := actionView{Action: act}
		if canRaise {
			v.RaiseLink = "/recommendations/new?" + url.Values{"action": {m.ID + "/" + act.ID}}.Encode()
		}
		d.Actions = append(d.Actions, v)
	}
	s.render(c, status, "meeting_show", &Page{Title: m.Title, Errors: errs, Data: d, Back: "/meetings", NoIndex: true})
}

// meetingICS is one meeting as an .ics download.
func (s *Server) meetingICS(c *gin.Context) {
	m, _, ok := s.loadMeeting(c)
	if !ok {
		return
	}
	names, err := s.meetingGroupNames(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="meeting-`+m.ID+`.ics"`)
	c.Data(http.StatusOK, "text/calendar; charset=utf-8", []byte(s.visitCalendarOf(s.meetings.Now(), nil, names, *m)))
}

// addMeetingEvents puts meetings in a calendar, as the visit feed does
// visits (the library escapes TEXT values as RFC 5545 asks; icalText
// removes control characters first).
func (s *Server) addMeetingEvents(cal *ics.Calendar, ms []store.Meeting, names map[string]string, now time.Time) {
	for _, m := range ms {
		e := cal.AddEvent(m.ID + "@candour-meeting")
		e.SetDtStampTime(now)
		e.SetStartAt(m.Start.UTC())
		e.SetEndAt(m.End.UTC())
		e.SetSequence(m.Version)
		e.SetSummary(icalText(m.Title + " (" + names[m.GroupID] + ")"))
		where := m.Venue
		if m.OnlineLink != "" {
			if where != "" {
				where += "; "
			}
			where += "online: " + m.OnlineLink
		}
		e.SetLocation(icalText(where))
		desc := ""
		for i, item := range m.Agenda {
			desc += strconv.Itoa(i+1) + ". " + item + "\n"
		}
		e.SetDescription(icalText(desc))
		e.SetURL(s.link("/meetings/" + m.ID))
		e.SetClass(ics.ClassificationPrivate)
	}
}

// meetingGroupNames is every group's name by id, as groupNamesIn, from the
// meetings' view of the store.
func (s *Server) meetingGroupNames(ctx context.Context) (map[string]string, error) {
	gs, err := s.meetings.Groups(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(gs))
	for _, g := range gs {
		names[g.ID] = g.Name
	}
	return names, nil
}
