package server

import (
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/gin-gonic/gin"

	"candour/disparity"
	"candour/policeuk"
	"candour/store"
)

// MaxUploadBytes caps an import upload (a year of one force's files is a
// few megabytes).
const MaxUploadBytes = 32 << 20

type importResultView struct {
	File   string
	Result *disparity.ImportResult
	Error  string
}

type importPage struct {
	Results    []importResultView
	Population *store.Population
}

func (s *Server) disparityImportForm(c *gin.Context) {
	s.render(c, http.StatusOK, "disparity_import", &Page{Title: "Import stop and search data", Data: &importPage{}})
}

// disparityImport stores uploaded police.uk files, each whole or not at
// all, and shows what each import found.
func (s *Server) disparityImport(c *gin.Context) {
	u := currentUser(c)
	form, err := c.MultipartForm()
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.tooLarge(c)
			return
		}
	}
	d := &importPage{}
	page := &Page{Title: "Import stop and search data", Data: d}
	var files []*multipart.FileHeader
	if form != nil {
		files = form.File["files"]
	}
	if len(files) == 0 {
		errs := &formErrors{}
		errs.Add("files", "Choose one or more police.uk stop and search CSV files")
		s.invalid(c, "disparity_import", page, errs)
		return
	}
	force := strings.ToLower(strings.TrimSpace(c.PostForm("force")))
	failed := false
	for _, fh := range files {
		rv := importResultView{File: filepath.Base(fh.Filename)}
		f, err := fh.Open()
		if err != nil {
			s.serverError(c, err)
			return
		}
		rv.Result, err = disparity.ImportStopSearch(c.Request.Context(), s.store, f,
			disparity.ImportOptions{Force: force, Source: rv.File, By: u.Email})
		f.Close()
		var fe *policeuk.FormatError
		switch {
		case errors.As(err, &fe) || (err != nil && rv.Result == nil && strings.Contains(err.Error(), "say which force")):
			rv.Error, failed = err.Error(), true
		case err != nil:
			s.serverError(c, err)
			return
		default:
			s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditDataImported, Target: "stop-search:" + rv.Result.Force,
				Detail: fmt.Sprintf("%s: %d rows, months %s", rv.File, rv.Result.Rows, strings.Join(rv.Result.Months, ", "))})
		}
		d.Results = append(d.Results, rv)
	}
	status := http.StatusOK
	if failed {
		status = http.StatusUnprocessableEntity
		page.Errors = &formErrors{}
		for _, r := range d.Results {
			if r.Error != "" {
				page.Errors.Add("files", r.File+": "+r.Error)
			}
		}
	}
	s.render(c, status, "disparity_import", page)
}

// populationImport loads a Census 2021 TS021 table for a force.
func (s *Server) populationImport(c *gin.Context) {
	u := currentUser(c)
	d := &importPage{}
	page := &Page{Title: "Import stop and search data", Data: d}
	force := strings.ToLower(strings.TrimSpace(c.PostForm("population-force")))
	fh, err := c.FormFile("population")
	errs := &formErrors{}
	if force == "" {
		errs.Add("population-force", "Enter the force the population is for, for example dorset")
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.tooLarge(c)
			return
		}
		errs.Add("population", "Choose the Census 2021 TS021 CSV file")
	}
	if errs.Any() {
		s.invalid(c, "disparity_import", page, errs)
		return
	}
	f, err := fh.Open()
	if err != nil {
		s.serverError(c, err)
		return
	}
	defer f.Close()
	p, err := disparity.ImportPopulation(c.Request.Context(), s.store, f, force, filepath.Base(fh.Filename))
	var fe *policeuk.FormatError
	if errors.As(err, &fe) {
		errs.Add("population", filepath.Base(fh.Filename)+": "+err.Error())
		s.invalid(c, "disparity_import", page, errs)
		return
	}
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditDataImported, Target: "population:" + force,
		Detail: fmt.Sprintf("%s: %d residents", fh.Filename, p.Total)})
	d.Population = p
	s.render(c, http.StatusOK, "disparity_import", page)
}

type publishForm struct {
	Force     string `form:"force" binding:"required,max=100"`
	From      string `form:"from" binding:"required,len=7"`
	To        string `form:"to" binding:"required,len=7"`
	Ethnicity string `form:"ethnicity" binding:"required,oneof=self officer"`
}

func (publishForm) messages() map[string]string {
	return map[string]string{
		"force": "Choose a force", "from": "Choose the first month", "to": "Choose the last month",
		"ethnicity": "Choose self-defined or officer-defined ethnicity",
	}
}

// disparityPublish puts the period being viewed on the public page.
func (s *Server) disparityPublish(c *gin.Context) {
	u := currentUser(c)
	var f publishForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	if !errs.Any() && (!monthPattern.MatchString(f.From) || !monthPattern.MatchString(f.To) || f.From > f.To) {
		errs.Add("from", "Choose a period whose first month is not after its last")
	}
	if errs.Any() {
		s.flash(c, "Nothing was published: "+errs.Items[0].Message)
		s.redirect(c, "/disparity")
		return
	}
	p := &store.DisparityPublication{ID: f.Force, From: f.From, To: f.To, Ethnicity: f.Ethnicity, PublishedBy: u.Email}
	if err := s.store.PublishDisparity(c.Request.Context(), p); err != nil {
		s.serverError(c, err)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditPublished, Target: "disparity:" + f.Force,
		Detail: f.From + " to " + f.To + " (" + f.Ethnicity + "-defined)"})
	s.flash(c, "The figures for "+monthLabel(f.From)+" to "+monthLabel(f.To)+" are now on the public page.")
	s.redirect(c, fmt.Sprintf("/disparity?force=%s&from=%s&to=%s&ethnicity=%s", f.Force, f.From, f.To, f.Ethnicity))
}
