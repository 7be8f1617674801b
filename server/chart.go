package server

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Charts are server-rendered SVG: each has a <title> and a description, and
// every page that shows one also shows the same numbers in a table. Colours
// come from presentation attributes (the CSP forbids inline styles).

// bar is one bar of a horizontal bar chart.
type bar struct {
	Label string
	Value float64
	Text  string // the value as shown at the end of the bar
}

const (
	chartWidth = 640
	labelWidth = 170
	rowHeight  = 34
)

// barChart draws horizontal bars scaled to the largest value.
func barChart(id, title, desc string, bars []bar) template.HTML {
	maxV := 0.0
	for _, b := range bars {
		maxV = math.Max(maxV, b.Value)
	}
	if maxV == 0 {
		maxV = 1
	}
	h := len(bars)*rowHeight + 10
	plot := float64(chartWidth - labelWidth - 90)
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="app-chart" viewBox="0 0 %d %d" width="100%%" font-family="arial, sans-serif" role="img" aria-labelledby="%s-title %s-desc" xmlns="http://www.w3.org/2000/svg">`, chartWidth, h, id, id)
	fmt.Fprintf(&sb, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(title), id, esc(desc))
	for i, b := range bars {
		y := i*rowHeight + 5
		w := b.Value / maxV * plot
		fmt.Fprintf(&sb, `<text x="%d" y="%d" text-anchor="end" font-size="16" fill="#0b0c0c">%s</text>`, labelWidth-8, y+20, esc(b.Label))
		fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="%.1f" height="24" fill="#1d70b8"></rect>`, labelWidth, y+4, w)
		fmt.Fprintf(&sb, `<text x="%.1f" y="%d" font-size="16" fill="#0b0c0c">%s</text>`, float64(labelWidth)+w+6, y+20, esc(b.Text))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String()) // every text in it is escaped above
}

// forestRow is one ratio with its interval (Low/High zero when absent).
type forestRow struct {
	Label           string
	Ratio           float64
	Low, High       float64
	HasRatio, HasCI bool
}

// forestPlot draws ratios and intervals on a log scale with a line at 1.
func forestPlot(id, title, desc string, rows []forestRow) template.HTML {
	return forestPlotLabels(id, title, desc, rows, labelWidth)
}

// forestPlotLabels is forestPlot with room for longer labels.
func forestPlotLabels(id, title, desc string, rows []forestRow, labelWidth int) template.HTML {
	lo, hi := 0.1, 10.0
	for _, r := range rows {
		if r.HasCI {
			lo, hi = math.Min(lo, r.Low), math.Max(hi, r.High)
		} else if r.HasRatio && r.Ratio > 0 {
			lo, hi = math.Min(lo, r.Ratio), math.Max(hi, r.Ratio)
		}
	}
	lo, hi = math.Pow(10, math.Floor(math.Log10(lo))), math.Pow(10, math.Ceil(math.Log10(hi)))
	plot := float64(chartWidth - labelWidth - 20)
	x := func(v float64) float64 {
		return float64(labelWidth) + (math.Log10(v)-math.Log10(lo))/(math.Log10(hi)-math.Log10(lo))*plot
	}
	h := len(rows)*rowHeight + 40
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="app-chart" viewBox="0 0 %d %d" width="100%%" font-family="arial, sans-serif" role="img" aria-labelledby="%s-title %s-desc" xmlns="http://www.w3.org/2000/svg">`, chartWidth, h, id, id)
	fmt.Fprintf(&sb, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(title), id, esc(desc))
	for v := lo; v <= hi*1.0001; v *= 10 {
		fmt.Fprintf(&sb, `<line x1="%.1f" x2="%.1f" y1="0" y2="%d" stroke="#b1b4b6"></line>`, x(v), x(v), h-30)
		fmt.Fprintf(&sb, `<text x="%.1f" y="%d" text-anchor="middle" font-size="14" fill="#0b0c0c">%g</text>`, x(v), h-10, v)
	}
	fmt.Fprintf(&sb, `<line x1="%.1f" x2="%.1f" y1="0" y2="%d" stroke="#0b0c0c" stroke-width="2"></line>`, x(1), x(1), h-30)
	for i, r := range rows {
		y := i*rowHeight + 20
		fmt.Fprintf(&sb, `<text x="%d" y="%d" text-anchor="end" font-size="16" fill="#0b0c0c">%s</text>`, labelWidth-8, y+5, esc(r.Label))
		if r.HasCI {
			fmt.Fprintf(&sb, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#0b0c0c" stroke-width="2"></line>`, x(r.Low), x(r.High), y, y)
		}
		if r.HasRatio && r.Ratio > 0 {
			fmt.Fprintf(&sb, `<rect x="%.1f" y="%d" width="10" height="10" fill="#d4351c"></rect>`, x(r.Ratio)-5, y-5)
		}
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String()) // every text in it is escaped above
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// pctText shows a fraction as a percentage with one decimal, or a dash.
func pctText(p *float64) string {
	if p == nil {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", *p*100)
}

// fixedText shows a number with prec decimals, or a dash.
func fixedText(p *float64, prec int) string {
	if p == nil {
		return "–"
	}
	return fmt.Sprintf("%.*f", prec, *p)
}
