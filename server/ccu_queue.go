package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
	"candour/words"
)

type ccuQueueData struct {
	Referrals []store.RefSummary
	Status    choiceField
	Kind      choiceField
	Pages     pager
	Urgent    int  // urgent referrals on this page
	CanReview bool // a supervisor: links to the referral audit and the access review
}

func refStatusChoices(all string) []choice {
	cs := []choice{}
	if all != "" {
		cs = append(cs, choice{Value: "open", Label: "Open (received, being assessed or waiting for information)"}, choice{Value: "all", Label: all})
	}
	for _, st := range store.RefStatuses {
		cs = append(cs, choice{Value: st, Label: words.RefStatus(st)})
	}
	return cs
}

// ccuQueue is the CCU's queue: urgent first, then newest, with triage
// fields only (kind, category, status, risk, grading, assignee), so
// reading it decrypts nothing. Opening one is what the audit records.
func (s *Server) ccuQueue(c *gin.Context) {
	status := c.DefaultQuery("status", "open")
	kind := c.Query("kind")
	d := ccuQueueData{
		CanReview: allowed(currentUser(c).Role, "ccu.review"),
		Status:    newChoices("status", "Status", status, nil, refStatusChoices("Every status")),
		Kind: newChoices("kind", "From", kind, nil, []choice{{Value: "", Label: "Partners and the public"},
			{Value: store.KindPartner, Label: "Partner organisations"}, {Value: store.KindAnonymous, Label: "Anonymous reports"}}),
	}
	page := &Page{Title: "Counter Corruption Unit queue", Data: &d}
	if !d.Status.has(status) || !d.Kind.has(kind) {
		err := apperr.Invalidf("status", "Choose a status and a source from the lists")
		d.Status.Error = err.Message
		s.formAgain(c, "ccu_queue", page, err)
		return
	}
	f := store.ReferralFilter{Status: status, Kind: kind, Page: pageNumber(c.Query("page"))}
	if status == "all" {
		f.Status = ""
	}
	rs, more, err := s.ccu.ListReferrals(c.Request.Context(), f)
	if err != nil {
		s.serverError(c, err)
		return
	}
	for _, r := range rs {
		if r.Urgent {
			d.Urgent++
		}
	}
	d.Referrals = rs
	d.Pages = newPager(map[string]string{"status": status, "kind": kind}, f.Page, more)
	s.render(c, http.StatusOK, "ccu_queue", page)
}
