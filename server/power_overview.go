package server

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"candour/disparity"
	"candour/powers"
	"candour/stats"
	"candour/store"
)

// overviewPage is "disparity across our powers": each activity's headline
// ratio for Black and for Asian people, on one forest plot and in a table
// with the same figures.
type overviewPage struct {
	Public bool
	Forces []string
	Force  string
	Rows   []overviewRow
	Chart  template.HTML
	Empty  string
}

// overviewRow is one activity's headline figures.
type overviewRow struct {
	Activity, Href, Period string
	Black, Asian           overviewRatio
	Missing                string // why there are no figures
}

// overviewRatio is one group's ratio to White, as shown.
type overviewRatio struct {
	Text      string // "9.48 (4.41 to 20.37)"
	Note      string // "clear difference", "fewer than 10", "not recorded"
	Flag      bool
	Ratio     *float64
	Low, High *float64
}

// powerOverview shows every activity's headline figures for a force: for
// each, its latest 12 months with data (or latest financial year).
func (s *Server) powerOverview(c *gin.Context) {
	ctx := c.Request.Context()
	d := &overviewPage{Force: c.Query("force")}
	page := &Page{Title: "Disparity across our powers", Data: d}
	forces := map[string]bool{}
	kinds := map[string]store.PowerIndex{}
	for _, kind := range overviewKinds() {
		fs, err := s.store.PowerForces(ctx, kind)
		if err != nil {
			s.serverError(c, err)
			return
		}
		for f, ix := range fs {
			forces[f] = true
			kinds[kind+"/"+f] = ix
		}
	}
	d.Forces, d.Force = chooseForce(forces, d.Force)
	if d.Force == "" {
		d.Empty = "No data has been imported yet."
		s.render(c, http.StatusOK, "power_overview", page)
		return
	}
	latest := func(kind string, yearly bool) (string, string) {
		ms := kinds[kind+"/"+d.Force].Months
		if len(ms) == 0 {
			return "", ""
		}
		n := 12
		if yearly {
			n = 1
		}
		return ms[max(0, len(ms)-n)], ms[len(ms)-1]
	}
	from, to := latest(store.PowerStopSearch, false)
	d.Rows = append(d.Rows, s.stopSearchHeadline(c, d.Force, from, to, disparity.SelfDefined, "/disparity"))
	for _, ds := range powers.All() {
		from, to := latest(ds.StoreKind(), ds.Yearly)
		d.Rows = append(d.Rows, s.powerHeadline(c, ds, d.Force, from, to, "/powers/"+ds.Kind))
	}
	s.renderOverview(c, page, d)
}

// publicPowerOverview is the overview of what coordinators have published,
// each activity with its published period.
func (s *Server) publicPowerOverview(c *gin.Context) {
	ctx := c.Request.Context()
	d := &overviewPage{Public: true, Force: c.Query("force")}
	page := &Page{Title: "Disparity across our powers", Data: d}
	pubs, err := s.store.DisparityPublications(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	published := map[string][2]string{} // kind/force → from, to
	forces := map[string]bool{}
	basis := map[string]string{}
	for _, p := range pubs {
		published[store.PowerStopSearch+"/"+p.ID] = [2]string{p.From, p.To}
		basis[p.ID] = p.Ethnicity
		forces[p.ID] = true
	}
	for _, ds := range powers.All() {
		ps, err := s.store.PowerPublications(ctx, ds.Kind)
		if err != nil {
			s.serverError(c, err)
			return
		}
		for _, p := range ps {
			published[ds.Kind+"/"+p.Force] = [2]string{p.From, p.To}
			forces[p.Force] = true
		}
	}
	d.Forces, d.Force = chooseForce(forces, d.Force)
	if d.Force == "" {
		d.Empty = "No figures have been published yet."
		s.render(c, http.StatusOK, "power_overview", page)
		return
	}
	ss := published[store.PowerStopSearch+"/"+d.Force]
	d.Rows = append(d.Rows, s.stopSearchHeadline(c, d.Force, ss[0], ss[1], basis[d.Force], "/public/stop-and-search?force="+d.Force))
	for _, ds := range powers.All() {
		p := published[ds.Kind+"/"+d.Force]
		d.Rows = append(d.Rows, s.powerHeadline(c, ds, d.Force, p[0], p[1], "/public/powers/"+ds.Kind+"?force="+d.Force))
	}
	s.renderOverview(c, page, d)
}

// stopSearchHeadline is stop and search's line (from disparity/).
func (s *Server) stopSearchHeadline(c *gin.Context, force, from, to, basis, href string) overviewRow {
	row := overviewRow{Activity: "Stop and search", Href: href}
	if from == "" {
		row.Missing = "no figures"
		return row
	}
	rep, err := disparity.Build(c.Request.Context(), s.store, force, from, to, basis)
	if err != nil {
		row.Missing = missingText(err)
		return row
	}
	row.Period = rep.Period
	for _, g := range rep.Groups {
		r := overviewRatio{Ratio: g.RatioToWhite, Low: g.RatioCILow, High: g.RatioCIHigh, Flag: g.Flag}
		if g.SmallCount {
			r.Note = "fewer than 10"
		}
		switch g.Group {
		case string(stats.Black):
			row.Black = ratioCell(r)
		case string(stats.Asian):
			row.Asian = ratioCell(r)
		}
	}
	return row
}

// powerHeadline is one powers/ activity's line.
func (s *Server) powerHeadline(c *gin.Context, ds *powers.Dataset, force, from, to, href string) overviewRow {
	row := overviewRow{Activity: ds.Title, Href: href}
	if from == "" {
		row.Missing = "no figures"
		return row
	}
	rep, err := powers.Build(c.Request.Context(), s.store, ds, force, from, to)
	if err != nil {
		row.Missing = missingText(err)
		return row
	}
	if len(rep.MonthsWithData) == 0 {
		row.Missing = "no data in the period"
		return row
	}
	row.Period = rep.Period
	for _, g := range rep.Groups {
		r := overviewRatio{Ratio: g.Ratio, Low: g.RatioLow, High: g.RatioHigh, Flag: g.Flag}
		switch {
		case g.NotRecorded:
			r.Note = "not recorded"
		case g.Suppressed:
			r.Note = "withheld: fewer than 10"
		case g.Small:
			r.Note = "fewer than 10"
		}
		switch g.Group {
		case string(stats.Black):
			row.Black = ratioCell(r)
		case string(stats.Asian):
			row.Asian = ratioCell(r)
		}
	}
	return row
}

func missingText(err error) string {
	if errors.Is(err, disparity.ErrNoPopulation) {
		return "no Census population loaded"
	}
	return "no figures"
}

func ratioCell(r overviewRatio) overviewRatio {
	switch {
	case r.Ratio == nil:
		r.Text = "–"
	case r.Low == nil:
		r.Text = fmt.Sprintf("%.2f (no interval)", *r.Ratio)
	default:
		r.Text = fmt.Sprintf("%.2f (%.2f to %.2f)", *r.Ratio, *r.Low, *r.High)
	}
	if r.Flag && r.Note != "" {
		r.Note = "clear difference; " + r.Note
	} else if r.Flag {
		r.Note = "clear difference"
	}
	return r
}

// renderOverview draws the forest plot from the same figures as the table.
func (s *Server) renderOverview(c *gin.Context, page *Page, d *overviewPage) {
	var rows []forestRow
	var words []string
	for _, r := range d.Rows {
		for _, g := range []struct {
			name string
			r    overviewRatio
		}{{"Black", r.Black}, {"Asian", r.Asian}} {
			fr := forestRow{Label: r.Activity + ": " + g.name}
			if g.r.Ratio != nil {
				fr.Ratio, fr.HasRatio = *g.r.Ratio, true
			}
			if g.r.Low != nil {
				fr.Low, fr.High, fr.HasCI = max(*g.r.Low, 0.01), *g.r.High, true
			}
			rows = append(rows, fr)
			text := g.r.Text
			if r.Missing != "" {
				text = r.Missing
			}
			words = append(words, fmt.Sprintf("%s, %s people: %s", r.Activity, g.name, text))
		}
	}
	d.Chart = forestPlotLabels("overview", "How many times as likely as White people, for Black and for Asian people, in each activity, with 95% intervals",
		"Forest plot on a log scale with a line at 1 (the same as White people). "+strings.Join(words, "; ")+". The table gives the same figures.", rows, 330)
	s.render(c, http.StatusOK, "power_overview", page)
}

// overviewKinds are the store kinds whose forces the overview lists.
func overviewKinds() []string {
	kinds := []string{store.PowerStopSearch}
	for _, ds := range powers.All() {
		if ds.From == "" {
			kinds = append(kinds, ds.Kind)
		}
	}
	return kinds
}

// chooseForce lists the forces in order and picks the one asked for, or
// the first when it has no figures ("" when there are none).
func chooseForce[V any](forces map[string]V, asked string) ([]string, string) {
	var list []string
	for f := range forces {
		list = append(list, f)
	}
	sort.Strings(list)
	if _, ok := forces[asked]; ok {
		return list, asked
	}
	if len(list) > 0 {
		return list, list[0]
	}
	return list, ""
}
