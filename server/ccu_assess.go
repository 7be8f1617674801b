package server

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/store"
)

type assessForm struct {
	Version  int    `form:"version"`
	Status   string `form:"status"`
	Risk     string `form:"risk"`
	Source   string `form:"source"`
	Intel    string `form:"intel"`
	Handling string `form:"handling"`
	Assignee string `form:"assignee"`
}

func (assessForm) messages() map[string]string { return nil }

func assessFormOf(r *store.Referral) assessForm {
	return assessForm{Version: r.Version, Status: r.Status, Risk: r.Risk, Source: r.Source, Intel: r.Intel, Handling: r.Handling, Assignee: r.AssigneeID}
}

func oneOf(v string, allowed []string) bool {
	for _, a := range allowed {
		if a == v {
			return true
		}
	}
	return false
}

// check validates the assessment; grading is all or nothing.
func (f *assessForm) check(errs *formErrors) {
	if !oneOf(f.Status, store.RefStatuses) {
		errs.Add("status", "Choose a status from the list")
	}
	if f.Risk != "" && !oneOf(f.Risk, store.RefRisks) {
		errs.Add("risk", "Choose a risk from the list")
	}
	if f.Source != "" && !oneOf(f.Source, store.SourceGrades) {
		errs.Add("source", "Choose a source evaluation from 1 to 3")
	}
	if f.Intel != "" && !oneOf(f.Intel, store.IntelGrades) {
		errs.Add("intel", "Choose an intelligence assessment from A to E")
	}
	if f.Handling != "" && !oneOf(f.Handling, store.HandlingGrades) {
		errs.Add("handling", "Choose a handling code, P or C")
	}
	graded := 0
	for _, g := range []string{f.Source, f.Intel, f.Handling} {
		if g != "" {
			graded++
		}
	}
	if graded > 0 && graded < 3 && !errs.Any() {
		errs.Add("source", "Grade all three parts (source, intelligence and handling), or none")
	}
}

// ccuAssess records the triage: status, risk, 3x5x2 grading, assignee.
// The change is audited, and a status change is its own audit event.
func (s *Server) ccuAssess(c *gin.Context) {
	r, ok := loadByID(s, c, s.ccu.Referral)
	if !ok {
		return
	}
	var f assessForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	a := store.Assessment{Status: f.Status, Risk: f.Risk, Source: f.Source, Intel: f.Intel, Handling: f.Handling}
	if f.check(errs); !errs.Any() && f.Assignee != "" {
		u, err := s.ccu.User(ctx, f.Assignee)
		if err != nil || !u.Role.CCU() {
			errs.Add("assignee", "Choose someone in the Counter Corruption Unit")
		} else {
			a.AssigneeID, a.AssigneeName = u.ID, u.Name
		}
	}
	if errs.Any() {
		full, ok := s.reloadForCCU(c, r.ID)
		if ok {
			s.renderCCUReferral(c, full, f, messageForm{}, messageForm{}, http.StatusUnprocessableEntity, errs)
		}
		return
	}
	before, err := s.ccu.AssessReferral(ctx, r.ID, f.Version, a)
	switch {
	case s.stale(c, err, "Someone else has changed this referral",
		"The referral changed after you opened it, so nothing you entered has been saved. Go back, reload it and make your change again."):
		return
	case err != nil:
		s.fail(c, err) // 404 for an unknown referral (render.go)
		return
	}
	me := currentUser(c)
	target := "referral:" + r.ID
	grading := "ungraded"
	if f.Source != "" {
		grading = f.Source + "/" + f.Intel + "/" + f.Handling
	}
	detail := fmt.Sprintf("%s: risk %s; grading %s; assigned to %s", r.Ref, orNone(f.Risk), grading, orNone(a.AssigneeName))
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditRefAssessed, Target: target, Detail: detail})
	if before.Status != f.Status {
		s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditRefStatus, Target: target,
			Detail: r.Ref + ": " + before.Status + " → " + f.Status})
	}
	s.flash(c, "Assessment saved")
	s.redirect(c, "/ccu/referrals/"+r.ID)
}
