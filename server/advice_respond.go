package server

import (
	"strings"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
	"candour/words"
)

// adviceRespond records what the force did with one answer and why
// ("explain or reform"). It can be changed later, and is audited each time.
func (s *Server) adviceRespond(c *gin.Context) {
	r, ok := s.loadAdvice(c)
	if !ok {
		return
	}
	userID := c.Param("userId")
	if _, ok := r.Answers[userID]; !ok {
		s.notFound(c)
		return
	}
	var f adviceResponseForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	f.Outcome, f.Response = c.PostForm("outcome-"+userID), c.PostForm("response-"+userID)
	if !hasChoice(outcomeChoices(), f.Outcome) {
		errs.Add("outcome-"+userID, "Select what the force did with this advice")
	}
	switch n := len([]rune(strings.TrimSpace(f.Response))); {
	case n == 0:
		errs.Add("response-"+userID, "Enter what the force did, or why it did not act on this advice")
	case n > 4000:
		errs.Add("response-"+userID, "The response must be 4,000 characters or fewer")
	}
	if errs.Any() {
		s.renderAdvice(c, statusOf(apperr.Invalid), r, answerForm{}, userID, f, errs)
		return
	}
	me := currentUser(c)
	if err := s.adviceDB.RespondToAdvice(c.Request.Context(), r.ID, userID, f.Outcome, f.Response, me.Name); err != nil {
		s.fail(c, err)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditAdviceResponse, Target: "advice:" + r.ID + "/" + userID,
		Detail: words.AdviceOutcome(f.Outcome)})
	s.flash(c, "Response recorded. The member can read it with their advice.")
	s.redirect(c, "/advice/"+r.ID+"#answer-"+userID)
}

// adviceClose stops taking answers before the deadline.
func (s *Server) adviceClose(c *gin.Context) {
	r, ok := s.loadAdvice(c)
	if !ok {
		return
	}
	err := s.adviceDB.CloseAdviceRequest(c.Request.Context(), r.ID)
	switch {
	case apperr.Is(err, apperr.Conflict): // closed already
		s.flash(c, "This request had already closed.")
		s.redirect(c, "/advice/"+r.ID)
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditAdviceClosed, Target: "advice:" + r.ID})
	s.flash(c, "Request closed: no more advice will be taken.")
	s.redirect(c, "/advice/"+r.ID)
}
