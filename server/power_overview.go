package server

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"candour/apperr"
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
	d := &overviewPage{Force: c.Query("force")}
	page := &Page{Title: "Disparity across our powers", Data: d}
	kinds, forces, err := s.overviewIndex(c)
	if err != nil {
		s.serverError(c, err)
		return
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
	popAt, err := s.populationVersion(c, d.Force)
	if err != nil {
		s.serverError(c, err)
		return
	}
	for _, ds := range overviewDatasets() {
		from, to := latest(ds.StoreKind(), ds.Yearly)
		d.Rows = append(d.Rows, s.headline(c, ds, headlineOf{force: d.Force, from: from, to: to, basis: disparity.SelfDefined,
			version: kinds[ds.StoreKind()+"/"+d.Force].Version, population: popAt}, monitorHref(ds, false, d.Force)))
	}
	s.renderOverview(c, page, d)
}

// publicPowerOverview is the overview of what coordinators have published,
// each activity with its published period.
func (s *Server) publicPowerOverview(c *gin.Context) {
	ctx := c.Request.Context()
	d := &overviewPage{Public: true, Force: c.Query("force")}
	page := &Page{Title: "Disparity across our powers", Data: d}
	pubs, err := s.powers.DisparityPublications(ctx)
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
	all, err := s.powers.AllPowerPublications(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	for _, ds := range powers.All() {
		for _, p := range all[ds.Kind] {
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
	kinds, _, err := s.overviewIndex(c)
	if err != nil {
		s.serverError(c, err)
		return
	}
	popAt, err := s.populationVersion(c, d.Force)
	if err != nil {
		s.serverError(c, err)
		return
	}
	for _, ds := range overviewDatasets() {
		p := published[ds.Kind+"/"+d.Force]
		b := disparity.SelfDefined
		if ds == powers.StopSearch {
			b = basis[d.Force]
		}
		d.Rows = append(d.Rows, s.headline(c, ds, headlineOf{force: d.Force, from: p[0], to: p[1], basis: b,
			version: kinds[ds.StoreKind()+"/"+d.Force].Version, population: popAt}, monitorHref(ds, true, d.Force)))
	}
	s.renderOverview(c, page, d)
}

// overviewDatasets are the overview's activities in order: stop and
// search (its own monitor, /disparity), then every shared one by title.
func overviewDatasets() []*powers.Dataset {
	return append([]*powers.Dataset{powers.StopSearch}, powers.All()...)
}

// monitorHref is where an activity's line links to: its own monitor when
// it has one (stop and search's /disparity, whose public page is
// /public/stop-and-search), else the shared one.
func monitorHref(ds *powers.Dataset, public bool, force string) string {
	switch {
	case ds.OwnMonitor != "" && public:
		return "/public/stop-and-search?force=" + force
	case ds.OwnMonitor != "":
		return ds.OwnMonitor
	case public:
		return "/public/powers/" + ds.Kind + "?force=" + force
	}
	return "/powers/" + ds.Kind
}

// overviewIndex reads every kind's small index of months (with its
// version, which every import moves on) in one read, and lists the forces
// that have any of the overview's kinds.
func (s *Server) overviewIndex(c *gin.Context) (map[string]store.PowerIndex, map[string]bool, error) {
	all, err := s.powers.PowerIndexes(c.Request.Context())
	if err != nil {
		return nil, nil, err
	}
	forces := map[string]bool{}
	kinds := map[string]store.PowerIndex{}
	for _, kind := range overviewKinds() {
		for _, ix := range all[kind] {
			forces[ix.Force] = true
			kinds[kind+"/"+ix.Force] = ix
		}
	}
	return kinds, forces, nil
}

// populationVersion is when the force's populations were loaded: the
// Census residents' load time plus the drivers' (0 for one not loaded). A
// new table of either changes rates (vehicle stops are per driver when
// drivers are loaded), and every load is later than the last, so the sum
// moves on with every one.
func (s *Server) populationVersion(c *gin.Context, force string) (int64, error) {
	var v int64
	for _, of := range []string{store.Residents, store.Drivers} {
		pop, err := s.powers.PopulationOf(c.Request.Context(), of, force)
		if apperr.Is(err, apperr.NotFound) {
			continue
		}
		if err != nil {
			return 0, err
		}
		v += pop.ImportedAt.UnixNano()
	}
	return v, nil
}

// headlinesKept is how many overview lines the cache keeps (past it, it
// starts again): a line per activity, force, period and version.
const headlinesKept = 2000

// headlineOf is what one overview line depends on: the period, the basis,
// the version of the force's index of months of the activity's counters
// (moved on by every import and capture) and the populations' load times.
type headlineOf struct {
	force, from, to, basis string
	version, population    int64
}

// headline is one activity's line, worked out from its counters once per
// version of them (s.headlines): the overview is read far more often than
// data is imported, and a new import moves the version on, so a line never
// outlives the figures it came from.
func (s *Server) headline(c *gin.Context, ds *powers.Dataset, h headlineOf, href string) overviewRow {
	key := fmt.Sprintf("%s|%s|%s|%s|%s|%d|%d", ds.Kind, h.force, h.from, h.to, h.basis, h.version, h.population)
	row, err := s.headlines.Load(key, func() (overviewRow, error) {
		return s.buildHeadline(c, ds, h)
	})
	if err != nil {
		row = overviewRow{Activity: ds.Title, Missing: "no figures"}
		s.log.ErrorContext(c.Request.Context(), "overview line", "kind", ds.Kind, "force", h.force, "err", err)
	}
	row.Href = href
	return row
}

// buildHeadline works out one activity's line from the shared report.
// Errors that are about the data (no population) are the line's words.
func (s *Server) buildHeadline(c *gin.Context, ds *powers.Dataset, h headlineOf) (overviewRow, error) {
	row := overviewRow{Activity: ds.Title}
	if h.from == "" {
		row.Missing = "no figures"
		return row, nil
	}
	rep, err := s.powers.PowerHeadline(c.Request.Context(), ds, h.force, h.from, h.to, h.basis)
	if errors.Is(err, powers.ErrNoPopulation) {
		row.Missing = "no Census population loaded"
		return row, nil
	}
	if err != nil {
		return row, err
	}
	if len(rep.MonthsWithData) == 0 {
		row.Missing = "no data in the period"
		return row, nil
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
	return row, nil
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
