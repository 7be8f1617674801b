package server

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
)

// meetingForm is a meeting's details: when and where, how to join online,
// the independent chair and the agenda (one item a line).
type meetingForm struct {
	Version          int    `form:"version"`
	Group            string `form:"group"`
	Title            string `form:"title" binding:"required,max=200"`
	Day              string `form:"date-day"`
	Month            string `form:"date-month"`
	Year             string `form:"date-year"`
	StartTime        string `form:"startTime"`
	EndTime          string `form:"endTime"`
	Venue            string `form:"venue" binding:"max=300"`
	OnlineLink       string `form:"onlineLink" binding:"max=500"`
	IndependentChair string `form:"independentChair" binding:"max=200"`
	Agenda           string `form:"agenda" binding:"max=6000"`
}

func (meetingForm) messages() map[string]string {
	return map[string]string{
		"title.required":   "Enter a title for the meeting",
		"title":            "The title must be 200 characters or fewer",
		"venue":            "The venue must be 300 characters or fewer",
		"onlineLink":       "The link must be 500 characters or fewer",
		"independentChair": "The name must be 200 characters or fewer",
		"agenda":           "The agenda must be 6,000 characters or fewer",
	}
}

type meetingFormData struct {
	Meeting *store.Meeting
	Group   choiceField
	Date    dateField
}

// meetingGroups are the groups a person schedules meetings for: every
// group for staff, the groups they chair for a chair.
func (s *Server) meetingGroups(c *gin.Context) ([]store.Group, error) {
	groups, err := s.meetings.Groups(c.Request.Context())
	if err != nil {
		return nil, err
	}
	u := currentUser(c)
	if allowed(u.Role, "visits.every") { // as visitGroups: staff arrange for every group
		return groups, nil
	}
	chaired := chairedGroups(u)
	var out []store.Group
	for _, g := range groups {
		if chaired[g.ID] {
			out = append(out, g)
		}
	}
	return out, nil
}

// check validates the form into a meeting (without id or group); its
// problems are form errors (apperr, joined) for the form's fields. groups
// are those the person arranges meetings for.
func (f meetingForm) check(groups []store.Group) (*store.Meeting, error) {
	var ps []*apperr.Error
	if !hasChoice(groupChoices(groups, "")[1:], f.Group) {
		ps = append(ps, apperr.Invalidf("group", "Select one of the groups you arrange meetings for"))
	}
	day, msg := dateParts{f.Day, f.Month, f.Year}.parse("The date of the meeting")
	if msg == "" && day.IsZero() {
		msg = "Enter the date of the meeting"
	}
	if msg != "" {
		ps = append(ps, apperr.Invalidf("date", "%s", msg))
	}
	sh, sm, ok1 := parseClock(f.StartTime)
	if !ok1 {
		ps = append(ps, apperr.Invalidf("startTime", "Enter the start time, like 18:30"))
	}
	eh, em, ok2 := parseClock(f.EndTime)
	if !ok2 {
		ps = append(ps, apperr.Invalidf("endTime", "Enter the end time, like 20:30"))
	}
	if strings.TrimSpace(f.Venue) == "" && strings.TrimSpace(f.OnlineLink) == "" {
		ps = append(ps, apperr.Invalidf("venue", "Enter where the meeting is, or a link to join it online"))
	}
	if l := strings.TrimSpace(f.OnlineLink); l != "" {
		if u, err := url.Parse(l); err != nil || u.Scheme != "https" || u.Host == "" {
			ps = append(ps, apperr.Invalidf("onlineLink", "Enter a link that starts with https://"))
		}
	}
	m := &store.Meeting{Title: f.Title, Venue: f.Venue, OnlineLink: strings.TrimSpace(f.OnlineLink), IndependentChair: f.IndependentChair}
	for _, line := range strings.Split(f.Agenda, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			m.Agenda = append(m.Agenda, line)
		}
	}
	if !day.IsZero() && ok1 && ok2 {
		m.Start, m.End = at(day, sh, sm), at(day, eh, em)
		if !m.End.After(m.Start) {
			ps = append(ps, apperr.Invalidf("endTime", "The end time must be after the start time"))
		}
	}
	return m, apperr.Join(ps...)
}

func (s *Server) meetingNewForm(c *gin.Context) {
	f := meetingForm{StartTime: "18:30", EndTime: "20:30", Group: c.Query("group")}
	s.renderMeetingForm(c, http.StatusOK, nil, f, &formErrors{})
}

// meetingCreate schedules a meeting (staff for any group, a chair for theirs).
func (s *Server) meetingCreate(c *gin.Context) {
	var f meetingForm
	form, ok := s.submitForm(c, &f, "meeting", nil, func(status int, errs *formErrors) { s.renderMeetingForm(c, status, nil, f, errs) })
	if !ok {
		return
	}
	groups, err := s.meetingGroups(c)
	if err != nil {
		s.serverError(c, err)
		return
	}
	m, err := f.check(groups)
	if !form.ok(err) {
		return
	}
	me := currentUser(c)
	m.GroupID, m.CreatedBy = f.Group, me.ID
	if err := s.meetings.CreateMeeting(c.Request.Context(), m); err != nil {
		s.fail(c, err)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditMeetingCreated, Target: "meeting:" + m.ID, Detail: m.Title})
	s.flash(c, "Meeting scheduled. The group's members can see it and add it to their calendars.")
	s.redirect(c, "/meetings/"+m.ID)
}

func (s *Server) meetingEditForm(c *gin.Context) {
	m, ok := s.loadManagedMeeting(c)
	if !ok {
		return
	}
	d := partsOf(m.Start)
	f := meetingForm{Version: m.Version, Group: m.GroupID, Title: m.Title, Day: d.Day, Month: d.Month, Year: d.Year,
		StartTime: m.Start.In(london).Format("15:04"), EndTime: m.End.In(london).Format("15:04"), Venue: m.Venue,
		OnlineLink: m.OnlineLink, IndependentChair: m.IndependentChair, Agenda: strings.Join(m.Agenda, "\n")}
	s.renderMeetingForm(c, http.StatusOK, m, f, &formErrors{})
}

// meetingSave changes the details and agenda if the form is not stale.
func (s *Server) meetingSave(c *gin.Context) {
	m, ok := s.loadManagedMeeting(c)
	if !ok {
		return
	}
	var f meetingForm
	form, ok := s.submitForm(c, &f, "meeting", nil, func(status int, errs *formErrors) { s.renderMeetingForm(c, status, m, f, errs) })
	if !ok {
		return
	}
	f.Group = m.GroupID
	ch, err := f.check([]store.Group{{ID: m.GroupID}})
	if !form.ok(err) {
		return
	}
	ch.ID = m.ID
	if !form.ok(s.meetings.UpdateMeetingDetails(c.Request.Context(), ch, f.Version)) {
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditMeetingChanged, Target: "meeting:" + m.ID, Detail: ch.Title})
	s.flash(c, "Meeting details saved")
	s.redirect(c, "/meetings/"+m.ID)
}

func (s *Server) renderMeetingForm(c *gin.Context, status int, m *store.Meeting, f meetingForm, errs *formErrors) {
	groups, err := s.meetingGroups(c)
	if err != nil {
		s.serverError(c, err)
		return
	}
	d := &meetingFormData{Meeting: m, Group: newChoices("group", "Group", f.Group, errs, groupChoices(groups, "Choose a group")),
		Date: dateField{Name: "date", Legend: "Date of the meeting", Hint: "For example, 27 3 2027", Error: errs.For("date"),
			Day: f.Day, Month: f.Month, Year: f.Year, LegendSize: "s"}}
	d.Group.LabelSize = "s"
	title := "Schedule a meeting"
	if m != nil {
		title = "Change meeting details"
	}
	s.render(c, status, "meeting_form", &Page{Title: title, Form: f, Errors: errs, Data: d})
}
