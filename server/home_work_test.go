package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"candour/store"
)

// TestHomeTasksForClaimsAndCustody: the coordinator's home counts the
// expenses claims waiting for a decision, the member's says what was
// decided on their claims, and the custody visiting scheme manager's counts
// the reports to read, the issues to raise with the force and the issues
// waiting for its response; each count moves as the work is done.
func TestHomeTasksForClaimsAndCustody(t *testing.T) {
	w := newCustodyWorld(t)
	a := w.a
	ctx := context.Background()
	home := func(c *client) string {
		t.Helper()
		r := c.get("/home")
		if r.Status != 200 {
			t.Fatalf("home: %d", r.Status)
		}
		return r.Body
	}
	coord, m1 := w.as(w.coord), w.as(w.m1)

	// Two claims by m1 and one by m2, for the custody visit and another.
	day := w.v.Start
	for _, c := range []*store.ExpenseClaim{
		{VisitID: w.v.ID, VisitDate: day, VisitLabel: "Custody visit at Weymouth custody suite", UserID: w.m1.ID, Miles: 30},
		{VisitID: "other", VisitDate: day.Add(-24 * time.Hour), VisitLabel: "Stop and search panel at Kings Park", UserID: w.m1.ID, Miles: 12},
		{VisitID: w.v.ID, VisitDate: day, VisitLabel: "Custody visit at Weymouth custody suite", UserID: w.m2.ID, Miles: 30},
	} {
		if err := a.store.CreateClaim(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if b := home(coord); !strings.Contains(b, "3 expenses claims waiting for a decision") || !strings.Contains(b, `href="/expenses/claims"`) {
		t.Error("the coordinator's home does not count 3 claims waiting")
	}
	if b := home(m1); strings.Contains(b, "Your expenses claim") {
		t.Error("the member's home reports a decision before any")
	}
	if err := a.store.DecideClaim(ctx, store.ClaimID(w.v.ID, w.m1.ID), true, "", w.coord.Name); err != nil {
		t.Fatal(err)
	}
	if err := a.store.DecideClaim(ctx, store.ClaimID("other", w.m1.ID), false, "Not a visit of ours", w.coord.Name); err != nil {
		t.Fatal(err)
	}
	if b := home(coord); !strings.Contains(b, "1 expenses claim waiting for a decision") {
		t.Error("after two decisions the coordinator's home does not count 1")
	}
	date := day.In(london).Format("2 January 2006")
	b := home(m1)
	if !strings.Contains(b, "Your expenses claim for Custody visit at Weymouth custody suite on "+date+" was approved.") ||
		!strings.Contains(b, "Your expenses claim for Stop and search panel at Kings Park on "+day.Add(-24*time.Hour).In(london).Format("2 January 2006")+" was not approved.") {
		t.Errorf("the member's home does not give the decisions:\n%s", b)
	}
	if strings.Contains(home(w.as(w.m2)), "Your expenses claim") {
		t.Error("m2's home shows a decision on someone else's claims")
	}
	a.advance(31 * 24 * time.Hour)
	m1, scheme := w.as(w.m1), w.as(w.scheme) // after the sessions timed out
	if strings.Contains(home(m1), "Your expenses claim") {
		t.Error("a decision older than 30 days is still on the member's home")
	}

	// The scheme manager: a submitted report with two issues.
	r := &store.CustodyReport{ID: w.v.ID, GroupID: w.v.GroupID, Suite: w.v.Location, Arrived: day, Admitted: day.Add(5 * time.Minute), CountsSet: true,
		Content: store.CustodyContent{Issues: []store.CustodyIssue{{Category: "health", Text: "No nurse on shift"}, {Category: "conditions", Text: "Cell 4 cold"}}}}
	if err := a.store.SaveCustodyReport(ctx, r, 0); err != nil {
		t.Fatal(err)
	}
	if b := home(scheme); strings.Contains(b, "custody visit report") {
		t.Error("a draft is counted for the scheme manager")
	}
	if err := a.store.SubmitCustodyReport(ctx, r, r.Version, w.m1.ID, w.m1.Name); err != nil {
		t.Fatal(err)
	}
	b = home(scheme)
	if !strings.Contains(b, "1 custody visit report to read") || !strings.Contains(b, "2 issues for the inspector to raise with the force") ||
		strings.Contains(b, "waiting for the force") {
		t.Errorf("the scheme manager's home after a submission:\n%s", b)
	}
	if got := scheme.get("/custody/reports/" + r.ID); got.Status != 200 {
		t.Fatalf("the report: %d", got.Status)
	}
	if strings.Contains(home(scheme), "to read") {
		t.Error("a report the scheme manager opened is still to read")
	}
	got, err := a.store.CustodyReport(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	got.Content.Issues[0].Raised, got.Content.Issues[0].RaisedAt = true, a.store.Now()
	if err := a.store.UpdateCustodyIssues(ctx, got, got.Version); err != nil {
		t.Fatal(err)
	}
	if b := home(scheme); !strings.Contains(b, "1 issue for the inspector to raise with the force") || !strings.Contains(b, "1 issue waiting for the force&#39;s response") {
		t.Errorf("after raising one issue:\n%s", b)
	}
	got, _ = a.store.CustodyReport(ctx, r.ID)
	got.Content.Issues[0].Response = "A nurse is now on every night shift."
	if err := a.store.UpdateCustodyIssues(ctx, got, got.Version); err != nil {
		t.Fatal(err)
	}
	if b := home(scheme); strings.Contains(b, "waiting for the force") {
		t.Error("an answered issue still waits for the force's response")
	}
	// The second visitor confirms (and may add to it): to read again.
	got, _ = a.store.CustodyReport(ctx, r.ID)
	got.Content.Addendum = "The detainee in cell 2 asked for a blanket."
	if err := a.store.ConfirmCustodyReport(ctx, got, got.Version, w.m2.ID, w.m2.Name); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(home(scheme), "1 custody visit report to read") {
		t.Error("a confirmed report with an addendum is not to read again")
	}
}

// TestHomeRoundTrips measures the store commands a second GET /home makes
// for each role (the first fills the copies), from the store's own command
// counter (the figure make bench prints). The home page is the page people
// open most: it reads by _id and from copies, so a handful each; the bound
// catches a loop of reads.
func TestHomeRoundTrips(t *testing.T) {
	w := newCustodyWorld(t)
	reg := prometheus.NewRegistry()
	w.a.store.RegisterMetrics(reg)
	commands := func() float64 {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		n := 0.0
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				n += float64(m.GetHistogram().GetSampleCount())
			}
		}
		return n
	}
	// Through MONGODB_URI the session and the account are copies that live
	// two seconds (other instances may revoke them): on a loaded machine
	// they can expire between the two looks, and the second reads both
	// again. In process they are kept until written.
	expired := 0.0
	if !w.a.store.Embedded() {
		expired = 2
	}
	for _, who := range []struct {
		name string
		u    *store.User
	}{{"coordinator", w.coord}, {"member", w.m1}, {"chair", w.chair}, {"scheme manager", w.scheme}} {
		c := w.as(who.u)
		c.get("/home")
		before := commands()
		if r := c.get("/home"); r.Status != 200 {
			t.Fatalf("%s home: %d", who.name, r.Status)
		}
		n := commands() - before
		t.Logf("GET /home (%s): %.0f store commands", who.name, n)
		if n > 12+expired {
			t.Errorf("GET /home (%s): %.0f store commands, want at most %.0f", who.name, n, 12+expired)
		}
	}
}
