package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// daysLateCell is the overdue table's "Days late" cell for n.
func daysLateCell(n string) string {
	return `<td class="govuk-table__cell govuk-table__cell--numeric">` + n + `</td>`
}

// TestDashboardShowsAChangeAtTheNextRequestWithFakes: the dashboard is drawn once
// and kept (recommendation_dashboard.go), yet a change to a recommendation,
// a new one, and the clock passing a day each show at the very next
// request, with no wait.
func TestDashboardShowsAChangeAtTheNextRequestWithFakes(t *testing.T) {
	f := newRecFakeFixture(t)
	id := f.raise(t, "Grounds recorded in full")
	due := f.rec(t, id).DueAt // 30 September 2026 (the form in raise)
	// By hand: a minute short of 6 days after the due date it is overdue
	// (more than a day past it) and 5 whole days late.
	now := due.Add(6*24*time.Hour - time.Minute)
	f.w.setClock(func() time.Time { return now })

	get := func(what string) string {
		t.Helper()
		r := f.coord.get("/recommendations/dashboard")
		wantRecStatus(t, r, http.StatusOK, what)
		return r.Body
	}
	get("the flash") // shows the raise's flash message once
	body := get("first")
	for _, want := range []string{"1 recommendations in the register; 1 open; <strong>1 overdue</strong>",
		">Grounds recorded in full</a>", daysLateCell("5"), ">" + "Raised" + "</strong>"} {
		if !strings.Contains(body, want) {
			t.Fatalf("first dashboard lacks %q:\n%s", want, body)
		}
	}
	if again := get("again"); again != body {
		t.Errorf("the dashboard drawn again with nothing changed differs from the first:\n%s\n----\n%s", body, again)
	}

	// A change of status: the overdue table's tag says so at once.
	wantRecStatus(t, f.change(t, f.coord, id, "status", url.Values{"to": {store.RecAwaiting}}), http.StatusSeeOther, "status")
	body = get("after the status change")
	if !strings.Contains(body, ">Awaiting force response</strong>") || strings.Contains(body, ">Raised</strong>") {
		t.Errorf("the dashboard does not show the new status at the next request:\n%s", body)
	}

	// A second recommendation: 2 in the register, both overdue.
	f.raise(t, "Body-worn video switched on")
	body = get("after a second")
	if !strings.Contains(body, "2 recommendations in the register; 2 open; <strong>2 overdue</strong>") {
		t.Errorf("the dashboard does not count the new recommendation at the next request:\n%s", body)
	}

	// No write, but a minute later: 6 whole days late (exactly 6 days
	// after the due date), drawn again though the register did not change.
	now = due.Add(6 * 24 * time.Hour)
	body = get("a minute later")
	if !strings.Contains(body, daysLateCell("6")) || strings.Contains(body, daysLateCell("5")) {
		t.Errorf("a minute later the dashboard still shows 5 days late:\n%s", body)
	}
}

// TestDashboardUntil: the drawn dashboard is kept until the first moment
// the clock alone changes a figure on it, worked out by hand for one
// recommendation.
func TestDashboardUntil(t *testing.T) {
	raised := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	due := time.Date(2026, 9, 20, 23, 0, 0, 0, time.UTC)
	r := store.RecSummary{ID: "r1", Status: store.RecRaised, RaisedAt: raised, DueAt: due}
	for _, c := range []struct {
		what      string
		now, want time.Time
	}{
		// 10 days after raising, not yet due: the first change is the age
		// band ("Under 1 month" ends 30 days after raising, 1 October
		// 09:00) or being overdue (more than a day after the due date:
		// 21 September 23:00 and a nanosecond): the latter.
		{"before due", raised.Add(10 * 24 * time.Hour), due.Add(24*time.Hour + time.Nanosecond)},
		// 22 September 09:00: overdue, 1 whole day late (1 day 10 hours);
		// 2 days late from 22 September 23:00.
		{"overdue", time.Date(2026, 9, 22, 9, 0, 0, 0, time.UTC), due.Add(2 * 24 * time.Hour)},
		// 30 September 12:00: 9 days late, 10 from 30 September 23:00
		// (when October starts in London too), before the age band moves
		// (1 October 09:00).
		{"late", time.Date(2026, 9, 30, 12, 0, 0, 0, time.UTC), due.Add(10 * 24 * time.Hour)},
		// 30 September 23:30 (October in London): 10 days late until
		// 1 October 23:00, but the age band moves first, at 1 October
		// 09:00 (30 days after raising).
		{"age band", time.Date(2026, 9, 30, 23, 30, 0, 0, time.UTC), raised.Add(30 * 24 * time.Hour)},
	} {
		d := dashboardOf([]store.RecSummary{r}, c.now)
		if !d.Until.Equal(c.want) {
			t.Errorf("%s: until %v, want %v", c.what, d.Until, c.want)
		}
	}
	// Implemented: nothing moves with the clock but the month, so it is
	// kept until the next month starts in London (1 October 2026 00:00
	// BST is 30 September 23:00 UTC).
	r.Status = store.RecImplemented
	d := dashboardOf([]store.RecSummary{r}, time.Date(2026, 9, 22, 9, 0, 0, 0, time.UTC))
	if want := time.Date(2026, 9, 30, 23, 0, 0, 0, time.UTC); !d.Until.Equal(want) {
		t.Errorf("implemented: until %v, want %v (the next month)", d.Until, want)
	}
}

// TestDashboardShowsTheMostLateAndLinksToEveryOverdueWithFakes: the
// overdue table shows the 25 most late (dashboardOverdueShown), and a link
// to the register's list of every overdue recommendation says how many
// there are; with 25 or fewer, every one is in the table and there is no
// link. Worked by hand: 30 overdue, due 2 to 31 days before now (1 to 30
// whole days late); shown: 30 down to 6 days late.
func TestDashboardShowsTheMostLateAndLinksToEveryOverdueWithFakes(t *testing.T) {
	f := newRecFakeFixture(t)
	now := time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)
	f.w.setClock(func() time.Time { return now })
	var rs []store.RecSummary
	for i := 1; i <= 30; i++ {
		rs = append(rs, store.RecSummary{ID: fmt.Sprintf("r%02d", i), Title: fmt.Sprintf("Recommendation %02d", i),
			Status: store.RecAccepted, RaisedAt: now.AddDate(-1, 0, 0), DueAt: now.Add(-time.Duration(i+1)*24*time.Hour + time.Hour)})
	}
	shown := rs
	f.fr.recommendationsCopy = func() ([]store.RecSummary, uint64, error) { return shown, uint64(len(shown)), nil }

	r := f.coord.get("/recommendations/dashboard")
	wantRecStatus(t, r, http.StatusOK, "30 overdue")
	if n := strings.Count(r.Body, `<a class="govuk-link" href="/recommendations/r`); n != 25 {
		t.Errorf("the overdue table has %d rows, want 25", n)
	}
	for _, want := range []string{"<strong>30 overdue</strong>", ">Recommendation 30</a>", daysLateCell("30"), ">Recommendation 06</a>", daysLateCell("6"),
		"These are the 25 most late.", `<a class="govuk-link" href="/recommendations?overdue=true">See all 30 overdue recommendations</a>`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	for _, not := range []string{">Recommendation 05</a>", ">Recommendation 01</a>"} {
		if strings.Contains(r.Body, not) {
			t.Errorf("the dashboard shows %q, which is not among the 25 most late", not)
		}
	}

	shown = rs[:25] // a new load of the copy (its version is its length here)
	r = f.coord.get("/recommendations/dashboard")
	wantRecStatus(t, r, http.StatusOK, "25 overdue")
	if n := strings.Count(r.Body, `<a class="govuk-link" href="/recommendations/r`); n != 25 || strings.Contains(r.Body, "See all") {
		t.Errorf("with 25 overdue the table has %d rows (want 25) or a link to see all", n)
	}
}
