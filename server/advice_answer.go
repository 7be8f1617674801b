package server

import (
	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
)

// adviceAnswer stores a member's advice (or their change to it) while the
// request is open. The store decides against the deadline in the same
// write, so advice sent a moment too late is refused, never half-kept.
func (s *Server) adviceAnswer(c *gin.Context) {
	r, ok := s.loadAdvice(c)
	if !ok {
		return
	}
	me := currentUser(c)
	// Whoever reaches here was asked: the policy table lets only members
	// and chairs answer, and loadAdvice shows them only what they were
	// asked. The store refuses anyone else (404) just before its write
	// (the people asked never change once a request is opened).
	var f answerForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	if errs.Any() {
		s.renderAdvice(c, statusOf(apperr.Invalid), r, f, "", adviceResponseForm{}, errs)
		return
	}
	_, changed := r.Answers[me.ID]
	_, err := s.adviceDB.GiveAdvice(c.Request.Context(), r.ID, me.ID, me.Name, f.Advice)
	switch {
	case apperr.Is(err, apperr.Conflict): // the deadline passed, or it was closed
		fresh, ferr := s.adviceDB.AdviceRequest(c.Request.Context(), r.ID)
		if ferr == nil {
			r = fresh
		}
		errs.Add("advice", "The deadline for advice has passed, so your advice was not saved. Contact your engagement coordinator if you still want to give it.")
		s.renderAdvice(c, statusOf(apperr.Invalid), r, f, "", adviceResponseForm{}, errs)
		return
	case err != nil: // not asked, or no such request: 404
		s.fail(c, err)
		return
	}
	detail := "first answer"
	if changed {
		detail = "changed answer"
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditAdviceGiven, Target: "advice:" + r.ID, Detail: detail})
	// The page says so (adviceSentNote), from the request itself: no flash
	// in the session, so neither this request nor the next page writes
	// the session (one write under the store's writer each, as sign-up).
	s.redirect(c, "/advice/"+r.ID+"?"+adviceSentParam)
}

// adviceSentParam on a request's address asks its page to confirm that the
// reader's advice arrived.
const adviceSentParam = "sent"

// adviceSentNote is the banner after an answer (adviceSentParam), shown
// only when the request holds the reader's advice, so a link with the
// parameter can never say something untrue.
func adviceSentNote(c *gin.Context, mine *store.Advice) string {
	if _, ok := c.GetQuery(adviceSentParam); !ok || mine == nil {
		return ""
	}
	return "Your advice has been sent. Thank you. You can change it until the deadline."
}
