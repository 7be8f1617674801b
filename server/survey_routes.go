package server

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/store"
)

// surveyRoutes registers community confidence surveys: answering them
// (anyone, anonymously), building and running them (staff), their results
// (staff; a public summary once published) and exports.
func (s *Server) surveyRoutes(h handle) {
	// Answering: anonymous, no account, nothing stored before submission.
	h("GET", "/s/:id", "surveys.respond", s.surveyStart)
	h("POST", "/s/:id/start", "surveys.respond", s.surveyLimit, s.surveyBegin)
	h("GET", "/s/:id/q/:qid", "surveys.respond", s.surveyQuestion)
	h("POST", "/s/:id/q/:qid", "surveys.respond", s.surveyAnswer)
	h("GET", "/s/:id/check", "surveys.respond", s.surveyCheck)
	h("POST", "/s/:id/check", "surveys.respond", s.surveyLimit, s.surveySubmit)
	h("GET", "/s/:id/done", "surveys.respond", s.surveyDone)

	// Published results summaries: anyone.
	h("GET", "/public/surveys", "surveys.public", s.publicSurveyList)
	h("GET", "/public/surveys/:id", "surveys.public", s.publicSurveyResults)

	// Building and running surveys: staff.
	h("GET", "/surveys", "surveys.manage", s.surveyList)
	h("GET", "/surveys/new", "surveys.manage", s.surveyNewForm)
	h("POST", "/surveys/new", "surveys.manage", s.surveyCreate)
	h("GET", "/surveys/:id", "surveys.manage", s.surveyShow)
	h("POST", "/surveys/:id/settings", "surveys.manage", s.surveySettings)
	h("GET", "/surveys/:id/questions/new", "surveys.manage", s.surveyQuestionNewForm)
	h("POST", "/surveys/:id/questions/new", "surveys.manage", s.surveyQuestionCreate)
	h("GET", "/surveys/:id/questions/:qid", "surveys.manage", s.surveyQuestionEditForm)
	h("POST", "/surveys/:id/questions/:qid", "surveys.manage", s.surveyQuestionSave)
	h("POST", "/surveys/:id/questions/:qid/move", "surveys.manage", s.surveyQuestionMove)
	h("POST", "/surveys/:id/questions/:qid/remove", "surveys.manage", s.surveyQuestionRemove)
	h("GET", "/surveys/:id/publish", "surveys.manage", s.surveyPublishConfirm)
	h("POST", "/surveys/:id/publish", "surveys.manage", s.surveyPublish)
	h("POST", "/surveys/:id/codes", "surveys.manage", s.surveyCodes)

	// Results and exports: staff. The raw export is audited.
	h("GET", "/surveys/:id/results", "surveys.results", s.surveyResults)
	h("GET", "/surveys/:id/results.csv", "surveys.results", s.surveyResultsCSV)
	h("GET", "/surveys/:id/responses.csv", "surveys.export", s.surveyResponsesCSV)
	h("GET", "/surveys/:id/text", "surveys.results", s.surveyTexts)
	h("POST", "/surveys/:id/text/:tid", "surveys.results", s.surveyTextSave)
}

// surveyLimit rate-limits survey starts and submissions per client
// address, in memory only.
func (s *Server) surveyLimit(c *gin.Context) { s.limit(s.surveys.limiter)(c) }

// loadSurveyForRespondent reads the survey named in the path through the
// short cache (respondents' pages); it answers 404 itself. The survey it
// returns is shared: never change it.
func (s *Server) loadSurveyForRespondent(c *gin.Context) (*store.Survey, bool) {
	return loadByID(s, c, func(ctx context.Context, id string) (*store.Survey, error) {
		return s.surveyDB.SurveyForRespondents(ctx, id)
	})
}

// loadSurvey reads the survey named in the path; it answers 404 itself.
func (s *Server) loadSurvey(c *gin.Context) (*store.Survey, bool) {
	return loadByID(s, c, s.surveyDB.Survey)
}

// today is the UK day, the only time a response keeps.
func (s *Server) today() string { return store.Day(s.surveyDB.Now()) }

// surveyUnavailable answers for a survey people cannot answer today: 404
// for one never published, 410 once closed, a clear page before it opens.
// It reports false when the survey is open.
func (s *Server) surveyUnavailable(c *gin.Context, sv *store.Survey) bool {
	switch sv.State(s.today()) {
	case store.SurveyOpen:
		return false
	case store.SurveyNotYet:
		s.errorPage(c, http.StatusOK, "This survey is not open yet",
			"“"+sv.Title+"” opens on "+longDay(sv.OpensOn)+". Come back then: the link will work from that day.")
	case store.SurveyClosed:
		msg := "“" + sv.Title + "” has closed, so it is no longer taking answers. Thank you for your interest."
		if sv.Public {
			msg += " A summary of the results is published at " + s.link("/public/surveys/"+sv.ID) + "."
		}
		s.errorPage(c, http.StatusGone, "This survey has closed", msg)
	default:
		s.notFound(c)
	}
	return true
}

// longDay turns YYYY-MM-DD into "2 January 2026".
func longDay(day string) string {
	t, err := timeParseDay(day)
	if err != nil {
		return day
	}
	return t.Format("2 January 2006")
}
