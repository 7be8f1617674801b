package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/powers"
	"candour/stats"
)

// vettingPage is the vetting decisions monitor: the CCU's and
// administrators' only, never published (there is no publish button).
type vettingPage struct {
	Forces    []string
	Months    []string
	Force     string
	From, To  string
	Report    *powers.VettingReport
	Rows      []vettingRowView // the groups, not stated, then all
	Quarters  *vettingByView   // the trend of all decisions; nil with fewer than 2 quarters
	By        []vettingByView  // by sex, application type and vetting level
	Uncounted string           // why there are no tables by sex, type and level
	Sentences []string
	CanImport bool
	Empty     string
	Heading   string
	Cannot    []string
}

// vettingView shows the refusal and withdrawal rates by group for a force
// and period chosen with a GET form, from the monthly counters, with the
// surveys' suppression.
func (s *Server) vettingView(c *gin.Context) {
	ctx := c.Request.Context()
	u := currentUser(c)
	d := &vettingPage{Force: c.Query("force"), CanImport: allowed(u.Role, "vetting.import"), Cannot: powers.Vetting.Cannot}
	page := &Page{Title: "Vetting decisions: disparity by ethnic group", Data: d}
	status := http.StatusOK
	forces, err := s.powers.PowerForces(ctx, powers.Vetting.Kind)
	if err != nil {
		s.serverError(c, err)
		return
	}
	errs := &formErrors{}
	if _, ok := forces[d.Force]; !ok && d.Force != "" {
		addErrors(errs, apperr.Invalidf("force", "Choose a force from the list"), nil)
	}
	d.Forces, d.Force = chooseForce(forces, d.Force)
	d.Months = forces[d.Force].Months
	if len(d.Months) == 0 {
		d.Empty = "No vetting decisions have been imported yet."
		s.render(c, status, "vetting", page)
		return
	}
	d.From, d.To = d.Months[0], d.Months[len(d.Months)-1]
	if from, to := c.Query("from"), c.Query("to"); from != "" || to != "" {
		if !monthPattern.MatchString(from) || !monthPattern.MatchString(to) || from > to {
			addErrors(errs, apperr.Invalidf("from", "Choose a first month that is the same as or before the last month"), nil)
		} else {
			d.From, d.To = from, to
		}
	}
	if errs.Any() {
		page.Errors = errs
		status = http.StatusUnprocessableEntity
	}
	rep, err := s.powers.VettingReport(ctx, d.Force, d.From, d.To)
	if err != nil {
		s.serverError(c, err)
		return
	}
	if len(rep.Months) == 0 {
		d.Empty = "There are no vetting decisions in this period."
		s.render(c, status, "vetting", page)
		return
	}
	d.Report = rep
	d.Heading = fmt.Sprintf("%s: %s", rep.ForceName, rep.Period)
	d.Sentences = powers.VettingSentences(rep)
	d.Rows = append(vettingRows(rep.Rows), vettingRowOf(rep.Total))
	if len(rep.Quarters) > 0 {
		d.Quarters = &vettingByView{Title: "Quarter by quarter, all decisions", Head: "Quarter"}
		for _, q := range rep.Quarters {
			r := vettingRowOf(q.Total)
			r.Group = q.Label
			d.Quarters.Rows = append(d.Quarters.Rows, r)
		}
	}
	for _, b := range rep.Breakdowns {
		d.By = append(d.By, vettingByView{Title: "Decisions by " + strings.ToLower(b.Column) + ", all ethnic groups", Head: "Value", Rows: vettingRows(b.Rows)})
	}
	if len(rep.Uncounted) > 0 {
		var ms []string
		for _, m := range rep.Uncounted {
			ms = append(ms, monthLabel(m))
		}
		d.Uncounted = "Decisions by sex, application type and vetting level are not shown: these months were imported before Candour counted them: " +
			strings.Join(ms, ", ") + ". Import their decisions again to show them."
	}
	s.render(c, status, "vetting", page)
}

// vettingByView is a table of decisions by one column (or quarter), as
// shown: Head names what each row is.
type vettingByView struct {
	Title, Head string
	Rows        []vettingRowView
}

// vettingRowView is one line of a vetting table, as shown.
type vettingRowView struct {
	Group                         string
	Decisions, Refused, Withdrawn string
	RefusalRate, WithdrawalRate   string
	RefusalRatio, WithdrawalRatio string
	Flag                          bool
}

func vettingRows(rows []powers.VettingRow) []vettingRowView {
	var out []vettingRowView
	for _, r := range rows {
		out = append(out, vettingRowOf(r))
	}
	return out
}

func vettingRowOf(r powers.VettingRow) vettingRowView {
	return vettingRowView{Group: r.Group, Decisions: r.Decisions.Text(), Refused: r.Refused.Text(), Withdrawn: r.Withdrawn.Text(),
		RefusalRate: intervalText(r.RefusalRate), WithdrawalRate: intervalText(r.WithdrawalRate),
		RefusalRatio: comparisonText(r.RefusalRatio), WithdrawalRatio: comparisonText(r.WithdrawalRatio),
		Flag: r.RefusalRatio.Flag || r.WithdrawalRatio.Flag}
}

func intervalText(iv *stats.Interval) string {
	if iv == nil {
		return "–"
	}
	return fmt.Sprintf("%.1f%% (%.1f%% to %.1f%%)", iv.Estimate*100, iv.Low*100, iv.High*100)
}

func comparisonText(c powers.VettingComparison) string {
	switch {
	case c.Ratio == nil:
		return "–"
	case c.Low == nil:
		return fmt.Sprintf("%.2f (no interval)", *c.Ratio)
	}
	return fmt.Sprintf("%.2f (%.2f to %.2f)", *c.Ratio, *c.Low, *c.High)
}

// PeriodLabel names a month in the period lists (monitorPeriod).
func (d *vettingPage) PeriodLabel(v string) string { return monthLabel(v) }

// PeriodWidth is the grid column of each period list.
func (d *vettingPage) PeriodWidth() string { return "one-third" }
