package server

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"candour/powers"
	"candour/stats"
	"candour/store"
)

// powerPage is what the monitor of one activity (powers.Dataset) shows,
// signed in or public.
type powerPage struct {
	Dataset    *powers.Dataset
	Others     []*powers.Dataset // the other activities, for links
	Public     bool
	Forces     []string
	Months     []string
	Force      string
	From, To   string
	Report     *powers.Report
	Sentences  []string
	RatioChart template.HTML
	Rows       []powerRow
	Breakdowns []monitorBreakdown
	Published  *store.PowerPublication
	CanImport  bool
	CanPublish bool
	CanSample  bool
	Empty      string
	Heading    string
	Stale      string
	Quality    []qualityItem
	Focus      *powerFocus // a subset shown first (children's strip searches)
	// Denominator says which population the rates are per 1,000 of;
	// Fallback, why residents are second best when the dataset asks for
	// another population (drivers) the force has not loaded.
	Denominator, Fallback string
	Columns               []string // the group columns of the breakdowns; none when suppressed
}

// PeriodLabel names a month or year in the period lists (monitorPeriod).
func (d *powerPage) PeriodLabel(v string) string { return periodOption(d.Dataset, v) }

// PeriodWidth is the grid column of each period list.
func (d *powerPage) PeriodWidth() string { return "one-third" }

// PublishForm is where the publish button posts (monitorPublish).
func (d *powerPage) PublishForm() monitorPublishForm {
	return monitorPublishForm{Action: "/powers/" + d.Dataset.Kind + "/publish", PublicPath: "/public/powers/" + d.Dataset.Kind}
}

// monitorPublishForm is a monitor's publish form: where it posts, the public
// page it puts the figures on, and any fields besides force and period.
type monitorPublishForm struct {
	Action, PublicPath string
	Hidden             [][2]string
}

// powerFocus is a dataset's Focus subset as shown: counts and shares by
// group, no rates.
type powerFocus struct {
	Focus     *powers.Focus
	Report    *powers.Report
	Sentences []string
	Rows      []powerRow
}

// powerRow is one line of the table of figures, as shown.
type powerRow struct {
	Group                      string
	Events, Records            string // "fewer than 10" where suppressed
	Population                 int64
	Rate, RateYear, Ratio, Gap string
	Shares                     []string
	Flag, Small, Suppressed    bool
	NotRecorded                bool
}

// monitorBreakdown is one breakdown table of a monitor (stop and search
// or another activity), as the shared partial "monitorBreakdowns" shows it.
type monitorBreakdown struct {
	Title string
	Rows  []monitorBreakdownRow
}

// monitorBreakdownRow is one value of a breakdown as shown: by group, each
// cell the count and (where there is one) the share of the group's
// records with its interval; in a dataset that suppresses, only the total.
type monitorBreakdownRow struct {
	Value string
	Cells []string // one per group, in disparityGroups order; nil when suppressed
	Total string
}

func breakdownRows(ds *powers.Dataset, rows []powers.BreakdownRow) []monitorBreakdownRow {
	var out []monitorBreakdownRow
	for _, r := range rows {
		pr := monitorBreakdownRow{Value: r.Value, Total: fmt.Sprint(r.Records)}
		if r.Value == "" {
			pr.Value = "(blank)"
		}
		if r.Hidden {
			pr.Total = "withheld"
		}
		if !ds.Suppress {
			for _, g := range disparityGroups {
				cell := fmt.Sprint(r.ByGroup[g])
				if sh, ok := r.Shares[g]; ok && sh.Estimate != nil {
					cell = fmt.Sprintf("%d (%.1f%%, %.1f%% to %.1f%%)", sh.K, *sh.Estimate*100, *sh.Low*100, *sh.High*100)
				}
				pr.Cells = append(pr.Cells, cell)
			}
		}
		out = append(out, pr)
	}
	return out
}

// dataset finds the activity named in the path, or answers 404.
func (s *Server) dataset(c *gin.Context) (*powers.Dataset, bool) {
	d, ok := powers.Lookup(c.Param("kind"))
	if !ok {
		s.notFound(c)
	}
	return d, ok
}

func otherDatasets(d *powers.Dataset) []*powers.Dataset {
	var out []*powers.Dataset
	for _, o := range powers.All() {
		if o != d {
			out = append(out, o)
		}
	}
	return out
}

// powerView shows one activity's disparity figures for a force and period
// chosen with a GET form; the figures come from the monthly counters.
func (s *Server) powerView(c *gin.Context) {
	ds, ok := s.dataset(c)
	if !ok {
		return
	}
	u := currentUser(c)
	d := &powerPage{Dataset: ds, Others: otherDatasets(ds), Force: c.Query("force"),
		CanImport: allowed(u.Role, "powers.import"), CanPublish: allowed(u.Role, "powers.publish"),
		CanSample: ds.Samples && allowed(u.Role, "disparity.sample")}
	page := &Page{Title: ds.Title + ": disparity by ethnic group", Data: d}
	s.powerFill(c, page, d, c.Query("from"), c.Query("to"), http.StatusOK)
}

// powerFill chooses the force and period (from what is stored, keeping a
// valid choice), builds the report and renders with status.
func (s *Server) powerFill(c *gin.Context, page *Page, d *powerPage, from, to string, status int) {
	ctx := c.Request.Context()
	forces, err := s.powers.PowerForces(ctx, d.Dataset.StoreKind())
	if err != nil {
		s.serverError(c, err)
		return
	}
	for f := range forces {
		d.Forces = append(d.Forces, f)
	}
	sort.Strings(d.Forces)
	if _, ok := forces[d.Force]; !ok {
		if d.Force != "" && !d.Public {
			page.errors().Add("force", "Choose a force from the list")
			status = http.StatusUnprocessableEntity
		}
		d.Force = ""
		if len(d.Forces) > 0 {
			d.Force = d.Forces[0]
		}
	}
	d.Months = forces[d.Force].Months
	if len(d.Months) == 0 {
		d.Empty = fmt.Sprintf("No %s have been imported yet.", d.Dataset.Base)
		if d.Dataset.From != "" {
			d.Empty = "No stop and search records have been imported yet: these figures come from them."
		}
		s.render(c, status, "power", page)
		return
	}
	d.From, d.To = d.Months[0], d.Months[len(d.Months)-1]
	if from != "" || to != "" {
		if !validPeriod(d.Dataset, from) || !validPeriod(d.Dataset, to) || from > to {
			page.errors().Add("from", "Choose a first month that is the same as or before the last month")
			status = http.StatusUnprocessableEntity
		} else {
			d.From, d.To = from, to
		}
	}
	if d.Published == nil {
		d.Published, _ = s.publication(c, d.Dataset.Kind, d.Force) // a page without its "Published" line rather than none
	}
	rep, err := s.powers.PowerReport(ctx, d.Dataset, d.Force, d.From, d.To)
	if errors.Is(err, powers.ErrNoPopulation) {
		d.Empty = "The Census population for this force has not been loaded, so rates cannot be worked out. A coordinator can load it on the stop and search import page."
		s.render(c, status, "power", page)
		return
	}
	if err != nil {
		s.serverError(c, err)
		return
	}
	d.Report = rep
	if len(rep.Stale) > 0 {
		var ms []string
		for _, m := range rep.Stale {
			ms = append(ms, monthLabel(m))
		}
		d.Stale = "These months were imported before Candour counted this and are left out: " + strings.Join(ms, ", ") + ". Import their files again to include them."
	}
	if rep.Events == 0 && rep.Records == 0 {
		d.Empty = fmt.Sprintf("There are no %s with data in this period.", d.Dataset.Base)
		s.render(c, status, "power", page)
		return
	}
	d.Heading = rep.ForceName + ": " + rep.Period
	d.Sentences = powers.Sentences(rep)
	if !d.Dataset.Suppress {
		d.Columns = disparityGroups
	}
	if f := rep.Focus; f != nil {
		d.Focus = &powerFocus{Focus: d.Dataset.Focus, Report: f, Rows: powerRows(f)}
		if f.Events > 0 {
			d.Focus.Sentences = powers.Sentences(f)
		}
	}
	d.Denominator, d.Fallback = denominator(rep)
	d.Rows = powerRows(rep)
	d.RatioChart = powerForest(rep)
	for _, col := range d.Dataset.Columns {
		if col.Breakdown {
			d.Breakdowns = append(d.Breakdowns, monitorBreakdown{Title: "By " + strings.ToLower(col.Name), Rows: breakdownRows(d.Dataset, rep.Breakdowns[col.Name])})
		}
	}
	if t := d.Dataset.Table; t != nil {
		d.Breakdowns = append(d.Breakdowns, monitorBreakdown{Title: "By " + strings.ToLower(t.Category), Rows: breakdownRows(d.Dataset, rep.Breakdowns[t.Category])})
	}
	d.Quality = powerQuality(rep, d.Published, d.Public)
	s.render(c, status, "power", page)
}

// validPeriod checks a month (YYYY-MM), or a financial year (2019-20) for
// a yearly dataset.
func validPeriod(ds *powers.Dataset, v string) bool {
	if ds.Yearly {
		return powers.CheckYear(v) == nil
	}
	return monthPattern.MatchString(v)
}

// periodOption names a month or a financial year in a list.
func periodOption(ds *powers.Dataset, v string) string {
	if ds.Yearly {
		return strings.TrimPrefix(powers.YearLabel(v), "the ")
	}
	return monthLabel(v)
}

// errors returns the page's form errors, creating them.
func (p *Page) errors() *formErrors {
	if p.Errors == nil {
		p.Errors = &formErrors{}
	}
	return p.Errors
}

func powerRows(rep *powers.Report) []powerRow {
	var rows []powerRow
	for _, g := range rep.Groups {
		r := powerRow{Group: g.Group, Population: g.Population, Flag: g.Flag, Small: g.Small, Suppressed: g.Suppressed,
			Events: fmt.Sprint(g.Events), Records: fmt.Sprint(g.Records)}
		if g.Suppressed {
			r.Events, r.Records = "withheld", "withheld"
			if stats.Suppressed(g.Events) {
				r.Events = "fewer than 10"
			}
		}
		r.Rate, r.RateYear = fixedText(g.Rate, 3), fixedText(g.RateYear, 3)
		if g.NotRecorded {
			r.Events, r.Records, r.NotRecorded = "not recorded", "not recorded", true
		}
		switch {
		case g.Group == string(stats.White) && g.Ratio != nil:
			r.Ratio = "1 (the comparison)"
		case g.Ratio == nil:
			r.Ratio = "–"
		case g.RatioLow == nil:
			r.Ratio = fmt.Sprintf("%.2f (no interval)", *g.Ratio)
		default:
			r.Ratio = fmt.Sprintf("%.2f (%.1f to %.1f)", *g.Ratio, *g.RatioLow, *g.RatioHigh)
		}
		r.Gap = "–"
		if g.Gap != nil {
			r.Gap = fmt.Sprintf("%+.3f (%+.3f to %+.3f)", *g.Gap, *g.GapLow, *g.GapHigh)
		}
		for _, sh := range g.Shares {
			switch {
			case sh.Suppressed:
				r.Shares = append(r.Shares, "fewer than 10")
			case sh.Estimate == nil:
				r.Shares = append(r.Shares, "–")
			default:
				r.Shares = append(r.Shares, fmt.Sprintf("%.1f%% (%.1f%% to %.1f%%), %d of %d", *sh.Estimate*100, *sh.Low*100, *sh.High*100, sh.K, sh.N))
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// powerForest draws each group's ratio to White with its interval.
func powerForest(rep *powers.Report) template.HTML {
	var rows []forestRow
	var words []string
	for _, g := range rep.Groups {
		if g.Group == string(stats.White) {
			continue
		}
		fr := forestRow{Label: g.Group}
		if g.Ratio != nil {
			fr.Ratio, fr.HasRatio = *g.Ratio, true
		}
		if g.RatioLow != nil {
			fr.Low, fr.High, fr.HasCI = max(*g.RatioLow, 0.01), *g.RatioHigh, true
			words = append(words, fmt.Sprintf("%s %.2f (%.2f to %.2f)", g.Group, *g.Ratio, *g.RatioLow, *g.RatioHigh))
		} else {
			words = append(words, g.Group+": no figure")
		}
		rows = append(rows, fr)
	}
	return forestPlot("ratios", rep.Dataset.Title+": how many times as likely as White people, with 95% intervals",
		"Forest plot on a log scale with a line at 1 (the same as White people). "+strings.Join(words, "; ")+". The table gives the same figures.", rows)
}

// denominator says which population a report's rates are per 1,000 of,
// and, when the dataset asked for another that the force has not loaded
// (vehicle stops: drivers), why residents are second best.
func denominator(rep *powers.Report) (which, fallback string) {
	p := rep.Population
	loaded := p.ImportedAt.In(london).Format("2 January 2006")
	if rep.PerWhom() == "drivers" {
		return fmt.Sprintf("Rates are per 1,000 drivers: %s, %s (from %s, loaded %s).", p.Made, p.Period, p.Source, loaded), ""
	}
	which = fmt.Sprintf("Rates are per 1,000 residents: Census 2021 usual residents of the force area (from %s, loaded %s).", p.Source, loaded)
	if rep.Missing != "" {
		fallback = rep.Dataset.Fallback
	}
	return which, fallback
}

// powerQuality is the quality statement of an activity's page, in the
// manner of the Code of Practice for Statistics.
func powerQuality(rep *powers.Report, pub *store.PowerPublication, public bool) []qualityItem {
	ds := rep.Dataset
	var areas []string
	for _, a := range rep.Population.Areas {
		areas = append(areas, fmt.Sprintf("%s (%s, %d residents)", a.Name, a.Code, a.Residents))
	}
	when := "Each record is counted in the month of its date in UK time."
	annual := fmt.Sprintf(". Per-year rates are the period's rate × 12 ÷ %d months with data.", len(rep.MonthsWithData))
	if ds.Yearly {
		when = "Each file is one financial year (April to March)."
		annual = fmt.Sprintf(". Per-year rates are the period's rate ÷ %d years with data.", len(rep.MonthsWithData))
	}
	basis := "self-defined (as the person described it)"
	if ds.EthnicityBasis() != "self-defined" {
		basis = ds.EthnicityBasis()
	}
	per := "Rates are per 1,000 Census 2021 usual residents (table TS021) of " + strings.Join(areas, " and ") + ", from " + rep.Population.Source + annual
	population := "Residents are the people who live in the area; people who visit or travel through it are in the records but not the population."
	loaded := "Population loaded"
	if p := rep.Population; rep.PerWhom() == "drivers" {
		per = fmt.Sprintf("Rates are per 1,000 drivers in the %s police force area as the force gave them: %s, %s, from %s: %d drivers in the five groups (%d more with no ethnicity recorded are in no group's figure)%s",
			p.ForceName, p.Made, p.Period, p.Source, p.Total, p.NotStated, annual)
		population = "The drivers are the force's own figures, not a published count Candour can check: the 95% intervals allow for chance in the number of " + ds.Many +
			", not for any error in the number of drivers. People stopped may live elsewhere, and some drive far more than others."
		loaded = "Drivers loaded"
	}
	cover := []string{
		fmt.Sprintf("%s for %s, %s: %d %s in all, of which %d %s. %s",
			ds.Title, rep.ForceName, rep.Period, rep.Records, ds.Base, rep.Events, ds.Many, when),
		"Records come from " + ds.Source + ".",
		"Ethnicity is " + basis + ", in the five Census 2021 groups; records with none are counted as not stated, never dropped.",
		per,
	}
	cannot := append([]string{
		"Records count events, not people: someone involved twice is counted twice.",
		population,
		"The figures show differences, not their causes.",
	}, ds.Cannot...)
	if rep.Missing != "" {
		cannot = append(cannot, ds.Fallback)
	}
	small := []string{
		"Each ratio to White people has a 95% interval (the Wald method on the log scale; with no events, 0.5 is added to each count). The gap in rates has a 95% interval by Newcombe's method. Shares have Wilson intervals.",
		"A difference is called clear only when the ratio's interval leaves out 1 and the gap's interval leaves out 0.",
		"Figures resting on fewer than 10 records are marked and should not be read alone.",
	}
	if ds.Suppress {
		small = append(small, "These records are not published elsewhere, so any count from 1 to 9 is shown as “fewer than 10” and nothing is worked out from it, as for surveys.")
	}
	changed := []string{fmt.Sprintf("%s %s.", loaded, rep.Population.ImportedAt.In(london).Format("2 January 2006"))}
	if !rep.DataAt.IsZero() {
		changed = append(changed, fmt.Sprintf("Records for this period last imported %s.", rep.DataAt.In(london).Format("2 January 2006")))
	}
	if pub != nil && public {
		changed = append(changed, fmt.Sprintf("This period was published on %s.", pub.PublishedAt.In(london).Format("2 January 2006")))
	}
	return []qualityItem{
		{"What these figures cover", cover},
		{"What the data cannot show", cannot},
		{"Small numbers and uncertainty", small},
		{"What changed when", changed},
	}
}

// publicPower shows an activity's published period to anyone.
func (s *Server) publicPower(c *gin.Context) {
	ds, ok := s.dataset(c)
	if !ok {
		return
	}
	pub, err := s.publication(c, ds.Kind, c.Query("force"))
	if err != nil {
		s.serverError(c, err)
		return
	}
	d := &powerPage{Dataset: ds, Public: true, Published: pub}
	page := &Page{Title: ds.Title + ": disparity by ethnic group", Data: d}
	if d.Published == nil {
		d.Empty = "No figures have been published yet."
		s.render(c, http.StatusOK, "power", page)
		return
	}
	d.Force = d.Published.Force
	s.powerFill(c, page, d, d.Published.From, d.Published.To, http.StatusOK)
}

// tableGroups lists a table layout's group columns in order, for the
// import page's description of the file.
func tableGroups(ds *powers.Dataset) []string {
	var gs []string
	for h := range ds.Table.Groups {
		gs = append(gs, h)
	}
	sort.Strings(gs)
	return gs
}
