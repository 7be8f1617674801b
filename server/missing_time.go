package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/powers"
	"candour/store"
)

// missingTimePage is how long each group of missing people took to be
// found: the median and 90th percentile with their intervals, signed in
// or on the public page.
type missingTimePage struct {
	Public     bool
	Forces     []string
	Months     []string
	Force      string
	From, To   string
	Times      *powers.MissingTimes
	Report     *powers.Report // the shared figures Times rests on (for the publish form)
	Sentences  []string
	Quality    []qualityItem
	Published  *store.PowerPublication
	CanPublish bool
	Empty      string
	Heading    string
}

// PeriodLabel names a month in the period lists (monitorPeriod).
func (d *missingTimePage) PeriodLabel(v string) string { return monthLabel(v) }

// PeriodWidth is the grid column of each period list.
func (d *missingTimePage) PeriodWidth() string { return "one-third" }

// PublishForm is where the publish button posts (monitorPublish).
func (d *missingTimePage) PublishForm() monitorPublishForm {
	return monitorPublishForm{Action: missingTimePath + "/publish", PublicPath: "/public" + missingTimePath}
}

const missingTimePath = "/missing-people/time-to-find"

// missingTime shows time to find by group for a force and period chosen
// with a GET form, from the monthly counters of hours.
func (s *Server) missingTime(c *gin.Context) {
	d := &missingTimePage{Force: c.Query("force"), CanPublish: allowed(currentUser(c).Role, "powers.publish")}
	page := &Page{Title: "Missing people: time to be found", Data: d}
	s.missingTimeFill(c, page, d, c.Query("from"), c.Query("to"), http.StatusOK)
}

// missingTimeFill chooses the force and period (from what is stored,
// keeping a valid choice), works out the times and renders with status.
func (s *Server) missingTimeFill(c *gin.Context, page *Page, d *missingTimePage, from, to string, status int) {
	ctx := c.Request.Context()
	forces, err := s.powers.PowerForces(ctx, powers.MissingPeople.Kind)
	if err != nil {
		s.serverError(c, err)
		return
	}
	errs := page.errors()
	if _, ok := forces[d.Force]; !ok && d.Force != "" && !d.Public {
		addErrors(errs, apperr.Invalidf("force", "Choose a force from the list"), nil)
	}
	d.Forces, d.Force = chooseForce(forces, d.Force)
	d.Months = forces[d.Force].Months
	if len(d.Months) == 0 {
		d.Empty = "No missing person episodes have been imported yet."
		s.render(c, status, "missing_time", page)
		return
	}
	d.From, d.To = d.Months[0], d.Months[len(d.Months)-1]
	if from != "" || to != "" {
		if !monthPattern.MatchString(from) || !monthPattern.MatchString(to) || from > to {
			addErrors(errs, apperr.Invalidf("from", "Choose a first month that is the same as or before the last month"), nil)
		} else {
			d.From, d.To = from, to
		}
	}
	if errs.Any() {
		status = http.StatusUnprocessableEntity
	} else {
		page.Errors = nil
	}
	if d.Published == nil {
		if d.Published, err = s.publication(c, powers.MissingTimesKind, d.Force); err != nil {
			s.serverError(c, err)
			return
		}
	}
	mt, err := s.powers.MissingTimes(ctx, d.Force, d.From, d.To)
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
	d.Times, d.Report = mt, mt.Report
	d.Heading = fmt.Sprintf("%s: %s", mt.Report.ForceName, mt.Report.Period)
	d.Sentences = powers.MissingSentences(mt)
	d.Quality = missingTimeQuality(mt.Report, d.Published, d.Public)
	s.render(c, status, "missing_time", page)
}

// missingTimeQuality is the shared monitor's quality statement with what
// the times can and cannot show.
func missingTimeQuality(rep *powers.Report, pub *store.PowerPublication, public bool) []qualityItem {
	q := powerQuality(rep, pub, public)
	q[1].Lines = append(q[1].Lines,
		"The times say how long each group's episodes took to be found, not why: the records hold no reason, and risk grading and age differ between groups (the shared monitor shows them).",
		"A median rests on the group's episodes in the period: a group with fewer than 10 episodes, or whose count is withheld on the monitor, has no times.")
	q[2].Lines = append(q[2].Lines,
		"Each median and 90th percentile has a 95% interval by the exact binomial method for a quantile, which assumes nothing about how the times are spread.",
		"The difference from White people's median has a 95% interval by a percentile bootstrap worked out exactly (no random draws), and a group is said to take longer, or to be found sooner, only when that interval leaves out 0.")
	return q
}
