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
	"candour/words"
)

// questionForm is one draft question.
type questionForm struct {
	Rev      int    `form:"rev"`
	Type     string `form:"type"`
	Text     string `form:"text" binding:"required,max=300"`
	Hint     string `form:"hint" binding:"max=500"`
	Required bool   `form:"required"`
	Options  string `form:"options" binding:"max=3000"`
	Key      string `form:"key" binding:"max=40"`
	ShowIf   string `form:"showIf"` // "q3=o2"
}

func (questionForm) messages() map[string]string {
	return map[string]string{
		"text.required": "Enter the question",
		"text":          "The question must be 300 characters or fewer",
		"hint":          "The hint must be 500 characters or fewer",
		"options":       "The answers must be 3,000 characters or fewer in all",
		"key":           "The matching code must be 40 characters or fewer",
	}
}

// question builds the draft question from the form, keeping option codes
// of the same labels.
func (f questionForm) question(id string, old *store.Question) store.Question {
	q := store.Question{ID: id, Type: f.Type, Text: strings.TrimSpace(f.Text), Hint: f.Hint, Required: f.Required, Key: strings.ToLower(f.Key)}
	if f.Type == store.QSingle || f.Type == store.QMultiple {
		var prev []store.Option
		if old != nil {
			prev = old.Options
		}
		q.Options = store.NewOptions(strings.Split(f.Options, "\n"), prev)
	}
	q.ShowIfQ, q.ShowIfA, _ = strings.Cut(f.ShowIf, "=")
	return q
}

func questionFormOf(q *store.Question, rev int) questionForm {
	f := questionForm{Rev: rev, Type: q.Type, Text: q.Text, Hint: q.Hint, Required: q.Required, Key: q.Key}
	var ls []string
	for _, o := range q.Options {
		ls = append(ls, o.Label)
	}
	f.Options = strings.Join(ls, "\n")
	if q.ShowIfQ != "" {
		f.ShowIf = q.ShowIfQ + "=" + q.ShowIfA
	}
	return f
}

type questionFormData struct {
	Survey   *store.Survey
	Q        *store.Question // nil when adding
	Type     choiceField
	ShowIf   choiceField
	Required checkboxField
	Action   string
}

func (s *Server) renderQuestionForm(c *gin.Context, status int, sv *store.Survey, q *store.Question, f questionForm, errs *formErrors) {
	var types []choice
	for _, t := range store.QuestionTypes {
		types = append(types, choice{Value: t, Label: words.QuestionType(t)})
	}
	showIf := []choice{{Value: "", Label: "Always ask this question"}}
	for _, p := range sv.Draft {
		if q != nil && p.ID == q.ID {
			break // only earlier questions
		}
		if p.Type == store.QSingle {
			for _, o := range p.Options {
				showIf = append(showIf, choice{Value: p.ID + "=" + o.Code, Label: fmt.Sprintf("Only if “%s” was “%s”", p.Text, o.Label)})
			}
		}
	}
	d := questionFormData{Survey: sv, Q: q,
		Type:     choiceField{Name: "type", Label: "Type of question", Value: f.Type, Error: errs.For("type"), Choices: types, LabelSize: "s"},
		ShowIf:   choiceField{Name: "showIf", Label: "When to ask it", Hint: "A question can depend on the answer to an earlier single-choice question", Value: f.ShowIf, Error: errs.For("showIf"), Choices: showIf},
		Required: checkboxField{Name: "required", Legend: "Required", Label: "People must answer this question", Checked: f.Required},
		Action:   "/surveys/" + sv.ID + "/questions/new",
	}
	title := "Add a question"
	if q != nil {
		d.Action = "/surveys/" + sv.ID + "/questions/" + q.ID
		title = "Change a question"
	}
	s.render(c, status, "survey_question_form", &Page{Title: title, Data: d, Form: f, Errors: errs})
}

func (s *Server) surveyQuestionNewForm(c *gin.Context) {
	sv, ok := s.loadSurvey(c)
	if !ok {
		return
	}
	s.renderQuestionForm(c, http.StatusOK, sv, nil, questionForm{Rev: sv.Rev, Type: store.QAgree, Required: true}, &formErrors{})
}

func (s *Server) surveyQuestionEditForm(c *gin.Context) {
	sv, ok := s.loadSurvey(c)
	if !ok {
		return
	}
	q, _ := sv.DraftQuestion(c.Param("qid"))
	if q == nil {
		s.notFound(c)
		return
	}
	s.renderQuestionForm(c, http.StatusOK, sv, q, questionFormOf(q, sv.Rev), &formErrors{})
}

func (s *Server) surveyQuestionCreate(c *gin.Context) { s.saveQuestion(c, false) }
func (s *Server) surveyQuestionSave(c *gin.Context)   { s.saveQuestion(c, true) }

// saveQuestion adds a question to the draft or changes one: checked in
// memory first, then saved conditionally on the survey's revision.
func (s *Server) saveQuestion(c *gin.Context, existing bool) {
	sv, ok := s.loadSurvey(c)
	if !ok {
		return
	}
	var old *store.Question
	at := -1
	if existing {
		if old, at = sv.DraftQuestion(c.Param("qid")); old == nil {
			s.notFound(c)
			return
		}
	}
	var f questionForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	id := "q" + strconv.Itoa(sv.NextQ+1)
	if old != nil {
		id = old.ID
	}
	q := f.question(id, old)
	if !errs.Any() {
		if err := sv.CheckQuestion(&q, at); err != nil {
			if !addErrors(errs, err, nil) {
				s.serverError(c, err)
				return
			}
		}
	}
	if errs.Any() {
		s.renderQuestionForm(c, http.StatusUnprocessableEntity, sv, old, f, errs)
		return
	}
	sv, err := s.surveyDB.ChangeSurvey(c.Request.Context(), sv.ID, f.Rev, func(sv *store.Survey, _ time.Time) error {
		if existing {
			_, i := sv.DraftQuestion(id)
			if i < 0 {
				return store.ErrNotFound
			}
			if err := sv.CheckQuestion(&q, i); err != nil {
				return err
			}
			sv.Draft[i] = q
			return nil
		}
		if err := sv.CheckQuestion(&q, -1); err != nil {
			return err
		}
		sv.NextQ++
		sv.Draft = append(sv.Draft, q)
		return nil
	})
	if s.surveyChangeFailed(c, err) {
		return
	}
	s.flash(c, "Question saved in the draft")
	s.redirect(c, "/surveys/"+sv.ID+"#draft")
}

// surveyQuestionMove moves a draft question up or down; a question cannot
// move above the question it depends on.
func (s *Server) surveyQuestionMove(c *gin.Context) {
	var f revForm
	if _, ok := s.bind(c, &f); !ok {
		return
	}
	sv, err := s.surveyDB.ChangeSurvey(c.Request.Context(), c.Param("id"), f.Rev, func(sv *store.Survey, _ time.Time) error {
		_, i := sv.DraftQuestion(c.Param("qid"))
		if i < 0 {
			return store.ErrNotFound
		}
		j := i - 1
		if f.Dir == "down" {
			j = i + 1
		}
		if j < 0 || j >= len(sv.Draft) {
			return apperr.New(apperr.Invalid, "dir", "That question cannot move further")
		}
		a, b := sv.Draft[min(i, j)], sv.Draft[max(i, j)]
		if b.ShowIfQ == a.ID {
			return apperr.New(apperr.Invalid, "dir", "“"+b.Text+"” depends on the answer to “"+a.Text+"”, so it must come after it")
		}
		sv.Draft[i], sv.Draft[j] = sv.Draft[j], sv.Draft[i]
		return nil
	})
	if s.surveyChangeFailed(c, err) {
		return
	}
	s.redirect(c, "/surveys/"+sv.ID+"#draft")
}

// surveyQuestionRemove takes a question out of the draft (published
// versions keep it); questions that depend on it must go or change first.
func (s *Server) surveyQuestionRemove(c *gin.Context) {
	var f revForm
	if _, ok := s.bind(c, &f); !ok {
		return
	}
	sv, err := s.surveyDB.ChangeSurvey(c.Request.Context(), c.Param("id"), f.Rev, func(sv *store.Survey, _ time.Time) error {
		q, i := sv.DraftQuestion(c.Param("qid"))
		if i < 0 {
			return store.ErrNotFound
		}
		if deps := sv.Dependants(q.ID); len(deps) > 0 {
			return apperr.New(apperr.Invalid, "remove", "“"+deps[0].Text+"” depends on the answer to this question: change or remove it first")
		}
		sv.Draft = append(sv.Draft[:i], sv.Draft[i+1:]...)
		return nil
	})
	if s.surveyChangeFailed(c, err) {
		return
	}
	s.flash(c, "Question removed from the draft")
	s.redirect(c, "/surveys/"+sv.ID+"#draft")
}
