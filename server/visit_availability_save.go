package server

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
)

// visitAvailabilitySave records which weeks a member can do. Until the
// chair pairs the quarter they may change it as often as they like.
func (s *Server) visitAvailabilitySave(c *gin.Context) {
	var f availabilityForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	me := currentUser(c)
	if !slices.Contains(pairableGroups(me), f.Group) || !hasChoice(quarterChoices(s.volunteer.Now()), f.Quarter) {
		s.notFound(c)
		return
	}
	start, _ := store.ParseQuarter(f.Quarter)
	var offered []string
	for _, w := range store.QuarterWeeks(start, s.volunteer.Now()) {
		offered = append(offered, store.WeekKey(w))
	}
	if err := f.check(offered); err != nil && addErrors(errs, err, nil) {
		s.renderAvailability(c, http.StatusUnprocessableEntity, f, false, errs)
		return
	}
	weeks := []string{}
	for _, k := range offered { // in date order
		if slices.Contains(f.Weeks, k) {
			weeks = append(weeks, k)
		}
	}
	err := s.volunteer.SetAvailability(c.Request.Context(), f.Group, f.Quarter, me.ID, weeks)
	err = apperr.Reword(err, apperr.Duplicate, "weeks", "This quarter has already been paired, so your answer was not saved: tell the chair if you cannot make your week")
	if addErrors(errs, err, nil) {
		s.renderAvailability(c, statusOf(apperr.Duplicate), f, false, errs)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, fmt.Sprintf("Your availability for %s is saved: %d %s", f.Quarter, len(weeks), map[bool]string{true: "week", false: "weeks"}[len(weeks) == 1]))
	s.redirect(c, "/visits/availability?group="+f.Group+"&quarter="+f.Quarter)
}

// check: weeks ticked are weeks offered, and either some week is ticked or
// "I cannot do any week" is, not both.
func (f availabilityForm) check(offered []string) error {
	for _, w := range f.Weeks {
		if !slices.Contains(offered, w) {
			return apperr.New(apperr.Invalid, "weeks", "Tick only the weeks listed")
		}
	}
	switch {
	case len(f.Weeks) == 0 && f.None != "yes":
		return apperr.New(apperr.Invalid, "weeks", "Tick the weeks you can do, or tick that you cannot do any week this quarter")
	case len(f.Weeks) > 0 && f.None == "yes":
		return apperr.New(apperr.Invalid, "weeks", "You ticked some weeks and that you cannot do any: untick one or the other")
	}
	return nil
}
