package server

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/stats"
	"candour/store"
)

// trendRow is one line of the panel trends: how many reviewed records,
// how many judged without reasonable grounds, how many rated red.
type trendRow struct {
	Label            string
	Records          int
	NoGrounds, Red   int
	NoGroundsPercent float64
	RedPercent       float64
	// Use-of-force records: de-escalation not attempted, person injured.
	NoDeescalation, SubjectInjured int
	NoDeescPercent, InjuredPercent float64
}

func (r *trendRow) add(c store.TrendCount) {
	r.Records += c.Records
	r.NoGrounds += c.NoGrounds
	r.Red += c.Red
	r.NoDeescalation += c.NoDeescalation
	r.SubjectInjured += c.SubjectInjured
}

// percent is a whole percentage, halves rounded up as people round by hand
// (the pages print them with %.0f, which would round 12.5 to 12).
func percent(n, of int) float64 { return math.Round(100 * float64(n) / float64(of)) }

func (r *trendRow) finish() {
	if r.Records > 0 {
		r.NoGroundsPercent = percent(r.NoGrounds, r.Records)
		r.RedPercent = percent(r.Red, r.Records)
		r.NoDeescPercent = percent(r.NoDeescalation, r.Records)
		r.InjuredPercent = percent(r.SubjectInjured, r.Records)
	}
}

// panelTrends turns a group's tally of stop-and-search records into rows
// by the month of the review session and by the person's self-defined
// ethnic group (the five Census 2021 groups, then "Not stated", using
// stats.GroupOf).
func panelTrends(t *store.PanelTally) (byMonth, byGroup []trendRow, total trendRow) {
	return trendsOf(t.Months, t.Ethnicity)
}

// forceTrends does the same for the group's use-of-force records.
func forceTrends(t *store.PanelTally) (byMonth, byGroup []trendRow, total trendRow) {
	return trendsOf(t.ForceMonths, t.ForceEthnicity)
}

func trendsOf(byMonthKey, byEthnicity map[string]store.TrendCount) (byMonth, byGroup []trendRow, total trendRow) {
	total.Label = "All reviewed records"
	var months []string
	for k := range byMonthKey {
		months = append(months, k)
	}
	sort.Strings(months)
	for _, k := range months {
		r := trendRow{Label: k}
		if m, err := time.Parse("2006-01", k); err == nil {
			r.Label = m.Format("January 2006")
		}
		r.add(byMonthKey[k])
		r.finish()
		byMonth = append(byMonth, r)
		total.add(byMonthKey[k])
	}
	groups := map[stats.Group]*trendRow{}
	for label, c := range byEthnicity {
		g := stats.GroupOf(label)
		if g == stats.Unrecognised {
			g = stats.NotStated
		}
		if groups[g] == nil {
			groups[g] = &trendRow{Label: g.Label()}
		}
		groups[g].add(c)
	}
	for _, g := range append(append([]stats.Group{}, stats.Groups...), stats.NotStated) {
		if r := groups[g]; r != nil {
			r.finish()
			byGroup = append(byGroup, *r)
		}
	}
	total.finish()
	return byMonth, byGroup, total
}

type trendsData struct {
	Group            choiceField
	GroupName        string
	ByMonth, ByGroup []trendRow
	Total            trendRow
	MonthChart       template.HTML
	GroupChart       template.HTML
	// Use-of-force records reviewed by the group.
	ForceByMonth, ForceByGroup []trendRow
	ForceTotal                 trendRow
	ForceChart                 template.HTML
}

// visitTrends shows, for a group the reader may see, the share of reviewed
// records without reasonable grounds and the share rated red, by month and
// by self-defined ethnic group: charts and the same figures in tables.
func (s *Server) visitTrends(c *gin.Context) {
	ctx := c.Request.Context()
	u := currentUser(c)
	names, groups, err := groupNamesIn(ctx, s.calendar)
	if err != nil {
		s.serverError(c, err)
		return
	}
	if mine := visitGroupIDs(u); mine != nil {
		var own []store.Group
		for _, g := range groups {
			if slices.Contains(mine, g.ID) {
				own = append(own, g)
			}
		}
		groups = own
	}
	groupID := c.Query("group")
	if groupID == "" {
		for _, g := range groups {
			if g.Kind == store.GroupPanel {
				groupID = g.ID
				break
			}
		}
		if groupID == "" && len(groups) > 0 {
			groupID = groups[0].ID
		}
	}
	d := &trendsData{Group: newChoices("group", "Group", groupID, nil, groupChoices(groups, "Choose a group"))}
	page := &Page{Title: "Panel trends", Data: d}
	if groupID != "" && !d.Group.has(groupID) {
		s.formAgain(c, "visit_trends", page, apperr.Invalidf("group", "Choose one of your groups"))
		return
	}
	if groupID != "" {
		tally, err := s.calendar.PanelTallyOf(ctx, groupID)
		if err != nil {
			s.serverError(c, err)
			return
		}
		d.GroupName = names[groupID]
		d.ByMonth, d.ByGroup, d.Total = panelTrends(tally)
		var mb, gb []bar
		for _, r := range d.ByMonth {
			mb = append(mb, bar{Label: r.Label, Value: r.NoGroundsPercent, Text: fmt.Sprintf("%.0f%% of %d", r.NoGroundsPercent, r.Records)})
		}
		for _, r := range d.ByGroup {
			gb = append(gb, bar{Label: shortGroup(r.Label), Value: r.NoGroundsPercent, Text: fmt.Sprintf("%.0f%% of %d", r.NoGroundsPercent, r.Records)})
		}
		d.MonthChart = barChart("trend-month", "Reviewed records without reasonable grounds, by month",
			"The share of records the panel judged to have no reasonable grounds, for each month of review sessions. The table below gives the figures.", mb)
		d.GroupChart = barChart("trend-group", "Reviewed records without reasonable grounds, by self-defined ethnic group",
			"The share of records the panel judged to have no reasonable grounds, for each ethnic group of the person searched. The table below gives the figures.", gb)
		d.ForceByMonth, d.ForceByGroup, d.ForceTotal = forceTrends(tally)
		var fb []bar
		for _, r := range d.ForceByGroup {
			fb = append(fb, bar{Label: shortGroup(r.Label), Value: r.RedPercent, Text: fmt.Sprintf("%.0f%% of %d", r.RedPercent, r.Records)})
		}
		d.ForceChart = barChart("trend-force", "Uses of force the panel judged not proportionate (red), by self-defined ethnic group",
			"The share of reviewed uses of force the panel rated red, for each ethnic group of the person force was used on. The table below gives the figures.", fb)
	}
	s.render(c, http.StatusOK, "visit_trends", page)
}

// shortGroup fits an ethnic group's name beside a bar.
func shortGroup(label string) string {
	for _, g := range append(append([]stats.Group{}, stats.Groups...), stats.NotStated) {
		if g.Label() == label {
			return string(g)
		}
	}
	return label
}
