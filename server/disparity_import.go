package server

import (
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/disparity"
	"candour/powers"
	"candour/store"
)

// MaxUploadBytes caps an import upload (a year of one force's files is a
// few megabytes).
const MaxUploadBytes = 32 << 20

type importResultView struct {
	File   string
	Result *powers.ImportResult
	Error  string
}

type importPage struct {
	Results         []importResultView
	Population      *store.Population
	Force           string // as typed
	Override        bool
	PopulationForce string // as typed
	// Drivers is a force's drivers by ethnic group just loaded; the rest
	// is the drivers form as typed.
	Drivers                                  *store.Population
	DriversForce, DriversMade, DriversPeriod string
}

func (s *Server) disparityImportForm(c *gin.Context) {
	s.render(c, http.StatusOK, "disparity_import", &Page{Title: "Import stop and search data", Data: &importPage{}})
}

// disparityImport stores uploaded police.uk files and shows what each
// import found. Every file is checked first (its force and every line):
// if any is refused, none is stored and the page says why, with 422.
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
	d := &importPage{Force: strings.TrimSpace(c.PostForm("force")), Override: c.PostForm("force-override") == "true"}
	page := &Page{Title: "Import stop and search data", Data: d}
	var files []*multipart.FileHeader
	if form != nil {
		files = form.File["files"]
	}
	if len(files) == 0 {
		s.formAgain(c, "disparity_import", page, apperr.Invalidf("files", "Choose one or more police.uk stop and search CSV files"))
		return
	}
	opts := func(fh *multipart.FileHeader) powers.ImportOptions {
		return powers.ImportOptions{Force: d.Force, ForceOverride: d.Override, Source: filepath.Base(fh.Filename), By: u.Email}
	}
	var problems []*apperr.Error
	for _, fh := range files {
		name := filepath.Base(fh.Filename)
		// One line per file, so every file's problem is named. A force
		// that disagrees with the file name is asked about in this page's
		// words: the box to tick.
		if m, wrong := (disparity.ImportOptions{Force: d.Force, ForceOverride: d.Override, Source: name}).Mismatch(); wrong {
			problems = append(problems, apperr.Invalidf("force", "%s is named as %s's data, but you entered %s: check which force it is, or tick “Use the force I entered”", name, m.FileForce, m.Given))
			continue
		}
		if _, err := powers.StopSearch.FileForce(opts(fh)); err != nil {
			problems = append(problems, apperr.Invalidf("force", "%s: %s", name, err.Error()))
			continue
		}
		f, err := fh.Open()
		if err != nil {
			s.serverError(c, err)
			return
		}
		err = powers.Check(powers.StopSearch, f, opts(fh))
		f.Close()
		if apperr.Is(err, apperr.Invalid) {
			problems = append(problems, apperr.Invalidf("files", "%s: %s", name, err.Error()))
		} else if err != nil {
			s.serverError(c, err)
			return
		}
	}
	if len(problems) > 0 {
		s.formAgain(c, "disparity_import", page, apperr.Join(problems...))
		return
	}
	for _, fh := range files {
		rv := importResultView{File: filepath.Base(fh.Filename)}
		f, err := fh.Open()
		if err != nil {
			s.serverError(c, err)
			return
		}
		rv.Result, err = s.powers.ImportPower(c.Request.Context(), powers.StopSearch, f, opts(fh))
		f.Close()
		if err != nil {
			s.serverError(c, err) // checked above: only a fault of the system is left
			return
		}
		s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditDataImported, Target: "stop-search:" + rv.Result.Force,
			Detail: fmt.Sprintf("%s: %d rows, months %s", rv.File, rv.Result.Rows, strings.Join(rv.Result.Months, ", "))})
		d.Results = append(d.Results, rv)
	}
	s.render(c, http.StatusOK, "disparity_import", page)
}

// populationImport loads a Census 2021 TS021 table for a force.
func (s *Server) populationImport(c *gin.Context) {
	u := currentUser(c)
	d := &importPage{PopulationForce: strings.TrimSpace(c.PostForm("population-force"))}
	page := &Page{Title: "Import stop and search data", Data: d}
	force := strings.ToLower(d.PopulationForce)
	fh, err := c.FormFile("population")
	var problems []*apperr.Error
	if force == "" {
		problems = append(problems, apperr.Invalidf("population-force", "Enter the force the population is for, for example dorset"))
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.tooLarge(c)
			return
		}
		problems = append(problems, apperr.Invalidf("population", "Choose the Census 2021 TS021 CSV file"))
	}
	if len(problems) > 0 {
		s.formAgain(c, "disparity_import", page, apperr.Join(problems...))
		return
	}
	f, err := fh.Open()
	if err != nil {
		s.serverError(c, err)
		return
	}
	defer f.Close()
	p, err := s.powers.ImportPopulation(c.Request.Context(), f, force, filepath.Base(fh.Filename))
	if apperr.Is(err, apperr.Invalid) {
		s.formAgain(c, "disparity_import", page, apperr.Invalidf("population", "%s: %s", filepath.Base(fh.Filename), err.Error()))
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

// disparityPublish puts the period being viewed on the public page. A
// period that would show no figures (an unknown force, no data, no
// population) is refused with 422 and the page as it was; nothing changes.
func (s *Server) disparityPublish(c *gin.Context) {
	u := currentUser(c)
	ctx := c.Request.Context()
	var f publishForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	f.Force = strings.ToLower(strings.TrimSpace(f.Force))
	if !errs.Any() && (!monthPattern.MatchString(f.From) || !monthPattern.MatchString(f.To) || f.From > f.To) {
		errs.Add("from", "Choose a period whose first month is not after its last")
	}
	if !errs.Any() {
		_, err := s.powers.StopSearchPublishable(ctx, f.Force, f.From, f.To, f.Ethnicity)
		if apperr.Is(err, apperr.Invalid) {
			errs.Add("force", "Nothing was published: "+err.Error())
		} else if err != nil {
			s.serverError(c, err)
			return
		}
	}
	if errs.Any() {
		s.publishRefused(c, f, errs)
		return
	}
	p := &store.DisparityPublication{ID: f.Force, From: f.From, To: f.To, Ethnicity: f.Ethnicity, PublishedBy: u.Email}
	if err := s.powers.PublishDisparity(ctx, p); err != nil {
		s.serverError(c, err)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditPublished, Target: "disparity:" + f.Force,
		Detail: f.From + " to " + f.To + " (" + f.Ethnicity + "-defined)"})
	s.flash(c, "The figures for "+disparity.PeriodName(f.From, f.To)+" are now on the public page.")
	s.redirect(c, fmt.Sprintf("/disparity?force=%s&from=%s&to=%s&ethnicity=%s", f.Force, f.From, f.To, f.Ethnicity))
}

// publishRefused shows the disparity page again, with what was asked for
// where it exists, and the reason at the top (422).
func (s *Server) publishRefused(c *gin.Context, f publishForm, errs *formErrors) {
	ctx := c.Request.Context()
	u := currentUser(c)
	forces, err := s.powers.PowerForces(ctx, store.PowerStopSearch)
	if err != nil {
		s.serverError(c, err)
		return
	}
	d := disparityPage{Basis: disparity.SelfDefined, CanImport: allowed(u.Role, "disparity.import"),
		CanPublish: allowed(u.Role, "disparity.publish"), CanSample: allowed(u.Role, "disparity.sample")}
	for name := range forces {
		d.Forces = append(d.Forces, name)
	}
	sort.Strings(d.Forces)
	page := &Page{Title: "Stop and search: disparity by ethnic group", Data: &d, Errors: errs}
	if _, ok := forces[f.Force]; ok {
		d.Force = f.Force
	} else if len(d.Forces) > 0 {
		d.Force = d.Forces[0]
	}
	d.Months = forces[d.Force].Months
	if len(d.Months) == 0 {
		d.Empty = "No stop and search data has been imported yet."
		s.render(c, http.StatusUnprocessableEntity, "disparity", page)
		return
	}
	d.From, d.To = d.Months[0], d.Months[len(d.Months)-1]
	if d.Force == f.Force && monthPattern.MatchString(f.From) && monthPattern.MatchString(f.To) && f.From <= f.To {
		d.From, d.To = f.From, f.To
	}
	if f.Ethnicity == disparity.OfficerDefined {
		d.Basis = f.Ethnicity
	}
	s.fillDisparityStatus(c, page, &d, http.StatusUnprocessableEntity)
}
