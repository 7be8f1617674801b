package server

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"candour/store"
	"candour/words"
)

type countRow struct {
	Label string
	Count int
	Href  string // the register filtered to these, when there is a filter for it
}

type monthRow struct {
	Label             string
	Opened, Completed int
}

type overdueRow struct {
	recRow
	DaysLate int
}

// countTable is one of the dashboard's tables of counts.
type countTable struct {
	Caption, Heading string
	Rows             []countRow
}

type recDashboardData struct {
	Title                               string
	Left, Right                         []countTable
	Total, Open, OverdueCount           int
	ByStatus, ByOwner, BySource, ByArea []countRow
	Ages                                []countRow
	Overdue                             []overdueRow
	Months                              []monthRow
	Chart                               template.HTML
	// Drawn is the dashboard drawn (the template's "recDashboard"), which
	// the page shows as it is; Until is when its first figure changes
	// with the time alone (a recommendation becoming overdue or a day
	// later, an age band, a new month), before which it is drawn again.
	Drawn template.HTML
	Until time.Time
}

const dashboardTitle = "Recommendations dashboard"

// dashboardOverdueShown is how many overdue recommendations the
// dashboard's table shows, most late first.
const dashboardOverdueShown = 25

// dashboardsKept is how many drawn dashboards the cache keeps: one per load
// of the recommendations' copy, so only the newest is ever asked for.
const dashboardsKept = 4

// recommendationDashboard shows leadership what is late and who owns it.
// Its figures come from the store's copy of the register's summaries
// (hundreds of recommendations, each carrying its own status, owner and
// dates), never from the history entries. The dashboard is drawn once per
// load of that copy (store.RecommendationsCopy: any change to a
// recommendation loads it again, on MongoDB another instance's too) and
// kept (store.Cache) until the clock alone would change a figure on it
// (Until), so a change is on the dashboard at the next request and the
// table of overdue recommendations is not drawn for every request
// (docs/performance-history.md).
func (s *Server) recommendationDashboard(c *gin.Context) {
	ctx := c.Request.Context()
	rs, n, err := s.recs.RecommendationsCopy(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	now := s.recs.Now()
	key := strconv.FormatUint(n, 10)
	draw := func() (*recDashboardData, error) {
		d := dashboardOf(rs, now)
		if d.Drawn, err = s.drawPart("recommendation_dashboard", "recDashboard", d); err != nil {
			return nil, err
		}
		return d, nil
	}
	d, err := s.dashboards.Load(key, draw)
	if err == nil && !now.Before(d.Until) {
		// Drawn before a figure moved with the time: draw it again.
		if d, err = draw(); err == nil {
			s.dashboards.Put(key, d)
		}
	}
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.render(c, http.StatusOK, "recommendation_dashboard", &Page{Title: dashboardTitle, Data: d})
}

// dashboardOf computes the dashboard's figures at now, and until when
// they hold.
func dashboardOf(rs []store.RecSummary, now time.Time) *recDashboardData {
	const day = 24 * time.Hour
	d := &recDashboardData{Title: dashboardTitle, Total: len(rs)}
	status, owner, source, area := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	ageBounds := []struct {
		label string
		days  int
	}{{"Under 1 month", 30}, {"1 to 3 months", 91}, {"3 to 6 months", 182}, {"6 to 12 months", 365}, {"Over a year", math.MaxInt}}
	ages := make([]int, len(ageBounds))
	months := lastMonths(now, 12)
	// The months shown move on at the start of the next month.
	ln := now.In(london)
	d.Until = time.Date(ln.Year(), ln.Month()+1, 1, 0, 0, 0, 0, london)
	until := func(t time.Time) {
		if t.After(now) && t.Before(d.Until) {
			d.Until = t
		}
	}
	opened, completed := map[string]int{}, map[string]int{}
	for _, r := range rs {
		status[r.Status]++
		source[r.Source]++
		area[r.Area]++
		opened[r.RaisedAt.In(london).Format("2006-01")]++
		if !r.CompletedAt.IsZero() {
			completed[r.CompletedAt.In(london).Format("2006-01")]++
		}
		if !store.RecOpen(r.Status) {
			continue
		}
		d.Open++
		owner[r.OwnerDept]++
		age := int(now.Sub(r.RaisedAt) / day) // whole days, as the bands count them
		for i, b := range ageBounds {
			if age < b.days {
				ages[i]++
				if b.days != math.MaxInt {
					until(r.RaisedAt.Add(time.Duration(b.days) * day)) // into the next band
				}
				break
			}
		}
		if r.Overdue(now) {
			late := int(now.Sub(r.DueAt) / day)
			d.Overdue = append(d.Overdue, overdueRow{recRow: recRow{Rec: r, Overdue: true}, DaysLate: late})
			until(r.DueAt.Add(time.Duration(late+1) * day)) // a day later
		} else if becomes := r.DueAt.Add(day + time.Nanosecond); !r.DueAt.IsZero() && r.Overdue(becomes) {
			until(becomes) // overdue from then (store.RecSummary.Overdue)
		}
	}
	d.OverdueCount = len(d.Overdue)
	sort.Slice(d.Overdue, func(i, j int) bool {
		a, b := d.Overdue[i], d.Overdue[j]
		if a.DaysLate != b.DaysLate {
			return a.DaysLate > b.DaysLate
		}
		return a.Rec.ID < b.Rec.ID // the same rows on every draw
	})
	// The table shows the most late; the register lists every overdue
	// one (its link under the table). A force with thousands overdue
	// would otherwise get a page of megabytes, on a phone too, and a
	// dashboard whose cost grows with the register (issue 18).
	d.Overdue = d.Overdue[:min(len(d.Overdue), dashboardOverdueShown)]
	for _, st := range store.RecStatuses {
		d.ByStatus = append(d.ByStatus, countRow{Label: words.RecStatus(st), Count: status[st], Href: "/recommendations?status=" + st})
	}
	for _, src := range store.RecSources {
		d.BySource = append(d.BySource, countRow{Label: words.RecSource(src), Count: source[src], Href: "/recommendations?source=" + src})
	}
	for _, a := range store.RAPAreas {
		d.ByArea = append(d.ByArea, countRow{Label: words.RAPArea(a), Count: area[a], Href: "/recommendations?area=" + a})
	}
	for o, n := range owner {
		d.ByOwner = append(d.ByOwner, countRow{Label: o, Count: n, Href: "/recommendations?owner=" + template.URLQueryEscaper(o)})
	}
	sort.Slice(d.ByOwner, func(i, j int) bool {
		if d.ByOwner[i].Count != d.ByOwner[j].Count {
			return d.ByOwner[i].Count > d.ByOwner[j].Count
		}
		return d.ByOwner[i].Label < d.ByOwner[j].Label
	})
	for i, b := range ageBounds {
		d.Ages = append(d.Ages, countRow{Label: b.label, Count: ages[i]})
	}
	d.Left = []countTable{{"By status", "Status", d.ByStatus}, {"Open recommendations by age", "Age", d.Ages}, {"By Race Action Plan area", "Area", d.ByArea}}
	d.Right = []countTable{{"Open recommendations by owner", "Department", d.ByOwner}, {"By source", "Source", d.BySource}}
	var parts []string
	for _, m := range months {
		row := monthRow{Label: monthLabel(m), Opened: opened[m], Completed: completed[m]}
		d.Months = append(d.Months, row)
		parts = append(parts, fmt.Sprintf("%s: %d opened, %d completed", row.Label, row.Opened, row.Completed))
	}
	d.Chart = monthPairChart("opened-completed", "Recommendations opened and completed each month",
		"Column chart of the last 12 months. "+strings.Join(parts, "; ")+". The table below gives the same figures.", d.Months)
	return d
}

// lastMonths lists the n months up to now's, oldest first, as YYYY-MM.
func lastMonths(now time.Time, n int) []string {
	now = now.In(london)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, london)
	out := make([]string, n)
	for i := 0; i < n; i++ {
		out[i] = first.AddDate(0, i-n+1, 0).Format("2006-01")
	}
	return out
}

// monthPairChart draws two columns a month (opened, completed) with a
// key. Like the other charts it has a <title> and a description, and the
// page shows the same numbers in a table.
func monthPairChart(id, title, desc string, rows []monthRow) template.HTML {
	const h, top, bottom, left = 300, 30, 50, 40
	maxV := 1
	for _, r := range rows {
		maxV = max(maxV, r.Opened, r.Completed)
	}
	plotH := float64(h - top - bottom)
	slot := float64(chartWidth-left-10) / float64(max(len(rows), 1))
	bw := slot * 0.35
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="app-chart" viewBox="0 0 %d %d" width="100%%" role="img" aria-labelledby="%s-title %s-desc" xmlns="http://www.w3.org/2000/svg">`, chartWidth, h, id, id)
	fmt.Fprintf(&sb, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(title), id, esc(desc))
	fmt.Fprintf(&sb, `<rect x="%d" y="4" width="14" height="14" fill="#1d70b8"></rect><text x="%d" y="16" font-size="14" fill="#0b0c0c">Opened</text>`, left, left+20)
	fmt.Fprintf(&sb, `<rect x="%d" y="4" width="14" height="14" fill="#00703c"></rect><text x="%d" y="16" font-size="14" fill="#0b0c0c">Completed (implemented)</text>`, left+100, left+120)
	base := float64(h - bottom)
	fmt.Fprintf(&sb, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#0b0c0c"></line>`, left, chartWidth-10, base, base)
	fmt.Fprintf(&sb, `<text x="%d" y="%d" text-anchor="end" font-size="14" fill="#0b0c0c">%d</text>`, left-6, top+10, maxV)
	fmt.Fprintf(&sb, `<text x="%d" y="%.1f" text-anchor="end" font-size="14" fill="#0b0c0c">0</text>`, left-6, base)
	for i, r := range rows {
		x := float64(left) + float64(i)*slot + slot*0.1
		for j, v := range []int{r.Opened, r.Completed} {
			bh := float64(v) / float64(maxV) * plotH
			fill := "#1d70b8"
			if j == 1 {
				fill = "#00703c"
			}
			fmt.Fprintf(&sb, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"></rect>`, x+float64(j)*bw, base-bh, bw, bh, fill)
		}
		short := r.Label
		if len(short) > 3 {
			short = short[:3] + short[len(short)-2:]
		}
		fmt.Fprintf(&sb, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="12" fill="#0b0c0c">%s</text>`, x+bw, base+18, esc(short))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String()) // every text in it is escaped above
}
