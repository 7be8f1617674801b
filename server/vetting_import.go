package server

import (
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/powers"
	"candour/store"
)

type vettingImportPage struct {
	Dataset *powers.Dataset
	Force   string // as typed
	File    string
	Result  *powers.ImportResult
}

// vettingImportForm asks for a file of vetting decisions.
func (s *Server) vettingImportForm(c *gin.Context) {
	s.render(c, http.StatusOK, "vetting_import", &Page{Title: "Import vetting decisions", Data: &vettingImportPage{Dataset: powers.Vetting}})
}

// vettingImport checks every line of the uploaded file and, when all are
// good, stores it: the same import as every activity (powers.Import). A
// file with any wrong line is refused with 422, each wrong line named, and
// nothing stored.
func (s *Server) vettingImport(c *gin.Context) {
	u := currentUser(c)
	fh, ferr := c.FormFile("file")
	var mbe *http.MaxBytesError
	if errors.As(ferr, &mbe) {
		s.tooLarge(c)
		return
	}
	d := &vettingImportPage{Dataset: powers.Vetting, Force: strings.TrimSpace(c.PostForm("force"))}
	page := &Page{Title: "Import vetting decisions", Data: d}
	var problems []*apperr.Error
	if _, err := powers.ResolveForce(d.Force); err != nil {
		problems = append(problems, apperr.Invalidf("force", "Enter the force the decisions are for, as police.uk names it, for example dorset"))
	}
	if ferr != nil {
		problems = append(problems, apperr.Invalidf("file", "Choose a CSV file of vetting decisions"))
	}
	errs := &formErrors{}
	if addErrors(errs, apperr.Join(problems...), nil) {
		s.invalid(c, "vetting_import", page, errs)
		return
	}
	d.File = filepath.Base(fh.Filename)
	f, err := fh.Open()
	if err != nil {
		s.serverError(c, err)
		return
	}
	defer f.Close()
	res, err := powers.Import(c.Request.Context(), s.store, powers.Vetting, f, powers.ImportOptions{Force: d.Force, Source: d.File, By: u.Email})
	switch {
	case addFileErrors(errs, d.File, err): // each wrong line (powers.FileError)
		s.invalid(c, "vetting_import", page, errs)
		return
	case powers.IsRefusal(err):
		addErrors(errs, apperr.Invalidf("file", "%s: %s", d.File, err.Error()), nil)
		s.invalid(c, "vetting_import", page, errs)
		return
	case err != nil:
		s.serverError(c, err)
		return
	}
	var months []string
	for _, m := range res.ByMonth {
		months = append(months, m.Month)
	}
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditDataImported, Target: powers.Vetting.Kind + ":" + res.Force,
		Detail: fmt.Sprintf("%s: %d rows, months %s", d.File, res.Rows, strings.Join(months, ", "))})
	d.Result = res
	s.render(c, http.StatusOK, "vetting_import", page)
}
