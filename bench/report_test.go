package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestScaleReportDoesNotJudgeAPageThatShowsAll: in the -scale report, a
// row whose page shows all of something that grows with the data (the
// open data's every published recommendation) says it shows that many
// times more and is not counted over; any other row over 1.5× is OVER.
func TestScaleReportDoesNotJudgeAPageThatShowsAll(t *testing.T) {
	row := func(sc scenario, p50 time.Duration) *result {
		return &result{sc: sc, single: &series{n: 1, durs: []time.Duration{p50}}}
	}
	all := scenario{label: "GET /all.json", showsAll: "every published recommendation"}
	page := scenario{label: "GET /page"}
	one := &report{options: options{scale: 1}, seed: &seeded{}, rows: []*result{row(all, time.Millisecond), row(page, time.Millisecond)}}
	big := &report{options: options{scale: 10}, seed: &seeded{}, rows: []*result{row(all, 2*time.Millisecond), row(page, 2*time.Millisecond)}}
	var b bytes.Buffer
	printScale(&b, one, big)
	lines := map[string]string{}
	for _, l := range strings.Split(b.String(), "\n") {
		for _, label := range []string{all.label, page.label} {
			if strings.HasPrefix(l, "| "+label+" ") {
				lines[label] = l
			}
		}
	}
	if got := lines[all.label]; !strings.Contains(got, "shows 10× more (every published recommendation): not judged") || strings.Contains(got, "OVER") {
		t.Errorf("the row that shows all: %q, want it marked as showing 10× more and not OVER", got)
	}
	if got := lines[page.label]; !strings.Contains(got, "| OVER ") {
		t.Errorf("the row that shows the same: %q, want OVER at 2.00×", got)
	}
}
