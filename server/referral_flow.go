package server

import (
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"candour/store"
)

// flow is a referral's question pages, one question a page at its own
// address (/report/new/what-happened), ending with "check your answers".
// Each page posts its answer to its own address and is redirected to the
// next (post-redirect-get), so the browser's Back and refresh always work;
// the answers so far are kept in an encrypted cookie (referral_draft.go),
// so no draft is ever stored on the server and the pages work without
// JavaScript.
type flow struct {
	Kind      string // store.KindPartner or store.KindAnonymous
	Base      string // the pages' common address
	Start     string // the page before the first question
	Caption   string
	Send      string // the final button's words
	Questions []question
}

// The pages that are not questions.
const (
	checkSlug  = "check-answers"
	dangerSlug = "call-999"
)

var (
	partnerFlow = &flow{Kind: store.KindPartner, Base: "/referrals/new", Start: "/referrals", Caption: "Refer a concern to the Counter Corruption Unit",
		Send: "Send the referral", Questions: partnerQuestions}
	publicFlow = &flow{Kind: store.KindAnonymous, Base: "/report/new", Start: "/report", Caption: "Report a concern anonymously",
		Send: "Send the report", Questions: publicQuestions}
)

// stepData is what referral_step renders: one question.
type stepData struct {
	Flow   *flow
	Index  int
	Q      question
	Radios choiceField
	Inputs []inputField
	Action string // where the page posts
	Next   string // the danger page's "carry on" link
	Danger bool   // show the "call 999 now" page instead of a question
}

type checkRow struct {
	Key, Value, Href string
}

// checkData is what referral_check renders.
type checkData struct {
	Flow *flow
	Rows []checkRow
}

// readAnswer puts q's answers from the posted form into a (trimmed, with
// control characters removed; an emptied box removes its answer).
func readAnswer(c *gin.Context, q question, a answers) {
	for _, n := range q.names() {
		if v := store.CleanText(c.PostForm(n)); v != "" {
			a[n] = v
		} else {
			delete(a, n)
		}
	}
}

// validate checks one question's answers into errs.
func validate(q question, a answers, errs *formErrors) {
	fields := []question{q}
	if q.Kind == "group" {
		fields = q.Fields
	}
	for _, f := range fields {
		v := a[f.Name]
		switch {
		case utf8.RuneCountInString(v) > store.MaxReferralText:
			errs.Add(f.Name, fmt.Sprintf("%s must be %s characters or fewer", fieldName(f), "20,000"))
		case q.Kind == "radios" && v != "" && !hasChoice(q.Choices, v):
			errs.Add(f.Name, "Select one of the options")
		case v == "" && f.Required != "":
			errs.Add(f.Name, f.Required)
		}
	}
	if q.Check != nil && !errs.Any() {
		if field, msg := q.Check(a); msg != "" {
			errs.Add(field, msg)
		}
	}
}

func fieldName(q question) string {
	if q.Short != "" {
		return "Your answer to '" + q.Short + "'"
	}
	return "Your answer"
}

// index is the position of the question whose page is slug, or -1.
func (f *flow) index(slug string) int {
	for i, q := range f.Questions {
		if q.Slug == slug {
			return i
		}
	}
	return -1
}

// page is the address of question i's page; change marks a visit from
// check your answers, which goes back there next.
func (f *flow) page(i int, change bool) string {
	p := f.Base + "/" + f.Questions[i].Slug
	if change {
		p += "?change=1"
	}
	return p
}

// prev is the index of the question that applies before i, or -1.
func (f *flow) prev(i int, a answers) int {
	for j := i - 1; j >= 0; j-- {
		if f.Questions[j].shown(a) {
			return j
		}
	}
	return -1
}

// next is the index of the next question that applies after i, or -1.
func (f *flow) next(i int, a answers) int {
	for j := i + 1; j < len(f.Questions); j++ {
		if f.Questions[j].shown(a) {
			return j
		}
	}
	return -1
}

// answered reports whether any of q's fields has an answer.
func answered(q question, a answers) bool {
	for _, n := range q.names() {
		if a[n] != "" {
			return true
		}
	}
	return false
}

// clean drops the answers of questions that no longer apply (say, safe
// contact details after the answer to consent changed to no).
func (f *flow) clean(a answers) answers {
	out := answers{}
	for _, q := range f.Questions {
		if q.shown(a) {
			for _, n := range q.names() {
				if v := a[n]; v != "" {
					out[n] = v
				}
			}
		}
	}
	return out
}

// firstProblem is the first question that applies whose answers are
// wrong or missing, with its errors, or -1.
func (f *flow) firstProblem(a answers) (int, *formErrors) {
	for i, q := range f.Questions {
		if !q.shown(a) {
			continue
		}
		errs := &formErrors{}
		if validate(q, a, errs); errs.Any() {
			return i, errs
		}
	}
	return -1, nil
}

// flowStart opens the first question.
func (s *Server) flowStart(c *gin.Context, f *flow) {
	c.Redirect(http.StatusSeeOther, f.page(0, false))
}

// flowPage shows a question, the "call 999 now" page or check your
// answers, with the answers kept so far.
func (s *Server) flowPage(c *gin.Context, f *flow) {
	a := s.readDraft(c, f)
	switch slug := c.Param("step"); slug {
	case checkSlug:
		if i, _ := f.firstProblem(a); i >= 0 {
			// Nothing to check yet (a bookmark, an expired cookie): ask.
			c.Redirect(http.StatusSeeOther, f.page(i, false))
			return
		}
		s.renderCheck(c, f, a)
	case dangerSlug:
		s.renderDanger(c, f, a)
	default:
		i := f.index(slug)
		if i < 0 || !f.Questions[i].shown(a) {
			s.notFound(c)
			return
		}
		s.renderStep(c, f, i, a, c.Query("change") == "1", http.StatusOK, &formErrors{})
	}
}

// flowAnswer checks a page's answer, keeps it in the cookie and moves on:
// to the "call 999 now" page after a yes to danger, to a follow-up a
// change opened (say, contact details), to check your answers after a
// change or the last question, or else to the next question. A wrong
// answer is shown again with status 422, keeping what was typed and
// keeping nothing.
func (s *Server) flowAnswer(c *gin.Context, f *flow) {
	var mbe *http.MaxBytesError
	if err := c.Request.ParseForm(); errors.As(err, &mbe) {
		s.tooLarge(c)
		return
	}
	i := f.index(c.Param("step"))
	a := s.readDraft(c, f)
	if i < 0 || !f.Questions[i].shown(a) {
		s.notFound(c)
		return
	}
	q, change := f.Questions[i], c.Query("change") == "1"
	readAnswer(c, q, a)
	errs := &formErrors{}
	if validate(q, a, errs); errs.Any() {
		s.renderStep(c, f, i, a, change, http.StatusUnprocessableEntity, errs)
		return
	}
	a = f.clean(a)
	ok, err := s.writeDraft(c, f, a)
	if err != nil {
		s.serverError(c, err)
		return
	}
	if !ok {
		errs.Add(q.names()[len(q.names())-1], errDraftTooLong)
		s.renderStep(c, f, i, a, change, http.StatusUnprocessableEntity, errs)
		return
	}
	next := f.next(i, a)
	switch {
	case q.Name == "danger" && a["danger"] == "yes":
		to := f.Base + "/" + dangerSlug
		if change {
			to += "?change=1"
		}
		c.Redirect(http.StatusSeeOther, to)
	case change && next >= 0 && f.Questions[next].Show != nil && !answered(f.Questions[next], a):
		c.Redirect(http.StatusSeeOther, f.page(next, true))
	case change || next < 0:
		c.Redirect(http.StatusSeeOther, f.Base+"/"+checkSlug)
	default:
		c.Redirect(http.StatusSeeOther, f.page(next, false))
	}
}

// flowSend checks every answer and calls send with them. An answer that
// is wrong or missing is shown on its own page with status 422. send
// deletes the cookie once the report or referral is stored.
func (s *Server) flowSend(c *gin.Context, f *flow, send func(*gin.Context, answers)) {
	a := s.readDraft(c, f)
	if i, errs := f.firstProblem(a); i >= 0 {
		s.renderStep(c, f, i, a, true, http.StatusUnprocessableEntity, errs)
		return
	}
	send(c, f.clean(a))
}

// renderStep shows question i with the answers so far.
func (s *Server) renderStep(c *gin.Context, f *flow, i int, a answers, change bool, status int, errs *formErrors) {
	q := f.Questions[i]
	d := &stepData{Flow: f, Index: i, Q: q, Action: f.page(i, change)}
	switch q.Kind {
	case "radios":
		d.Radios = choiceField{Name: q.Name, Label: q.Title, Hint: q.Hint, Error: errs.For(q.Name), Value: a[q.Name], Choices: q.Choices}
	case "group":
		for _, fq := range q.Fields {
			d.Inputs = append(d.Inputs, inputField{Name: fq.Name, Label: fq.Title, Hint: fq.Hint, Value: a[fq.Name], Error: errs.For(fq.Name), Type: "text"})
		}
	default:
		d.Inputs = []inputField{{Name: q.Name, Label: q.Title, Hint: q.Hint, Value: a[q.Name], Error: errs.For(q.Name), Type: q.Kind}}
	}
	back := f.Start
	switch p := f.prev(i, a); {
	case change:
		back = f.Base + "/" + checkSlug
	case p >= 0:
		back = f.page(p, false)
	}
	p := &Page{Title: q.Title, Data: d, NoIndex: true, Errors: errs, Back: back}
	s.render(c, status, "referral_step", p)
}

// renderDanger shows the "call 999 now" page; its link carries on.
func (s *Server) renderDanger(c *gin.Context, f *flow, a answers) {
	change := c.Query("change") == "1"
	d := &stepData{Flow: f, Danger: true, Next: f.page(f.next(0, a), false)}
	if change {
		d.Next = f.Base + "/" + checkSlug
	}
	s.render(c, http.StatusOK, "referral_step", &Page{Title: "Call 999 now", Data: d, NoIndex: true, Back: f.page(0, change)})
}

// renderCheck shows every answer with a way to change it.
func (s *Server) renderCheck(c *gin.Context, f *flow, a answers) {
	d := &checkData{Flow: f}
	last := 0
	for i, q := range f.Questions {
		if !q.shown(a) {
			continue
		}
		last = i
		fields := []question{q}
		if q.Kind == "group" {
			fields = q.Fields
		}
		for _, fq := range fields {
			v := a[fq.Name]
			if q.Kind == "radios" {
				v = choiceLabel(f.Questions, q.Name, v)
			}
			if v == "" {
				v = "Not given"
			}
			d.Rows = append(d.Rows, checkRow{Key: fq.Short, Value: v, Href: f.page(i, true)})
		}
	}
	s.render(c, http.StatusOK, "referral_check", &Page{Title: "Check your answers before sending", Data: d, NoIndex: true, Back: f.page(last, false)})
}
