package server

import (
	"fmt"
	"html/template"
	"strings"

	"candour/survey"
)

// agreeColours colour the agreement scale from strong agreement (dark
// blue) to strong disagreement (dark red), "don't know" in purple; what is
// withheld is drawn as one light grey remainder, never at its own size.
var agreeColours = map[string]string{"sa": "#003078", "a": "#5694ca", "n": "#b1b4b6", "d": "#f47738", "sd": "#942514", "dk": "#4c2c92"}

// stackedAgreement draws one 100% bar per group (or everyone): each shown
// answer at its share, then whatever is withheld as one remainder.
func stackedAgreement(id, title string, labels []string, rows [][]survey.Share, codes []string, codeLabels []string) template.HTML {
	const left, barH, gap = 190, 26, 12
	plot := float64(chartWidth - left - 10)
	legendH := 30
	h := legendH + len(rows)*(barH+gap) + 10
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="app-chart" viewBox="0 0 %d %d" width="100%%" font-family="arial, sans-serif" role="img" aria-labelledby="%s-title %s-desc" xmlns="http://www.w3.org/2000/svg">`, chartWidth, h, id, id)
	fmt.Fprintf(&sb, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(title), id,
		esc("Stacked bars of the share giving each answer, each labelled with its percentage where it fits; the same figures are in the table below. Withheld figures are drawn together in light grey, labelled withheld."))
	x := 0.0
	for i, c := range codes {
		fmt.Fprintf(&sb, `<rect x="%.0f" y="4" width="12" height="12" fill="%s"></rect><text x="%.0f" y="15" font-size="13" fill="#0b0c0c">%s</text>`, x, agreeColours[c], x+16, esc(shortAgree(codeLabels[i])))
		x += 16 + float64(len(shortAgree(codeLabels[i])))*7 + 14
	}
	for r, shares := range rows {
		y := legendH + r*(barH+gap)
		fmt.Fprintf(&sb, `<text x="%d" y="%d" text-anchor="end" font-size="15" fill="#0b0c0c">%s</text>`, left-8, y+18, esc(truncate(labels[r], 24)))
		pos := float64(left)
		shown := 0.0
		for i, s := range shares {
			if !s.Has {
				continue
			}
			w := s.IV.Estimate * plot
			fmt.Fprintf(&sb, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"></rect>`, pos, y, w, barH, agreeColours[codes[i]])
			if w >= 34 { // the share written on its segment, where it fits
				fmt.Fprintf(&sb, `<text x="%.1f" y="%d" text-anchor="middle" font-size="13" fill="%s">%s</text>`, pos+w/2, y+18, textOn(codes[i]), esc(s.Percent()))
			}
			pos += w
			shown += s.IV.Estimate
		}
		if rest := (1 - shown) * plot; rest > 0.5 && anyShare(shares) {
			fmt.Fprintf(&sb, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="#f3f2f1" stroke="#b1b4b6"></rect>`, pos, y, rest, barH)
			if rest >= 64 {
				fmt.Fprintf(&sb, `<text x="%.1f" y="%d" text-anchor="middle" font-size="13" fill="#0b0c0c">withheld</text>`, pos+rest/2, y+18)
			}
		}
		if !anyShare(shares) {
			fmt.Fprintf(&sb, `<text x="%d" y="%d" font-size="14" fill="#0b0c0c">too few responses to show</text>`, left+4, y+18)
		}
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String()) // every text in it is escaped above
}

// textOn is the colour of text written on an answer's segment: white on
// the dark colours, black on the light ones (both at least 4.5:1).
func textOn(code string) string {
	switch code {
	case "sa", "sd", "dk":
		return "#ffffff"
	}
	return "#0b0c0c"
}

func anyShare(ss []survey.Share) bool {
	for _, s := range ss {
		if s.Has {
			return true
		}
	}
	return false
}

func shortAgree(l string) string {
	if l == "Neither agree nor disagree" {
		return "Neither"
	}
	return l
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
