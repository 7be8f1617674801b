package server

import (
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
)

// meetingAttendance takes attendance: one mark per member of the group,
// each its own write, so two people taking it at once (a laptop at the
// door, a phone in the room) never undo each other's marks. A member left
// unmarked keeps any mark they had.
func (s *Server) meetingAttendance(c *gin.Context) {
	m, ok := s.loadManagedMeeting(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	if s.meetings.Now().Before(m.Start.Add(-30 * time.Minute)) {
		s.meetingRefused(c, m, apperr.Invalidf("attendance", "Attendance can be taken from 30 minutes before the meeting starts"))
		return
	}
	ms, err := s.meetings.GroupMembers(ctx, m.GroupID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	marked := 0
	for _, x := range ms {
		mark := c.PostForm("att-" + x.UserID)
		if mark == "" {
			continue
		}
		if !hasChoice(attendanceChoices(), mark) {
			s.meetingRefused(c, m, apperr.Invalidf("att-"+x.UserID, "Select present, apologies or absent"))
			return
		}
		if err := s.meetings.MarkAttendance(ctx, m.ID, x.UserID, mark); err != nil {
			s.serverError(c, err)
			return
		}
		marked++
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditAttendance, Target: "meeting:" + m.ID, Detail: strconv.Itoa(marked) + " marked"})
	s.flash(c, "Attendance saved")
	s.redirect(c, "/meetings/"+m.ID+"#attendance")
}

// meetingRefused shows the meeting's page again with err's form errors
// next to their fields (422), or answers err as s.fail does.
func (s *Server) meetingRefused(c *gin.Context, m *store.Meeting, err error) {
	errs := &formErrors{}
	if !addErrors(errs, err, nil) {
		s.fail(c, err)
		return
	}
	s.renderMeeting(c, statusOf(apperr.Invalid), m, meetingAccessTo(currentUser(c), m), m.Minutes, actionForm{}, errs)
}

// minutesForm is the draft minutes.
type minutesForm struct {
	Minutes string `form:"minutes" binding:"required,max=20000"`
}

func (minutesForm) messages() map[string]string {
	return map[string]string{"minutes.required": "Enter the minutes", "minutes": "The minutes must be 20,000 characters or fewer"}
}

// meetingMinutes saves draft minutes, until the chair approves them.
func (s *Server) meetingMinutes(c *gin.Context) {
	m, ok := s.loadManagedMeeting(c)
	if !ok {
		return
	}
	var f minutesForm
	form, ok := s.submitForm(c, &f, "meeting", nil, func(status int, errs *formErrors) {
		s.renderMeeting(c, status, m, meetingAccessTo(currentUser(c), m), f.Minutes, actionForm{}, errs)
	})
	if !ok || !form.ok(nil) {
		return
	}
	me := currentUser(c)
	err := s.meetings.SaveMinutes(c.Request.Context(), m.ID, f.Minutes, me.Name)
	if apperr.Is(err, apperr.Conflict) { // approved since the page was opened
		err = apperr.Invalidf("minutes", "The chair has approved the minutes, so they can no longer be changed")
	}
	if !form.ok(err) {
		return
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditMinutesSaved, Target: "meeting:" + m.ID})
	s.flash(c, "Draft minutes saved. The chair can now approve them.")
	s.redirect(c, "/meetings/"+m.ID+"#minutes-section")
}

// meetingMinutesApprove is the group chair's approval of the minutes as
// they stand; after it they do not change.
func (s *Server) meetingMinutesApprove(c *gin.Context) {
	m, a, ok := s.loadMeeting(c)
	if !ok {
		return
	}
	if !a.Chair {
		s.forbidden(c)
		return
	}
	me := currentUser(c)
	err := s.meetings.ApproveMinutes(c.Request.Context(), m.ID, me.Name)
	if apperr.Is(err, apperr.Conflict) { // approved already, or no draft
		err = apperr.Invalidf("minutes", "There are no draft minutes to approve")
	}
	if err != nil {
		s.meetingRefused(c, m, err)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditMinutesApproved, Target: "meeting:" + m.ID})
	s.flash(c, "Minutes approved")
	s.redirect(c, "/meetings/"+m.ID+"#minutes-section")
}

// actionForm is a new action.
type actionForm struct {
	Text  string `form:"text" binding:"required,max=1000"`
	Owner string `form:"owner" binding:"required,max=200"`
	Day   string `form:"due-day"`
	Month string `form:"due-month"`
	Year  string `form:"due-year"`
}

func (actionForm) messages() map[string]string {
	return map[string]string{"text.required": "Enter the action", "text": "The action must be 1,000 characters or fewer",
		"owner.required": "Enter who owns the action", "owner": "The owner must be 200 characters or fewer"}
}

// meetingActionAdd records an action with its owner and due date.
func (s *Server) meetingActionAdd(c *gin.Context) {
	m, ok := s.loadManagedMeeting(c)
	if !ok {
		return
	}
	var f actionForm
	form, ok := s.submitForm(c, &f, "meeting", nil, func(status int, errs *formErrors) {
		s.renderMeeting(c, status, m, meetingAccessTo(currentUser(c), m), m.Minutes, f, errs)
	})
	if !ok {
		return
	}
	due, msg := dateParts{f.Day, f.Month, f.Year}.parse("The due date")
	if msg == "" && due.IsZero() {
		msg = "Enter the due date"
	}
	var bad error
	if msg != "" {
		bad = apperr.Invalidf("due", "%s", msg)
	}
	if !form.ok(bad) {
		return
	}
	act, err := s.meetings.AddAction(c.Request.Context(), m.ID, store.MeetingAction{Text: strings.TrimSpace(f.Text), Owner: f.Owner, Due: due})
	if !form.ok(err) {
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditActionAdded, Target: "meeting:" + m.ID + "/action:" + act.ID, Detail: f.Owner})
	s.flash(c, "Action recorded")
	s.redirect(c, "/meetings/"+m.ID+"#actions")
}

// meetingActionDone marks an action done, or open again.
func (s *Server) meetingActionDone(c *gin.Context) {
	m, ok := s.loadManagedMeeting(c)
	if !ok {
		return
	}
	done := c.PostForm("done") != "false"
	if err := s.meetings.SetActionDone(c.Request.Context(), m.ID, c.Param("actionId"), done); err != nil {
		s.fail(c, err)
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditActionDone, Target: "meeting:" + m.ID + "/action:" + c.Param("actionId"), Detail: strconv.FormatBool(done)})
	s.flash(c, "Action updated")
	s.redirect(c, "/meetings/"+m.ID+"#actions")
}

// prefillFromAction fills the register's new-recommendation form from a
// meeting action ("meetingId/actionId"), for staff or the group's chair:
// one step from an action to a recommendation. It answers 404 itself for
// an action the person may not raise from.
func (s *Server) prefillFromAction(c *gin.Context, ref string, f *recForm) bool {
	mid, aid, _ := strings.Cut(ref, "/")
	m, err := s.meetings.Meeting(c.Request.Context(), mid)
	if err != nil || !meetingAccessTo(currentUser(c), m).Manage {
		s.notFound(c)
		return false
	}
	act, ok := m.Actions[aid]
	if !ok {
		s.notFound(c)
		return false
	}
	g, err := s.meetings.Group(c.Request.Context(), m.GroupID)
	if err != nil {
		s.notFound(c)
		return false
	}
	f.Title, f.Wording, f.Group = proposalTitle(act.Text), act.Text, m.GroupID
	f.Source = map[string]string{store.GroupIAG: "iag-advice", store.GroupPanel: "scrutiny-panel"}[g.Kind]
	if f.Source == "" {
		f.Source = "other"
	}
	f.SourceLink = "/meetings/" + m.ID + "#action-" + act.ID
	f.OwnerName = act.Owner
	return true
}
