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

// powerImport imports the file of the activity named in the path
// (importFile).
func (s *Server) powerImport(c *gin.Context) {
	ds, ok := s.dataset(c)
	if !ok {
		return
	}
	s.importFile(c, ds, "power_import")
}

// importFile checks every line of the uploaded file and, when all are
// good, stores it (powers.Import), rendering view: every activity's import,
// vetting decisions' included. A file with any wrong line is refused with
// 422, each wrong line named, and nothing stored.
func (s *Server) importFile(c *gin.Context, ds *powers.Dataset, view string) {
	u := currentUser(c)
	fh, ferr := c.FormFile("file")
	var mbe *http.MaxBytesError
	if errors.As(ferr, &mbe) {
		s.tooLarge(c)
		return
	}
	d := &powerImportPage{Dataset: ds, Force: strings.TrimSpace(c.PostForm("force")), Year: strings.TrimSpace(c.PostForm("year"))}
	page := &Page{Title: "Import " + strings.ToLower(ds.Title), Data: d}
	if !ds.Importable() {
		s.formAgain(c, view, page, apperr.Invalidf("file", "%s come from the stop and search files: import those on the stop and search import page", ds.Title))
		return
	}
	var problems []*apperr.Error
	if _, err := powers.ResolveForce(d.Force); err != nil {
		problems = append(problems, apperr.Invalidf("force", "Enter the force the %s are for, as police.uk names it, for example dorset", ds.Base))
	}
	if ds.Yearly && powers.CheckYear(d.Year) != nil {
		problems = append(problems, apperr.Invalidf("year", "Enter the financial year the file is for, like 2019-20"))
	}
	if ferr != nil {
		problems = append(problems, apperr.Invalidf("file", "Choose a CSV file of %s", ds.Base))
	}
	if len(problems) > 0 {
		s.formAgain(c, view, page, apperr.Join(problems...))
		return
	}
	d.File = filepath.Base(fh.Filename)
	f, err := fh.Open()
	if err != nil {
		s.serverError(c, err)
		return
	}
	defer f.Close()
	res, err := s.powers.ImportPower(c.Request.Context(), ds, f, powers.ImportOptions{Force: d.Force, Year: d.Year, Source: d.File, By: u.Email})
	if err != nil {
		// Each wrong line (powers.FileError), or the force, year or dataset
		// refused, named with the file; anything else is a 500 (fail).
		s.formAgain(c, view, page, fileErrors(d.File, err))
		return
	}
	var months []string
	for _, m := range res.ByMonth {
		months = append(months, m.Month)
	}
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditDataImported, Target: ds.Kind + ":" + res.Force,
		Detail: fmt.Sprintf("%s: %d rows, months %s", d.File, res.Rows, strings.Join(months, ", "))})
	d.Result = res
	s.render(c, http.StatusOK, view, page)
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
	var f powerPublishForm
	form, ok := s.submitForm(c, &f, "publication", nil, func(status int, errs *formErrors) {
		d := &powerPage{Dataset: ds, Others: otherDatasets(ds), Force: f.Force, CanImport: allowed(u.Role, "powers.import"),
			CanPublish: true, CanSample: ds.Samples && allowed(u.Role, "disparity.sample")}
		page := &Page{Title: ds.Title + ": disparity by ethnic group", Data: d, Errors: errs}
		s.powerFill(c, page, d, "", "", status)
	})
	if !ok || !s.publishPeriod(c, form, &f, ds, ds.Kind) {
		return
	}
	s.flash(c, "The figures for "+disparity.PeriodName(f.From, f.To)+" are now on the public page.")
	s.redirect(c, fmt.Sprintf("/powers/%s?force=%s&from=%s&to=%s", ds.Kind, f.Force, f.From, f.To))
}

// publishPeriod stores the form's period as the publication of kind (ds's
// monitor, or a page of its own on ds's records), audited, and reports
// whether it did. A period that would show no figures (no Census
// population, no records) is refused with 422 and the page as it was;
// nothing changes.
func (s *Server) publishPeriod(c *gin.Context, form *formSubmit, f *powerPublishForm, ds *powers.Dataset, kind string) bool {
	u := currentUser(c)
	ctx := c.Request.Context()
	f.Force = strings.ToLower(strings.TrimSpace(f.Force))
	if !form.ok(nil) {
		return false
	}
	if !validPeriod(ds, f.From) || !validPeriod(ds, f.To) || f.From > f.To {
		form.ok(apperr.Invalidf("from", "Choose a period whose first month is not after its last"))
		return false
	}
	rep, err := s.powers.PowerReport(ctx, ds, f.Force, f.From, f.To)
	switch {
	case errors.Is(err, powers.ErrNoPopulation):
		err = apperr.Invalidf("force", "Nothing was published: there is no Census population for %s, so no rates can be worked out", f.Force)
	case err == nil && len(rep.MonthsWithData) == 0:
		err = apperr.Invalidf("force", "Nothing was published: there are no %s for %s in %s", ds.Base, f.Force, disparity.PeriodName(f.From, f.To))
	}
	p := &store.PowerPublication{Kind: kind, Force: f.Force, From: f.From, To: f.To, PublishedBy: u.Email}
	if !form.ok(err) || !form.ok(s.powers.PublishPower(ctx, p)) {
		return false
	}
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditPublished, Target: kind + ":" + f.Force,
		Detail: f.From + " to " + f.To})
	return true
}

// publication is the force's published period of kind (any force's
// first, by force, when force is empty), or nil.
func (s *Server) publication(c *gin.Context, kind, force string) (*store.PowerPublication, error) {
	pubs, err := s.powers.PowerPublications(c.Request.Context(), kind)
	if err != nil {
		return nil, err
	}
	for i := range pubs {
		if force == "" || pubs[i].Force == force {
			return &pubs[i], nil
		}
	}
	return nil, nil
}

// Monitor is the path of the activity's figures; its import is Monitor
// + "/import". A restricted activity (vetting decisions) has its own page.
func (d *powerImportPage) Monitor() string {
	if d.Dataset.Restricted {
		return "/" + d.Dataset.Kind
	}
	return "/powers/" + d.Dataset.Kind
}
