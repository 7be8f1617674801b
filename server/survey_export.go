package server

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/gin-gonic/gin"

	"candour/store"
	"candour/survey"
)

// surveyResultsCSV downloads the aggregated, suppressed results: the same
// figures as the results page and `candour report survey`.
func (s *Server) surveyResultsCSV(c *gin.Context) {
	sv, ok := s.loadSurvey(c)
	if !ok {
		return
	}
	if sv.Current() == nil {
		s.notFound(c)
		return
	}
	n, _ := strconv.Atoi(c.Query("version"))
	if n == 0 {
		n = sv.Current().N
	}
	if sv.Version(n) == nil {
		s.notFound(c)
		return
	}
	day := s.today()
	err := s.notDecidedYet(c.Request.Context(), sv, n, day)
	if s.resultsPending(c, err) {
		return
	}
	if err != nil {
		s.serverError(c, err)
		return
	}
	ts, err := s.surveyDB.Tallies(c.Request.Context(), sv.ID, n)
	if err != nil {
		s.serverError(c, err)
		return
	}
	r, err := s.decidedResults(c.Request.Context(), sv, n, ts, day)
	if s.resultsPending(c, err) {
		return
	}
	if err != nil {
		s.serverError(c, err)
		return
	}
	var buf bytes.Buffer
	if err := survey.WriteCSV(&buf, survey.Flatten(r)); err != nil {
		s.serverError(c, err)
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: "survey.export.results", Target: "survey:" + sv.ID, Detail: fmt.Sprintf("version %d, suppressed", n)})
	sendCSV(c, fmt.Sprintf("survey-%s-v%d-results.csv", sv.ID, n), buf.Bytes())
}

// surveyResponsesCSV downloads every response, one row each: the raw data.
// Only staff may, and every download is an audit event.
func (s *Server) surveyResponsesCSV(c *gin.Context) {
	sv, ok := s.loadSurvey(c)
	if !ok {
		return
	}
	rs, err := s.surveyDB.Responses(c.Request.Context(), sv.ID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	var buf bytes.Buffer
	if err := survey.WriteResponsesCSV(&buf, sv, rs); err != nil {
		s.serverError(c, err)
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: "survey.export.responses", Target: "survey:" + sv.ID, Detail: fmt.Sprintf("%d raw responses", len(rs))})
	sendCSV(c, fmt.Sprintf("survey-%s-responses.csv", sv.ID), buf.Bytes())
}
