package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/disparity"
	"candour/powers"
	"candour/store"
)

// missingTimePublish puts the period being viewed of time to find on its
// public page, as every activity's monitor is published. A period that
// would show no figures (no data, no population) is refused with 422 and
// the page as it was; nothing changes.
func (s *Server) missingTimePublish(c *gin.Context) {
	u := currentUser(c)
	ctx := c.Request.Context()
	var f powerPublishForm
	form, ok := s.submitForm(c, &f, "publication", nil, func(status int, errs *formErrors) {
		d := &missingTimePage{Force: f.Force, CanPublish: true}
		s.missingTimeFill(c, &Page{Title: "Missing people: time to be found", Data: d, Errors: errs}, d, "", "", status)
	})
	f.Force = strings.ToLower(strings.TrimSpace(f.Force))
	if !ok || !form.ok(nil) {
		return
	}
	if !monthPattern.MatchString(f.From) || !monthPattern.MatchString(f.To) || f.From > f.To {
		form.ok(apperr.Invalidf("from", "Choose a period whose first month is not after its last"))
		return
	}
	mt, err := powers.BuildMissingTimes(ctx, s.store, f.Force, f.From, f.To)
	switch {
	case errors.Is(err, powers.ErrNoPopulation):
		err = apperr.Invalidf("force", "Nothing was published: there is no Census population for %s, so no rates can be worked out", f.Force)
	case err == nil && len(mt.Report.MonthsWithData) == 0:
		err = apperr.Invalidf("force", "Nothing was published: there are no missing person episodes for %s in %s", f.Force, disparity.PeriodName(f.From, f.To))
	}
	p := &store.PowerPublication{Kind: powers.MissingTimesKind, Force: f.Force, From: f.From, To: f.To, PublishedBy: u.Email}
	if !form.ok(err) || !form.ok(s.store.PublishPower(ctx, p)) {
		return
	}
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditPublished, Target: powers.MissingTimesKind + ":" + f.Force,
		Detail: f.From + " to " + f.To})
	s.flash(c, "The times to be found for "+disparity.PeriodName(f.From, f.To)+" are now on the public page.")
	s.redirect(c, fmt.Sprintf("%s?force=%s&from=%s&to=%s", missingTimePath, f.Force, f.From, f.To))
}

// publicMissingTime shows the published period of time to find to anyone.
func (s *Server) publicMissingTime(c *gin.Context) {
	d := &missingTimePage{Public: true}
	page := &Page{Title: "Missing people: time to be found", Data: d}
	d.Published = s.missingTimePublication(c, c.Query("force"))
	if d.Published == nil {
		d.Empty = "No figures have been published yet."
		s.render(c, http.StatusOK, "missing_time", page)
		return
	}
	d.Force = d.Published.Force
	s.missingTimeFill(c, page, d, d.Published.From, d.Published.To, http.StatusOK)
}
