package server

import (
	"net/http"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
)

// loadPartnerReferral reads the referral in the path for a partner
// worker. Another organisation's referral, an anonymous report and an
// unknown id all get the same 404, so a partner cannot learn that a
// referral exists.
func (s *Server) loadPartnerReferral(c *gin.Context) (*store.Referral, bool) {
	r, ok := loadByID(s, c, s.referrals.Referral)
	if !ok {
		return nil, false
	}
	if pid := partnerOf(c); pid == "" || r.Kind != store.KindPartner || r.PartnerID != pid {
		s.notFound(c)
		return nil, false
	}
	return r, true
}

type messageForm struct {
	Message string `form:"message"`
}

func (messageForm) messages() map[string]string { return nil }

// check applies the rules of a message: not empty, not over the limit.
func (f *messageForm) check(errs *formErrors) {
	f.Message = store.CleanText(f.Message)
	switch {
	case f.Message == "":
		errs.Add("message", "Enter your message")
	case utf8.RuneCountInString(f.Message) > store.MaxReferralText:
		errs.Add("message", "Your message must be 20,000 characters or fewer")
	}
}

type referralShowData struct {
	Referral *store.Referral
	Form     messageForm
}

// referralShow is a partner's view of a referral: status and the
// conversation with the CCU (never the CCU's private notes, assessment or
// grading), with a form to add information or answer a question.
func (s *Server) referralShow(c *gin.Context) {
	r, ok := s.loadPartnerReferral(c)
	if !ok {
		return
	}
	s.renderPartnerReferral(c, r, messageForm{}, http.StatusOK, &formErrors{})
}

func (s *Server) renderPartnerReferral(c *gin.Context, r *store.Referral, f messageForm, status int, errs *formErrors) {
	if err := s.referrals.OpenMessages(r, false); err != nil {
		s.serverError(c, err)
		return
	}
	s.render(c, status, "referral_show", &Page{Title: "Referral " + r.Ref, Data: referralShowData{Referral: r, Form: f}, Errors: errs})
}

// referralMessage adds the partner's message and tells the CCU mailbox.
func (s *Server) referralMessage(c *gin.Context) {
	r, ok := s.loadPartnerReferral(c)
	if !ok {
		return
	}
	var f messageForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	if f.check(errs); errs.Any() {
		s.renderPartnerReferral(c, r, f, http.StatusUnprocessableEntity, errs)
		return
	}
	u := currentUser(c)
	err := s.referrals.AddRefMessage(c.Request.Context(), r.ID, store.FromPartner, u.Name, f.Message)
	switch {
	case apperr.Is(err, apperr.Conflict):
		s.referralGone(c)
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditRefMessage, Target: "referral:" + r.ID, Detail: r.Ref + ": from the partner"})
	s.notifyFailed(c, s.notifyCCU(c.Request.Context(), "A reply to a referral is waiting"))
	s.flash(c, "Your message has been sent to the Counter Corruption Unit")
	s.redirect(c, "/referrals/"+r.ID)
}
