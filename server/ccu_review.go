package server

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
)

// The access review: for one month, who opened, exported or linked which
// case, when and why, per analyst and per case, for a CCU supervisor to
// check and sign off (DPA 2018 s.62 logs are only useful if someone reads
// them). A case an analyst opened and then did nothing on is flagged:
// a sign of browsing.

// accessActions are the looks at confidential content the review lists.
var accessActions = []string{store.AuditRefViewed, store.AuditRefExported, store.AuditRefLinked}

// workActions count as assessment activity on a case after a view.
var workActions = []string{store.AuditRefAssessed, store.AuditRefStatus, store.AuditRefMessage, store.AuditRefNote, store.AuditRefLinked}

// idleWindow is how long after a view the analyst's work on the case is
// looked for before the case is flagged "no activity after a view".
const idleWindow = 14 * 24 * time.Hour

// accessCase is one analyst's accesses to one case in the month.
type accessCase struct {
	Analyst    string
	AnalystID  string
	Target     string // "referral:ID"
	Ref        string
	Views      int
	Exports    int
	Links      int
	First      time.Time
	Last       time.Time
	Reasons    []string // as stored, first use first
	Recipients []string
	Idle       bool // no assessment activity by the analyst after their first view
	Conflict   bool // the case's person of concern is someone the analyst declared a conflict with
	Events     []store.AuditEvent
}

// accessAnalyst sums one analyst's month. Burst is the most cases they
// first opened within any burstWindow; Bursting flags it at burstCases.
type accessAnalyst struct {
	Analyst                     string
	Cases, Views, Exports, Idle int
	Conflicts                   int // cases about someone they declared a conflict with
	Burst                       int
	Bursting                    bool
}

// Many cases opened in a short time is a pattern worth a supervisor's
// question (decision: 10 different cases within an hour).
const (
	burstCases  = 10
	burstWindow = time.Hour
)

// mostWithin is the largest number of times in ts (sorted) inside any window.
func mostWithin(ts []time.Time, window time.Duration) int {
	most, lo := 0, 0
	for hi := range ts {
		for ts[hi].Sub(ts[lo]) >= window {
			lo++
		}
		most = max(most, hi-lo+1)
	}
	return most
}

// accessReview is a month's accesses, filtered.
type accessReview struct {
	Cases    []accessCase
	Analysts []accessAnalyst
}

// buildAccessReview groups the month's access events by analyst and case
// and flags idle cases from the work events (which may run up to
// idleWindow past the month). reason keeps only cases opened for that
// reason ("other" matches every "other: ..."); idleOnly keeps only idle ones.
// conflicted (may be nil) says whether analyst id's declared conflicts
// cover the case target.
func buildAccessReview(evs []store.AuditEvent, start, end time.Time, reason string, idleOnly bool, conflicted func(analystID, target string) bool) accessReview {
	byKey := map[[2]string]*accessCase{}
	var order [][2]string
	for _, ev := range evs {
		if ev.At.Before(start) || !ev.At.Before(end) || !oneOf(ev.Action, accessActions) || ev.Target == "" {
			continue
		}
		k := [2]string{ev.Actor, ev.Target}
		ac := byKey[k]
		if ac == nil {
			ac = &accessCase{Analyst: ev.Actor, AnalystID: ev.ActorID, Target: ev.Target, First: ev.At}
			if f := strings.Fields(ev.Detail); len(f) > 0 {
				ac.Ref = f[0]
			}
			byKey[k] = ac
			order = append(order, k)
		}
		switch ev.Action {
		case store.AuditRefViewed:
			ac.Views++
		case store.AuditRefExported:
			ac.Exports++
		case store.AuditRefLinked:
			ac.Links++
		}
		ac.Last = ev.At
		if ev.Reason != "" && !oneOf(ev.Reason, ac.Reasons) {
			ac.Reasons = append(ac.Reasons, ev.Reason)
		}
		if ev.Recipient != "" && !oneOf(ev.Recipient, ac.Recipients) {
			ac.Recipients = append(ac.Recipients, ev.Recipient)
		}
		ac.Events = append(ac.Events, ev)
	}
	var rv accessReview
	sums := map[string]*accessAnalyst{}
	for _, k := range order {
		ac := byKey[k]
		ac.Idle = ac.Views > 0 && !workedAfterFirstView(evs, ac)
		ac.Conflict = conflicted != nil && conflicted(ac.AnalystID, ac.Target)
		if reason != "" && !hasReason(ac.Reasons, reason) || idleOnly && !ac.Idle {
			continue
		}
		rv.Cases = append(rv.Cases, *ac)
		sum := sums[ac.Analyst]
		if sum == nil {
			sum = &accessAnalyst{Analyst: ac.Analyst}
			sums[ac.Analyst] = sum
		}
		sum.Cases++
		sum.Views += ac.Views
		sum.Exports += ac.Exports
		if ac.Idle {
			sum.Idle++
		}
		if ac.Conflict {
			sum.Conflicts++
		}
	}
	firsts := map[string][]time.Time{} // each analyst's first openings, in order (before filtering)
	for _, k := range order {
		firsts[k[0]] = append(firsts[k[0]], byKey[k].First)
	}
	for _, s := range sums {
		s.Burst = mostWithin(firsts[s.Analyst], burstWindow)
		s.Bursting = s.Burst >= burstCases
		rv.Analysts = append(rv.Analysts, *s)
	}
	sort.Slice(rv.Analysts, func(i, j int) bool { return rv.Analysts[i].Analyst < rv.Analysts[j].Analyst })
	sort.SliceStable(rv.Cases, func(i, j int) bool { return rv.Cases[i].Analyst < rv.Cases[j].Analyst })
	return rv
}

// workedAfterFirstView reports whether the analyst did assessment work on
// the case after first viewing it (within idleWindow of that view).
func workedAfterFirstView(evs []store.AuditEvent, ac *accessCase) bool {
	var first time.Time
	for _, ev := range ac.Events {
		if ev.Action == store.AuditRefViewed {
			first = ev.At
			break
		}
	}
	for _, ev := range evs {
		if ev.Actor == ac.Analyst && ev.Target == ac.Target && oneOf(ev.Action, workActions) &&
			ev.At.After(first) && ev.At.Before(first.Add(idleWindow)) {
			return true
		}
	}
	return false
}

func hasReason(reasons []string, want string) bool {
	for _, r := range reasons {
		if r == want || want == store.ReasonOther && strings.HasPrefix(r, store.ReasonOther+":") {
			return true
		}
	}
	return false
}

// reviewMonths are the months a review can cover: this one and the 12
// before it, newest first, in UK time.
func reviewMonths(now time.Time) []choice {
	t := now.In(london)
	m := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, london)
	var cs []choice
	for i := range 13 {
		mm := m.AddDate(0, -i, 0)
		cs = append(cs, choice{Value: mm.Format("2006-01"), Label: mm.Format("January 2006")})
	}
	return cs
}

// monthBounds are the first instant of month (YYYY-MM, UK time) and of the next.
func monthBounds(month string) (time.Time, time.Time) {
	start, _ := time.ParseInLocation("2006-01", month, london)
	return start, start.AddDate(0, 1, 0)
}

type ccuReviewData struct {
	Month, Reason choiceField
	Idle          bool
	IdleBox       checkboxField
	MonthLabel    string
	Review        accessReview
	SignedOff     *store.AccessReview
	CanSignOff    bool // the month has ended and is not yet signed off
	Note          string
	ExportQuery   string
}

// reviewFilter reads and checks the review's query; errs says what is wrong.
func (s *Server) reviewFilter(c *gin.Context, month, reason string) (*ccuReviewData, error) {
	months := reviewMonths(s.ccu.Now())
	if month == "" {
		month = months[1].Value // last month: the one to review
	}
	reasons := append([]choice{{Value: "", Label: "Any reason"}}, reasonChoices()...)
	idle := c.Query("idle")
	d := &ccuReviewData{Idle: idle == "1" || idle == "true"}
	d.IdleBox = checkboxField{Name: "idle", Legend: "Browsing", Label: "Only cases with no assessment activity after a view", Checked: d.Idle,
		Hint: "The analyst opened the case and, within 14 days, did not assess it, change its status, send a message, add a note or link it."}
	var problems []*apperr.Error
	if !hasChoice(months, month) {
		problems = append(problems, apperr.Invalidf("month", "Choose a month from the list"))
	}
	if !hasChoice(reasons, reason) {
		problems = append(problems, apperr.Invalidf("reason", "Choose a reason from the list"))
	}
	err := apperr.Join(problems...)
	d.Month = newChoices("month", "Month", month, nil, months)
	d.Reason = newChoices("reason", "Reason given", reason, nil, reasons)
	d.Month.Error, d.Reason.Error = messageFor(err, "month"), messageFor(err, "reason")
	for _, m := range months {
		if m.Value == month {
			d.MonthLabel = m.Label
		}
	}
	return d, err
}

// loadReview fills d with the month's review and its sign-off.
func (s *Server) loadReview(c *gin.Context, d *ccuReviewData) error {
	ctx := c.Request.Context()
	start, end := monthBounds(d.Month.Value)
	until := end.Add(idleWindow)
	if now := s.ccu.Now(); until.After(now) {
		until = now.Add(time.Second)
	}
	evs, err := s.ccu.AuditEventsBetween(ctx, start, until, append(append([]string{}, accessActions...), workActions...))
	if err != nil {
		return err
	}
	conflicted, err := s.conflictCheck(c, evs)
	if err != nil {
		return err
	}
	d.Review = buildAccessReview(evs, start, end, d.Reason.Value, d.Idle, conflicted)
	d.SignedOff, err = s.ccu.AccessReviewFor(ctx, d.Month.Value)
	if apperr.Is(err, apperr.NotFound) {
		err = nil
	}
	d.CanSignOff = d.SignedOff == nil && !end.After(s.ccu.Now())
	d.ExportQuery = "month=" + d.Month.Value + "&reason=" + d.Reason.Value
	if d.Idle {
		d.ExportQuery += "&idle=1"
	}
	return err
}

// conflictCheck says, for the cases in evs, whether an analyst's declared
// conflicts (blind index) cover the case's person of concern, whenever the
// conflict was declared.
func (s *Server) conflictCheck(c *gin.Context, evs []store.AuditEvent) (func(analystID, target string) bool, error) {
	ctx := c.Request.Context()
	index, err := s.ccu.ConflictIndex(ctx)
	if err != nil || len(index) == 0 {
		return nil, err
	}
	var ids []string
	for _, ev := range evs {
		if id, ok := strings.CutPrefix(ev.Target, "referral:"); ok && !oneOf(id, ids) {
			ids = append(ids, id)
		}
	}
	sums, err := s.ccu.ReferralsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	blind := map[string][]string{}
	for _, r := range sums {
		blind["referral:"+r.ID] = r.Blind
	}
	return func(analystID, target string) bool {
		for _, b := range blind[target] {
			if b != "" && oneOf(b, index[analystID]) {
				return true
			}
		}
		return false
	}, nil
}

// ccuReview is the supervisor's access review for one month.
func (s *Server) ccuReview(c *gin.Context) {
	d, err := s.reviewFilter(c, strings.TrimSpace(c.Query("month")), c.Query("reason"))
	page := &Page{Title: "Access review", Data: d, NoIndex: true}
	if err != nil {
		s.formAgain(c, "ccu_review", page, err)
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditAuditViewed, Detail: "access review " + d.Month.Value})
	if err := s.loadReview(c, d); err != nil {
		s.serverError(c, err)
		return
	}
	s.render(c, http.StatusOK, "ccu_review", page)
}

type signOffForm struct {
	Month string `form:"month"`
	Note  string `form:"note"`
}

func (signOffForm) messages() map[string]string { return nil }

// ccuReviewSignOff signs off a month that has ended: a document and an
// audit event in the chain. A month is signed off once.
func (s *Server) ccuReviewSignOff(c *gin.Context) {
	var f signOffForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	d, filterErr := s.reviewFilter(c, f.Month, "")
	d.Note = f.Note
	page := &Page{Title: "Access review", Data: d, NoIndex: true}
	problems := append(apperr.All(errs.Err()), apperr.All(filterErr)...) // binding's first
	if utf8.RuneCountInString(f.Note) > 2000 {
		problems = append(problems, apperr.Invalidf("note", "Your note must be 2,000 characters or fewer"))
	}
	if len(problems) == 0 {
		if err := s.loadReview(c, d); err != nil {
			s.serverError(c, err)
			return
		}
		switch {
		case d.SignedOff != nil:
			problems = append(problems, apperr.Invalidf("note", "%s was signed off on %s by %s", d.MonthLabel, d.SignedOff.At.In(london).Format("2 January 2006"), d.SignedOff.ByName))
		case !d.CanSignOff:
			problems = append(problems, apperr.Invalidf("note", "You can sign off %s once the month has ended", d.MonthLabel))
		}
	}
	if len(problems) > 0 {
		if d.Review.Cases == nil && d.Month.Error == "" {
			_ = s.loadReview(c, d)
		}
		s.formAgain(c, "ccu_review", page, apperr.Join(problems...))
		return
	}
	me := currentUser(c)
	err := s.ccu.SignOffAccessReview(c.Request.Context(), store.AccessReview{Month: f.Month, ByID: me.ID, ByName: me.Name, Note: f.Note})
	if apperr.Is(err, apperr.Conflict) {
		s.formAgain(c, "ccu_review", page, apperr.Invalidf("note", "%s has just been signed off by someone else", d.MonthLabel))
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	idle := 0
	for _, a := range d.Review.Analysts {
		idle += a.Idle
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditAccessReviewed, Target: "review:" + f.Month,
		Detail: fmt.Sprintf("%d cases opened by %d analysts, %d with no activity after a view; note: %s", len(d.Review.Cases), len(d.Review.Analysts), idle, orNone(f.Note))})
	s.flash(c, d.MonthLabel+" signed off")
	s.redirect(c, "/ccu/review?month="+f.Month)
}

// ccuReviewExport downloads the month's accesses as CSV, one line per
// event, for the force's professional standards department. Audited.
func (s *Server) ccuReviewExport(c *gin.Context) {
	d, err := s.reviewFilter(c, strings.TrimSpace(c.Query("month")), c.Query("reason"))
	if err != nil {
		s.formAgain(c, "ccu_review", &Page{Title: "Access review", Data: d, NoIndex: true}, err)
		return
	}
	if err := s.loadReview(c, d); err != nil {
		s.serverError(c, err)
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditAccessExported, Detail: "access review " + d.ExportQuery})
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"When (UK time)", "Analyst", "Case", "Action", "Reason", "Disclosed to", "No activity after a view", "Declared conflict", "Audit event"})
	for _, ac := range d.Review.Cases {
		for _, ev := range ac.Events {
			_ = w.Write([]string{ev.At.In(london).Format("2006-01-02 15:04:05"), csvSafe(ev.Actor), csvSafe(ac.Ref), ev.Action,
				csvSafe(reasonLabel(ev.Reason)), csvSafe(ev.Recipient), yesNo(ac.Idle), yesNo(ac.Conflict), fmt.Sprint(ev.Seq)})
		}
	}
	w.Flush()
	sendCSV(c, "access-review-"+d.Month.Value+".csv", buf.Bytes())
}
