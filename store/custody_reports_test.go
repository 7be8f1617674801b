package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"candour/apperr"
	"candour/store"
	"candour/store/storetest"
	"candour/words"
)

var london = store.London

func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, london)
}

// custodyVisit records a custody visit made by the pair p1 and p2.
func custodyVisit(t *testing.T, db *store.Store, suite string, start time.Time) *store.Visit {
	t.Helper()
	v := &store.Visit{Type: store.VisitCustody, GroupID: "g1", Location: suite, Start: start, End: start.Add(2 * time.Hour), Capacity: 2,
		MinVetting: "NPPV2", Attendees: []string{"p1", "p2"}, CreatedBy: "chair"}
	if err := db.RecordVisit(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	return v
}

// fileReport writes and submits a report for v.
func fileReport(t *testing.T, db *store.Store, v *store.Visit, arrived, admitted time.Time, counts [5]int, issues ...string) *store.CustodyReport {
	t.Helper()
	ctx := context.Background()
	r := &store.CustodyReport{ID: v.ID, GroupID: v.GroupID, Suite: v.Location, Arrived: arrived.UTC(), Admitted: admitted.UTC(),
		Held: counts[0], Offered: counts[1], Seen: counts[2], Declined: counts[3], NotSeen: counts[4], CountsSet: true}
	for _, c := range issues {
		r.Content.Issues = append(r.Content.Issues, store.CustodyIssue{Category: c, Text: "An issue about " + c})
	}
	if err := db.SaveCustodyReport(ctx, r, 0); err != nil {
		t.Fatal(err)
	}
	if err := db.SubmitCustodyReport(ctx, r, r.Version, "p1", "Pat One"); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestCustodyQuarterlyReturn works out Q4 2025/26 (January to March 2026,
// UK time) by hand. British Summer Time began at 01:00 GMT on Sunday 29
// March 2026, inside the quarter.
//
//	visit  suite        arrived (UK)           admitted (UK)      delay   held offered seen declined notseen  issues
//	A      Weymouth     29 Mar 00:50 GMT       02:10 BST           20 min  6    5       3    1        1        rights, welfare
//	B      Poole        14 Jan 10:00 GMT       10:05 GMT            5 min  4    4       4    0        0        welfare
//	C      Weymouth     31 Mar 23:30 BST       23:40 BST           10 min  2    2       1    1        0        -
//	D      Poole         1 Apr 00:15 BST (31 Mar 23:15 UTC: next quarter)  9    9       9    0        0        rights
//	E      Bournemouth  20 Feb: only a draft report                -        (planned, not made)
//	F      Bournemouth  unannounced, week of 9 Feb, no time chosen, no report (planned, not made)
//	G      Poole        stop and search panel, 10 Feb               (not a custody visit: ignored)
//
// A's clocks say 00:50 to 02:10, 80 minutes, but 01:00 GMT became 02:00
// BST in between: the wait was 20 minutes (00:50Z to 01:10Z).
//
//	visits made           A, B, C                         = 3
//	planned, not made     E, F                            = 2
//	held                  6 + 4 + 2                       = 12
//	offered               5 + 4 + 2                       = 11
//	seen                  3 + 4 + 1                       = 8
//	declined              1 + 0 + 1                       = 2
//	not seen              1 + 0 + 0                       = 1
//	average delay         (20 + 5 + 10) / 3 = 11.67       -> 12 minutes (80 on the wall clock would give 31.67 -> 32)
//	by suite              Bournemouth 0 made, 2 not; Poole 1 made, 0 not; Weymouth 2 made, 0 not
//	issues                rights 1 (D is next quarter's), welfare 2, the rest 0
func TestCustodyQuarterlyReturn(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	now := at(2026, time.April, 15, 9, 0)
	db.SetClock(func() time.Time { return now })

	a := custodyVisit(t, db, "Weymouth", at(2026, time.March, 29, 0, 45))
	fileReport(t, db, a, at(2026, time.March, 29, 0, 50), at(2026, time.March, 29, 2, 10), [5]int{6, 5, 3, 1, 1}, "rights", "welfare")
	b := custodyVisit(t, db, "Poole", at(2026, time.January, 14, 10, 0))
	fileReport(t, db, b, at(2026, time.January, 14, 10, 0), at(2026, time.January, 14, 10, 5), [5]int{4, 4, 4, 0, 0}, "welfare")
	c := custodyVisit(t, db, "Weymouth", at(2026, time.March, 31, 23, 0))
	fileReport(t, db, c, at(2026, time.March, 31, 23, 30), at(2026, time.March, 31, 23, 40), [5]int{2, 2, 1, 1, 0})
	d := custodyVisit(t, db, "Poole", at(2026, time.April, 1, 0, 5))
	fileReport(t, db, d, at(2026, time.April, 1, 0, 15), at(2026, time.April, 1, 0, 20), [5]int{9, 9, 9, 0, 0}, "rights")
	e := custodyVisit(t, db, "Bournemouth", at(2026, time.February, 20, 14, 0))
	if err := db.SaveCustodyReport(ctx, &store.CustodyReport{ID: e.ID, Suite: e.Location, Arrived: at(2026, time.February, 20, 14, 0).UTC(),
		Admitted: at(2026, time.February, 20, 14, 1).UTC(), Held: 3, Offered: 3, Seen: 3, CountsSet: true}, 0); err != nil {
		t.Fatal(err)
	}
	week := at(2026, time.February, 9, 0, 0)
	f := &store.Visit{Type: store.VisitCustody, GroupID: "g1", Location: "Bournemouth", Start: week, End: week.Add(23 * time.Hour),
		Capacity: 2, MinVetting: "NPPV2", Attendees: []string{"p3", "p4"}, Unannounced: true, Week: week, CreatedBy: "chair"}
	if err := db.RecordVisit(ctx, f); err != nil {
		t.Fatal(err)
	}
	g := &store.Visit{Type: store.VisitStopSearch, GroupID: "g1", Location: "Poole", Start: at(2026, time.February, 10, 18, 0), End: at(2026, time.February, 10, 20, 0),
		Capacity: 5, MinVetting: "NPPV2", CreatedBy: "chair"}
	if err := db.RecordVisit(ctx, g); err != nil {
		t.Fatal(err)
	}

	q, ok := store.ParseFinancialQuarter("2025-26-Q4")
	if !ok {
		t.Fatal("2025-26-Q4 does not parse")
	}
	vs, err := db.CustodyVisits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := db.SubmittedCustodyReports(ctx, q.Start().AddDate(0, -3, 0), q.End().AddDate(0, 3, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 4 {
		t.Fatalf("%d submitted reports, want 4 (A, B, C, D; E is a draft)", len(rs))
	}
	ret := store.CustodyReturnOf(q, vs, rs, now)
	for _, c := range []struct {
		what      string
		got, want int
	}{
		{"visits made", ret.VisitsMade, 3}, {"planned and not made", ret.PlannedNotMade, 2},
		{"held", ret.Held, 12}, {"offered", ret.Offered, 11}, {"seen", ret.Seen, 8}, {"declined", ret.Declined, 2}, {"not seen", ret.NotSeen, 1},
		{"average delay (minutes)", ret.AverageDelayMinutes, 12}, {"total delay (minutes)", int(ret.DelayTotal / time.Minute), 35},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.what, c.got, c.want)
		}
	}
	want := []store.SuiteVisits{{Suite: "Bournemouth", NotMade: 2}, {Suite: "Poole", Made: 1}, {Suite: "Weymouth", Made: 2}}
	if len(ret.Suites) != len(want) {
		t.Fatalf("suites = %+v, want %+v", ret.Suites, want)
	}
	for i := range want {
		if ret.Suites[i] != want[i] {
			t.Errorf("suite %d = %+v, want %+v", i, ret.Suites[i], want[i])
		}
	}
	issues := map[string]int{}
	for _, is := range ret.Issues {
		issues[is.Category] = is.Issues
	}
	if len(ret.Issues) != len(store.CustodyIssueCategories) || issues["rights"] != 1 || issues["welfare"] != 2 || issues["health"] != 0 {
		t.Errorf("issues = %+v, want rights 1, welfare 2, every other category 0", ret.Issues)
	}

	// D counts in Q1 2026/27 (its UTC date is still 31 March).
	q1 := store.FinancialQuarterOf(at(2026, time.April, 1, 0, 15))
	if q1.String() != "2026-27-Q1" {
		t.Fatalf("1 April 00:15 BST is in %s, want 2026-27-Q1", q1)
	}
	if next := store.CustodyReturnOf(q1, vs, rs, now); next.VisitsMade != 1 || next.Held != 9 || next.AverageDelayMinutes != 5 {
		t.Errorf("Q1: made %d, held %d, delay %d; want 1, 9, 5", next.VisitsMade, next.Held, next.AverageDelayMinutes)
	}
}

// TestFinancialQuarters: April to March, in UK time.
func TestFinancialQuarters(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		at    time.Time
		want  string
		label string
	}{
		{at(2026, time.March, 31, 23, 59), "2025-26-Q4", "Q4 2025/26 (January to March 2026)"},
		{at(2026, time.April, 1, 0, 0), "2026-27-Q1", "Q1 2026/27 (April to June 2026)"},
		{at(2026, time.September, 30, 23, 0), "2026-27-Q2", "Q2 2026/27 (July to September 2026)"},
		{at(2026, time.October, 1, 0, 30), "2026-27-Q3", "Q3 2026/27 (October to December 2026)"},
		{at(2027, time.January, 1, 0, 0), "2026-27-Q4", "Q4 2026/27 (January to March 2027)"},
	} {
		q := store.FinancialQuarterOf(c.at)
		if q.String() != c.want || words.FinancialQuarter(q.Year, q.Q) != c.label {
			t.Errorf("%v: %s %q, want %s %q", c.at, q, words.FinancialQuarter(q.Year, q.Q), c.want, c.label)
		}
		if p, ok := store.ParseFinancialQuarter(c.want); !ok || p != q || c.at.Before(p.Start()) || !c.at.Before(p.End()) {
			t.Errorf("%s: parsed %+v (%v), which does not hold %v", c.want, p, ok, c.at)
		}
	}
	for _, bad := range []string{"", "2026-Q1", "2026-28-Q1", "2026-27-Q5", "2026-27-Q0", "x-27-Q1"} {
		if _, ok := store.ParseFinancialQuarter(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

// TestCustodyCountsMustAgree: seen + declined + not seen = offered <= held.
func TestCustodyCountsMustAgree(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		counts [5]int
		fields []string
	}{
		{[5]int{5, 4, 2, 1, 1}, nil},
		{[5]int{0, 0, 0, 0, 0}, nil},
		{[5]int{3, 4, 2, 1, 1}, []string{"offered"}},
		{[5]int{5, 4, 2, 1, 0}, []string{"seen"}},
		{[5]int{3, 4, 4, 1, 1}, []string{"offered", "seen"}},
		{[5]int{-1, 0, 0, 0, 0}, []string{"held"}},
	} {
		r := store.CustodyReport{Held: c.counts[0], Offered: c.counts[1], Seen: c.counts[2], Declined: c.counts[3], NotSeen: c.counts[4]}
		var got []string
		for _, e := range apperr.All(r.CheckCounts()) {
			got = append(got, e.Field)
		}
		if len(got) != len(c.fields) || (len(got) > 0 && got[0] != c.fields[0]) {
			t.Errorf("%v: errors on %v, want %v", c.counts, got, c.fields)
		}
	}
	for n, ok := range map[string]bool{"DO/12345/26": true, "55-123456-25": true, "CU 2026 001234": true, "JOHN SMITH": false, "12": false, "A1/B2/C3": true, "AB": false, "DO/12345/26<SCRIPT>": false} {
		if store.ValidCustodyNumber(n) != ok {
			t.Errorf("ValidCustodyNumber(%q) = %v, want %v", n, !ok, ok)
		}
	}
}

// TestCustodyReportSealedLockedConfirmed: the content is sealed at rest;
// the pair's saves are decided by the version; submitting locks the draft;
// only a submitted report is confirmed.
func TestCustodyReportSealedLockedConfirmed(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	v := custodyVisit(t, db, "Weymouth", time.Now().Add(-3*time.Hour).Truncate(time.Minute))
	r := &store.CustodyReport{ID: v.ID, Suite: v.Location, Arrived: v.Start, Admitted: v.Start.Add(7 * time.Minute), Held: 1, Offered: 1, Seen: 1, CountsSet: true}
	r.Content = store.CustodyContent{DelayReason: "Suite was busy with a violent arrest", Matters: "Blanket missing in cell 4", Answer: "Brought at once",
		Detainees: []store.CustodyDetainee{{Number: "DO/99887/26", Outcome: store.DetaineeSeen, Vulnerable: "child", SeenFirst: "yes",
			Checks: map[string]string{"rights": "yes"}, RecordCheck: "checked", Comment: "Asked for an appropriate adult"}},
		Issues: []store.CustodyIssue{{Category: "welfare", Text: "No blankets stocked overnight"}}}
	if err := db.SaveCustodyReport(ctx, r, 0); err != nil {
		t.Fatal(err)
	}
	stale := *r
	if err := db.SaveCustodyReport(ctx, r, r.Version); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveCustodyReport(ctx, &stale, stale.Version); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a stale save: %v, want ErrConflict", err)
	}
	dump := storetest.RawDump(t, db)
	for _, secret := range []string{"DO/99887/26", "violent arrest", "Blanket missing", "appropriate adult", "No blankets"} {
		if bytes.Contains(dump, []byte(secret)) {
			t.Errorf("%q is in the database in plain text", secret)
		}
	}
	got, err := db.CustodyReport(ctx, v.ID)
	if err != nil || got.Content.Detainees[0].Number != "DO/99887/26" || got.IssueCategories[0] != "welfare" {
		t.Fatalf("read back %+v (%v)", got, err)
	}
	if err := db.ConfirmCustodyReport(ctx, got, got.Version, "p2", "Pat Two"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("confirming a draft: %v, want ErrConflict", err)
	}
	got, _ = db.CustodyReport(ctx, v.ID)
	if err := db.SubmitCustodyReport(ctx, got, got.Version, "p1", "Pat One"); err != nil {
		t.Fatal(err)
	}
	again, _ := db.CustodyReport(ctx, v.ID)
	if err := db.SaveCustodyReport(ctx, again, again.Version); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("saving a submitted report: %v, want ErrLocked", err)
	}
	again, _ = db.CustodyReport(ctx, v.ID)
	again.Content.Addendum = "The cell was also cold"
	if err := db.ConfirmCustodyReport(ctx, again, again.Version, "p2", "Pat Two"); err != nil {
		t.Fatal(err)
	}
	final, _ := db.CustodyReport(ctx, v.ID)
	if final.Status != store.CustodyConfirmed || final.ConfirmedBy != "p2" || final.Content.Addendum != "The cell was also cold" || final.SubmittedBy != "p1" {
		t.Fatalf("confirmed report = %+v", final)
	}
}

// TestCustodyPairSubmitsAtOnce: ten presses of "Submit" at the same
// moment (both visitors, several windows) on the same draft: exactly one
// submission is stored, every other is told it is locked or changed.
func TestCustodyPairSubmitsAtOnce(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	for round := range 3 {
		v := custodyVisit(t, db, "Poole", time.Now().Add(-time.Duration(5+round)*time.Hour).Truncate(time.Minute))
		r := &store.CustodyReport{ID: v.ID, Suite: v.Location, Arrived: v.Start, Admitted: v.Start, CountsSet: true}
		if err := db.SaveCustodyReport(ctx, r, 0); err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 10)
		for i := range 10 {
			go func() {
				mine, err := db.CustodyReport(ctx, v.ID)
				if err != nil {
					errs <- err
					return
				}
				who := []string{"p1", "p2"}[i%2]
				errs <- db.SubmitCustodyReport(ctx, mine, 1, who, who)
			}()
		}
		won, lost := 0, 0
		for range 10 {
			switch err := <-errs; {
			case err == nil:
				won++
			case errors.Is(err, store.ErrLocked), errors.Is(err, store.ErrConflict):
				lost++
			default:
				t.Fatal(err)
			}
		}
		got, err := db.CustodyReport(ctx, v.ID)
		if won != 1 || lost != 9 || err != nil || got.Status != store.CustodySubmitted || got.Version != 2 {
			t.Fatalf("round %d: %d stored, %d refused, report %s at version %d (%v); want 1, 9, submitted at 2", round, won, lost, got.Status, got.Version, err)
		}
	}
}
