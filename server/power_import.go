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
	"candour/powers"
	"candour/store"
)

type powerImportPage struct {
	Dataset *powers.Dataset
	Force   string // as typed
	Year    string // as typed, for a yearly dataset
	File    string
	Result  *powers.ImportResult
}

// powerImportForm asks for a file in the activity's layout.
func (s *Server) powerImportForm(c *gin.Context) {
	ds, ok := s.dataset(c)
	if !ok {
		return
	}
	s.render(c, http.StatusOK, "power_import", &Page{Title: "Import " + strings.ToLower(ds.Title), Data: &powerImportPage{Dataset: ds}})
}

// powerImport checks every line of the uploaded file and, when all are
// good, stores it. A file with any wrong line is refused with 422, each
// wrong line named, and nothing stored.
func (s *Server) powerImport(c *gin.Context) {
	ds, ok := s.dataset(c)
	if !ok {
		return
	}
	u := currentUser(c)
	fh, err := c.FormFile("file")
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		s.tooLarge(c)
		return
	}
	d := &powerImportPage{Dataset: ds, Force: strings.TrimSpace(c.PostForm("force")), Year: strings.TrimSpace(c.PostForm("year"))}
	page := &Page{Title: "Import " + strings.ToLower(ds.Title), Data: d}
	errs := &formErrors{}
	if !ds.Importable() {
		errs.Add("file", ds.Title+" come from the stop and search files: import those on the stop and search import page")
		s.invalid(c, "power_import", page, errs)
		return
	}
	if _, ferr := powers.ResolveForce(d.Force); ferr != nil {
		errs.Add("force", "Enter the force the records are for, as police.uk names it, for example dorset")
	}
	if ds.Yearly && powers.CheckYear(d.Year) != nil {
		errs.Add("year", "Enter the financial year the file is for, like 2019-20")
	}
	if err != nil {
		errs.Add("file", "Choose a CSV file of "+ds.Base)
	}
	if errs.Any() {
		s.invalid(c, "power_import", page, errs)
		return
	}
	d.File = filepath.Base(fh.Filename)
	f, err := fh.Open()
	if err != nil {
		s.serverError(c, err)
		return
	}
	defer f.Close()
	res, err := powers.Import(c.Request.Context(), s.store, ds, f, powers.ImportOptions{Force: d.Force, Year: d.Year, Source: d.File, By: u.Email})
	switch {
	case addFileErrors(errs, d.File, err): // each wrong line (powers.FileError)
		s.invalid(c, "power_import", page, errs)
		return
	case powers.IsRefusal(err):
		errs.Add("file", d.File+": "+err.Error())
		s.invalid(c, "power_import", page, errs)
		return
	case err != nil:
		s.serverError(c, err)
		return
	}
	var months []string
	for _, m := range res.ByMonth {
		months = append(months, m.Month)
	}
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditDataImported, Target: ds.Kind + ":" + res.Force,
		Detail: fmt.Sprintf("%s: %d rows, months %s", d.File, res.Rows, strings.Join(months, ", "))})
	d.Result = res
	s.render(c, http.StatusOK, "power_import", page)
}

type powerPublishForm struct {
	Force string `form:"force" binding:"required,max=100"`
	From  string `form:"from" binding:"required,len=7"` // a month, or a financial year (2019-20)
	To    string `form:"to" binding:"required,len=7"`
}

func (powerPublishForm) messages() map[string]string {
	return map[string]string{"force": "Choose a force", "from": "Choose the first month", "to": "Choose the last month"}
}

// powerPublish puts the period being viewed on the activity's public
// page. A period that would show no figures (no data, no population) is
// refused with 422 and the page as it was; nothing changes.
func (s *Server) powerPublish(c *gin.Context) {
	ds, ok := s.dataset(c)
	if !ok {
		return
	}
	u := currentUser(c)
	ctx := c.Request.Context()
	var f powerPublishForm
	form, ok := s.submitForm(c, &f, "publication", nil, func(status int, errs *formErrors) {
		d := &powerPage{Dataset: ds, Others: otherDatasets(ds), Force: f.Force, CanImport: allowed(u.Role, "powers.import"),
			CanPublish: true, CanSample: ds.Samples && allowed(u.Role, "disparity.sample")}
		page := &Page{Title: ds.Title + ": disparity by ethnic group", Data: d, Errors: errs}
		s.powerFill(c, page, d, "", "", status)
	})
	f.Force = strings.ToLower(strings.TrimSpace(f.Force))
	if !ok || !form.ok(nil) {
		return
	}
	if !validPeriod(ds, f.From) || !validPeriod(ds, f.To) || f.From > f.To {
		form.ok(apperr.Invalidf("from", "Choose a period whose first month is not after its last"))
		return
	}
	rep, err := powers.Build(ctx, s.store, ds, f.Force, f.From, f.To)
	switch {
	case errors.Is(err, powers.ErrNoPopulation):
		err = apperr.Invalidf("force", "Nothing was published: there is no Census population for %s, so no rates can be worked out", f.Force)
	case err == nil && len(rep.MonthsWithData) == 0:
		err = apperr.Invalidf("force", "Nothing was published: there are no %s for %s in %s", ds.Base, f.Force, disparity.PeriodName(f.From, f.To))
	}
	p := &store.PowerPublication{Kind: ds.Kind, Force: f.Force, From: f.From, To: f.To, PublishedBy: u.Email}
	if !form.ok(err) || !form.ok(s.store.PublishPower(ctx, p)) {
		return
	}
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditPublished, Target: ds.Kind + ":" + f.Force,
		Detail: f.From + " to " + f.To})
	s.flash(c, "The figures for "+disparity.PeriodName(f.From, f.To)+" are now on the public page.")
	s.redirect(c, fmt.Sprintf("/powers/%s?force=%s&from=%s&to=%s", ds.Kind, f.Force, f.From, f.To))
}
