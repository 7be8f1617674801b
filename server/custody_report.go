package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
)

// custodyReportData is the report's overview, where the pair sees what
// they have written, adds detainees one at a time and submits.
type custodyReportData struct {
	Visit     *store.Visit
	When      string
	Report    *store.CustodyReport
	Delay     string
	Me        string // the reader's user id
	CanChange bool   // a draft
	CanAddTo  bool   // submitted by the partner: the reader may confirm it
}

// custodyReportShow is the report's overview for the pair.
func (s *Server) custodyReportShow(c *gin.Context) {
	v, r, ok := s.custodyWriter(c)
	if !ok {
		return
	}
	s.renderCustodyReport(c, http.StatusOK, v, r, &formErrors{})
}

func (s *Server) renderCustodyReport(c *gin.Context, status int, v *store.Visit, r *store.CustodyReport, errs *formErrors) {
	me := currentUser(c)
	d := &custodyReportData{Visit: v, When: visitWhen(*v, true), Report: r, Delay: delayWords(r), Me: me.ID,
		CanChange: r.Status == store.CustodyDraft, CanAddTo: r.Status == store.CustodySubmitted && r.SubmittedBy != me.ID}
	s.render(c, status, "custody_report", &Page{Title: "Custody visit report", Errors: errs, Data: d, Back: "/visits/" + v.ID})
}

// delayWords says how long the visitors waited to be admitted.
func delayWords(r *store.CustodyReport) string {
	if r.Arrived.IsZero() || r.Admitted.IsZero() {
		return ""
	}
	m := int(r.Delay() / time.Minute)
	switch m {
	case 0:
		return "Admitted at once"
	case 1:
		return "1 minute"
	}
	return strconv.Itoa(m) + " minutes"
}

// arrivalForm is the first page: when the visitors arrived and were
// admitted, any delay and why, and how many detainees there were.
type arrivalForm struct {
	Version     int    `form:"version"`
	Day         string `form:"arrived-day"`
	Month       string `form:"arrived-month"`
	Year        string `form:"arrived-year"`
	Arrived     string `form:"arrivedTime"`
	Admitted    string `form:"admittedTime"`
	DelayReason string `form:"delayReason"`
	Held        string `form:"held"`
	Offered     string `form:"offered"`
	Seen        string `form:"seen"`
	Declined    string `form:"declined"`
	NotSeen     string `form:"notSeen"`
}

func (arrivalForm) messages() map[string]string { return nil }

type arrivalData struct {
	Visit *store.Visit
	Date  dateField
}

func (s *Server) custodyArrivalForm(c *gin.Context) {
	v, r, ok := s.custodyDraft(c)
	if !ok {
		return
	}
	f := arrivalForm{Version: r.Version, DelayReason: r.Content.DelayReason}
	if !r.Arrived.IsZero() {
		p := partsOf(r.Arrived)
		f.Day, f.Month, f.Year = p.Day, p.Month, p.Year
		f.Arrived, f.Admitted = r.Arrived.In(london).Format("15:04"), r.Admitted.In(london).Format("15:04")
	} else if v.TimeSet || !v.Unannounced {
		p := partsOf(v.Start)
		f.Day, f.Month, f.Year = p.Day, p.Month, p.Year
	}
	if r.CountsSet {
		f.Held, f.Offered, f.Seen, f.Declined, f.NotSeen = strconv.Itoa(r.Held), strconv.Itoa(r.Offered), strconv.Itoa(r.Seen), strconv.Itoa(r.Declined), strconv.Itoa(r.NotSeen)
	}
	s.renderArrival(c, http.StatusOK, v, f, &formErrors{})
}

func (s *Server) renderArrival(c *gin.Context, status int, v *store.Visit, f arrivalForm, errs *formErrors) {
	d := &arrivalData{Visit: v, Date: dateField{Name: "arrived", Legend: "Date you arrived", Hint: "For example, 27 3 2026",
		Day: f.Day, Month: f.Month, Year: f.Year, Error: errs.For("arrived"), LegendSize: "s"}}
	s.render(c, status, "custody_arrival", &Page{Title: "Arrival and detainees", Errors: errs, Data: d, Form: f, Back: "/visits/" + v.ID + "/custody-report"})
}

// visitDays is when the visitors may have arrived: from the day before
// the visit's day (its week's Monday for an unannounced visit whose pair
// chose no time) to the day after it ends (its week's end), so a report
// cannot be filed in another quarter's return by a mistyped date.
func visitDays(v *store.Visit) (from, to time.Time) {
	first, last := v.Start, v.End
	if v.Unannounced && !v.TimeSet {
		first, last = v.Week, v.Week.AddDate(0, 0, 7)
	}
	f, l := first.In(london), last.In(london)
	return time.Date(f.Year(), f.Month(), f.Day()-1, 0, 0, 0, 0, london), time.Date(l.Year(), l.Month(), l.Day()+2, 0, 0, 0, 0, london)
}

// clockTime reads "14:05" (or "14.05", "1405") on day in UK time.
func clockTime(day time.Time, s string) (time.Time, bool) {
	s = strings.NewReplacer(".", ":", " ", "").Replace(strings.TrimSpace(s))
	if len(s) == 4 && !strings.Contains(s, ":") {
		s = s[:2] + ":" + s[2:]
	}
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) < 4 {
		return time.Time{}, false
	}
	return time.Date(day.Year(), day.Month(), day.Day(), t.Hour(), t.Minute(), 0, 0, london), true
}

// detaineeCount reads a number of detainees; -1 when it is not a whole number.
func detaineeCount(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return -1
	}
	return n
}

// custodyArrivalSave checks and stores the first page. The counts must
// agree (seen + declined + not seen = offered, no more than held);
// otherwise nothing is stored and the page comes back with the error
// summary and what was typed.
func (s *Server) custodyArrivalSave(c *gin.Context) {
	v, r, ok := s.custodyDraft(c)
	if !ok {
		return
	}
	var f arrivalForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	day, msg := dateParts{f.Day, f.Month, f.Year}.parse("The date you arrived")
	switch {
	case msg != "":
		errs.Add("arrived", msg)
	case day.IsZero():
		errs.Add("arrived", "Enter the date you arrived")
	}
	next := *r
	arrived, okA := clockTime(day, f.Arrived)
	admitted, okB := clockTime(day, f.Admitted)
	if !okA {
		errs.Add("arrivedTime", "Enter the time you arrived, like 14:05")
	}
	if !okB {
		errs.Add("admittedTime", "Enter the time you were admitted, like 14:20")
	}
	if okA && okB && !day.IsZero() {
		if admitted.Before(arrived) {
			// Admitted after midnight: the next day.
			admitted, _ = clockTime(day.AddDate(0, 0, 1), f.Admitted)
		}
		if admitted.Sub(arrived) > 12*time.Hour {
			errs.Add("admittedTime", "The time you were admitted must be within 12 hours of when you arrived")
		}
		if arrived.After(s.custody.Now()) {
			errs.Add("arrivedTime", "The time you arrived must be in the past")
		}
		if from, to := visitDays(v); arrived.Before(from) || !arrived.Before(to) {
			errs.Add("arrived", "The date you arrived must be the day of this visit ("+from.AddDate(0, 0, 1).In(london).Format("2 January 2006")+
				" to "+to.AddDate(0, 0, -2).In(london).Format("2 January 2006")+")")
		}
		next.Arrived, next.Admitted = arrived.UTC(), admitted.UTC()
		if next.Delay() > 0 && strings.TrimSpace(f.DelayReason) == "" {
			errs.Add("delayReason", "Say why you were not admitted at once")
		}
	}
	if len(f.DelayReason) > 2000 {
		errs.Add("delayReason", "The reason must be 2,000 characters or fewer")
	}
	next.Content.DelayReason = strings.TrimSpace(f.DelayReason)
	next.Held, next.Offered, next.Seen, next.Declined, next.NotSeen = detaineeCount(f.Held), detaineeCount(f.Offered), detaineeCount(f.Seen), detaineeCount(f.Declined), detaineeCount(f.NotSeen)
	next.CountsSet = true
	if err := next.CheckCounts(); err != nil && !addErrors(errs, err, nil) {
		s.fail(c, err)
		return
	}
	if errs.Any() {
		s.renderArrival(c, http.StatusUnprocessableEntity, v, f, errs)
		return
	}
	if !s.saveCustody(c, &next, f.Version) {
		return
	}
	s.flash(c, "Arrival and counts saved")
	s.redirect(c, "/visits/"+v.ID+"/custody-report")
}

// detaineeForm is one detainee offered a visit ("add another": one page
// each, back to the overview in between).
type detaineeForm struct {
	Version       int    `form:"version"`
	Number        string `form:"number"`
	Outcome       string `form:"outcome"`
	NotSeenReason string `form:"notSeenReason"`
	Vulnerable    string `form:"vulnerable"`
	SeenFirst     string `form:"seenFirst"`
	RecordCheck   string `form:"recordCheck"`
	Comment       string `form:"comment"`
}

func (detaineeForm) messages() map[string]string { return nil }

type detaineeData struct {
	Visit                                       *store.Visit
	Action                                      string
	New                                         bool
	Outcome, Vulnerable, SeenFirst, RecordCheck choiceField
	Checks                                      []choiceField
}

// detaineeIndex reads :n: "new" or the number of a line (from 1).
func detaineeIndex(c *gin.Context, r *store.CustodyReport) (int, bool) {
	if c.Param("n") == "new" {
		return -1, true
	}
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 1 || n > len(r.Content.Detainees) {
		return 0, false
	}
	return n - 1, true
}

func (s *Server) custodyDetaineeForm(c *gin.Context) {
	v, r, ok := s.custodyDraft(c)
	if !ok {
		return
	}
	i, ok := detaineeIndex(c, r)
	if !ok {
		s.notFound(c)
		return
	}
	f, checks := detaineeForm{Version: r.Version}, map[string]string{}
	if i >= 0 {
		d := r.Content.Detainees[i]
		f = detaineeForm{Version: r.Version, Number: d.Number, Outcome: d.Outcome, NotSeenReason: d.NotSeenReason, Vulnerable: d.Vulnerable,
			SeenFirst: d.SeenFirst, RecordCheck: d.RecordCheck, Comment: d.Comment}
		checks = d.Checks
	}
	s.renderDetainee(c, http.StatusOK, v, i, f, checks, &formErrors{})
}

func (s *Server) renderDetainee(c *gin.Context, status int, v *store.Visit, i int, f detaineeForm, checks map[string]string, errs *formErrors) {
	n := "new"
	if i >= 0 {
		n = strconv.Itoa(i + 1)
	}
	d := &detaineeData{Visit: v, Action: "/visits/" + v.ID + "/custody-report/detainees/" + n, New: i < 0,
		Outcome:     newChoices("outcome", "Was the detainee seen?", f.Outcome, errs, choicesOf(store.DetaineeOutcomes, outcomeLabels)),
		Vulnerable:  newChoices("vulnerable", "Is the detainee a child or a vulnerable adult?", f.Vulnerable, errs, choicesOf([]string{"no", "adult", "child"}, vulnerableLabels)),
		SeenFirst:   newChoices("seenFirst", "Did you see this detainee first?", f.SeenFirst, errs, []choice{{Value: "yes", Label: "Yes"}, {Value: "no", Label: "No"}}),
		RecordCheck: newChoices("recordCheck", "Did you check the custody record?", f.RecordCheck, errs, choicesOf([]string{"checked", "refused", "notchecked"}, recordCheckLabels)),
	}
	d.Outcome.LabelSize, d.Vulnerable.LabelSize = "s", "s"
	d.Vulnerable.Hint = "Children and vulnerable adults are seen first"
	d.SeenFirst.Hint, d.SeenFirst.Inline, d.SeenFirst.LabelSize = "Only for a child or vulnerable adult who was seen", true, "s"
	d.RecordCheck.Hint, d.RecordCheck.LabelSize = "Only with the detainee's consent", "s"
	for _, k := range store.CustodyChecks {
		ch := newChoices("check-"+k, custodyCheckLabels[k], checks[k], errs, choicesOf(store.CheckAnswers, checkAnswerLabels))
		ch.Inline, ch.Small, ch.LabelSize = true, true, "s"
		d.Checks = append(d.Checks, ch)
	}
	s.render(c, status, "custody_detainee", &Page{Title: "Detainee offered a visit", Errors: errs, Data: d, Form: f, Back: "/visits/" + v.ID + "/custody-report"})
}

// custodyDetaineeSave adds or changes one detainee line. Custody numbers
// only: a number that looks like a name is refused (store.ValidCustodyNumber).
func (s *Server) custodyDetaineeSave(c *gin.Context) {
	v, r, ok := s.custodyDraft(c)
	if !ok {
		return
	}
	i, ok := detaineeIndex(c, r)
	if !ok {
		s.notFound(c)
		return
	}
	var f detaineeForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	d := store.CustodyDetainee{Number: store.NormaliseCustodyNumber(f.Number), Outcome: f.Outcome, NotSeenReason: strings.TrimSpace(f.NotSeenReason),
		Vulnerable: f.Vulnerable, SeenFirst: f.SeenFirst, RecordCheck: f.RecordCheck, Comment: strings.TrimSpace(f.Comment), Checks: map[string]string{}}
	for _, k := range store.CustodyChecks {
		if a := c.PostForm("check-" + k); a != "" {
			d.Checks[k] = a
		}
	}
	// What does not apply to the outcome is not kept.
	if d.Outcome != store.DetaineeSeen {
		d.Checks, d.RecordCheck, d.SeenFirst = nil, "", ""
	}
	if d.Outcome != store.DetaineeNotSeen {
		d.NotSeenReason = ""
	}
	if d.Vulnerable == "no" {
		d.SeenFirst = ""
	}
	if err := store.CheckDetainee(d); err != nil && !addErrors(errs, err, nil) {
		s.fail(c, err)
		return
	}
	for j, x := range r.Content.Detainees {
		if j != i && x.Number == d.Number && d.Number != "" {
			errs.Add("number", "You have already added custody number "+d.Number)
		}
	}
	if i < 0 && len(r.Content.Detainees) >= 200 {
		errs.Add("number", "A report can list at most 200 detainees")
	}
	if errs.Any() {
		s.renderDetainee(c, http.StatusUnprocessableEntity, v, i, f, d.Checks, errs)
		return
	}
	next := *r
	next.Content.Detainees = append([]store.CustodyDetainee(nil), r.Content.Detainees...)
	if i < 0 {
		next.Content.Detainees = append(next.Content.Detainees, d)
	} else {
		next.Content.Detainees[i] = d
	}
	if !s.saveCustody(c, &next, f.Version) {
		return
	}
	s.flash(c, "Detainee "+d.Number+" saved")
	s.redirect(c, "/visits/"+v.ID+"/custody-report#detainees")
}

// custodyDetaineeRemove takes a line off the draft.
func (s *Server) custodyDetaineeRemove(c *gin.Context) {
	v, r, ok := s.custodyDraft(c)
	if !ok {
		return
	}
	i, ok := detaineeIndex(c, r)
	if !ok || i < 0 {
		s.notFound(c)
		return
	}
	var f struct {
		Version int `form:"version"`
	}
	if err := c.ShouldBind(&f); err != nil {
		s.fail(c, apperr.New(apperr.Conflict, "", "The form was out of date. Nothing has been removed."))
		return
	}
	next := *r
	gone := r.Content.Detainees[i].Number
	next.Content.Detainees = append(append([]store.CustodyDetainee(nil), r.Content.Detainees[:i]...), r.Content.Detainees[i+1:]...)
	if !s.saveCustody(c, &next, f.Version) {
		return
	}
	s.flash(c, "Detainee "+gone+" removed")
	s.redirect(c, "/visits/"+v.ID+"/custody-report#detainees")
}

// mattersForm is the last page: what the pair raised with the custody
// sergeant and the answer at the time, and the issues for the inspector.
type mattersForm struct {
	Version int    `form:"version"`
	Matters string `form:"matters"`
	Answer  string `form:"answer"`
}

func (mattersForm) messages() map[string]string { return nil }

type issueField struct {
	Name, Label, Value, Error string
}

type mattersData struct {
	Visit  *store.Visit
	Issues []issueField
}

func (s *Server) custodyMattersForm(c *gin.Context) {
	v, r, ok := s.custodyDraft(c)
	if !ok {
		return
	}
	texts := map[string]string{}
	for _, is := range r.Content.Issues {
		texts[is.Category] = is.Text
	}
	s.renderMatters(c, http.StatusOK, v, mattersForm{Version: r.Version, Matters: r.Content.Matters, Answer: r.Content.Answer}, texts, &formErrors{})
}

func (s *Server) renderMatters(c *gin.Context, status int, v *store.Visit, f mattersForm, texts map[string]string, errs *formErrors) {
	d := &mattersData{Visit: v}
	for _, k := range store.CustodyIssueCategories {
		d.Issues = append(d.Issues, issueField{Name: "issue-" + k, Label: issueCategoryLabel[k], Value: texts[k], Error: errs.For("issue-" + k)})
	}
	s.render(c, status, "custody_matters", &Page{Title: "Matters raised and issues for the inspector", Errors: errs, Data: d, Form: f,
		Back: "/visits/" + v.ID + "/custody-report"})
}

func (s *Server) custodyMattersSave(c *gin.Context) {
	v, r, ok := s.custodyDraft(c)
	if !ok {
		return
	}
	var f mattersForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	f.Matters, f.Answer = strings.TrimSpace(f.Matters), strings.TrimSpace(f.Answer)
	if f.Answer != "" && f.Matters == "" {
		errs.Add("matters", "Say what you raised with the custody sergeant, or remove the answer")
	}
	if f.Matters != "" && f.Answer == "" {
		errs.Add("answer", "Say what the custody sergeant answered at the time (or that they gave no answer)")
	}
	for _, k := range []string{"matters", "answer"} {
		if len(c.PostForm(k)) > 4000 {
			errs.Add(k, "This must be 4,000 characters or fewer")
		}
	}
	texts := map[string]string{}
	var issues []store.CustodyIssue
	for _, k := range store.CustodyIssueCategories {
		t := strings.TrimSpace(c.PostForm("issue-" + k))
		texts[k] = t
		if len(t) > 4000 {
			errs.Add("issue-"+k, "The issue must be 4,000 characters or fewer")
		}
		if t != "" {
			issues = append(issues, store.CustodyIssue{Category: k, Text: t})
		}
	}
	if errs.Any() {
		s.renderMatters(c, http.StatusUnprocessableEntity, v, f, texts, errs)
		return
	}
	next := *r
	next.Content.Matters, next.Content.Answer, next.Content.Issues = f.Matters, f.Answer, issues
	if !s.saveCustody(c, &next, f.Version) {
		return
	}
	s.flash(c, fmt.Sprintf("Matters raised and %d %s for the inspector saved", len(issues), plural(len(issues), "issue", "issues")))
	s.redirect(c, "/visits/"+v.ID+"/custody-report")
}
