package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/powers"
)

// missingTimePage is how long each group of missing people took to be
// found: the median and 90th percentile with their intervals.
type missingTimePage struct {
	Forces    []string
	Months    []string
	Force     string
	From, To  string
	Times     *powers.MissingTimes
	Sentences []string
	Cannot    []string
	Empty     string
	Heading   string
}

// missingTime shows time to find by group for a force and period chosen
// with a GET form, from the monthly counters of hours.
func (s *Server) missingTime(c *gin.Context) {
	ctx := c.Request.Context()
	d := &missingTimePage{Force: c.Query("force"), Cannot: powers.MissingPeople.Cannot}
	page := &Page{Title: "Missing people: time to be found", Data: d}
	forces, err := s.store.PowerForces(ctx, powers.MissingPeople.Kind)
	if err != nil {
		s.serverError(c, err)
		return
	}
	errs := &formErrors{}
	if _, ok := forces[d.Force]; !ok && d.Force != "" {
		addErrors(errs, apperr.Invalidf("force", "Choose a force from the list"), nil)
	}
	d.Forces, d.Force = chooseForce(forces, d.Force)
	d.Months = forces[d.Force].Months
	status := http.StatusOK
	if len(d.Months) == 0 {
		d.Empty = "No missing person episodes have been imported yet."
		s.render(c, status, "missing_time", page)
		return
	}
	d.From, d.To = d.Months[0], d.Months[len(d.Months)-1]
	if from, to := c.Query("from"), c.Query("to"); from != "" || to != "" {
		if !monthPattern.MatchString(from) || !monthPattern.MatchString(to) || from > to {
			addErrors(errs, apperr.Invalidf("from", "Choose a first month that is the same as or before the last month"), nil)
		} else {
			d.From, d.To = from, to
		}
	}
	if errs.Any() {
		page.Errors, status = errs, http.StatusUnprocessableEntity
	}
	mt, err := powers.BuildMissingTimes(ctx, s.store, d.Force, d.From, d.To)
	if errors.Is(err, powers.ErrNoPopulation) {
		d.Empty = "The Census population for this force has not been loaded. A coordinator can load it on the stop and search import page."
		s.render(c, status, "missing_time", page)
		return
	}
	if err != nil {
		s.serverError(c, err)
		return
	}
	if len(mt.Report.MonthsWithData) == 0 {
		d.Empty = "There are no missing person episodes in this period."
		s.render(c, status, "missing_time", page)
		return
	}
	d.Times = mt
	d.Heading = fmt.Sprintf("%s: %s", mt.Report.ForceName, mt.Report.Period)
	d.Sentences = powers.MissingSentences(mt)
	s.render(c, status, "missing_time", page)
}
