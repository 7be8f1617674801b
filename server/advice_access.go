package server

import (
	"github.com/gin-gonic/gin"

	"candour/store"
	"candour/words"
)

// adviceOutcomeTag is the tag colour for what the force did with advice.
func adviceOutcomeTag(o string) string {
	switch o {
	case store.OutcomeActed:
		return "govuk-tag--green"
	case store.OutcomePartly:
		return "govuk-tag--yellow"
	case store.OutcomeExplained:
		return "govuk-tag--grey"
	}
	return "govuk-tag--blue"
}

// adviceAuditActions are the advice pages' audit actions, listed after the
// store's in the audit log's filter (auditActionChoices).
var adviceAuditActions = []string{auditAdviceRequested, auditAdviceViewed, auditAdviceGiven, auditAdviceResponse,
	auditAdviceClosed, auditAdviceImpact, auditAdvicePublished, auditAdviceUnpublished, auditMobileChanged}

// Audit actions for advice requests.
const (
	auditAdviceRequested   = "advice-requested"
	auditAdviceViewed      = "advice-request-viewed"
	auditAdviceGiven       = "advice-given"
	auditAdviceResponse    = "advice-response"
	auditAdviceClosed      = "advice-request-closed"
	auditAdviceImpact      = "advice-impact-wording"
	auditAdvicePublished   = "advice-summary-published"
	auditAdviceUnpublished = "advice-summary-withdrawn"
	auditMobileChanged     = "mobile-number-changed"
)

// adviceAccess is what one person may do with one advice request. The
// policy table says which roles manage every request (advice.manage) and
// which answer (advice.answer); the one row-level rule is whether this
// person was asked.
type adviceAccess struct {
	See, Answer, Manage bool
}

func adviceAccessTo(u *store.User, r *store.AdviceRequest) adviceAccess {
	if u == nil {
		return adviceAccess{}
	}
	manage, asked := allowed(u.Role, "advice.manage"), r.WasAsked(u.ID)
	return adviceAccess{See: manage || asked, Answer: asked && allowed(u.Role, "advice.answer"), Manage: manage}
}

// loadAdvice reads the request named by :id that the person may see
// (adviceAccessTo); one they may not see is "not found" to them.
func (s *Server) loadAdvice(c *gin.Context) (*store.AdviceRequest, bool) {
	r, ok := loadByID(s, c, s.adviceDB.AdviceRequest)
	if !ok {
		return nil, false
	}
	if !adviceAccessTo(currentUser(c), r).See {
		s.notFound(c)
		return nil, false
	}
	return r, true
}

func handlingChoices() []choice {
	cs := make([]choice, 0, len(store.HandlingMarkers))
	for _, h := range store.HandlingMarkers {
		cs = append(cs, choice{Value: h, Label: words.Handling(h)})
	}
	return cs
}

func outcomeChoices() []choice {
	return []choice{
		{Value: store.OutcomeActed, Label: "Acted on", Hint: "The force did what was advised"},
		{Value: store.OutcomePartly, Label: "Acted on in part", Hint: "Say what was done and why not the rest"},
		{Value: store.OutcomeExplained, Label: "Not acted on", Hint: "Explain why: the group should be able to see the reason"},
	}
}
