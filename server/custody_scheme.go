package server

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"candour/store"
)

// custodyQuarter reads ?quarter= ("2026-27-Q1"), defaulting to the
// financial quarter of today; ok is false (and a 404 sent) for nonsense.
func (s *Server) custodyQuarter(c *gin.Context) (store.FinancialQuarter, bool) {
	q := c.Query("quarter")
	if q == "" {
		return store.FinancialQuarterOf(s.custody.Now()), true
	}
	fq, ok := store.ParseFinancialQuarter(q)
	if !ok {
		s.notFound(c)
	}
	return fq, ok
}

type custodyListData struct {
	Quarter, Previous, Next store.FinancialQuarter
	Reports                 []store.CustodyReport
}

// custodyList is the scheme manager's list of a quarter's reports.
func (s *Server) custodyList(c *gin.Context) {
	q, ok := s.custodyQuarter(c)
	if !ok {
		return
	}
	rs, err := s.custody.SubmittedCustodyReports(c.Request.Context(), q.Start(), q.End())
	if err != nil {
		s.serverError(c, err)
		return
	}
	d := &custodyListData{Quarter: q, Previous: q.Previous(), Next: store.FinancialQuarterOf(q.End()), Reports: rs}
	s.render(c, http.StatusOK, "custody_list", &Page{Title: "Custody visit reports", Data: d})
}

type custodySchemeData struct {
	Report *store.CustodyReport
	Delay  string
}

// submittedReport reads the report named by :id: a draft is not found.
func (s *Server) submittedReport(c *gin.Context) (*store.CustodyReport, bool) {
	r, ok := loadByID(s, c, s.custody.CustodyReport)
	if !ok {
		return nil, false
	}
	if !r.Done() {
		s.notFound(c)
		return nil, false
	}
	return r, true
}

// custodySchemeShow is the whole report, for the scheme manager (audited).
func (s *Server) custodySchemeShow(c *gin.Context) {
	r, ok := s.submittedReport(c)
	if !ok {
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditCustodyViewed, Target: "visit:" + r.ID})
	if r.ReadAt.IsZero() { // no longer "to read" on the scheme manager's home page
		if err := s.custody.MarkCustodyRead(c.Request.Context(), r.ID); err != nil {
			s.serverError(c, err)
			return
		}
	}
	s.renderSchemeReport(c, http.StatusOK, r, &formErrors{})
}

func (s *Server) renderSchemeReport(c *gin.Context, status int, r *store.CustodyReport, errs *formErrors) {
	s.render(c, status, "custody_scheme_report", &Page{Title: "Custody visit report: " + r.Suite, Errors: errs,
		Data: &custodySchemeData{Report: r, Delay: delayWords(r)}, Back: "/custody"})
}

// custodyIssuesSave records which issues the scheme manager has raised with
// the force and the force's responses. A response needs the issue raised.
func (s *Server) custodyIssuesSave(c *gin.Context) {
	r, ok := s.submittedReport(c)
	if !ok {
		return
	}
	version, err := strconv.Atoi(c.PostForm("version"))
	if err != nil {
		version = -1
	}
	errs := &formErrors{}
	now := s.custody.Now().UTC()
	next := *r
	next.Content.Issues = append([]store.CustodyIssue(nil), r.Content.Issues...)
	changed := 0
	for i := range next.Content.Issues {
		is := &next.Content.Issues[i]
		n := strconv.Itoa(i + 1)
		raised := c.PostForm("raised-"+n) == "true"
		resp := strings.TrimSpace(c.PostForm("response-" + n))
		if len(resp) > 4000 {
			errs.Add("response-"+n, "The response must be 4,000 characters or fewer")
		}
		if resp != "" && !raised {
			errs.Add("raised-"+n, "Mark the issue raised with the force before you record the force's response")
		}
		if raised != is.Raised {
			is.Raised, is.RaisedAt, changed = raised, now, changed+1
		}
		if resp != is.Response {
			is.Response, is.ResponseAt, changed = resp, now, changed+1
		}
	}
	if errs.Any() {
		s.renderSchemeReport(c, http.StatusUnprocessableEntity, &next, errs)
		return
	}
	err = s.custody.UpdateCustodyIssues(c.Request.Context(), &next, version)
	if s.stale(c, err, "The report changed while you were reading it", "Go back to the report and try again. Nothing has been changed.") {
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditCustodyIssues, Target: "visit:" + r.ID, Detail: fmt.Sprintf("%d changes", changed)})
	s.flash(c, "Follow-up saved")
	s.redirect(c, "/custody/reports/"+r.ID+"#issues")
}

// forceReport is what the force sees of a report: where and which week,
// the matters raised at the time and the issues for the inspector. Never
// the detainees, the times or who made the visit.
type forceReport struct {
	ID, Suite, Week string
	Matters, Answer string
	Issues          []store.CustodyIssue
	week            time.Time
}

type custodyForceData struct {
	Quarter, Previous, Next store.FinancialQuarter
	Reports                 []forceReport
}

// custodyForce is the force's view (coordinators and admins) of a
// quarter's reports: matters raised and issues, nothing about detainees.
func (s *Server) custodyForce(c *gin.Context) {
	q, ok := s.custodyQuarter(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	rs, err := s.custody.SubmittedCustodyReports(ctx, q.Start(), q.End())
	if err != nil {
		s.serverError(c, err)
		return
	}
	d := &custodyForceData{Quarter: q, Previous: q.Previous(), Next: store.FinancialQuarterOf(q.End())}
	for _, x := range rs {
		r, err := s.custody.CustodyReport(ctx, x.ID)
		if err != nil {
			s.serverError(c, err)
			return
		}
		week := r.Week
		if week.IsZero() {
			week = mondayOf(r.Arrived)
		}
		d.Reports = append(d.Reports, forceReport{ID: r.ID, Suite: r.Suite, Week: "Week beginning " + week.In(london).Format("2 January 2006"),
			Matters: r.Content.Matters, Answer: r.Content.Answer, Issues: r.Content.Issues, week: week})
	}
	// By week and suite, never by arrival: the order must not tell the day.
	sort.SliceStable(d.Reports, func(i, j int) bool {
		a, b := d.Reports[i], d.Reports[j]
		if !a.week.Equal(b.week) {
			return a.week.After(b.week)
		}
		return a.Suite < b.Suite
	})
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditCustodyForce, Detail: q.String()})
	s.render(c, http.StatusOK, "custody_force", &Page{Title: "Custody visits: matters and issues", Data: d})
}

// mondayOf is midnight UK time on the Monday of t's week.
func mondayOf(t time.Time) time.Time {
	d := t.In(london)
	back := (int(d.Weekday()) + 6) % 7
	return time.Date(d.Year(), d.Month(), d.Day()-back, 0, 0, 0, 0, london)
}
