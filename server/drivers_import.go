package server

import (
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/disparity"
	"candour/store"
)

// driversImport loads a force's drivers by ethnic group, the population
// vehicle stops are per 1,000 of, on the page where the Census population
// is loaded. A wrong file is refused with each wrong line in the error
// summary (422) and what was typed kept; nothing is stored.
func (s *Server) driversImport(c *gin.Context) {
	u := currentUser(c)
	d := &importPage{DriversForce: strings.TrimSpace(c.PostForm("drivers-force")),
		DriversMade: strings.TrimSpace(c.PostForm("drivers-made")), DriversPeriod: strings.TrimSpace(c.PostForm("drivers-period"))}
	page := &Page{Title: "Import stop and search data", Data: d}
	o := disparity.DriversOptions{Force: d.DriversForce, Made: d.DriversMade, Period: d.DriversPeriod, By: u.Email}
	fh, err := c.FormFile("drivers")
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.tooLarge(c)
			return
		}
		s.formAgain(c, "disparity_import", page, driversErrors("", apperr.Join(
			append([]*apperr.Error{apperr.Invalidf("", "Choose the CSV file of drivers by ethnic group")}, apperr.All(o.Check())...)...)))
		return
	}
	f, err := fh.Open()
	if err != nil {
		s.serverError(c, err)
		return
	}
	defer f.Close()
	o.Source = filepath.Base(fh.Filename)
	p, err := s.powers.ImportDrivers(c.Request.Context(), f, o)
	if apperr.Is(err, apperr.Invalid) {
		s.formAgain(c, "disparity_import", page, driversErrors(o.Source, err))
		return
	}
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditDataImported, Target: "drivers:" + strings.ToLower(o.Force),
		Detail: fmt.Sprintf("%s: %d drivers (%s, %s)", o.Source, p.Total, p.Made, p.Period)})
	d.Drivers = p
	s.render(c, http.StatusOK, "disparity_import", page)
}

// driversErrors puts a refusal on the form's fields: the options on their
// own, the file's problems on the file field named with the file ("drivers.csv,
// line 3, Drivers: ..."), and, when lines were named, that nothing was stored.
func driversErrors(file string, err error) error {
	fields := map[string]string{"force": "drivers-force", "made": "drivers-made", "period": "drivers-period"}
	var out []*apperr.Error
	lines := false
	for _, e := range apperr.All(err) {
		if to, ok := fields[e.Field]; ok {
			out = append(out, &apperr.Error{Code: e.Code, Field: to, Message: e.Message})
			continue
		}
		msg := e.Message
		switch {
		case e.Line > 0:
			msg, lines = file+", "+e.Message, true
		case file != "":
			msg = file + ": " + e.Message
		}
		out = append(out, &apperr.Error{Code: e.Code, Field: "drivers", Message: msg, Line: e.Line})
	}
	if lines {
		out = append(out, apperr.Invalidf("drivers", "Nothing was stored: correct these lines and load the file again"))
	}
	return apperr.Join(out...)
}
