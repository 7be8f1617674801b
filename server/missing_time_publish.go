package server

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/disparity"
	"candour/powers"
)

// missingTimePublish puts the period being viewed of time to find on its
// public page, as every activity's monitor is published (publishPeriod),
// as a publication of its own.
func (s *Server) missingTimePublish(c *gin.Context) {
	var f powerPublishForm
	form, ok := s.submitForm(c, &f, "publication", nil, func(status int, errs *formErrors) {
		d := &missingTimePage{Force: f.Force, CanPublish: true}
		s.missingTimeFill(c, &Page{Title: "Missing people: time to be found", Data: d, Errors: errs}, d, "", "", status)
	})
	if !ok || !s.publishPeriod(c, form, &f, powers.MissingPeople, powers.MissingTimesKind) {
		return
	}
	s.flash(c, "The times to be found for "+disparity.PeriodName(f.From, f.To)+" are now on the public page.")
	s.redirect(c, fmt.Sprintf("%s?force=%s&from=%s&to=%s", missingTimePath, f.Force, f.From, f.To))
}

// publicMissingTime shows the published period of time to find to anyone.
func (s *Server) publicMissingTime(c *gin.Context) {
	d := &missingTimePage{Public: true}
	page := &Page{Title: "Missing people: time to be found", Data: d}
	pub, err := s.publication(c, powers.MissingTimesKind, c.Query("force"))
	if err != nil {
		s.serverError(c, err)
		return
	}
	if d.Published = pub; pub == nil {
		d.Empty = "No figures have been published yet."
		s.render(c, http.StatusOK, "missing_time", page)
		return
	}
	d.Force = pub.Force
	s.missingTimeFill(c, page, d, pub.From, pub.To, http.StatusOK)
}
