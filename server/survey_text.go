package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/store"
)

// Free-text answers: staff read them question by question, and may
// publish a redacted version of one in the public summary.

type surveyTextData struct {
	Survey    *store.Survey
	Questions []store.Question // the free-text questions of every version
	Q         *store.Question
	Texts     []store.SurveyText
	ErrorID   string // the answer whose form has the error
}

type redactForm struct {
	Redacted string `form:"redacted"`
	Publish  bool   `form:"publish"`
}

func (redactForm) messages() map[string]string { return nil }

// textQuestions lists the free-text questions of every version, once each.
func textQuestions(sv *store.Survey) []store.Question {
	var qs []store.Question
	seen := map[string]bool{}
	for _, v := range sv.Versions {
		for _, q := range v.Questions {
			if q.FreeText() && !seen[q.ID] {
				seen[q.ID] = true
				qs = append(qs, q)
			}
		}
	}
	return qs
}

func (s *Server) surveyTexts(c *gin.Context) {
	sv, ok := s.loadSurvey(c)
	if !ok {
		return
	}
	s.renderTexts(c, http.StatusOK, sv, c.Query("q"), "", nil)
}

func (s *Server) renderTexts(c *gin.Context, status int, sv *store.Survey, qid, errID string, errs *formErrors) {
	d := surveyTextData{Survey: sv, Questions: textQuestions(sv), ErrorID: errID}
	for i := range d.Questions {
		if d.Questions[i].ID == qid || (qid == "" && i == 0) {
			d.Q = &d.Questions[i]
		}
	}
	if d.Q != nil {
		ts, err := s.surveyDB.SurveyTexts(c.Request.Context(), sv.ID, d.Q.ID, false)
		if err != nil {
			s.serverError(c, err)
			return
		}
		d.Texts = ts
	}
	me := currentUser(c)
	if d.Q != nil && status == http.StatusOK {
		s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: "survey.text.view", Target: "survey:" + sv.ID, Detail: "free-text answers to " + d.Q.ID})
	}
	s.render(c, status, "survey_text", &Page{Title: "Free-text answers: " + sv.Title, Data: d, Errors: errs})
}

// surveyTextSave keeps a redacted version of one answer and publishes it
// (or withdraws it).
func (s *Server) surveyTextSave(c *gin.Context) {
	sv, ok := s.loadSurvey(c)
	if !ok {
		return
	}
	var f redactForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	id := c.Param("tid")
	err := s.surveyDB.RedactSurveyText(c.Request.Context(), sv.ID, id, f.Redacted, f.Publish)
	if addErrors(errs, err, map[string]string{"redacted": "redacted-" + id}) {
		s.renderTexts(c, http.StatusUnprocessableEntity, sv, id[lastColon(id)+1:], id, errs)
		return
	}
	if err != nil {
		s.fail(c, err) // 404 for ErrNotFound (render.go)
		return
	}
	me := currentUser(c)
	what := "withdrawn from the public summary"
	if f.Publish {
		what = "published, redacted"
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: "survey.text.publish", Target: "survey:" + sv.ID, Detail: "free-text answer " + what})
	s.flash(c, "Answer "+what)
	s.redirect(c, "/surveys/"+sv.ID+"/text?q="+id[lastColon(id)+1:])
}

func lastColon(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ':' {
			return i
		}
	}
	return -1
}
