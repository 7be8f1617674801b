package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/store"
)

// partnerOf is the signed-in worker's organisation, or "" (a partner
// account not yet linked to one may not refer).
func partnerOf(c *gin.Context) string { return currentUser(c).PartnerID }

// notLinked answers a partner account that no organisation has yet: it
// may not refer or list anything until the CCU links it (409, since the
// role allows it but the account's state does not).
func (s *Server) notLinked(c *gin.Context) {
	s.errorPage(c, http.StatusConflict, "Your account is not linked to an organisation",
		"Referrals are made on behalf of a partner organisation. Ask the Counter Corruption Unit to add your account to your organisation.")
}

// referralNewForm opens the first question of a referral.
func (s *Server) referralNewForm(c *gin.Context) {
	if partnerOf(c) == "" {
		s.notLinked(c)
		return
	}
	s.flowStart(c, partnerFlow)
}

// referralPage shows one of the referral's pages.
func (s *Server) referralPage(c *gin.Context) {
	if partnerOf(c) == "" {
		s.notLinked(c)
		return
	}
	s.flowPage(c, partnerFlow)
}

// referralAnswer keeps one page's answer and moves on, or sends the
// referral from check your answers.
func (s *Server) referralAnswer(c *gin.Context) {
	if partnerOf(c) == "" {
		s.notLinked(c)
		return
	}
	if c.Param("step") == checkSlug {
		s.flowSend(c, partnerFlow, s.referralSend)
		return
	}
	s.flowAnswer(c, partnerFlow)
}

// referralSend stores a partner's referral, tells the CCU mailbox that it
// arrived and shows the confirmation with its reference number.
func (s *Server) referralSend(c *gin.Context, a answers) {
	u := currentUser(c)
	ctx := c.Request.Context()
	r, err := s.referrals.CreateReferral(ctx, store.NewReferral{Kind: store.KindPartner, PartnerID: u.PartnerID, SubmittedBy: u.ID, Content: contentOf(a)})
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditRefSubmitted, Target: "referral:" + r.ID, Detail: r.Ref})
	subject := "A new referral is waiting"
	if r.Urgent {
		subject = "An urgent referral is waiting"
	}
	s.notifyFailed(c, s.notifyCCU(ctx, subject))
	s.deleteDraft(c.Writer, partnerFlow)
	s.redirect(c, "/referrals/"+r.ID+"/confirmation")
}

// referralConfirmation is the page after sending: the reference number.
func (s *Server) referralConfirmation(c *gin.Context) {
	r, ok := s.loadPartnerReferral(c)
	if !ok {
		return
	}
	s.render(c, http.StatusOK, "referral_confirmation", &Page{Title: "Referral sent", Data: r})
}
