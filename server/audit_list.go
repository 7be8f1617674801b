package server

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
)

type auditListData struct {
	Events             []auditRow
	Action             choiceField
	Actor, Day, Target string
	Filtered           bool
	Pages              pager
	Check              *auditCheck // set when the admin asked to check the chain
}

// auditCheck is the result of walking the hash chain.
type auditCheck struct {
	Count int64             // events verified (before the break, if any)
	Break *store.AuditBreak // nil when the chain is intact
}

// auditList shows the audit log newest first, filtered by a GET form.
// Checking the hash chain reads every event, so it runs only when asked
// (?verify=1); the list itself reads one page. Every view is audited.
func (s *Server) auditList(c *gin.Context) {
	ctx := c.Request.Context()
	f := store.AuditFilter{Action: c.Query("action"), Actor: strings.TrimSpace(c.Query("actor")),
		Day: strings.TrimSpace(c.Query("day")), Target: strings.TrimSpace(c.Query("target")), Page: pageNumber(c.Query("page"))}
	verify := c.Query("verify") == "1"
	d := auditListData{Actor: f.Actor, Day: f.Day, Target: f.Target, Filtered: f.Action != "" || f.Actor != "" || f.Day != "" || f.Target != "",
		Action: newChoices("action", "Action", f.Action, nil, auditActionChoices())}
	page := &Page{Title: "Audit log", Data: &d}
	if err := checkAuditFilter(&d.Action, f.Action, f.Day); err != nil {
		s.formAgain(c, "audit_list", page, err)
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditAuditViewed, Detail: auditViewDetail(f, verify)})
	var more bool
	var err error
	if d.Events, more, d.Check, err = s.auditPage(ctx, verify, f, s.auditPages.ListAudit); err != nil {
		s.serverError(c, err)
		return
	}
	d.Pages = newPager(map[string]string{"action": f.Action, "actor": f.Actor, "day": f.Day, "target": f.Target}, f.Page, more)
	s.render(c, http.StatusOK, "audit_list", page)
}

// auditPage is what both audit pages show under their filter: the chain's
// check when asked for (verify; nil otherwise), and a page of the events
// (listed by the page's own view) named for people.
func (s *Server) auditPage(ctx context.Context, verify bool, f store.AuditFilter,
	list func(context.Context, store.AuditFilter) ([]store.AuditEvent, bool, error)) (rows []auditRow, more bool, check *auditCheck, err error) {
	if verify {
		if check, err = s.checkAuditChain(ctx); err != nil {
			return nil, false, nil, err
		}
	}
	evs, more, err := list(ctx, f)
	if err != nil {
		return nil, false, nil, err
	}
	rows, err = s.describeAudit(ctx, evs)
	return rows, more, check, err
}

func (s *Server) checkAuditChain(ctx context.Context) (*auditCheck, error) {
	brk, n, err := s.auditPages.VerifyAudit(ctx)
	if err != nil {
		return nil, err
	}
	return &auditCheck{Count: n, Break: brk}, nil
}

func auditActionChoices() []choice {
	cs := []choice{{Value: "", Label: "All actions"}}
	for _, a := range slices.Concat(store.AuditActions, visitAuditActions, adviceAuditActions, meetingAuditActions, custodyAuditActions, expenseAuditActions) {
		cs = append(cs, choice{Value: a, Label: auditWord(a)})
	}
	return cs
}

// auditViewDetail says what the admin looked at, for the audit of the audit.
func auditViewDetail(f store.AuditFilter, verify bool) string {
	parts := []string{fmt.Sprintf("page %d", max(f.Page, 1))}
	for _, kv := range [][2]string{{"action", f.Action}, {"actor", f.Actor}, {"day", f.Day}, {"target", f.Target}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	if verify {
		parts = append(parts, "chain checked")
	}
	return strings.Join(parts, "; ")
}

// targetHref links an event's record ("user:ID", "group:ID", "partner:ID")
// to its page.
func targetHref(target string) string {
	kind, id, ok := strings.Cut(target, ":")
	if !ok || id == "" {
		return ""
	}
	switch kind {
	case "user":
		return "/admin/people/" + id
	case "group":
		return "/admin/groups/" + id
	case "partner":
		return "/admin/partners/" + id
	case "recommendation":
		return "/recommendations/" + id
	case "visit":
		return "/visits/" + id
	case "survey":
		return "/surveys/" + id
	}
	return ""
}

// checkAuditFilter checks an audit page's filter (the admin's and the
// CCU's): the action must be one offered, the day a date.
func checkAuditFilter(action *choiceField, value, day string) error {
	var problems []*apperr.Error
	if !action.has(value) {
		problems = append(problems, apperr.Invalidf("action", "Choose an action from the list"))
	}
	if _, err := time.Parse(time.DateOnly, day); day != "" && err != nil {
		problems = append(problems, apperr.Invalidf("day", "Enter the day as year-month-day, like 2026-03-14"))
	}
	err := apperr.Join(problems...)
	action.Error = messageFor(err, "action")
	return err
}
