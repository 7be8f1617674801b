package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
)

// visitBWVRecord appends one viewing to the session's log (audited).
func (s *Server) visitBWVRecord(c *gin.Context) {
	v, ba, ok := s.loadBWVLog(c)
	if !ok {
		return
	}
	var f bwvForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	viewers, users, err := s.bwvViewers(c, v, ba)
	if err != nil {
		s.serverError(c, err)
		return
	}
	at, err := f.check(viewers, v.Start, s.visits.Now())
	if err != nil && !addErrors(errs, err, nil) {
		s.fail(c, err)
		return
	}
	if errs.Any() {
		s.renderBWVLog(c, http.StatusUnprocessableEntity, v, ba, f, errs)
		return
	}
	me := currentUser(c)
	e := &store.BWVViewing{VisitID: v.ID, GroupID: v.GroupID, FootageRef: f.FootageRef, ViewerID: f.Viewer, ViewerName: users[f.Viewer].Name,
		ViewedAt: at, Purpose: f.Purpose, Detail: f.Detail, RecordedBy: me.Email}
	if err := s.visits.RecordBWVViewing(c.Request.Context(), e); err != nil {
		s.serverError(c, err)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditBWVViewing, Target: "visit:" + v.ID,
		Detail: "footage " + f.FootageRef + " watched by " + users[f.Viewer].Email})
	s.flash(c, "Viewing of "+f.FootageRef+" recorded")
	s.redirect(c, "/visits/"+v.ID+"/bwv")
}

// check validates what the tags cannot: the viewer is one the person may
// record for, the purpose is listed (and "other" is said), and the time is
// a time on the session's day that has already come.
func (f bwvForm) check(viewers []choice, day, now time.Time) (time.Time, error) {
	var errs []*apperr.Error
	if !hasChoice(viewers, f.Viewer) {
		errs = append(errs, apperr.New(apperr.Invalid, "viewer", "Choose who watched the footage"))
	}
	if !hasChoice(bwvPurposeChoices(), f.Purpose) {
		errs = append(errs, apperr.New(apperr.Invalid, "purpose", "Choose why the footage was watched"))
	} else if f.Purpose == "other" && strings.TrimSpace(f.Detail) == "" {
		errs = append(errs, apperr.New(apperr.Invalid, "detail", "Say what the other purpose was"))
	}
	var when time.Time
	if h, m, ok := parseClock(f.Time); !ok || strings.TrimSpace(f.Time) == "" {
		errs = append(errs, apperr.New(apperr.Invalid, "time", "Enter the time it was watched, like 18:40"))
	} else if when = at(day, h, m); when.After(now) {
		errs = append(errs, apperr.New(apperr.Invalid, "time", "The time it was watched cannot be in the future"))
	}
	if len(errs) > 0 {
		return time.Time{}, apperr.Join(errs...)
	}
	return when, nil
}
