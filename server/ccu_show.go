package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/store"
)

type contentRow struct{ Key, Value string }

type ccuShowData struct {
	Referral *store.Referral
	Conflict bool // the analyst declared a conflict with the person of concern
	Content  []contentRow
	Contact  []contentRow
	Matches  []store.RefSummary
	Linked   []store.RefSummary
	Assess   assessForm
	Status   choiceField
	Risk     choiceField
	Source   choiceField
	Intel    choiceField
	Handling choiceField
	Assignee choiceField
	Message  messageForm
	Note     messageForm
}

// ccuShow opens a referral for the CCU: the decrypted answers, contact
// details, the conversation and private notes, proposed matches and the
// assessment form. Every opening is an audit event.
// Nothing is opened until the analyst has given a reason for this case in
// this session (ccu_reason.go); the reason goes into that audit event.
func (s *Server) ccuShow(c *gin.Context) {
	reason := s.caseReason(c, c.Param("id"))
	if reason == "" {
		s.redirect(c, "/ccu/referrals/"+c.Param("id")+"/reason")
		return
	}
	r, ok := loadByID(s, c, s.ccu.OpenReferral)
	if !ok {
		return
	}
	me := currentUser(c)
	detail := r.Ref
	conflict, err := s.ccu.ConflictsWith(c.Request.Context(), me.ID, r)
	if err != nil {
		s.serverError(c, err)
		return
	}
	if conflict {
		detail += " (declared conflict)"
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditRefViewed, Target: "referral:" + r.ID, Detail: detail, Reason: reason})
	s.renderCCUReferral(c, r, assessFormOf(r), messageForm{}, messageForm{}, http.StatusOK, &formErrors{})
}

func (s *Server) renderCCUReferral(c *gin.Context, r *store.Referral, af assessForm, msg, note messageForm, status int, errs *formErrors) {
	ctx := c.Request.Context()
	d := &ccuShowData{Referral: r, Assess: af, Message: msg, Note: note}
	var err error
	if d.Conflict, err = s.ccu.ConflictsWith(ctx, currentUser(c).ID, r); err != nil {
		s.serverError(c, err)
		return
	}
	qs := partnerQuestions
	if r.Kind == store.KindAnonymous {
		qs = publicQuestions
	}
	ct := r.Content
	for _, row := range []struct{ k, name, v string }{
		{"Category", "category", ct.Category}, {"Immediate danger", "danger", ct.Danger},
		{"Name or description", "", ct.PersonName}, {"Force", "", ct.PersonForce}, {"Role", "", ct.PersonRole},
		{"Collar number", "", ct.CollarNumber}, {"Station or team", "", ct.Station}, {"What happened", "", ct.WhatHappened},
		{"When", "", ct.When}, {"Where", "", ct.Where}, {"On or off duty", "onDuty", ct.OnDuty}, {"In person or online", "setting", ct.Setting},
		{"How they know", "howKnown", ct.HowKnown}, {"Victim agrees to contact", "victimConsent", ct.VictimConsent},
		{"Safe contact", "", ct.SafeContact}, {"Safeguarding in place", "", ct.Safeguarding},
	} {
		v := row.v
		if row.name != "" {
			v = choiceLabel(qs, row.name, v)
		}
		if v == "" {
			v = "Not given"
		}
		d.Content = append(d.Content, contentRow{row.k, v})
	}
	if !r.Contact.Empty() {
		for _, row := range [][2]string{{"Name", r.Contact.Name}, {"Email", r.Contact.Email}, {"Phone", r.Contact.Phone}, {"Safe times", r.Contact.When}} {
			if row[1] != "" {
				d.Contact = append(d.Contact, contentRow{row[0], row[1]})
			}
		}
	}
	if d.Matches, err = s.ccu.ReferralMatches(ctx, r); err != nil {
		s.serverError(c, err)
		return
	}
	if d.Linked, err = s.ccu.ReferralsByID(ctx, r.Links); err != nil {
		s.serverError(c, err)
		return
	}
	analysts, err := s.ccuInbox.accounts(ctx, s)
	if err != nil {
		s.serverError(c, err)
		return
	}
	assignees := []choice{{Value: "", Label: "Nobody yet"}}
	for _, u := range analysts {
		assignees = append(assignees, choice{Value: u.ID, Label: u.Name})
	}
	d.Status = newChoices("status", "Status", af.Status, errs, refStatusChoices(""))
	d.Risk = newChoices("risk", "Risk", af.Risk, errs, []choice{{Value: "", Label: "Not assessed"}, {Value: "urgent", Label: "Urgent"},
		{Value: "high", Label: "High"}, {Value: "medium", Label: "Medium"}, {Value: "low", Label: "Low"}})
	d.Source = newChoices("source", "Source evaluation", af.Source, errs, []choice{{Value: "", Label: "Not graded"},
		{Value: "1", Label: "1: Reliable"}, {Value: "2", Label: "2: Untested"}, {Value: "3", Label: "3: Not reliable"}})
	d.Intel = newChoices("intel", "Intelligence assessment", af.Intel, errs, []choice{{Value: "", Label: "Not graded"},
		{Value: "A", Label: "A: Known directly to the source"}, {Value: "B", Label: "B: Known indirectly but corroborated"},
		{Value: "C", Label: "C: Known indirectly"}, {Value: "D", Label: "D: Not known"}, {Value: "E", Label: "E: Suspected to be false"}})
	d.Handling = newChoices("handling", "Handling code", af.Handling, errs, []choice{{Value: "", Label: "Not graded"},
		{Value: "P", Label: "P: Lawful sharing permitted"}, {Value: "C", Label: "C: Lawful sharing permitted with conditions"}})
	d.Assignee = newChoices("assignee", "Assigned to", af.Assignee, errs, assignees)
	s.render(c, status, "ccu_show", &Page{Title: "Referral " + r.Ref, Data: d, Errors: errs, NoIndex: true})
}

// reloadForCCU reads the referral again, decrypted, after a failed change.
func (s *Server) reloadForCCU(c *gin.Context, id string) (*store.Referral, bool) {
	r, err := s.ccu.OpenReferral(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err) // 404 for ErrNotFound (render.go)
		return nil, false
	}
	return r, true
}
