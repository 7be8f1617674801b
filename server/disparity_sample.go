package server

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strconv"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/disparity"
	"candour/powers"
	"candour/stats"
	"candour/store"
)

type sampleForm struct {
	Force       string `form:"force" binding:"required,max=100"`
	From        string `form:"from" binding:"required,len=7"`
	To          string `form:"to" binding:"required,len=7"`
	Legislation string `form:"legislation" binding:"max=200"`
	Group       string `form:"group" binding:"max=40"`
	Size        string `form:"size" binding:"required"`
	Removal     string `form:"removal" binding:"omitempty,oneof=true"` // only strip and intimate searches
}

func (sampleForm) messages() map[string]string {
	return map[string]string{
		"force": "Choose a force", "from": "Choose the first month", "to": "Choose the last month",
		"size.required": "Enter how many records to draw, from 1 to 50",
	}
}

type samplePage struct {
	Forces       []string
	Months       []string
	Legislations []string
	Groups       []string
	Form         sampleForm
	Sample       *store.PanelSample
	Samples      []store.PanelSample
	Attach       choiceField // the review sessions it may be attached to
	AttachedTo   string      // the visit it is attached to, as a link's text
	Verify       string      // the text the commitment hashes, shown once the seed is revealed
}

// sampleNewForm asks what to draw a panel's sample from.
func (s *Server) sampleNewForm(c *gin.Context) {
	d, ok := s.samplePageData(c)
	if !ok {
		return
	}
	if len(d.Months) > 0 {
		d.Form = sampleForm{Force: d.Forces[0], From: d.Months[len(d.Months)-1], To: d.Months[len(d.Months)-1], Size: "10"}
		if c.Query("removal") == "true" { // from the strip search monitor
			d.Form.Removal = "true"
		}
	}
	s.render(c, http.StatusOK, "disparity_sample_new", &Page{Title: "Draw records for a scrutiny panel", Data: d})
}

func (s *Server) samplePageData(c *gin.Context) (*samplePage, bool) {
	forces, err := s.powers.PowerForces(c.Request.Context(), store.PowerStopSearch)
	if err != nil {
		s.serverError(c, err)
		return nil, false
	}
	d := &samplePage{}
	for f := range forces {
		d.Forces = append(d.Forces, f)
	}
	sort.Strings(d.Forces)
	seen := map[string]bool{}
	for _, f := range d.Forces {
		for _, m := range forces[f].Months {
			if !seen[m] {
				seen[m] = true
				d.Months = append(d.Months, m)
			}
		}
		if rep, err := s.powers.PowerReport(c.Request.Context(), powers.StopSearch, f, "", ""); err == nil {
			for _, r := range rep.Breakdowns["legislation"] {
				if r.Value != "" && !seen["leg:"+r.Value] {
					seen["leg:"+r.Value] = true
					d.Legislations = append(d.Legislations, r.Value)
				}
			}
		}
	}
	sort.Strings(d.Months)
	sort.Strings(d.Legislations)
	for _, g := range stats.Groups {
		d.Groups = append(d.Groups, string(g))
	}
	d.Groups = append(d.Groups, string(stats.NotStated))
	return d, true
}

// sampleCreate draws the sample, stores it and shows it.
func (s *Server) sampleCreate(c *gin.Context) {
	u := currentUser(c)
	var f sampleForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	d, ok := s.samplePageData(c)
	if !ok {
		return
	}
	d.Form = f
	page := &Page{Title: "Draw records for a scrutiny panel", Data: d}
	// Binding's messages first; a field binding refused gets no second one.
	problems := apperr.All(errs.Err())
	size, convErr := strconv.Atoi(f.Size)
	if f.Size != "" && (convErr != nil || size < 1 || size > disparity.MaxSample) {
		problems = append(problems, apperr.Invalidf("size", "Enter how many records to draw, from 1 to 50"))
	}
	if len(problems) == 0 && (!monthPattern.MatchString(f.From) || !monthPattern.MatchString(f.To) || f.From > f.To) {
		problems = append(problems, apperr.Invalidf("from", "The first month must be the same as or before the last month"))
	}
	if f.Group != "" && !slices.Contains(d.Groups, f.Group) && errs.For("group") == "" {
		problems = append(problems, apperr.Invalidf("group", "Choose an ethnic group from the list"))
	}
	if f.Legislation != "" && !slices.Contains(d.Legislations, f.Legislation) && errs.For("legislation") == "" {
		problems = append(problems, apperr.Invalidf("legislation", "Choose a power from the list"))
	}
	if len(problems) > 0 {
		s.formAgain(c, "disparity_sample_new", page, apperr.Join(problems...))
		return
	}
	filter := disparity.SampleFilter{Force: f.Force, From: f.From, To: f.To, Legislation: f.Legislation, Group: f.Group, Size: size, Removal: f.Removal == "true"}
	// How many match decides nothing about which are drawn: the draw waits
	// for the commitment (sampleDraw).
	_, matching, err := s.powers.DrawSample(c.Request.Context(), filter, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		s.serverError(c, err)
		return
	}
	if matching == 0 {
		s.formAgain(c, "disparity_sample_new", page, apperr.Invalidf("from", "No records match: choose a longer period or fewer filters"))
		return
	}
	seed, err := disparity.NewSeed()
	if err != nil {
		s.serverError(c, err)
		return
	}
	ps := &store.PanelSample{Force: f.Force, From: f.From, To: f.To, Legislation: f.Legislation, Group: f.Group, Removal: filter.Removal,
		Size: size, DrawnBy: u.Email, Commitment: disparity.Commitment(seed, filter), Seed: seed.String()}
	if err := s.powers.CommitPanelSample(c.Request.Context(), ps); err != nil {
		s.serverError(c, err)
		return
	}
	// The audit log is hash-chained: the commitment is on record, with its
	// time, before any record is drawn.
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditSampleCommitted, Target: "sample:" + ps.ID,
		Detail: fmt.Sprintf("commitment %s, %s to %s, %d records", ps.Commitment, f.From, f.To, size)})
	s.flash(c, "The commitment is published. Show it to the panel, then draw the records.")
	s.redirect(c, "/disparity/samples/"+ps.ID)
}

// sampleShow lists a drawn sample's records for the panel, with a way to
// attach them to the panel's review session.
func (s *Server) sampleShow(c *gin.Context) {
	ps, ok := loadByID(s, c, s.powers.PanelSample)
	if !ok {
		return
	}
	s.renderSample(c, http.StatusOK, ps, ps.VisitID, &formErrors{})
}

func (s *Server) renderSample(c *gin.Context, status int, ps *store.PanelSample, visit string, errs *formErrors) {
	choices, err := s.sampleVisitChoices(c)
	if err != nil {
		s.serverError(c, err)
		return
	}
	d := &samplePage{Sample: ps, Attach: newChoices("visit", "Review session", visit, errs, choices)}
	if seed, err := disparity.ParseSeed(ps.Seed); err == nil && ps.Drawn() {
		d.Verify = disparity.CommitmentText(seed, sampleFilterOf(ps))
	}
	d.Attach.LabelSize = "s"
	d.Attach.Hint = "Members who attend it review these records from their findings, with the police.uk details filled in"
	for _, ch := range choices {
		if ps.VisitID != "" && ch.Value == ps.VisitID {
			d.AttachedTo = ch.Label
		}
	}
	s.render(c, status, "disparity_sample", &Page{Title: "Records for panel review", Data: d, Errors: errs})
}

// sampleList lists the samples drawn so far.
func (s *Server) sampleList(c *gin.Context) {
	ps, err := s.powers.PanelSamples(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.render(c, http.StatusOK, "disparity_sample_list", &Page{Title: "Records drawn for scrutiny panels", Data: &samplePage{Samples: ps}})
}
