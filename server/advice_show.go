package server

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"candour/advice"
	"candour/store"
)

// adviceWhen is a deadline in words, seen from now.
func adviceWhen(t, now time.Time) string { return advice.When(t, now) }

// answerForm is a member's advice.
type answerForm struct {
	Advice string `form:"advice" binding:"required,max=6000"`
}

func (answerForm) messages() map[string]string {
	return map[string]string{"advice.required": "Enter your advice", "advice": "Your advice must be 6,000 characters or fewer"}
}

// adviceResponseForm is what the force did with one answer, and why. Each
// answer has its own form on the page, so its fields are named after the
// member (outcome-ID, response-ID) and read by hand.
type adviceResponseForm struct {
	Outcome  string `form:"-"`
	Response string `form:"-"`
}

func (adviceResponseForm) messages() map[string]string { return map[string]string{} }

// answerView is one answer as staff see it, with its response form.
type answerView struct {
	Advice  store.Advice
	Outcome choiceField
	Form    adviceResponseForm
	Errors  *formErrors
	Editing bool // the form shows (no response yet, or a rejected one)
}

type adviceShowData struct {
	Request     *store.AdviceRequest
	Staff       bool
	Open        bool
	When        string
	Groups      []string
	Answers     []answerView
	NotAnswered []string // names, of the first notAnsweredNamed who have not answered
	// NotAnsweredMore is how many more have not answered than are named.
	NotAnsweredMore int
	Mine            *store.Advice
	Answer          answerForm
}

// notAnsweredNamed is how many of the people who have not answered the
// staff's page names, in the order they were asked; past it the page says
// how many more there are. A request may ask every member of a force
// (5,000 at ten times a year's volumes): a list of thousands of names
// helps nobody and made the page cost grow with the force (issue 18).
// The reminders go to all of them whatever the page shows.
const notAnsweredNamed = 50

// adviceShow is the request: for staff with the answers as they arrive
// and a response form for each; for a member with their answer form while
// it is open, and their advice and the force's response after.
func (s *Server) adviceShow(c *gin.Context) {
	r, ok := s.loadAdvice(c)
	if !ok {
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditAdviceViewed, Target: "advice:" + r.ID})
	var f answerForm
	if a, ok := r.Answers[me.ID]; ok {
		f.Advice = a.Text
	}
	s.renderAdvice(c, http.StatusOK, r, f, "", adviceResponseForm{}, &formErrors{})
}

// renderAdvice draws the request page; errs belong to the answer form, or
// to the response form of the answer by respondTo.
func (s *Server) renderAdvice(c *gin.Context, status int, r *store.AdviceRequest, f answerForm, respondTo string, rf adviceResponseForm, errs *formErrors) {
	ctx := c.Request.Context()
	me := currentUser(c)
	now := s.adviceDB.Now()
	d := &adviceShowData{Request: r, Staff: adviceAccessTo(me, r).Manage, Open: r.Open(now), When: adviceWhen(r.Deadline, now), Answer: f}
	names, _, err := groupNamesIn(ctx, s.adviceDB)
	if err != nil {
		s.serverError(c, err)
		return
	}
	for _, g := range r.GroupIDs {
		if n, ok := names[g]; ok {
			d.Groups = append(d.Groups, n)
		}
	}
	if a, ok := r.Answers[me.ID]; ok {
		d.Mine = &a
	}
	pageErrs := errs
	if d.Staff {
		for _, a := range r.AnswerList() {
			v := answerView{Advice: a, Editing: !a.Responded(), Errors: &formErrors{}, Form: adviceResponseForm{Outcome: a.Outcome, Response: a.Response}}
			if a.UserID == respondTo {
				v.Form, v.Errors, v.Editing = rf, errs, true
			}
			v.Outcome = newChoices("outcome-"+a.UserID, "What did the force do with this advice?", v.Form.Outcome, v.Errors, outcomeChoices())
			v.Outcome.LabelSize = "s"
			d.Answers = append(d.Answers, v)
		}
		ids := r.FirstNotAnswered(notAnsweredNamed)
		users, err := s.adviceDB.UsersByID(ctx, ids)
		if err != nil {
			s.serverError(c, err)
			return
		}
		for _, id := range ids {
			if u, ok := users[id]; ok {
				d.NotAnswered = append(d.NotAnswered, u.Name)
			}
		}
		d.NotAnsweredMore = r.NotAnsweredCount() - len(ids)
	}
	p := &Page{Title: r.Title, Form: f, Errors: pageErrs, Data: d, Back: "/advice", NoIndex: true}
	if status == http.StatusOK {
		p.Flash = adviceSentNote(c, d.Mine)
	}
	s.render(c, status, "advice_show", p)
}
