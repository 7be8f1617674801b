package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
	"candour/words"
)

// custodySubmitConfirm asks before the report is submitted (it is locked
// then, and goes to the scheme manager); an incomplete report is shown
// again with what is missing.
func (s *Server) custodySubmitConfirm(c *gin.Context) {
	v, r, ok := s.custodyDraft(c)
	if !ok {
		return
	}
	if errs := checkCustodySubmit(r); errs.Any() {
		s.renderCustodyReport(c, http.StatusUnprocessableEntity, v, r, errs)
		return
	}
	s.confirm(c, "Are you sure you want to submit the report?", confirmation{Caption: words.VisitType(v.Type) + ": " + v.Location,
		Body:    []string{"It goes to the custody visiting scheme manager at the Police and Crime Commissioner's office. Your partner on the visit is asked to confirm it and can add to it."},
		Warning: "Once submitted, the report is locked: neither of you can change it.",
		Action:  "/visits/" + v.ID + "/custody-report/submit", Hidden: []hiddenField{{"version", strconv.Itoa(r.Version)}},
		Button: "Yes, submit the report", Cancel: "/visits/" + v.ID + "/custody-report"})
}

func checkCustodySubmit(r *store.CustodyReport) *formErrors {
	errs := &formErrors{}
	addErrors(errs, r.CheckSubmit(), nil)
	return errs
}

// custodySubmit locks the report and tells the scheme managers (a link
// only: no detainee, suite or date in the mail).
func (s *Server) custodySubmit(c *gin.Context) {
	v, r, ok := s.custodyDraft(c)
	if !ok {
		return
	}
	version, err := strconv.Atoi(c.PostForm("version"))
	if err != nil || version != r.Version || r.Version == 0 {
		s.errorPage(c, http.StatusConflict, "The report changed while you were reading it",
			"Your partner saved the report after you opened this page, so it has not been submitted. Go back to the report, check it and submit again.")
		return
	}
	if errs := checkCustodySubmit(r); errs.Any() {
		s.renderCustodyReport(c, http.StatusUnprocessableEntity, v, r, errs)
		return
	}
	me := currentUser(c)
	ctx := c.Request.Context()
	err = s.custody.SubmitCustodyReport(ctx, r, version, me.ID, me.Name)
	switch {
	case s.stale(c, err, "The report changed while you were reading it",
		"Your partner saved the report after you opened this page, so it has not been submitted. Go back to the report, check it and submit again."):
		return
	case err != nil: // locked: the partner submitted it first; 404, 500
		s.fail(c, apperr.Reword(err, apperr.Conflict, "", "Your partner submitted it first. Nothing has been changed."), "The report is already submitted")
		return
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditCustodySubmitted, Target: "visit:" + v.ID})
	if err := s.mailSchemeManagers(c, "A custody visit report has been submitted",
		"A custody visit report has been submitted. Sign in to read it:\n"+s.link("/custody/reports/"+v.ID)); err != nil {
		s.serverError(c, err)
		return
	}
	s.flash(c, "Report submitted. Your partner is asked to confirm it.")
	s.redirect(c, "/visits/"+v.ID+"/custody-report")
}

// mailSchemeManagers queues one message to every active scheme manager.
func (s *Server) mailSchemeManagers(c *gin.Context, subject, body string) error {
	ctx := c.Request.Context()
	for page := 1; ; page++ {
		us, more, err := s.custody.ListUsers(ctx, store.UserFilter{Role: store.RoleSchemeManager, Page: page})
		if err != nil {
			return err
		}
		for _, u := range us {
			if u.Status != store.StatusActive {
				continue
			}
			if err := s.queueMail(ctx, u.Email, subject, body); err != nil {
				return err
			}
		}
		if !more {
			return nil
		}
	}
}

// confirmForm is the second visitor's confirmation, with anything to add.
type confirmForm struct {
	Version  int    `form:"version"`
	Addendum string `form:"addendum"`
}

func (confirmForm) messages() map[string]string { return nil }

type custodyConfirmData struct {
	Visit  *store.Visit
	Report *store.CustodyReport
}

// custodyPartner loads a submitted report for the visitor who did not
// submit it; anyone else gets a clear page.
func (s *Server) custodyPartner(c *gin.Context) (*store.Visit, *store.CustodyReport, bool) {
	v, r, ok := s.custodyWriter(c)
	if !ok {
		return nil, nil, false
	}
	switch {
	case r.Status == store.CustodyDraft:
		s.errorPage(c, http.StatusUnprocessableEntity, "The report has not been submitted", "It can be confirmed once one of you has submitted it.")
	case r.Status == store.CustodyConfirmed:
		s.errorPage(c, http.StatusConflict, "The report is already confirmed", "Nothing has been changed.")
	case r.SubmittedBy == currentUser(c).ID:
		s.errorPage(c, http.StatusUnprocessableEntity, "You submitted this report", "Your partner on the visit confirms it.")
	default:
		return v, r, true
	}
	return nil, nil, false
}

func (s *Server) custodyConfirmForm(c *gin.Context) {
	v, r, ok := s.custodyPartner(c)
	if !ok {
		return
	}
	s.render(c, http.StatusOK, "custody_confirm", &Page{Title: "Confirm the report", Data: &custodyConfirmData{Visit: v, Report: r},
		Form: confirmForm{Version: r.Version}, Back: "/visits/" + v.ID + "/custody-report"})
}

// custodyConfirm records the second visitor's confirmation and what they
// add; the report itself does not change.
func (s *Server) custodyConfirm(c *gin.Context) {
	v, r, ok := s.custodyPartner(c)
	if !ok {
		return
	}
	var f confirmForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	f.Addendum = strings.TrimSpace(f.Addendum)
	if len(f.Addendum) > 4000 {
		errs.Add("addendum", "What you add must be 4,000 characters or fewer")
	}
	if errs.Any() {
		s.render(c, http.StatusUnprocessableEntity, "custody_confirm", &Page{Title: "Confirm the report", Data: &custodyConfirmData{Visit: v, Report: r},
			Form: f, Errors: errs, Back: "/visits/" + v.ID + "/custody-report"})
		return
	}
	me := currentUser(c)
	r.Content.Addendum = f.Addendum
	err := s.custody.ConfirmCustodyReport(c.Request.Context(), r, f.Version, me.ID, me.Name)
	if s.stale(c, err, "The report changed while you were reading it", "Go back to the report and confirm it again. Nothing has been changed.") {
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditCustodyConfirmed, Target: "visit:" + v.ID})
	s.flash(c, "Report confirmed")
	s.redirect(c, "/visits/"+v.ID+"/custody-report")
}
