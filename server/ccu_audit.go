package server

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"candour/store"
)

type ccuAuditData struct {
	Events []auditRow
	Action choiceField
	Day    string
	Target string
	Pages  pager
	Check  *auditCheck
}

// ccuAuditActions are the events the CCU supervisor's audit page lists.
var ccuAuditActions = []string{store.AuditRefViewed, store.AuditRefAssessed, store.AuditRefStatus, store.AuditRefMessage,
	store.AuditRefNote, store.AuditRefLinked, store.AuditRefSubmitted, store.AuditRefExported, store.AuditRefContentGone}

// ccuAudit is the CCU supervisor's audit page: who looked at or changed
// which referral, one action and one day at a time (newest day first), and
// a check of the whole hash chain on request. Looking is itself audited.
func (s *Server) ccuAudit(c *gin.Context) {
	ctx := c.Request.Context()
	action := c.DefaultQuery("action", store.AuditRefViewed)
	cs := make([]choice, len(ccuAuditActions))
	for i, a := range ccuAuditActions {
		cs[i] = choice{Value: a, Label: auditWord(a)}
	}
	d := ccuAuditData{Action: newChoices("action", "Action", action, nil, cs), Day: strings.TrimSpace(c.Query("day")),
		Target: strings.TrimSpace(c.Query("target"))}
	page := &Page{Title: "Referral audit", Data: &d}
	if err := checkAuditFilter(&d.Action, action, d.Day); err != nil {
		s.formAgain(c, "ccu_audit", page, err)
		return
	}
	me := currentUser(c)
	f := store.AuditFilter{Action: action, Day: d.Day, Target: d.Target, Page: pageNumber(c.Query("page"))}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditAuditViewed, Detail: "referral audit; " + auditViewDetail(f, c.Query("verify") == "1")})
	var more bool
	var err error
	if d.Events, more, d.Check, err = s.auditPage(ctx, c.Query("verify") == "1", f, s.ccu.ListAudit); err != nil {
		s.serverError(c, err)
		return
	}
	d.Pages = newPager(map[string]string{"action": action, "day": d.Day, "target": d.Target}, f.Page, more)
	s.render(c, http.StatusOK, "ccu_audit", page)
}
