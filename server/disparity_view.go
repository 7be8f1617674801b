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

	"candour/apperr"
	"candour/disparity"
	"candour/powers"
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
	Report     *powers.Report // powers.StopSearch's, by the basis on view
	Sentences  []string
	RateChart  template.HTML
	RatioChart template.HTML
	TrendChart template.HTML
	Breakdowns []monitorBreakdown
	Published  *store.DisparityPublication
	CanImport  bool
	CanPublish bool
	CanSample  bool
	Empty      string // why there is no report
	Heading    string // "Dorset: August to September 2018 (both months have data)"
	Rows       []ethnicRow
	Columns    []string // the group columns of the month and breakdown tables
	Quality    []qualityItem
}

// ethnicRow is one line of the table of figures, as shown.
type ethnicRow struct {
	Group, Note                string
	NotACategory, Flag, Small  bool
	Searches, Population       int64
	Rate, RateYear, Ratio, Gap string
	Arrest, Find               string
}

// qualityItem is one heading of the quality statement.
type qualityItem struct {
	Heading string
	Lines   []string
}

// PeriodLabel names a month in the period lists (monitorPeriod).
func (d *disparityPage) PeriodLabel(m string) string { return monthLabel(m) }

// PeriodWidth is the grid column of each period list.
func (d *disparityPage) PeriodWidth() string { return "one-quarter" }

// PublishForm is where the publish button posts (monitorPublish), with
// the ethnicity basis on view.
func (d *disparityPage) PublishForm() monitorPublishForm {
	return monitorPublishForm{Action: "/disparity/publish", Hidden: [][2]string{{"ethnicity", d.Basis}}}
}

// breakdownTable is a stop-and-search breakdown as the shared partial
// shows it: each group column's count, and the total.
func breakdownTable(title string, rows []powers.BreakdownRow, cols []string) monitorBreakdown {
	t := monitorBreakdown{Title: title}
	for _, r := range rows {
		mr := monitorBreakdownRow{Value: r.Value, Total: fmt.Sprint(r.Records)}
		if r.Value == "" {
			mr.Value = "(blank)"
		}
		for _, g := range cols {
			mr.Cells = append(mr.Cells, fmt.Sprint(r.ByGroup[g]))
		}
		t.Rows = append(t.Rows, mr)
	}
	return t
}

var monthPattern = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

// disparityView shows stop-and-search disparity for a force and period,
// chosen with a GET form; the figures come from the monthly counters.
func (s *Server) disparityView(c *gin.Context) {
	ctx := c.Request.Context()
	u := currentUser(c)
	forces, err := s.powers.PowerForces(ctx, store.PowerStopSearch)
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
	var problems []*apperr.Error
	if !monthPattern.MatchString(d.From) {
		problems = append(problems, apperr.Invalidf("from", "Choose the first month from the list"))
	}
	if !monthPattern.MatchString(d.To) {
		problems = append(problems, apperr.Invalidf("to", "Choose the last month from the list"))
	}
	if len(problems) == 0 && d.From > d.To {
		problems = append(problems, apperr.Invalidf("from", "The first month must be the same as or before the last month"))
	}
	if d.Basis != disparity.SelfDefined && d.Basis != disparity.OfficerDefined {
		problems = append(problems, apperr.Invalidf("ethnicity", "Choose self-defined or officer-defined ethnicity"))
	}
	if _, ok := forces[d.Force]; !ok {
		problems = append(problems, apperr.Invalidf("force", "Choose a force from the list"))
	}
	if len(problems) > 0 {
		s.formAgain(c, "disparity", page, apperr.Join(problems...))
		return
	}
	if pubs, err := s.powers.DisparityPublications(ctx); err == nil {
		for i := range pubs {
			if pubs[i].ID == d.Force {
				d.Published = &pubs[i]
			}
		}
	}
	s.fillDisparity(c, page, &d)
}

// fillDisparity builds the report (the shared one, over stop and
// search's definition), charts and sentences and renders.
func (s *Server) fillDisparity(c *gin.Context, page *Page, d *disparityPage) {
	s.fillDisparityStatus(c, page, d, http.StatusOK)
}

func (s *Server) fillDisparityStatus(c *gin.Context, page *Page, d *disparityPage, status int) {
	rep, err := s.powers.PowerReportBasis(c.Request.Context(), powers.StopSearch, d.Force, d.From, d.To, d.Basis)
	if errors.Is(err, powers.ErrNoPopulation) {
		d.Empty = "The Census population for this force has not been loaded, so rates cannot be worked out. A coordinator can load it on the import page."
		s.render(c, status, "disparity", page)
		return
	}
	if err != nil {
		s.serverError(c, err)
		return
	}
	d.Report = rep
	if rep.Events == 0 {
		d.Empty = "There are no searches recorded in this period."
		s.render(c, status, "disparity", page)
		return
	}
	d.Sentences = powers.Sentences(rep)
	name := rep.ForceName
	if name == "" {
		name = rep.Force
	}
	d.Heading = name + ": " + rep.Period
	d.Rows = ethnicRows(rep)
	d.Columns = columns(rep)
	d.Quality = quality(rep, d.Published, d.Public)
	basis := "self-defined"
	if d.Basis == disparity.OfficerDefined {
		basis = "officer-defined"
	}
	var rates []bar
	var ratios []forestRow
	var parts []string
	for _, g := range rep.Groups {
		b := bar{Label: g.Group, Text: "no figure"}
		if g.NotRecorded {
			b.Text = "not recorded by officers"
		}
		if g.Rate != nil {
			b.Value, b.Text = *g.Rate, fmt.Sprintf("%.2f", *g.Rate)
			parts = append(parts, fmt.Sprintf("%s %.2f", g.Group, *g.Rate))
		}
		rates = append(rates, b)
		if g.NotRecorded {
			continue
		}
		fr := forestRow{Label: g.Group}
		if g.Ratio != nil {
			fr.Ratio, fr.HasRatio = *g.Ratio, true
		}
		if g.RatioLow != nil {
			// A lower end of 0 (no searches) cannot go on a log scale: the
			// line starts at the left edge, and the text says "0 to …".
			fr.Low, fr.High, fr.HasCI = max(*g.RatioLow, 0.01), *g.RatioHigh, true
		}
		ratios = append(ratios, fr)
	}
	period := rep.Period
	d.RateChart = barChart("rates", "Searches per 1,000 residents by ethnic group ("+basis+"), "+period,
		"Bar chart. "+strings.Join(parts, "; ")+". The table below gives the same figures.", rates)
	var groupSentences []string
	for _, line := range d.Sentences {
		if !strings.Contains(line, "searches (") && !strings.Contains(line, "vehicle only") {
			groupSentences = append(groupSentences, line)
		}
	}
	d.RatioChart = forestPlot("ratios", "How many times as likely as White people to be searched, with 95% intervals",
		"Forest plot on a log scale with a line at 1 (the same as White people). "+strings.Join(groupSentences, " "), ratios)
	var months []bar
	var mparts []string
	for _, m := range rep.Months {
		months = append(months, bar{Label: monthLabel(m.Month), Value: float64(m.Events), Text: fmt.Sprint(m.Events)})
		mparts = append(mparts, fmt.Sprintf("%s %d", monthLabel(m.Month), m.Events))
	}
	d.TrendChart = barChart("trend", "Searches by month", "Bar chart. "+strings.Join(mparts, "; ")+".", months)
	for _, bd := range []struct{ key, title string }{
		{"legislation", "By legislation"}, {"object", "By object of search"}, {"outcome", "By outcome"},
		{"age", "By age range"}, {"gender", "By gender"},
	} {
		d.Breakdowns = append(d.Breakdowns, breakdownTable(bd.title, rep.Breakdowns[bd.key], d.Columns))
	}
	s.render(c, status, "disparity", page)
}

// monthLabel turns 2019-01 into "January 2019".
func monthLabel(m string) string { return disparity.MonthLabel(m) }

// periodName turns 2019-01, 2019-01 into "January 2019" and 2018-08,
// 2018-09 into "August to September 2018".
func periodName(from, to string) string { return disparity.PeriodName(from, to) }

func ethnicRows(rep *powers.Report) []ethnicRow {
	var rows []ethnicRow
	for _, g := range rep.Groups {
		r := ethnicRow{Group: g.Group, NotACategory: g.NotRecorded, Flag: g.Flag, Small: g.Small, Searches: g.Events, Population: g.Population}
		if g.NotRecorded {
			r.Note = "not a category officers record"
			rows = append(rows, r)
			continue
		}
		r.Rate, r.RateYear = fixedText(g.Rate, 2), fixedText(g.RateYear, 2)
		switch {
		case g.Group == string(stats.White) && g.Ratio != nil:
			r.Ratio, r.Gap = "1 (the comparison)", "–"
		case g.Ratio == nil:
			r.Ratio, r.Gap = "no ratio", "–"
		case g.RatioLow == nil:
			r.Ratio = fmt.Sprintf("%.2f (no interval)", *g.Ratio)
		default:
			r.Ratio = fmt.Sprintf("%.2f (%.1f to %.1f)", *g.Ratio, *g.RatioLow, *g.RatioHigh)
		}
		if g.Gap != nil {
			r.Gap = fmt.Sprintf("%+.2f (%+.2f to %+.2f)", *g.Gap, *g.GapLow, *g.GapHigh)
		} else if r.Gap == "" {
			r.Gap = "–"
		}
		arrest, find := g.Share("arrest"), g.Share("find")
		r.Arrest, r.Find = rateCI(arrest.Estimate, arrest.Low, arrest.High), rateCI(find.Estimate, find.Low, find.High)
		switch {
		case g.Flag:
			r.Note = "clear difference"
		case g.Small:
			r.Note = "fewer than 10 searches"
		}
		rows = append(rows, r)
	}
	return rows
}

func vehicles(rep *powers.Report) string {
	if rep.VehicleOnly == 0 {
		return ", all of people (none of a vehicle only)"
	}
	return fmt.Sprintf(", %d of people and %d of a vehicle only", rep.PersonEvents(), rep.VehicleOnly)
}

func rateCI(p, lo, hi *float64) string {
	if p == nil {
		return "–"
	}
	return fmt.Sprintf("%.1f%% (%.1f%% to %.1f%%)", *p*100, *lo*100, *hi*100)
}

// columns are the group columns of the month and breakdown tables: the
// five groups, not stated, and the vehicle-only and unrecognised lines
// when the period has any.
func columns(rep *powers.Report) []string {
	var cols []string
	for _, g := range disparityGroups {
		if g == string(stats.Mixed) && rep.Basis == disparity.OfficerDefined && rep.Group(g).Events == 0 {
			continue // not a category officers record: never a column of zeros
		}
		cols = append(cols, g)
	}
	if rep.VehicleOnly > 0 {
		cols = append(cols, string(stats.VehicleOnly))
	}
	if rep.Unrecognised > 0 {
		cols = append(cols, string(stats.Unrecognised))
	}
	return cols
}

// quality is the short quality statement every disparity page carries, in
// the manner of the Code of Practice for Statistics: what the figures
// cover, what police.uk data cannot show, how small numbers are handled,
// and what changed when.
func quality(rep *powers.Report, pub *store.DisparityPublication, public bool) []qualityItem {
	basis := "self-defined (as the person searched described it)"
	if rep.Basis == disparity.OfficerDefined {
		basis = "officer-defined (as the officer saw it; officers record only White, Black, Asian and Other, so there is no Mixed figure)"
	}
	var areas []string
	for _, a := range rep.Population.Areas {
		areas = append(areas, fmt.Sprintf("%s (%s, %d residents)", a.Name, a.Code, a.Residents))
	}
	denominator := "Census 2021 usual residents (table TS021) of the force area, from " + rep.Population.Source
	if len(areas) > 0 {
		denominator = "Census 2021 usual residents (table TS021) of " + strings.Join(areas, " and ") + ", from " + rep.Population.Source
	}
	name := rep.ForceName
	if name == "" {
		name = rep.Force
	}
	cover := []string{
		fmt.Sprintf("Stop and search records the %s force published on police.uk for %s: %d searches%s. Each search is counted in the month of its date in UK time.",
			name, rep.Period, rep.Events, vehicles(rep)),
		"Ethnicity is " + basis + ".",
		"Rates are per 1,000 residents: " + denominator + ". Per-year rates are " + rep.AnnualBasis() + ".",
	}
	cannot := []string{
		"police.uk has one record per search, not per person: someone searched twice is counted twice, so a rate is not the share of residents who were searched.",
		"Residents are the people who live in the area. People who visit, work or travel through it can be searched but are not in the population, which can make rates in town centres look higher.",
		fmt.Sprintf("Searches with no ethnicity recorded (%.0f%% of person searches) are in no group, so each group's rate is likely to be too low by an unknown amount.", rep.NotStatedShare*100),
		"The figures show differences, not their causes. Forces can revise or withdraw records after publication.",
	}
	small := []string{
		"Each ratio to White people has a 95% interval (the Wald method on the log scale; when a group has no searches, 0.5 is added to each count so the interval still exists). The gap in rates has a 95% interval by Newcombe's method.",
		"A difference is called clear only when the ratio's interval leaves out 1 and the gap's interval leaves out 0; otherwise the page says there is no clear difference, and gives the figure.",
		"Figures resting on fewer than 10 searches are marked and should not be read alone. Arrest and find rates have Wilson intervals. No count is withheld: police.uk already publishes every record.",
	}
	changed := []string{fmt.Sprintf("Population loaded %s.", rep.Population.ImportedAt.In(london).Format("2 January 2006"))}
	if !rep.DataAt.IsZero() {
		changed = append(changed, fmt.Sprintf("Stop and search records for this period last imported %s.", rep.DataAt.In(london).Format("2 January 2006")))
	}
	if pub != nil && public {
		changed = append(changed, fmt.Sprintf("This period was published on %s.", pub.PublishedAt.In(london).Format("2 January 2006")))
	}
	return []qualityItem{
		{"What these figures cover", cover},
		{"What police.uk data cannot show", cannot},
		{"Small numbers and uncertainty", small},
		{"What changed when", changed},
	}
}

// publicDisparity shows each force's published period to anyone.
func (s *Server) publicDisparity(c *gin.Context) {
	ctx := c.Request.Context()
	pubs, err := s.powers.DisparityPublications(ctx)
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

var disparityGroups = func() []string {
	var gs []string
	for _, g := range stats.Groups {
		gs = append(gs, string(g))
	}
	return append(gs, string(stats.NotStated))
}()
