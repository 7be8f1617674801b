package disparity_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"candour/apperr"
	"candour/disparity"
	"candour/powers"
	"candour/store"
	"candour/store/storetest"
)

func importBytes(t *testing.T, db *store.Store, name string, b []byte) *powers.ImportResult {
	t.Helper()
	res, err := powers.Import(context.Background(), db, powers.StopSearch, bytes.NewReader(b), powers.ImportOptions{Source: name})
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return res
}

func monthRecords(t *testing.T, db *store.Store, month string) int64 {
	t.Helper()
	m, err := db.PowerMonth(context.Background(), store.PowerStopSearch, "dorset", month)
	if errors.Is(err, store.ErrNotFound) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return m.Records
}

// TestSummerMonthsInAnyOrder imports the two real BST files in both orders.
// By hand from the files: every Date in 2018-08 is 2018-07-31T23:00:00+00:00
// … 2018-08-30T23:00:00+00:00, which is 1 to 31 August in London, so all
// 144 rows are August's (filed by UTC month, 7 would be July's); all 172
// rows of 2018-09 are September's (by UTC, 9 would be August's, and
// importing September after August would have replaced August with them).
func TestSummerMonthsInAnyOrder(t *testing.T) {
	aug, sep := "2018-08-dorset-stop-and-search.csv", "2018-09-dorset-stop-and-search.csv"
	for _, order := range [][]string{{aug, sep}, {sep, aug}} {
		t.Run(order[0][:7]+" first", func(t *testing.T) {
			db := storetest.Open(t)
			ctx := context.Background()
			loadPopulation(t, db)
			for _, name := range order {
				res := importFile(t, db, name)
				if len(res.Months) != 1 || res.Months[0] != name[:7] || res.Spans() || len(res.Notes) != 0 {
					t.Errorf("%s: months %v, notes %v; want only %s", name, res.Months, res.Notes, name[:7])
				}
			}
			if a, s, j := monthRecords(t, db, "2018-08"), monthRecords(t, db, "2018-09"), monthRecords(t, db, "2018-07"); a != 144 || s != 172 || j != 0 {
				t.Fatalf("July %d, August %d, September %d; want 0, 144, 172", j, a, s)
			}
			// Self-defined, by hand: August White 83+2 = 85, Black 7+4 = 11,
			// Asian 3+2+1 = 6, Mixed 2+1 = 3, Other 0, not stated 39;
			// September White 115+7 = 122, Black 7+5+2 = 14, Asian 1+1+1+1 = 4,
			// Mixed 1+1 = 2, Other 1, not stated 28 + 1 empty = 29.
			for _, tc := range []struct {
				from, to string
				want     map[string]int64
				ns       int64
			}{
				{"2018-08", "2018-08", map[string]int64{"White": 85, "Black": 11, "Asian": 6, "Mixed": 3, "Other": 0}, 39},
				{"2018-09", "2018-09", map[string]int64{"White": 122, "Black": 14, "Asian": 4, "Mixed": 2, "Other": 1}, 29},
				{"2018-08", "2018-09", map[string]int64{"White": 207, "Black": 25, "Asian": 10, "Mixed": 5, "Other": 1}, 68},
			} {
				rep, err := buildReport(ctx, db, "dorset", tc.from, tc.to, disparity.SelfDefined)
				if err != nil {
					t.Fatal(err)
				}
				for g, n := range tc.want {
					if got := figures(rep, g).Events; got != n {
						t.Errorf("%s to %s: %s = %d, want %d", tc.from, tc.to, g, got, n)
					}
				}
				if rep.NotStated != tc.ns {
					t.Errorf("%s to %s: not stated %d, want %d", tc.from, tc.to, rep.NotStated, tc.ns)
				}
			}
			rep, _ := buildReport(ctx, db, "dorset", "2018-08", "2018-09", disparity.SelfDefined)
			black := figures(rep, "Black")
			// Ratio (25/5315)/(207/733925) = 16.677, SE = sqrt(1/25 - 1/5315 + 1/207 - 1/733925) = 0.21129,
			// 95% interval 11.022 to 25.233. Rate 25/5315 × 1000 = 4.7037 per 1,000 over
			// the two months; annualised × 12/2 = 28.222 per 1,000 per year.
			if !near(black.Ratio, 16.677, 0.001) || !near(black.RatioLow, 11.022, 0.001) || !near(black.RatioHigh, 25.233, 0.001) ||
				!near(black.Rate, 4.7037, 0.0001) || !near(black.RateYear, 28.222, 0.001) || !black.Flag {
				t.Errorf("Black, August and September 2018: %+v", black)
			}
			if rep.Period != "August to September 2018 (both months have data)" {
				t.Errorf("period %q", rep.Period)
			}
			// Arrests 21 + 24 = 45 and finds (linked True) 35 + 44 = 79 in the two files.
			var arrests, finds int64
			m8, _ := db.PowerMonth(ctx, store.PowerStopSearch, "dorset", "2018-08")
			m9, _ := db.PowerMonth(ctx, store.PowerStopSearch, "dorset", "2018-09")
			for _, m := range []*store.PowerMonth{m8, m9} {
				for _, c := range m.Cells {
					if c.Basis == disparity.SelfDefined && c.Dim == "all" {
						arrests += c.Arrests
						finds += c.Finds
					}
				}
			}
			if arrests != 45 || finds != 79 {
				t.Errorf("arrests %d finds %d, want 45 and 79", arrests, finds)
			}
		})
	}
}

func TestReimportLeavesOtherMonthsUntouched(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	importFile(t, db, "2018-08-dorset-stop-and-search.csv")
	importFile(t, db, "2018-09-dorset-stop-and-search.csv")
	before, _ := db.PowerMonth(ctx, store.PowerStopSearch, "dorset", "2018-09")
	importFile(t, db, "2018-08-dorset-stop-and-search.csv")
	importFile(t, db, "2018-08-dorset-stop-and-search.csv")
	after, _ := db.PowerMonth(ctx, store.PowerStopSearch, "dorset", "2018-09")
	if after.Rev != before.Rev || !after.ImportedAt.Equal(before.ImportedAt) || after.Records != 172 {
		t.Errorf("re-importing August changed September: rev %d → %d, %d records", before.Rev, after.Rev, after.Records)
	}
	if n := monthRecords(t, db, "2018-08"); n != 144 {
		t.Errorf("August after three imports: %d records, want 144 (replaced, never doubled)", n)
	}
}

// TestFileSpanningMonths takes the real September file and dates its first
// two rows in August, as a file cut at the edges might be. Those rows go to
// August, added to what August's own file brought; nothing in August is
// replaced, and the summary says so.
func TestFileSpanningMonths(t *testing.T) {
	db := storetest.Open(t)
	importFile(t, db, "2018-08-dorset-stop-and-search.csv")
	b, err := os.ReadFile(dataDir + "2018-09-dorset-stop-and-search.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	for i := 1; i <= 2; i++ {
		if !strings.Contains(lines[i], "2018-08-31T23:00:00+00:00") {
			t.Fatalf("line %d is not dated 2018-08-31T23:00:00+00:00: %s", i+1, lines[i])
		}
		lines[i] = strings.Replace(lines[i], "2018-08-31T23:00:00+00:00", "2018-08-15T10:00:00+00:00", 1)
	}
	spanning := []byte(strings.Join(lines, ""))
	for range 2 { // twice: the second import replaces the file's own parts, nothing more
		res := importBytes(t, db, "2018-09-dorset-stop-and-search.csv", spanning)
		if !res.Spans() || len(res.ByMonth) != 2 || res.ByMonth[0] != (disparity.MonthRows{Month: "2018-08", Rows: 2}) ||
			res.ByMonth[1] != (disparity.MonthRows{Month: "2018-09", Rows: 170}) {
			t.Fatalf("by month %+v", res.ByMonth)
		}
		want := "The file is named for September 2018, but its rows are dated in 2 months: August 2018 (2 rows), September 2018 (170 rows)."
		shared := "August 2018 also holds rows from 2018-08-dorset-stop-and-search.csv (144 rows). If any are the same searches as in this file, they are counted twice"
		if len(res.Notes) != 2 || !strings.Contains(res.Notes[0], want) || !strings.Contains(res.Notes[1], shared) {
			t.Errorf("notes %q lack %q and %q", res.Notes, want, shared)
		}
		if a, s := monthRecords(t, db, "2018-08"), monthRecords(t, db, "2018-09"); a != 146 || s != 170 {
			t.Errorf("August %d, September %d; want 144 + 2 = 146 and 170", a, s)
		}
	}
	// August's own file again: its part is replaced, September's share stays.
	importFile(t, db, "2018-08-dorset-stop-and-search.csv")
	if a := monthRecords(t, db, "2018-08"); a != 146 {
		t.Errorf("August after its own file again: %d, want 146", a)
	}
	m, _ := db.PowerMonth(context.Background(), store.PowerStopSearch, "dorset", "2018-08")
	if len(m.Parts) != 2 || m.Parts[0].Key != "2018-08" || m.Parts[1].Key != "2018-09" {
		t.Errorf("August's parts: %+v", m.Parts)
	}
}

// TestMismatchIsResolveForcesRefusal: Mismatch answers the two forces
// exactly when ResolveForce refuses the force given as disagreeing with the
// file name (case and spaces aside; not once confirmed, not when either
// force is missing), so a page can ask it first and word the question
// itself.
func TestMismatchIsResolveForcesRefusal(t *testing.T) {
	name := "2019-01-dorset-stop-and-search.csv"
	for _, tc := range []struct {
		o     disparity.ImportOptions
		wrong bool
	}{
		{disparity.ImportOptions{Source: name, Force: " Wiltshire "}, true},
		{disparity.ImportOptions{Source: name, Force: "wiltshire", ForceOverride: true}, false},
		{disparity.ImportOptions{Source: name, Force: "Dorset"}, false},
		{disparity.ImportOptions{Source: name}, false},
		{disparity.ImportOptions{Source: "search.csv", Force: "wiltshire"}, false},
	} {
		m, wrong := tc.o.Mismatch()
		var fm *disparity.ForceMismatch
		_, err := disparity.ResolveForce(tc.o)
		if wrong != tc.wrong || wrong != errors.As(err, &fm) {
			t.Errorf("%+v: Mismatch %v, ResolveForce %v; want a mismatch %v", tc.o, wrong, err, tc.wrong)
			continue
		}
		if wrong && (m != *fm || m.FileForce != "dorset" || m.Given != "wiltshire" || m.Source != name) {
			t.Errorf("%+v: Mismatch %+v, ResolveForce's %+v", tc.o, m, *fm)
		}
	}
}

func TestForceIsCheckedAgainstTheFileName(t *testing.T) {
	name := "2019-01-dorset-stop-and-search.csv"
	var fm *disparity.ForceMismatch
	if _, err := disparity.ResolveForce(disparity.ImportOptions{Source: name, Force: "wiltshire"}); !errors.As(err, &fm) ||
		!strings.Contains(err.Error(), "dorset") || !strings.Contains(err.Error(), "wiltshire") {
		t.Errorf("--force wiltshire on a Dorset file: %v", err)
	}
	if !apperr.Is(err0(disparity.ResolveForce(disparity.ImportOptions{Source: name, Force: "wiltshire"})), apperr.Invalid) || fm.Unwrap().(*apperr.Error).Field != "force" {
		t.Errorf("a mismatch is not an Invalid refusal on the force field")
	}
	if f, err := disparity.ResolveForce(disparity.ImportOptions{Source: name, Force: "wiltshire", ForceOverride: true}); err != nil || f != "wiltshire" {
		t.Errorf("confirmed: %q %v", f, err)
	}
	if f, err := disparity.ResolveForce(disparity.ImportOptions{Source: name, Force: "Dorset"}); err != nil || f != "dorset" {
		t.Errorf("agreeing: %q %v", f, err)
	}
	for _, o := range []disparity.ImportOptions{{Source: "search.csv"}, {Source: "search.csv", Force: "atlantis"}, {Source: "2019-01-atlantis-stop-and-search.csv"}} {
		if _, err := disparity.ResolveForce(o); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("%+v: %v, want a refusal", o, err)
		}
	}
	// And nothing is stored for a refused file.
	db := storetest.Open(t)
	b, _ := os.ReadFile(dataDir + name)
	_, err := powers.Import(context.Background(), db, powers.StopSearch, bytes.NewReader(b), powers.ImportOptions{Source: name, Force: "wiltshire"})
	if !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("import: %v", err)
	}
	if f, _ := db.PowerForces(context.Background(), store.PowerStopSearch); len(f) != 0 {
		t.Errorf("a refused import stored %v", f)
	}
}

func TestVehicleOnlyOfficerMixedAndUnrecognisedLabels(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	loadPopulation(t, db)
	// The real January 2019 file with its first 5 not-stated person searches
	// made vehicle-only searches (no real Dorset file has one) and two White
	// British labels replaced by a label nobody knows.
	b, _ := os.ReadFile(dataDir + "2019-01-dorset-stop-and-search.csv")
	lines := strings.SplitAfter(string(b), "\n")
	changed := 0
	for i := 1; i < len(lines) && changed < 5; i++ {
		if strings.Contains(lines[i], "Other ethnic group - Not stated") && strings.HasPrefix(lines[i], "Person search,") {
			lines[i] = "Vehicle search," + strings.TrimPrefix(lines[i], "Person search,")
			changed++
		}
	}
	odd := strings.Replace(strings.Join(lines, ""), "White - English/Welsh/Scottish/Northern Irish/British", "Martian", 2)
	importBytes(t, db, "2019-01-dorset-stop-and-search.csv", []byte(odd))
	rep, err := buildReport(ctx, db, "dorset", "", "", disparity.SelfDefined)
	if err != nil {
		t.Fatal(err)
	}
	// 156 searches, 5 vehicle-only, 151 person searches; not stated 39 - 5 = 34 of 151.
	if rep.Events != 156 || rep.VehicleOnly != 5 || rep.PersonEvents() != 151 || rep.NotStated != 34 ||
		fmt.Sprintf("%.4f", rep.NotStatedShare) != fmt.Sprintf("%.4f", 34.0/151) {
		t.Errorf("searches %d vehicle %d person %d not stated %d (%.4f)", rep.Events, rep.VehicleOnly, rep.PersonEvents(), rep.NotStated, rep.NotStatedShare)
	}
	if len(rep.Labels) != 1 || rep.Labels[0] != (powers.LabelCount{Label: "Martian", Events: 2}) {
		t.Errorf("unrecognised labels %+v, want Martian × 2", rep.Labels)
	}
	all := strings.Join(powers.Sentences(rep), "\n")
	for _, want := range []string{"23% of person searches (34 of 151) had no self-defined ethnicity recorded.",
		"5 searches were of a vehicle only"} {
		if !strings.Contains(all, want) {
			t.Errorf("sentences lack %q:\n%s", want, all)
		}
	}
	off, _ := buildReport(ctx, db, "dorset", "", "", disparity.OfficerDefined)
	mixed := figures(off, "Mixed")
	if !mixed.NotRecorded || mixed.Ratio != nil {
		t.Errorf("officer-defined Mixed: %+v", mixed)
	}
	if s := strings.Join(powers.Sentences(off), "\n"); !strings.Contains(s, "People of Mixed or Multiple ethnicity: not a category officers record") {
		t.Errorf("officer-defined sentences:\n%s", s)
	}
}

func TestOutcomeIntervalsAndPeriodLabel(t *testing.T) {
	db := storetest.Open(t)
	loadPopulation(t, db)
	importFile(t, db, "2016-11-dorset-stop-and-search.csv")
	importFile(t, db, "2019-01-dorset-stop-and-search.csv")
	rep, err := buildReport(context.Background(), db, "dorset", "2019-01", "2019-01", disparity.SelfDefined)
	if err != nil {
		t.Fatal(err)
	}
	white, black := figures(rep, "White"), figures(rep, "Black")
	// Wilson 95% intervals by hand: White arrests 15/102 = 0.1471 (0.0912 to
	// 0.2285); Black finds 2/7 = 0.2857 (0.0822 to 0.6411), on 7 searches: small.
	if !near(white.Share("arrest").Low, 0.0912, 0.0001) || !near(white.Share("arrest").High, 0.2285, 0.0001) ||
		!near(black.Share("find").Low, 0.0822, 0.0001) || !near(black.Share("find").High, 0.6411, 0.0001) || !black.Small || white.Small {
		t.Errorf("White arrests %v–%v, Black finds %v–%v small %v", *white.Share("arrest").Low, *white.Share("arrest").High, *black.Share("find").Low, *black.Share("find").High, black.Small)
	}
	if rep.Period != "January 2019" {
		t.Errorf("one month: %q", rep.Period)
	}
	all, _ := buildReport(context.Background(), db, "dorset", "", "", disparity.SelfDefined)
	// November 2016 to January 2019 is 2 + 24 + 1 = 27 months, 2 with data;
	// the White rate per year is (165 + 102)/733925 × 1000 × 12/2 = 2.1828.
	if want := "November 2016 to January 2019: 2 of 27 months have data: Nov 2016, Jan 2019"; all.Period != want || all.MonthsInPeriod != 27 {
		t.Errorf("period %q (%d months), want %q", all.Period, all.MonthsInPeriod, want)
	}
	if w := figures(all, "White"); !near(w.RateYear, 2.1828, 0.0001) {
		t.Errorf("White per year %v", *w.RateYear)
	}
}

// TestCorrectedFileTakesBackItsOldShare: police.uk revises files. A first
// version of September's file had 2 rows dated in August and 1 in July; the
// corrected (real) file has all 172 in September. Importing it must take
// back the old version's share of August and July, or those 3 searches
// would be counted twice (once in August or July, once in September).
// By hand: August 144 (its own file) + 0, September 172, July nothing.
func TestCorrectedFileTakesBackItsOldShare(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	loadPopulation(t, db)
	importFile(t, db, "2018-08-dorset-stop-and-search.csv")
	sep := "2018-09-dorset-stop-and-search.csv"
	b, err := os.ReadFile(dataDir + sep)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	for i, date := range map[int]string{1: "2018-08-15T10:00:00+00:00", 2: "2018-08-20T10:00:00+00:00", 3: "2018-07-02T10:00:00+00:00"} {
		if !strings.Contains(lines[i], "2018-08-31T23:00:00+00:00") {
			t.Fatalf("line %d is not dated 2018-08-31T23:00:00+00:00: %s", i+1, lines[i])
		}
		lines[i] = strings.Replace(lines[i], "2018-08-31T23:00:00+00:00", date, 1)
	}
	importBytes(t, db, sep, []byte(strings.Join(lines, "")))
	if j, a, s := monthRecords(t, db, "2018-07"), monthRecords(t, db, "2018-08"), monthRecords(t, db, "2018-09"); j != 1 || a != 146 || s != 169 {
		t.Fatalf("first version: July %d, August %d, September %d; want 1, 146, 169", j, a, s)
	}
	// A report read now is cached; the correction must make it stale.
	if rep, err := buildReport(ctx, db, "dorset", "2018-08", "2018-08", disparity.SelfDefined); err != nil || rep.Events != 146 {
		t.Fatalf("August before the correction: %v %v, want 146 searches", rep, err)
	}
	res := importFile(t, db, sep) // the corrected file
	want := []string{
		"An earlier import of this file had rows dated in July 2018; this version has none, so they were taken out of July 2018.",
		"An earlier import of this file had rows dated in August 2018; this version has none, so they were taken out of August 2018.",
	}
	if strings.Join(res.Notes, "|") != strings.Join(want, "|") {
		t.Errorf("notes %q, want %q", res.Notes, want)
	}
	if j, a, s := monthRecords(t, db, "2018-07"), monthRecords(t, db, "2018-08"), monthRecords(t, db, "2018-09"); j != 0 || a != 144 || s != 172 {
		t.Errorf("corrected: July %d, August %d, September %d; want 0, 144, 172", j, a, s)
	}
	m, err := db.PowerMonth(ctx, store.PowerStopSearch, "dorset", "2018-08")
	if err != nil || len(m.Parts) != 1 || m.Parts[0].Key != "2018-08" {
		t.Errorf("August's parts after the correction: %d (%v)", len(m.Parts), err)
	}
	forces, _ := db.PowerForces(ctx, store.PowerStopSearch)
	if got := strings.Join(forces["dorset"].Months, " "); got != "2018-08 2018-09" {
		t.Errorf("months with data %q, want July gone", got)
	}
	if rep, err := buildReport(ctx, db, "dorset", "2018-08", "2018-08", disparity.SelfDefined); err != nil || rep.Events != 144 {
		t.Errorf("August after the correction: %v %v, want 144 searches", rep, err)
	}
	rep, err := buildReport(ctx, db, "dorset", "2018-07", "2018-09", disparity.SelfDefined)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Events != 316 || len(rep.MonthsWithData) != 2 {
		t.Errorf("report over July to September: %d searches in months %v, want 144 + 172 = 316 in August and September", rep.Events, rep.MonthsWithData)
	}
}

// TestHeaderOnlyFileIsRefused: a download cut after its header (or saved
// with only blank lines after it) has no searches. Stored, it would say
// the month had none and take back the month's real file; it is refused
// and the month keeps its 144 rows.
func TestHeaderOnlyFileIsRefused(t *testing.T) {
	db := storetest.Open(t)
	aug := "2018-08-dorset-stop-and-search.csv"
	importFile(t, db, aug)
	b, err := os.ReadFile(dataDir + aug)
	if err != nil {
		t.Fatal(err)
	}
	header := strings.SplitAfter(string(b), "\n")[0]
	for name, content := range map[string]string{
		"header only":                 header,
		"header and blank lines CRLF": strings.TrimSuffix(header, "\n") + "\r\n\r\n\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := powers.Import(context.Background(), db, powers.StopSearch, strings.NewReader(content), powers.ImportOptions{Source: aug})
			if !apperr.Is(err, apperr.Invalid) || !strings.Contains(err.Error(), "no searches") {
				t.Fatalf("err = %v, want a refusal saying the file has no searches", err)
			}
			if n := monthRecords(t, db, "2018-08"); n != 144 {
				t.Errorf("August holds %d rows after a refused empty file, want 144", n)
			}
		})
	}
}

// TestBrowserCopyReplacesTheMonth: downloaded again, the January 2019 file
// is saved by the browser as "… (1).csv". Importing it must replace
// January's 156 rows, not add them a second time (312).
func TestBrowserCopyReplacesTheMonth(t *testing.T) {
	db := storetest.Open(t)
	name := "2019-01-dorset-stop-and-search.csv"
	b, err := os.ReadFile(dataDir + name)
	if err != nil {
		t.Fatal(err)
	}
	importBytes(t, db, name, b)
	res := importBytes(t, db, "2019-01-dorset-stop-and-search (1).csv", b)
	if res.Force != "dorset" || len(res.Notes) != 0 {
		t.Errorf("force %q, notes %q", res.Force, res.Notes)
	}
	if n := monthRecords(t, db, "2019-01"); n != 156 {
		t.Errorf("January holds %d rows, want 156", n)
	}
}

// err0 is the error of a call that returns a value and an error.
func err0[T any](_ T, err error) error { return err }
