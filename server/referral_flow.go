package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"candour/store"
)

// flow is a referral's question pages, one question a page, ending with
// "check your answers". Every page is a POST of the whole form: the answers
// given so far ride along in hidden fields, so no draft is ever stored and
// the pages work without JavaScript or a signed-in session.
type flow struct {
	Kind      string // store.KindPartner or store.KindAnonymous
	Base      string // where the pages post
	Caption   string
	Send      string // the final button's words
	Questions []question
}

var (
	partnerFlow = &flow{Kind: store.KindPartner, Base: "/referrals/new", Caption: "Refer a concern to the Counter Corruption Unit",
		Send: "Send the referral", Questions: partnerQuestions}
	publicFlow = &flow{Kind: store.KindAnonymous, Base: "/report/new", Caption: "Report a concern anonymously",
		Send: "Send the report", Questions: publicQuestions}
)

type hiddenField struct{ Name, Value string }

// stepData is what referral_step renders: one question.
type stepData struct {
	Flow    *flow
	Index   int
	Q       question
	Radios  choiceField
	Inputs  []inputField
	Hidden  []hiddenField
	Check   bool // came from check your answers: go back there next
	Danger  bool // show the "call 999 now" page instead of a question
	Heading bool
}

type checkRow struct {
	Key, Value string
	Index      int
}

// checkData is what referral_check renders.
type checkData struct {
	Flow   *flow
	Rows   []checkRow
	Hidden []hiddenField
}

// readAnswers takes every known answer from the posted form, trimmed and
// with control characters removed.
func readAnswers(c *gin.Context, f *flow) answers {
	a := answers{}
	for _, q := range f.Questions {
		for _, n := range q.names() {
			if v := store.CleanText(c.PostForm(n)); v != "" {
				a[n] = v
			}
		}
	}
	return a
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

// hidden lists the answers to carry, except those of the question on the page.
func (f *flow) hidden(a answers, except question) []hiddenField {
	skip := map[string]bool{}
	for _, n := range except.names() {
		skip[n] = true
	}
	var hs []hiddenField
	for _, q := range f.Questions {
		for _, n := range q.names() {
			if v := a[n]; v != "" && !skip[n] {
				hs = append(hs, hiddenField{n, v})
			}
		}
	}
	return hs
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

// renderStep shows question i with the answers so far.
func (s *Server) renderStep(c *gin.Context, f *flow, i int, a answers, check bool, status int, errs *formErrors) {
	q := f.Questions[i]
	d := &stepData{Flow: f, Index: i, Q: q, Hidden: f.hidden(a, q), Check: check}
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
	p := &Page{Title: q.Title, Data: d, NoIndex: true, Errors: errs}
	s.render(c, status, "referral_step", p)
}

// renderDanger shows the "call 999 now" page; its button carries on.
func (s *Server) renderDanger(c *gin.Context, f *flow, a answers) {
	d := &stepData{Flow: f, Index: 0, Hidden: f.hidden(a, question{}), Danger: true}
	s.render(c, http.StatusOK, "referral_step", &Page{Title: "Call 999 now", Data: d, NoIndex: true})
}

// renderCheck shows every answer with a way to change it.
func (s *Server) renderCheck(c *gin.Context, f *flow, a answers) {
	d := &checkData{Flow: f, Hidden: f.hidden(a, question{})}
	for i, q := range f.Questions {
		if !q.shown(a) {
			continue
		}
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
			d.Rows = append(d.Rows, checkRow{Key: fq.Short, Value: v, Index: i})
		}
	}
	s.render(c, http.StatusOK, "referral_check", &Page{Title: "Check your answers before sending", Data: d, NoIndex: true})
}

// flowPost moves through the pages: "goto" opens a page from check your
// answers, "next" checks this page's answer and shows the next (or the
// "call 999 now" page after a yes to danger), and "send" checks every
// answer and calls send with them. Any answer that is wrong is shown on
// its own page with status 422, keeping everything typed.
func (s *Server) flowPost(c *gin.Context, f *flow, send func(*gin.Context, answers)) {
	var mbe *http.MaxBytesError
	if err := c.Request.ParseForm(); errors.As(err, &mbe) {
		s.tooLarge(c)
		return
	}
	a := readAnswers(c, f)
	step, err := strconv.Atoi(c.PostForm("step"))
	if err != nil || step < 0 || step >= len(f.Questions) {
		step = 0
	}
	check := c.PostForm("check") == "1"
	if g := c.PostForm("goto"); g != "" {
		i, err := strconv.Atoi(g)
		if err != nil || i < 0 || i >= len(f.Questions) {
			i = 0
		}
		s.renderStep(c, f, i, a, true, http.StatusOK, &formErrors{})
		return
	}
	switch c.PostForm("action") {
	case "send":
		for i, q := range f.Questions {
			if !q.shown(a) {
				continue
			}
			errs := &formErrors{}
			if validate(q, a, errs); errs.Any() {
				s.renderStep(c, f, i, a, true, http.StatusUnprocessableEntity, errs)
				return
			}
		}
		send(c, f.clean(a))
		return
	case "after999":
		step = 0 // carry on from the danger question
	default:
		q := f.Questions[step]
		errs := &formErrors{}
		if validate(q, a, errs); errs.Any() {
			s.renderStep(c, f, step, a, check, http.StatusUnprocessableEntity, errs)
			return
		}
		if q.Name == "danger" && a["danger"] == "yes" {
			s.renderDanger(c, f, a)
			return
		}
	}
	next := f.next(step, a)
	if check && next >= 0 && f.Questions[next].Show != nil && !answered(f.Questions[next], a) {
		// A change opened a follow-up question (say, contact details): ask it first.
		s.renderStep(c, f, next, a, true, http.StatusOK, &formErrors{})
		return
	}
	if check || next < 0 {
		s.renderCheck(c, f, a)
		return
	}
	s.renderStep(c, f, next, a, false, http.StatusOK, &formErrors{})
}
