package server

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"candour/disparity"
	"candour/stats"
	"candour/store"
)

// disparityPage is what the disparity template shows, signed in or public.
type disparityPage struct {
	Public     bool
	Forces     []string
	Months     []string
	Force      string
	From, To   string
	Basis      string
	Report     *disparity.Report
	Sentences  []string
	RateChart  template.HTML
	RatioChart template.HTML
	TrendChart template.HTML
	Breakdowns []breakdownTable
	Published  *store.DisparityPublication
	CanImport  bool
	CanPublish bool
	CanSample  bool
	Empty      string // why there is no report
}

type breakdownTable struct {
	Title string
	Rows  []disparity.BreakdownRow
}

var monthPattern = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

// disparityView shows stop-and-search disparity for a force and period,
// chosen with a GET form; the figures come from the monthly counters.
func (s *Server) disparityView(c *gin.Context) {
	ctx := c.Request.Context()
	u := currentUser(c)
	forces, err := s.store.PowerForces(ctx, store.PowerStopSearch)
	if err != nil {
		s.serverError(c, err)
		return
	}
	d := disparityPage{Basis: c.DefaultQuery("ethnicity", disparity.SelfDefined), Force: c.Query("force"),
		CanImport: allowed(u.Role, "disparity.import"), CanPublish: allowed(u.Role, "disparity.publish"),
		CanSample: allowed(u.Role, "disparity.sample")}
	for f := range forces {
		d.Forces = append(d.Forces, f)
	}
	sort.Strings(d.Forces)
	if d.Force == "" && len(d.Forces) > 0 {
		d.Force = d.Forces[0]
	}
	d.Months = forces[d.Force].Months
	page := &Page{Title: "Stop and search: disparity by ethnic group", Data: &d}
	if len(d.Months) == 0 {
		d.Empty = "No stop and search data has been imported yet."
		s.render(c, http.StatusOK, "disparity", page)
		return
	}
	d.From, d.To = c.DefaultQuery("from", d.Months[0]), c.DefaultQuery("to", d.Months[len(d.Months)-1])
	errs := &formErrors{}
	if !monthPattern.MatchString(d.From) {
		errs.Add("from", "Choose the first month from the list")
	}
	if !monthPattern.MatchString(d.To) {
		errs.Add("to", "Choose the last month from the list")
	}
	if !errs.Any() && d.From > d.To {
		errs.Add("from", "The first month must be the same as or before the last month")
	}
	if d.Basis != disparity.SelfDefined && d.Basis != disparity.OfficerDefined {
		errs.Add("ethnicity", "Choose self-defined or officer-defined ethnicity")
	}
	if _, ok := forces[d.Force]; !ok {
		errs.Add("force", "Choose a force from the list")
	}
	if errs.Any() {
		s.invalid(c, "disparity", page, errs)
		return
	}
	if pubs, err := s.store.DisparityPublications(ctx); err == nil {
		for i := range pubs {
			if pubs[i].ID == d.Force {
				d.Published = &pubs[i]
			}
		}
	}
	s.fillDisparity(c, page, &d)
}

// fillDisparity builds the report, charts and sentences and renders.
func (s *Server) fillDisparity(c *gin.Context, page *Page, d *disparityPage) {
	rep, err := disparity.Build(c.Request.Context(), s.store, d.Force, d.From, d.To, d.Basis)
	if errors.Is(err, disparity.ErrNoPopulation) {
		d.Empty = "The Census population for this force has not been loaded, so rates cannot be worked out. A coordinator can load it on the import page."
		s.render(c, http.StatusOK, "disparity", page)
		return
	}
	if err != nil {
		s.serverError(c, err)
		return
	}
	d.Report = rep
	if rep.Searches == 0 {
		d.Empty = "There are no searches recorded in this period."
		s.render(c, http.StatusOK, "disparity", page)
		return
	}
	d.Sentences = disparity.Sentences(rep)
	basis := "self-defined"
	if d.Basis == disparity.OfficerDefined {
		basis = "officer-defined"
	}
	var rates []bar
	var ratios []forestRow
	var parts []string
	for _, g := range rep.Groups {
		b := bar{Label: g.Group, Text: "no figure"}
		if g.RatePer1000 != nil {
			b.Value, b.Text = *g.RatePer1000, fmt.Sprintf("%.2f", *g.RatePer1000)
			parts = append(parts, fmt.Sprintf("%s %.2f", g.Group, *g.RatePer1000))
		}
		rates = append(rates, b)
		fr := forestRow{Label: g.Group}
		if g.RatioToWhite != nil {
			fr.Ratio, fr.HasRatio = *g.RatioToWhite, true
		}
		if g.RatioCILow != nil {
			fr.Low, fr.High, fr.HasCI = *g.RatioCILow, *g.RatioCIHigh, true
		}
		ratios = append(ratios, fr)
	}
	period := monthLabel(rep.From) + " to " + monthLabel(rep.To)
	d.RateChart = barChart("rates", "Searches per 1,000 residents by ethnic group ("+basis+"), "+period,
		"Bar chart. "+strings.Join(parts, "; ")+". The table below gives the same figures.", rates)
	d.RatioChart = forestPlot("ratios", "How many times as likely as White people to be searched, with 95% intervals",
		"Forest plot on a log scale with a line at 1 (the same as White people). "+strings.Join(d.Sentences[:len(d.Sentences)-1], " "), ratios)
	var months []bar
	var mparts []string
	for _, m := range rep.Months {
		months = append(months, bar{Label: monthLabel(m.Month), Value: float64(m.Searches), Text: fmt.Sprint(m.Searches)})
		mparts = append(mparts, fmt.Sprintf("%s %d", monthLabel(m.Month), m.Searches))
	}
	d.TrendChart = barChart("trend", "Searches by month", "Bar chart. "+strings.Join(mparts, "; ")+".", months)
	for _, bd := range []struct{ key, title string }{
		{"legislation", "By legislation"}, {"object", "By object of search"}, {"outcome", "By outcome"},
		{"age", "By age range"}, {"gender", "By gender"},
	} {
		d.Breakdowns = append(d.Breakdowns, breakdownTable{Title: bd.title, Rows: rep.Breakdowns[bd.key]})
	}
	s.render(c, http.StatusOK, "disparity", page)
}

// monthLabel turns 2019-01 into "January 2019".
func monthLabel(m string) string {
	names := []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	if !monthPattern.MatchString(m) {
		return m
	}
	var mm int
	fmt.Sscanf(m[5:], "%d", &mm)
	return names[mm-1] + " " + m[:4]
}

// publicDisparity shows each force's published period to anyone.
func (s *Server) publicDisparity(c *gin.Context) {
	ctx := c.Request.Context()
	pubs, err := s.store.DisparityPublications(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	d := disparityPage{Public: true}
	page := &Page{Title: "Stop and search: disparity by ethnic group", Data: &d}
	force := c.Query("force")
	for i := range pubs {
		if force == "" || pubs[i].ID == force {
			d.Published = &pubs[i]
			break
		}
	}
	if d.Published == nil {
		d.Empty = "No figures have been published yet."
		s.render(c, http.StatusOK, "disparity", page)
		return
	}
	d.Force, d.From, d.To, d.Basis = d.Published.ID, d.Published.From, d.Published.To, d.Published.Ethnicity
	s.fillDisparity(c, page, &d)
}

// groupCount reads one group's count from a breakdown row (templates).
func groupCount(row disparity.BreakdownRow, group string) int64 { return row.ByGroup[group] }

var disparityGroups = func() []string {
	var gs []string
	for _, g := range stats.Groups {
		gs = append(gs, string(g))
	}
	return append(gs, string(stats.NotStated))
}()
