package server

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/store"
)

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
