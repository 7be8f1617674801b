package powers_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"candour/apperr"
	"candour/disparity"
	"candour/policeuk"
	"candour/powers"
	"candour/store"
	"candour/store/storetest"
)

const dataDir = "../testdata/"

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(dataDir + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func loadPopulation(t *testing.T, db *store.Store) {
	t.Helper()
	// testdata/README.md: White 733,925; Asian 17,856; Mixed 15,529; Other 7,150; Black 5,315.
	if _, err := disparity.ImportPopulation(context.Background(), db, bytes.NewReader(read(t, "census2021-ts021-dorset-force-area.csv")), "dorset", "census2021-ts021"); err != nil {
		t.Fatal(err)
	}
}

func importStopSearch(t *testing.T, db *store.Store, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := powers.Import(context.Background(), db, powers.StopSearch, bytes.NewReader(read(t, name)), powers.ImportOptions{Source: name}); err != nil {
			t.Fatalf("import %s: %v", name, err)
		}
	}
}

func near(p *float64, want, tol float64) bool { return p != nil && math.Abs(*p-want) <= tol }

func build(t *testing.T, db *store.Store, d *powers.Dataset, from, to string) *powers.Report {
	t.Helper()
	rep, err := powers.Build(context.Background(), db, d, "dorset", from, to)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestStripSearchesJanuary2019 checks strip and intimate searches against
// counts made by hand from testdata/2019-01-dorset-stop-and-search.csv,
// column "Removal of more than just outer clothing": 22 True, 134 False.
// The 22 by self-defined ethnicity: White (English/Welsh/…/British) 12;
// Black 2 (1 African, 1 Caribbean); "Other ethnic group - Not stated" 8.
// Every search of the month has the column recorded, so each group's base
// is all its searches: White 102, Black 7, Asian 3, Mixed 4, Other 1, not
// stated 39.
func TestStripSearchesJanuary2019(t *testing.T) {
	db := storetest.Open(t)
	loadPopulation(t, db)
	importStopSearch(t, db, "2019-01-dorset-stop-and-search.csv")
	rep := build(t, db, powers.StripSearch, "2019-01", "2019-01")
	if rep.Events != 22 || rep.Records != 156 || rep.NotStated != 8 {
		t.Fatalf("events %d of %d, not stated %d; want 22 of 156, 8", rep.Events, rep.Records, rep.NotStated)
	}
	// 8 of the 22 strip searches have no ethnicity: 36%.
	if math.Abs(rep.NotStatedShare-8.0/22) > 1e-12 {
		t.Errorf("not-stated share %v, want 8/22", rep.NotStatedShare)
	}
	w, b := rep.Group("White"), rep.Group("Black")
	// White rate 12 × 1000 / 733,925 = 0.016350; Black 2 × 1000 / 5,315 = 0.37629.
	if w.Events != 12 || !near(w.Rate, 0.016350, 5e-6) || b.Events != 2 || !near(b.Rate, 0.37629, 5e-5) {
		t.Errorf("White %d %v, Black %d %v", w.Events, *w.Rate, b.Events, *b.Rate)
	}
	// Ratio (2/5315)/(12/733925) = 23.014; SE = sqrt(1/2 − 1/5315 + 1/12 − 1/733925) = 0.76364;
	// exp(ln 23.014 ± 1.96 × 0.76364) = 5.152 to 102.80. The gap's Newcombe interval
	// leaves out 0 too, so the ratio is flagged, and it rests on 2 searches.
	if !near(b.Ratio, 23.014, 5e-3) || !near(b.RatioLow, 5.152, 5e-3) || !near(b.RatioHigh, 102.80, 5e-2) || !b.Flag || !b.Small {
		t.Errorf("Black ratio %+v", b)
	}
	// Share beyond outer clothing, Wilson: White 12/102 = 11.8% (6.86% to 19.45%),
	// Black 2/7 = 28.6% (8.22% to 64.11%), Asian 0/3 = 0% (0 to 56.15%).
	for _, c := range []struct {
		group     string
		k, n      int64
		est, l, h float64
	}{
		{"White", 12, 102, 12.0 / 102, 0.0686, 0.1945},
		{"Black", 2, 7, 2.0 / 7, 0.0822, 0.6411},
		{"Asian", 0, 3, 0, 0, 0.5615},
	} {
		sh := rep.Group(c.group).Shares[0]
		if sh.K != c.k || sh.N != c.n || !near(sh.Estimate, c.est, 1e-9) || !near(sh.Low, c.l, 5e-5) || !near(sh.High, c.h, 5e-5) {
			t.Errorf("%s share %d/%d %v, want %d/%d %v (%v to %v)", c.group, sh.K, sh.N, sh.Estimate, c.k, c.n, c.est, c.l, c.h)
		}
	}
	words := strings.Join(powers.Sentences(rep), " ")
	for _, want := range []string{
		"36% of the searches that went beyond outer clothing (8 of 22) had no self-defined ethnicity recorded.",
		"Black people were 23.0 times as likely as White people to have a search go beyond outer clothing (95% interval 5.2 to 102.8); this rests on only 2, so the interval is wide.",
		"Of searches of Black people, 29% (2 of 7) went beyond outer clothing (95% interval 8% to 64%).",
	} {
		if !strings.Contains(words, want) {
			t.Errorf("sentences lack %q:\n%s", want, words)
		}
	}
}

// TestStripSearchesSummer2018 adds August and September 2018 (BST files)
// by hand: strip searches White 11 + 13 = 24, Black 2 + 6 = 8, Asian 2
// (Bangladeshi, Any other Asian background, both August), Mixed 1 (White
// and Black African), not stated 5 + 7 = 12 (September's 7 include one
// row with the ethnicity empty). Searches: White 207, Black 25, Asian 10,
// Mixed 5, Other 1.
func TestStripSearchesSummer2018(t *testing.T) {
	db := storetest.Open(t)
	loadPopulation(t, db)
	importStopSearch(t, db, "2018-09-dorset-stop-and-search.csv", "2018-08-dorset-stop-and-search.csv")
	rep := build(t, db, powers.StripSearch, "2018-08", "2018-09")
	if rep.Events != 47 || rep.NotStated != 12 || len(rep.MonthsWithData) != 2 {
		t.Fatalf("events %d, not stated %d, months %v", rep.Events, rep.NotStated, rep.MonthsWithData)
	}
	// Black: (8/5315)/(24/733925) = 46.03, SE = sqrt(1/8 − 1/5315 + 1/24 − 1/733925) = 0.4081,
	// interval 20.69 to 102.41: flagged. Asian: (2/17856)/(24/733925) = 3.425, 0.810 to 14.49: not flagged.
	b, a := rep.Group("Black"), rep.Group("Asian")
	if !near(b.Ratio, 46.03, 5e-3) || !near(b.RatioLow, 20.69, 5e-3) || !near(b.RatioHigh, 102.41, 5e-2) || !b.Flag {
		t.Errorf("Black %+v", b)
	}
	if !near(a.Ratio, 3.425, 5e-4) || !near(a.RatioLow, 0.8096, 5e-4) || a.Flag {
		t.Errorf("Asian %+v", a)
	}
	// Per year: 8 × 1000 / 5315 × 12 / 2 months = 9.031.
	if !near(b.RateYear, 9.031, 5e-4) {
		t.Errorf("Black per year %v", *b.RateYear)
	}
	// Black 8 of 25 searches went beyond outer clothing: 32% (17.21% to 51.59%).
	if sh := b.Shares[0]; sh.K != 8 || sh.N != 25 || !near(sh.Low, 0.1721, 5e-5) || !near(sh.High, 0.5159, 5e-5) {
		t.Errorf("Black share %+v", sh)
	}
}

// TestStripSearchesNotRecordedIsNoData: November 2016's file leaves the
// column empty on all 229 rows, so the month has no strip search data
// (not zero), and a period with it and January 2019 has one month of data.
func TestStripSearchesNotRecordedIsNoData(t *testing.T) {
	db := storetest.Open(t)
	loadPopulation(t, db)
	importStopSearch(t, db, "2016-11-dorset-stop-and-search.csv", "2019-01-dorset-stop-and-search.csv")
	rep := build(t, db, powers.StripSearch, "2016-11", "2019-01")
	if len(rep.MonthsWithData) != 1 || rep.MonthsWithData[0] != "2019-01" || rep.Events != 22 {
		t.Fatalf("months with data %v, events %d; want only 2019-01 and 22", rep.MonthsWithData, rep.Events)
	}
	if !strings.Contains(rep.Period, "1 of 27 months have data") {
		t.Errorf("period %q", rep.Period)
	}
	// A month counted before strip searches were (no removal counters) is
	// named as stale rather than read as none.
	if err := db.PutPowerPart(context.Background(), store.PowerStopSearch, "dorset", "2017-03", store.PowerPart{Key: "2017-03", Records: 5,
		Cells: []store.PowerCell{{Basis: "self", Dim: "all", Group: "White", Searches: 5}}}); err != nil {
		t.Fatal(err)
	}
	rep = build(t, db, powers.StripSearch, "2016-11", "2019-01")
	if len(rep.Stale) != 1 || rep.Stale[0] != "2017-03" || rep.Events != 22 {
		t.Errorf("stale %v, events %d", rep.Stale, rep.Events)
	}
}

func importVehicle(t *testing.T, db *store.Store, b []byte) (*powers.ImportResult, error) {
	t.Helper()
	return powers.Import(context.Background(), db, powers.VehicleStops, bytes.NewReader(b), powers.ImportOptions{Force: "dorset", Source: "vehicle-stops-example.csv", By: "test"})
}

// TestVehicleStopsAgainstHandCounts imports testdata/vehicle-stops-example.csv
// (65 rows written for this test, see testdata/README.md): White 30 stops
// (12 further action: 8 traffic offence reports, 4 fixed penalties), Black
// 20 (10 further action: 6 reports, 2 seized, 2 arrests), Asian 3, not
// stated 12 (10 empty, 2 "Prefer not to say"). Two Black stops are dated
// 2024-03-31T23:30:00Z, 00:30 BST on 1 April: March has 31 stops, April 34.
func TestVehicleStopsAgainstHandCounts(t *testing.T) {
	db := storetest.Open(t)
	loadPopulation(t, db)
	b := read(t, "vehicle-stops-example.csv")
	res, err := importVehicle(t, db, b)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 65 || len(res.ByMonth) != 2 || res.ByMonth[0] != (disparity.MonthRows{Month: "2024-03", Rows: 31}) || res.ByMonth[1] != (disparity.MonthRows{Month: "2024-04", Rows: 34}) {
		t.Fatalf("import %+v", res)
	}
	check := func(rep *powers.Report) {
		t.Helper()
		if rep.Events != 65 || rep.NotStated != 12 { // counted, even where withheld
			t.Fatalf("events %d, not stated %d", rep.Events, rep.NotStated)
		}
		bl, w, as := rep.Group("Black"), rep.Group("White"), rep.Group("Asian")
		// Black 20 × 1000 / 5315 = 3.7629; White 30 × 1000 / 733925 = 0.040876; ratio 92.057,
		// SE = sqrt(1/20 − 1/5315 + 1/30 − 1/733925) = 0.2882, interval 52.31 to 161.99.
		if !near(bl.Rate, 3.7629, 5e-5) || !near(w.Rate, 0.040876, 5e-7) || !near(bl.Ratio, 92.057, 5e-4) ||
			!near(bl.RatioLow, 52.31, 5e-3) || !near(bl.RatioHigh, 161.99, 5e-3) || !bl.Flag {
			t.Errorf("Black %+v", bl)
		}
		// Asian 3 stops: fewer than 10, so withheld, with nothing worked out
		// from it. The 65 stops are shown, so the Asian count would be 65 − 30
		// − 20 − 12: the smallest other count, not stated (12), is withheld
		// too (stats.Protect), and Black and White are shown.
		if !as.Suppressed || as.Rate != nil || as.Ratio != nil || !rep.NotStatedSuppressed {
			t.Errorf("Asian or not stated shown: %+v, %v", as, rep.NotStatedSuppressed)
		}
		if bl.Suppressed || w.Suppressed {
			t.Errorf("Black or White withheld")
		}
		// Further action, Wilson: White 12/30 = 40% (24.59% to 57.68%); Black 10/20 = 50% (29.93% to 70.07%).
		if sh := w.Shares[0]; sh.K != 12 || sh.N != 30 || !near(sh.Low, 0.2459, 5e-5) || !near(sh.High, 0.5768, 5e-5) {
			t.Errorf("White further action %+v", sh)
		}
		if sh := bl.Shares[0]; sh.K != 10 || sh.N != 20 || !near(sh.Low, 0.2993, 5e-5) || !near(sh.High, 0.7007, 5e-5) {
			t.Errorf("Black further action %+v", sh)
		}
		// Arrests: Black 2 of 20 is a cell of fewer than 10: withheld; White 0 of 30: 0% (0 to 11.35%).
		if sh := bl.Shares[1]; !sh.Suppressed || sh.Estimate != nil {
			t.Errorf("Black arrests shown: %+v", sh)
		}
		if sh := w.Shares[1]; sh.K != 0 || !near(sh.High, 0.1135, 5e-5) {
			t.Errorf("White arrests %+v", sh)
		}
		// Bournemouth: White 8 + 10, Black 6 + 2, not stated 7 = 33; Poole 19;
		// Weymouth 13. Only totals by district are shown, none withheld.
		if rows := rep.Breakdowns["District"]; len(rows) != 3 || rows[0].Value != "Bournemouth" || rows[0].Records != 33 || rows[0].ByGroup != nil || rows[2].Hidden {
			t.Errorf("districts %+v", rows)
		}
	}
	check(build(t, db, powers.VehicleStops, "", ""))
	// The same period again replaces it: the same figures, not twice them.
	if res, err = importVehicle(t, db, b); err != nil || len(res.Replaced) != 2 {
		t.Fatalf("re-import %+v %v", res, err)
	}
	check(build(t, db, powers.VehicleStops, "", ""))
	if m, err := db.PowerMonth(context.Background(), powers.VehicleStops.Kind, "dorset", "2024-04"); err != nil || m.Records != 34 || len(m.Parts) != 1 {
		t.Fatalf("April after re-import: %+v %v", m, err)
	}
}

// TestBadFilesAreRefusedWholeWithLineNumbers: a file with wrong lines is
// refused naming every wrong line, and nothing at all is stored.
func TestBadFilesAreRefusedWholeWithLineNumbers(t *testing.T) {
	head := powers.VehicleStops.Header() + "\n"
	good := "2024-03-04,Poole,Vehicle defect,White: Irish,White,No further action\n"
	for _, c := range []struct {
		name, file string
		want       []string
	}{
		{"bad values", head + good +
			"2024-13-01,Poole,Vehicle defect,White: Irish,White,No further action\n" +
			"2024-03-04,Poole,Speeding,Martian,White,No further action\n" +
			good +
			"2024-03-04,,Vehicle defect,,Purple,Warned\n",
			[]string{`line 3, Date: "2024-13-01" is not a date`, `line 4, Reason: "Speeding" is not one of: Moving traffic offence`,
				`line 4, Self-defined ethnicity: "Martian" is not an ethnic group`, `line 6, District: is empty`,
				`line 6, Officer-observed ethnicity: "Purple"`, `line 6, Outcome: "Warned"`}},
		{"cut short", head + good + "2024-03-04,Poole\n", []string{"line 3: has 2 columns, expected 6"}},
		{"wrong header", "Date,Place\n" + good, []string{"line 1: the header has 2 columns, expected the 6"}},
		{"header only", head, []string{"line 2: the file has a header but no stops"}},
		{"empty", "", []string{"line 1: the file is empty"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := storetest.Open(t)
			_, err := importVehicle(t, db, []byte(c.file))
			var fe *powers.FileError
			if !errors.As(err, &fe) || !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("err = %v, want a FileError", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
			if fs, _ := db.PowerForces(context.Background(), powers.VehicleStops.Kind); len(fs) != 0 {
				t.Errorf("something was stored: %+v", fs)
			}
		})
	}
	t.Run("no force", func(t *testing.T) {
		db := storetest.Open(t)
		_, err := powers.Import(context.Background(), db, powers.VehicleStops, strings.NewReader(head+good), powers.ImportOptions{Force: "gotham"})
		if !apperr.Is(err, apperr.Invalid) || !strings.Contains(err.Error(), `"gotham" is not a police force area`) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("derived dataset has no import", func(t *testing.T) {
		db := storetest.Open(t)
		_, err := powers.Import(context.Background(), db, powers.StripSearch, strings.NewReader(head+good), powers.ImportOptions{Force: "dorset"})
		if !apperr.Is(err, apperr.Invalid) || !strings.Contains(err.Error(), "come from the stop and search files") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestEveryDatasetIsWellFormed(t *testing.T) {
	if len(powers.All()) < 2 {
		t.Fatalf("datasets: %d", len(powers.All()))
	}
	for _, d := range powers.All() {
		if d.Kind == "" || d.Title == "" || d.Many == "" || d.Base == "" || (d.Importable() == (d.From != "")) {
			t.Errorf("%+v is incomplete", d)
		}
		if got, ok := powers.Lookup(d.Kind); !ok || got != d {
			t.Errorf("lookup %s", d.Kind)
		}
	}
}

// TestStripSearchPanelSamples draws panel samples from just the searches
// that went beyond outer clothing: January 2019 has 22 (2 of Black people).
func TestStripSearchPanelSamples(t *testing.T) {
	db := storetest.Open(t)
	importStopSearch(t, db, "2019-01-dorset-stop-and-search.csv")
	rnd := rand.New(rand.NewPCG(1, 2))
	recs, seen, err := disparity.DrawSample(context.Background(), db, disparity.SampleFilter{Force: "dorset", From: "2019-01", To: "2019-01", Removal: true, Size: 50}, rnd)
	if err != nil || seen != 22 || len(recs) != 22 {
		t.Fatalf("%d of %d, %v; want all 22", len(recs), seen, err)
	}
	for _, r := range recs {
		if r.Fields[policeuk.ColRemoval] != "True" {
			t.Errorf("%s did not go beyond outer clothing", r.Ref)
		}
	}
	recs, seen, err = disparity.DrawSample(context.Background(), db, disparity.SampleFilter{Force: "dorset", From: "2019-01", To: "2019-01", Removal: true, Group: "Black", Size: 1}, rnd)
	if err != nil || seen != 2 || len(recs) != 1 {
		t.Fatalf("%d of %d, %v; want 1 of 2", len(recs), seen, err)
	}
}

func importForce(t *testing.T, db *store.Store, name, year string) *powers.ImportResult {
	t.Helper()
	res, err := powers.Import(context.Background(), db, powers.UseOfForce, bytes.NewReader(read(t, name)), powers.ImportOptions{Force: "dorset", Year: year, Source: name})
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return res
}

// TestUseOfForceAgainstHandCounts reads the Home Office tables for Dorset
// (testdata/use-of-force-dorset-*-extract.csv). Hand counts from the
// "*Total Tactics" rows: 2019-20 White 11,240, Black 768, Asian 146, Mixed
// 0, Other 167, not reported 387 (total 12,708); 2018-19 White 10,254,
// Black 743, Asian 114 + Chinese 6 = 120, Mixed 0, Other 78, don't know
// 1,944 + not reported 0 (total 13,139). Mixed is 0 on every row of both.
func TestUseOfForceAgainstHandCounts(t *testing.T) {
	db := storetest.Open(t)
	loadPopulation(t, db)
	res := importForce(t, db, "use-of-force-dorset-2019-20-by-ethnicity-extract.csv", "2019-20")
	if res.Rows != 38 {
		t.Fatalf("rows %d, want 38", res.Rows)
	}
	rep := build(t, db, powers.UseOfForce, "2019-20", "2019-20")
	if rep.Events != 12708 || rep.NotStated != 387 || rep.Period != "the year ending March 2020" {
		t.Fatalf("events %d, not stated %d, period %q", rep.Events, rep.NotStated, rep.Period)
	}
	// Black 768 × 1000 / 5315 = 144.497 a year; White 11240 × 1000 / 733925 = 15.315.
	// Ratio 9.435, SE = sqrt(1/768 − 1/5315 + 1/11240 − 1/733925) = 0.03474: 8.815 to 10.098.
	b, w := rep.Group("Black"), rep.Group("White")
	if !near(b.Rate, 144.497, 5e-4) || !near(b.RateYear, 144.497, 5e-4) || !near(w.Rate, 15.315, 5e-4) ||
		!near(b.Ratio, 9.4350, 5e-4) || !near(b.RatioLow, 8.8153, 5e-4) || !near(b.RatioHigh, 10.0983, 5e-4) || !b.Flag {
		t.Errorf("Black %+v", b)
	}
	// Asian 146 / 17856 against White: 0.534 (0.454 to 0.628), flagged: fewer.
	if a := rep.Group("Asian"); !near(a.Ratio, 0.5339, 5e-4) || !near(a.RatioLow, 0.4538, 5e-4) || !a.Flag {
		t.Errorf("Asian %+v", a)
	}
	// Mixed: 0 on every row, so not recorded, not "no uses".
	if m := rep.Group("Mixed"); !m.NotRecorded || m.Ratio != nil {
		t.Errorf("Mixed %+v", m)
	}
	// Taser ("CED of which"): Black 24 of 768 = 3.13% (2.11% to 4.61%); White 172 of 11,240 = 1.53% (1.32% to 1.77%).
	if sh := b.Shares[2]; sh.K != 24 || sh.N != 768 || !near(sh.Low, 0.02109, 5e-5) || !near(sh.High, 0.04608, 5e-5) {
		t.Errorf("Black Taser %+v", sh)
	}
	if sh := w.Shares[2]; sh.K != 172 || sh.N != 11240 || !near(sh.Low, 0.01319, 5e-5) || !near(sh.High, 0.01774, 5e-5) {
		t.Errorf("White Taser %+v", sh)
	}

	// Both years, 2018-19 in its own layout (Chinese and Don't know columns, "CED").
	importForce(t, db, "use-of-force-dorset-2018-19-by-ethnicity-extract.csv", "2018-19")
	rep = build(t, db, powers.UseOfForce, "2018-19", "2019-20")
	if rep.Events != 12708+13139 || rep.NotStated != 387+1944 || rep.Period != "the years ending March 2019 to March 2020 (both have data)" {
		t.Fatalf("both years: events %d, not stated %d, period %q", rep.Events, rep.NotStated, rep.Period)
	}
	// Black 1,511, White 21,494: ratio 9.707 (9.283 to 10.150); a year 1511 × 1000 / 5315 / 2 = 142.145.
	// Asian 146 + 120 = 266: 0.509 (0.451 to 0.574).
	b = rep.Group("Black")
	if !near(b.Ratio, 9.7072, 5e-4) || !near(b.RatioLow, 9.2834, 5e-4) || !near(b.RatioHigh, 10.1504, 5e-4) || !near(b.RateYear, 142.145, 5e-3) {
		t.Errorf("both years Black %+v", b)
	}
	if a := rep.Group("Asian"); a.Events != 266 || !near(a.Ratio, 0.5087, 5e-4) {
		t.Errorf("both years Asian %+v", a)
	}
	// Taser over both: Black 24 + 22 = 46 of 1,511 (2.29% to 4.04%).
	if sh := b.Shares[2]; sh.K != 46 || sh.N != 1511 || !near(sh.Low, 0.02290, 5e-5) || !near(sh.High, 0.04037, 5e-5) {
		t.Errorf("both years Black Taser %+v", sh)
	}
	words := strings.Join(powers.Sentences(rep), " ")
	for _, want := range []string{
		"Black people were 9.7 times as likely as White people to have force used on them (95% interval 9.3 to 10.2).",
		"People of Mixed or Multiple ethnicity: not recorded in these figures",
	} {
		if !strings.Contains(words, want) {
			t.Errorf("sentences lack %q:\n%s", want, words)
		}
	}
	// The same year again replaces it.
	if res := importForce(t, db, "use-of-force-dorset-2019-20-by-ethnicity-extract.csv", "2019-20"); len(res.Replaced) != 1 {
		t.Errorf("re-import replaced %v", res.Replaced)
	}
	if rep := build(t, db, powers.UseOfForce, "", ""); rep.Events != 12708+13139 {
		t.Errorf("after re-import: %d", rep.Events)
	}
}

// TestUseOfForceRefusals: a table that does not add up, is another
// force's, or has no headline row is refused naming the lines; a year
// that is not a financial year is refused; nothing is stored.
func TestUseOfForceRefusals(t *testing.T) {
	good := string(read(t, "use-of-force-dorset-2019-20-by-ethnicity-extract.csv"))
	for _, c := range []struct {
		name, file, year, want string
	}{
		{"total does not add up", strings.Replace(good, "1967.0,144.0", "1967.0,145.0", 1), "2019-20", "line 5, Number of times tactic reported: is 2231, but the ethnic group columns add up to 2232"},
		{"another force", strings.Replace(good, "Dorset,Restraint,Ground", "Wiltshire,Restraint,Ground", 1), "2019-20", `line 9, Police Force: "Wiltshire" is not dorset`},
		{"not a count", strings.Replace(good, "665.0", "six", 1), "2019-20", `line 8, White: "six" is not a count`},
		{"no headline", strings.Replace(good, "*Total Tactics", "Total", 1), "2019-20", `exactly one "*Total Tactics" row`},
		{"unknown group column", strings.Replace(good, ",Other,Not reported,", ",Other,Unknown,", 1), "2019-20", `"Unknown" is not an ethnic group column`},
		{"bad year", good, "2019", `"2019" is not a financial year`},
		{"year out of order", good, "2019-21", "the second year follows the first"},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := storetest.Open(t)
			_, err := powers.Import(context.Background(), db, powers.UseOfForce, strings.NewReader(c.file), powers.ImportOptions{Force: "dorset", Year: c.year})
			if !apperr.Is(err, apperr.Invalid) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want a refusal with %q", err, c.want)
			}
			if fs, _ := db.PowerForces(context.Background(), powers.UseOfForce.Kind); len(fs) != 0 {
				t.Errorf("something was stored: %+v", fs)
			}
		})
	}
}
