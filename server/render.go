package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/powers"
	"candour/receipts"
	"candour/store"
	"candour/tz"
	"candour/words"
)

// Page is what every template gets: the frame's data plus the view's own.
type Page struct {
	Title     string // the page's <h1> and the first part of <title>
	ForceName string
	User      *store.User // nil when signed out
	CSRF      string
	Flash     string
	Path      string
	Nav       []navItem
	Form      any         // the values a person typed, kept on error
	Errors    *formErrors // nil or empty when the form is fine
	Data      any         // the view's own data
	Dev       bool
	NoIndex   bool
	Back      string // a GOV.UK back link's address, or ""
	Exit      string // "Exit this page" (referral_draft.go), or ""
}

type navItem struct {
	Href, Label string
	Active      bool
}

var funcs = template.FuncMap{
	"pounds":          pounds, // whole pence as "£16.65" (expenses.go)
	"handlingLabel":   words.Handling,
	"outcomeLabel":    words.AdviceOutcome,
	"outcomeTag":      adviceOutcomeTag,
	"attendanceLabel": words.Attendance,
	"powerDatasets":   powers.All, // the stop-and-search page links to every other activity
	"periodOption":    periodOption,
	"tableGroups":     tableGroups,
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(london).Format("2 January 2006")
	},
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(london).Format("2 January 2006 at 3:04pm")
	},
	"isodate": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(london).Format(time.DateOnly)
	},
	"roleLabel":       func(r store.Role) string { return words.Role(string(r)) },
	"groupKind":       words.GroupKind,
	"errorFor":        func(e *formErrors, field string) string { return e.For(field) },
	"hasErrors":       func(e *formErrors) bool { return e.Any() },
	"eq":              func(a, b any) bool { return fmt.Sprint(a) == fmt.Sprint(b) },
	"add":             func(a, b int) int { return a + b },
	"join":            strings.Join,
	"upper":           strings.ToUpper,
	"statusTag":       statusTag,
	"queryPage":       queryPage,
	"monthLabel":      monthLabel,
	"periodName":      periodName,
	"disparityGroups": func() []string { return disparityGroups },
	"share":           func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"pct":             func(p *float64) string { return pctText(p) },
	"fixed":           func(p *float64, prec int) string { return fixedText(p, prec) },
	"input":           input,
	"vettingLapsed":   func(m store.Membership) bool { return m.VettingLapsed(time.Now()) },
	"recStatus":       words.RecStatus,
	"recTag":          recTag,
	"rapArea":         words.RAPArea,
	"recSource":       words.RecSource,
	"asset":           assetURL,
	// Referrals and anonymous reports.
	"refStatus":     words.RefStatus,
	"refStatusTag":  refStatusTag,
	"refCategory":   words.RefCategory,
	"riskTag":       riskTag,
	"receiptGroups": receipts.Groups,
	"refTarget":     refTarget,
	"reasonLabel":   reasonLabel,
	// Recommendations.
	"recUnderway": recUnderway,
	// Visits.
	"visitType":     words.VisitType,
	"ragLabel":      words.RAG,
	"ragTag":        ragTag,
	"sectionLabel":  words.Section,
	"gowiselyLabel": words.Gowisely,
	"forceWords":    forceWords,
	"forceWord":     words.Force,
	"visitWhen":     visitWhen,
	// Surveys and custody returns.
	"questionType": words.QuestionType,
	"quarterName":  func(q store.FinancialQuarter) string { return words.FinancialQuarter(q.Year, q.Q) },
	"dict2":        func(key string, rows []trendRow) map[string]any { return map[string]any{"Key": key, "Rows": rows} },
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	},
	"timeOfDay": func(t time.Time) string { return t.In(london).Format("15:04") },
	// Custody visit reports (custody_draft.go).
	"custodyLabel":  custodyLabel,
	"custodyChecks": func() []string { return store.CustodyChecks },
}

// london is the force's time zone: all dates are shown in UK time.
var london = tz.London

// statusTag picks the GOV.UK tag colour for a status word.
func statusTag(status string) string {
	switch status {
	case store.StatusActive, "verified", "ok", "sent":
		return "govuk-tag--green"
	case store.StatusInvited, "pending":
		return "govuk-tag--blue"
	case store.StatusDisabled, "failed", "broken":
		return "govuk-tag--red"
	}
	return "govuk-tag--grey"
}

// queryPage builds a link to another page of a list, keeping the filters.
func queryPage(q map[string]string, page int) template.URL {
	var b strings.Builder
	b.WriteString("?")
	for k, v := range q {
		if v != "" && k != "page" {
			b.WriteString(template.URLQueryEscaper(k) + "=" + template.URLQueryEscaper(v) + "&")
		}
	}
	fmt.Fprintf(&b, "page=%d", page)
	return template.URL(b.String())
}

// maxPooledPage is the largest page buffer kept for reuse: a rare huge page
// (an export drawn as HTML) does not stay in memory.
const maxPooledPage = 1 << 20

// render executes a page into a buffer and only then writes the status and
// body, so a failing template never sends half a page.
func (s *Server) render(c *gin.Context, status int, name string, p *Page) {
	t, ok := s.templates.page(name)
	if !ok {
		s.serverError(c, fmt.Errorf("render: no template %q", name))
		return
	}
	s.fillPage(c, p)
	// The buffers are reused: a page is tens of kilobytes, and growing a
	// new buffer to that size for every page was a good part of what the
	// garbage collector had to do (make bench -profile, 6 December 2026).
	buf, _ := s.pageBufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer func() {
		if buf.Cap() <= maxPooledPage {
			buf.Reset()
			s.pageBufs.Put(buf)
		}
	}()
	if err := t.ExecuteTemplate(buf, "base", p); err != nil {
		s.serverError(c, fmt.Errorf("render %s: %w", name, err))
		return
	}
	if p.Errors.inPageOrder(buf.Bytes()) {
		// The summary lists errors in the order of the fields on the page
		// (GOV.UK's rule), whichever check found them first: draw it again.
		buf.Reset()
		if err := t.ExecuteTemplate(buf, "base", p); err != nil {
			s.serverError(c, fmt.Errorf("render %s: %w", name, err))
			return
		}
	}
	if err := s.saveSession(c); err != nil {
		s.serverError(c, err)
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// drawPart executes the template part (a {{define}} in page's file) with
// data and returns what it drew, for a view that keeps a drawn part in a
// cache (store.Cache) and hands it to the page as it is. The part is drawn
// in the same escaping context as a {{template}} call in the page's
// content, so the page is byte for byte what drawing it in place gives.
func (s *Server) drawPart(page, part string, data any) (template.HTML, error) {
	t, ok := s.templates.page(page)
	if !ok {
		return "", fmt.Errorf("render: no template %q", page)
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, part, data); err != nil {
		return "", fmt.Errorf("render %s/%s: %w", page, part, err)
	}
	return template.HTML(b.String()), nil // drawn by html/template, escaped there
}

// fillPage sets the frame's fields every page needs.
func (s *Server) fillPage(c *gin.Context, p *Page) {
	p.ForceName = s.cfg.ForceName
	p.Path = c.Request.URL.Path
	p.Dev = !s.cfg.Production()
	if p.Exit == "" {
		p.Exit = exitHref(p.Path)
	}
	if u := currentUser(c); u != nil {
		p.User = u
		p.Nav = navFor(u, p.Path)
	}
	if sess := s.session(c); sess != nil {
		p.CSRF = s.csrfToken(c)
		if f, ok := sess.Values[keyFlash].(string); ok && f != "" {
			p.Flash = f
			delete(sess.Values, keyFlash)
			markSessionDirty(c)
		}
	}
	if p.Errors == nil {
		p.Errors = &formErrors{}
	}
}

// navFor lists the header links a person's role uses.
func navFor(u *store.User, current string) []navItem {
	// "Home" is the service name's link, and "Your account" and "Sign out"
	// sit in the header, so an administrator's menu fits one row on a
	// laptop.
	//
	// An administrator's menu is the portal's administration and the
	// registers; group meetings and advice requests, which they may open,
	// are the groups' and coordinators' work, reached from the calendar
	// and from mail, so they are left out of it to keep it on one row.
	var items []navItem
	for _, n := range []struct {
		href, label, action string
		notFor              store.Role
	}{
		{"/admin/people", "People", "people.list", ""},
		{"/admin/groups", "Groups", "groups.list", ""},
		{"/admin/partners", "Partners", "partners.list", ""},
		{"/admin/audit", "Audit log", "audit.list", ""},
		{"/disparity", "Stop and search", "disparity.view", ""},
		{"/recommendations", "Recommendations", "recommendations.list", ""},
		{"/visits", "Visits", "visits.view", ""},
		{"/meetings", "Meetings", "meetings.view", store.RoleAdmin},
		{"/advice", "Advice", "advice.list", store.RoleAdmin},
		{"/referrals", "Referrals", "referrals.list", ""},
		{"/ccu", "Counter Corruption Unit", "ccu.queue", ""},
		{"/surveys", "Surveys", "surveys.manage", ""},
		{"/custody", "Custody visit reports", "custody.reports", ""},
	} {
		if allowed(u.Role, n.action) && u.Role != n.notFor {
			items = append(items, navItem{Href: n.href, Label: n.label})
		}
	}
	if u.Role == store.RoleOfficer {
		// An officer's one page; staff reach it from the vehicle stops monitor.
		items = append(items, navItem{Href: "/vehicle-stops/new", Label: "Record a vehicle stop"})
	}
	for i := range items {
		items[i].Active = current == items[i].Href || strings.HasPrefix(current, items[i].Href+"/")
	}
	return items
}

// errorPage renders a styled error page with status; used for 403, 404,
// 410, 413 and 500 alike.
func (s *Server) errorPage(c *gin.Context, status int, title, message string) {
	p := &Page{Title: title, Data: message, NoIndex: true}
	t, _ := s.templates.page("error")
	s.fillPage(c, p)
	var buf bytes.Buffer
	if t == nil || t.ExecuteTemplate(&buf, "base", p) != nil {
		c.Data(status, "text/plain; charset=utf-8", []byte(title+"\n"))
		c.Abort()
		return
	}
	_ = s.saveSession(c)
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
	c.Abort()
}

func (s *Server) notFound(c *gin.Context) {
	s.errorPage(c, http.StatusNotFound, "Page not found", "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address.")
}

func (s *Server) forbidden(c *gin.Context) {
	s.errorPage(c, http.StatusForbidden, "You cannot see this page", "Your account does not give you access to this page. If you think it should, contact your engagement coordinator.")
}

// serverError logs the error with its stack once and shows a styled 500.
func (s *Server) serverError(c *gin.Context, err error) {
	if errors.Is(err, context.Canceled) && c.Request.Context().Err() != nil {
		// The browser went away: nothing to show and nothing wrong here.
		s.log.InfoContext(c.Request.Context(), "request abandoned by the client", "route", c.FullPath())
		c.AbortWithStatus(499)
		return
	}
	if store.IsBusy(err) {
		// The store did not answer in time (a long queue under load, a
		// replica set without a primary): a retry page, not a defect.
		s.log.WarnContext(c.Request.Context(), "store busy: asked the client to try again", "err", err, "route", c.FullPath())
		c.Header("Retry-After", strconv.Itoa(int(busyRetryAfter.Seconds())))
		s.errorPage(c, http.StatusServiceUnavailable, "Sorry, the service is busy",
			"Wait a minute, then try again. If you were sending a form, it may not have been saved: go back and send it again.")
		return
	}
	s.log.ErrorContext(c.Request.Context(), "server error", "err", err, "route", c.FullPath(), "stack", string(debug.Stack()))
	s.errorPage(c, http.StatusInternalServerError, "Sorry, there is a problem with the service", "Try again later. What you entered has not been saved.")
}

// busyRetryAfter is the Retry-After of the page shown when the store is
// busy (serverError).
const busyRetryAfter = 30 * time.Second

// statusOf is the one map from an application error's code to an HTTP
// status. Invalid and Duplicate are a form shown again with the message
// next to its field (addErrors); the others are a page of their own (fail).
func statusOf(code apperr.Code) int {
	switch code {
	case apperr.Invalid, apperr.Duplicate:
		return http.StatusUnprocessableEntity
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Expired:
		return http.StatusGone
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// failTitles are the page titles of the codes that have a page of their
// own, when the handler gives none.
var failTitles = map[apperr.Code]string{
	apperr.Conflict: "You cannot make that change",
	apperr.Expired:  "This link has expired",
}

// fail answers a request that err stopped, with the page and status of its
// code (statusOf): the styled 404 and 403, a 409 or 410 page that shows the
// error's message under title (or the code's usual title), and a logged 500
// for anything that is not an application error. Form errors (Invalid,
// Duplicate) belong on the form: handlers add them with addErrors and show
// the form again; one that reaches here is a 422 page with its message.
func (s *Server) fail(c *gin.Context, err error, title ...string) {
	code := apperr.CodeOf(err)
	switch code {
	case apperr.NotFound:
		s.notFound(c)
		return
	case apperr.Forbidden:
		s.forbidden(c)
		return
	case apperr.Internal, "":
		s.serverError(c, err)
		return
	}
	t := failTitles[code]
	if len(title) > 0 {
		t = title[0]
	}
	if t == "" {
		t = "There is a problem"
	}
	s.errorPage(c, statusOf(code), t, apperr.MessageOf(err))
}

// stale answers a change that the store's version check refused
// (store.ErrConflict: the record changed after the page that sent the
// change was drawn) with the 409 page, titled title and saying message,
// and reports true; for any other error (a refusal with a message of its
// own included) it does nothing and reports false. This is the one place
// that tells the two kinds of conflict apart.
func (s *Server) stale(c *gin.Context, err error, title, message string) bool {
	if !errors.Is(err, store.ErrConflict) {
		return false
	}
	s.errorPage(c, statusOf(apperr.Conflict), title, message)
	return true
}

// addErrors puts err's form errors (Invalid and Duplicate, one or a joined
// list) next to their fields, renamed by rename where the form calls a
// field something else. It reports whether err was nothing but form errors:
// when it reports false the handler calls fail instead.
func addErrors(errs *formErrors, err error, rename map[string]string) bool {
	all := apperr.All(err)
	if len(all) == 0 {
		return false
	}
	for _, e := range all {
		if e.Code != apperr.Invalid && e.Code != apperr.Duplicate {
			return false
		}
	}
	for _, e := range all {
		field := e.Field
		if to, ok := rename[field]; ok {
			field = to
		}
		errs.Add(field, e.Message)
	}
	return true
}

// fileErrors words an uploaded file's refusal for the error summary, for
// formAgain: every wrong line (an Invalid error with a Line, as
// powers.FileError lists them) is its own error named with the file
// ("stops.csv, line 10, Outcome: ..."), any other form error follows the
// file's name ("stops.csv: ..."), and a refusal that named lines ends saying
// nothing was stored. An error with no field of its own (a refusal worded
// for the command line too: the wrong force, year or dataset) goes on the
// field "file". For nil, and for anything that is not only form errors, it
// returns err as it is (formAgain then calls fail).
func fileErrors(file string, err error) error {
	all := apperr.All(err)
	if !formOnly(all) {
		return err
	}
	var out []*apperr.Error
	lines := false
	for _, e := range all {
		msg := file + ": " + e.Message
		if e.Line > 0 {
			msg, lines = file+", "+e.Message, true
		}
		field := e.Field
		if field == "" {
			field = "file"
		}
		out = append(out, &apperr.Error{Code: e.Code, Field: field, Message: msg, Line: e.Line})
	}
	if lines {
		out = append(out, apperr.Invalidf("file", "Nothing was stored from the file: correct these lines and import it again"))
	}
	return apperr.Join(out...)
}

// formOnly reports whether all is a non-empty list of form errors
// (Invalid and Duplicate) and nothing else.
func formOnly(all []*apperr.Error) bool {
	if len(all) == 0 {
		return false
	}
	for _, e := range all {
		if e.Code != apperr.Invalid && e.Code != apperr.Duplicate {
			return false
		}
	}
	return true
}

// formAgain answers a request whose form (or a page's filter) had
// problems: the page name is drawn again with what was typed (p) and err's
// form errors (apperr Invalid and Duplicate, one or a joined list) in the
// GOV.UK error summary, each its own item in order (one repeated word for
// word is listed once), the first for a field also next to it, at err's
// status (422, statusOf). Binding's messages join the handler's own
// checks as errors too (formErrors.Err, With). Anything that is not only
// form errors goes to fail (a list's first error that is not a form error;
// nil too). Pages that draw a field's message themselves read it with
// messageFor.
func (s *Server) formAgain(c *gin.Context, name string, p *Page, err error) {
	all := apperr.All(err)
	if !formOnly(all) {
		for _, e := range all {
			if e.Code != apperr.Invalid && e.Code != apperr.Duplicate {
				err = e // a list that is not only form errors: its first other one
				break
			}
		}
		s.fail(c, err)
		return
	}
	errs := &formErrors{}
	for _, e := range all {
		errs.addItem(e.Field, e.Message)
	}
	p.Errors = errs
	s.render(c, statusOf(apperr.CodeOf(err)), name, p)
}

// messageFor is the first message err has for field, or "": what a page
// that draws its fields itself (a filter's lists) shows next to one.
func messageFor(err error, field string) string {
	for _, e := range apperr.All(err) {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// redirect answers a POST with 303 See Other, after saving the session.
func (s *Server) redirect(c *gin.Context, to string) {
	if err := s.saveSession(c); err != nil {
		s.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, to)
}

// flash leaves a message for the next page the person sees.
func (s *Server) flash(c *gin.Context, msg string) {
	if sess := s.session(c); sess != nil {
		sess.Values[keyFlash] = msg
		markSessionDirty(c)
	}
}

// loadByID reads the record named by the path's :id with get, answering a
// styled 404 for an unknown id (or a 500) itself; ok is false when it did.
func loadByID[T any](s *Server, c *gin.Context, get func(context.Context, string) (*T, error)) (*T, bool) {
	v, err := get(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err) // 404 for ErrNotFound (render.go)
		return nil, false
	}
	return v, true
}
