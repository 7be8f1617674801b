package powers_test

import (
	"bytes"
	"context"
	"maps"
	"math"
	"strings"
	"testing"

	"candour/disparity"
	"candour/policeuk"
	"candour/powers"
	"candour/store"
	"candour/store/storetest"
)

// TestStopSearchIsOneDefinition: stop and search is a dataset like the
// others, imported by the one Import through its File hook, but left out
// of the shared pages while its own monitor (/disparity) serves it.
func TestStopSearchIsOneDefinition(t *testing.T) {
	d := powers.StopSearch
	if d.Kind != store.PowerStopSearch || !d.Importable() || d.File == nil || d.OwnMonitor != "/disparity" {
		t.Fatalf("%+v", d)
	}
	if got, want := d.Header(), strings.Join(policeuk.Columns, ","); got != want {
		t.Errorf("header %q, want %q", got, want)
	}
	if _, ok := powers.Lookup(d.Kind); ok {
		t.Error("Lookup finds stop and search: the shared monitor would show it beside /disparity")
	}
	for _, o := range powers.All() {
		if o == d {
			t.Error("All lists stop and search: the overview would show it twice")
		}
	}
	if powers.StripSearch.StoreKind() != d.Kind {
		t.Errorf("strip searches read %q", powers.StripSearch.StoreKind())
	}
}

// TestStopSearchCountersThroughImport imports the real January 2019 file
// through powers.Import and reads the month's stored counters. Counted by
// hand from testdata/2019-01-dorset-stop-and-search.csv (156 searches, no
// vehicle-only searches): self-defined White 102 searches, 15 arrests
// (Outcome "Arrest"), 18 finds (linked "True"); Black 7, 2 arrests, 2
// finds; Asian 3, no arrest, 1 find; Mixed 4; Other 1; not stated 39.
// Officer-defined: White 130, Black 9, Other 3, Asian 2, empty 12 (not
// stated). One file, one part, keyed by the file's month.
func TestStopSearchCountersThroughImport(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	name := "2019-01-dorset-stop-and-search.csv"
	res, err := powers.Import(ctx, db, powers.StopSearch, bytes.NewReader(read(t, name)), powers.ImportOptions{Source: name, By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Force != "dorset" || res.FileMonth != "2019-01" || res.Rows != 156 || len(res.Months) != 1 || len(res.Notes) != 0 {
		t.Fatalf("result %+v", res)
	}
	m, err := db.PowerMonth(ctx, store.PowerStopSearch, "dorset", "2019-01")
	if err != nil {
		t.Fatal(err)
	}
	if m.Records != 156 || len(m.Parts) != 1 || m.Parts[0].Key != "2019-01" || m.Parts[0].Source != name || m.Parts[0].Chunks != 1 {
		t.Fatalf("month: %d records, parts %+v", m.Records, m.Parts)
	}
	type want struct{ n, arrests, finds int64 }
	all := map[[2]string]want{}
	for _, c := range m.Cells {
		if c.Dim == "all" {
			all[[2]string{c.Basis, c.Group}] = want{c.Searches, c.Arrests, c.Finds}
		}
	}
	for k, w := range map[[2]string]want{
		{disparity.SelfDefined, "White"}:         {102, 15, 18},
		{disparity.SelfDefined, "Black"}:         {7, 2, 2},
		{disparity.SelfDefined, "Asian"}:         {3, 0, 1},
		{disparity.SelfDefined, "Mixed"}:         {4, 0, 0},
		{disparity.SelfDefined, "Other"}:         {1, 0, 0},
		{disparity.SelfDefined, "Not stated"}:    {39, 2, 4},
		{disparity.OfficerDefined, "White"}:      {130, 0, 0},
		{disparity.OfficerDefined, "Black"}:      {9, 0, 0},
		{disparity.OfficerDefined, "Other"}:      {3, 0, 0},
		{disparity.OfficerDefined, "Asian"}:      {2, 0, 0},
		{disparity.OfficerDefined, "Not stated"}: {12, 0, 0},
	} {
		got := all[k]
		if k[0] == disparity.OfficerDefined {
			got.arrests, got.finds = 0, 0 // arrests and finds by officer basis are not hand counted here
		}
		if got != w {
			t.Errorf("%s %s: %+v, want %+v", k[0], k[1], got, w)
		}
	}
}

// TestSharedReportOfStopSearch works out stop and search's figures with
// the shared report (Build) and with its own (disparity.Build) from the
// same counters: every group's searches, ratio with its interval, gap,
// flag, and arrest and find rates with their intervals agree. Hand
// figures (docs/disparity.md): January 2019, Black people 9.5 times as
// likely as White people to be searched (95% interval 4.4 to 20.4); White
// arrests 15 of 102 searches; August and September 2018, Black 25 and
// White 207 searches, 16.7 times as likely (11.0 to 25.2). By the
// officer-defined basis too, where Mixed is not a category officers
// record (January 2019: officer-defined Black 9, White 130).
func TestSharedReportOfStopSearch(t *testing.T) {
	db := storetest.Open(t)
	loadPopulation(t, db)
	importStopSearch(t, db, "2019-01-dorset-stop-and-search.csv", "2018-08-dorset-stop-and-search.csv", "2018-09-dorset-stop-and-search.csv")
	same := func(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || math.Abs(*a-*b) < 1e-12) }
	for _, p := range []struct{ from, to, basis string }{
		{"2019-01", "2019-01", disparity.SelfDefined}, {"2018-08", "2018-09", disparity.SelfDefined},
		{"2019-01", "2019-01", disparity.OfficerDefined}, {"2018-08", "2018-09", disparity.OfficerDefined},
	} {
		shared, err := powers.BuildBasis(context.Background(), db, powers.StopSearch, "dorset", p.from, p.to, p.basis)
		if err != nil {
			t.Fatal(err)
		}
		own, err := disparity.Build(context.Background(), db, "dorset", p.from, p.to, p.basis)
		if err != nil {
			t.Fatal(err)
		}
		if shared.Events != own.Searches || shared.Period != own.Period || shared.VehicleOnly != own.VehicleOnly ||
			shared.Unrecognised != own.Unrecognised || shared.NotStated != own.NotStated.Searches || shared.NotStatedShare != own.NotStated.Share {
			t.Fatalf("%s: %d searches (%s), own report %d (%s)", p.from, shared.Events, shared.Period, own.Searches, own.Period)
		}
		for i, g := range shared.Groups {
			o := own.Groups[i]
			if g.Group != o.Group || g.Events != o.Searches || !same(g.Ratio, o.RatioToWhite) || !same(g.RatioLow, o.RatioCILow) ||
				!same(g.RatioHigh, o.RatioCIHigh) || !same(g.Gap, o.GapPer1000) || g.Flag != o.Flag || !same(g.RateYear, o.RatePerYear) ||
				g.NotRecorded != o.NotACategory {
				t.Errorf("%s %s %s: shared %+v, own %+v", p.basis, p.from, g.Group, g, o)
			}
			arrest, find := g.Shares[0], g.Shares[1]
			if arrest.K != o.Arrests || !same(arrest.Estimate, o.ArrestRate) || !same(arrest.Low, o.ArrestCILow) || !same(arrest.High, o.ArrestCIHigh) ||
				find.K != o.Finds || !same(find.Estimate, o.FindRate) || !same(find.Low, o.FindCILow) || !same(find.High, o.FindCIHigh) {
				t.Errorf("%s %s %s: arrests %+v finds %+v, own %d %d", p.basis, p.from, g.Group, arrest, find, o.Arrests, o.Finds)
			}
		}
		// The month trend.
		if len(shared.Months) != len(own.Months) {
			t.Fatalf("%s %s: %d months, own %d", p.basis, p.from, len(shared.Months), len(own.Months))
		}
		for i, m := range shared.Months {
			o := own.Months[i]
			if m.Month != o.Month || m.Events != o.Searches || !maps.Equal(m.ByGroup, o.ByGroup) {
				t.Errorf("%s %s: month %+v, own %+v", p.basis, p.from, m, o)
			}
		}
		// The breakdowns /disparity shows, by value and group.
		for _, dim := range []string{"legislation", "object", "outcome", "age", "gender"} {
			rows, ownRows := shared.Breakdowns[dim], own.Breakdowns[dim]
			if len(rows) == 0 || len(rows) != len(ownRows) {
				t.Fatalf("%s %s %s: %d rows, own %d", p.basis, p.from, dim, len(rows), len(ownRows))
			}
			for i, r := range rows {
				o := ownRows[i]
				if r.Value != o.Value || r.Records != o.Searches || !maps.Equal(r.ByGroup, o.ByGroup) {
					t.Errorf("%s %s %s: %+v, own %+v", p.basis, p.from, dim, r, o)
				}
			}
		}
	}
	jan := build(t, db, powers.StopSearch, "2019-01", "2019-01")
	white, black := jan.Groups[4], jan.Groups[1]
	if white.Group != "White" || white.Events != 102 || white.Shares[0].K != 15 || white.Shares[0].N != 102 {
		t.Errorf("White: %+v", white)
	}
	if black.Group != "Black" || !near(black.Ratio, 9.5, 0.05) || !near(black.RatioLow, 4.4, 0.05) || !near(black.RatioHigh, 20.4, 0.05) || !black.Flag {
		t.Errorf("Black: %+v", black)
	}
	officer, err := powers.BuildBasis(context.Background(), db, powers.StopSearch, "dorset", "2019-01", "2019-01", disparity.OfficerDefined)
	if err != nil || officer.Groups[1].Events != 9 || officer.Groups[4].Events != 130 || !officer.Groups[2].NotRecorded || officer.Groups[2].Ratio != nil {
		t.Errorf("officer-defined: %v %+v", err, officer.Groups)
	}
	summer := build(t, db, powers.StopSearch, "2018-08", "2018-09")
	if b := summer.Groups[1]; b.Events != 25 || summer.Groups[4].Events != 207 || !near(b.Ratio, 16.7, 0.05) || !near(b.RatioLow, 11.0, 0.05) || !near(b.RatioHigh, 25.2, 0.05) {
		t.Errorf("summer Black: %+v, White %d", b, summer.Groups[4].Events)
	}
}

// TestSharedReportSplitsVehicleOnlyAndUnrecognised: January 2019 with the
// first two rows' self-defined ethnicity (White) changed to "Martian" and
// rows 4 to 6 (White, not stated, White) changed to vehicle-only
// searches. By hand from the counts above: 156 searches, 3 vehicle-only,
// 2 unrecognised, White 102 − 2 − 2 = 98, not stated 39 − 1 = 38, and the
// not-stated share is of the 153 person searches.
func TestSharedReportSplitsVehicleOnlyAndUnrecognised(t *testing.T) {
	db := storetest.Open(t)
	loadPopulation(t, db)
	name := "2019-01-dorset-stop-and-search.csv"
	odd := strings.Replace(string(read(t, name)), "White - English/Welsh/Scottish/Northern Irish/British", "Martian", 2)
	lines := strings.Split(odd, "\n")
	for _, i := range []int{4, 5, 6} {
		rest, ok := strings.CutPrefix(lines[i], "Person search,")
		if !ok {
			t.Fatalf("line %d: %q", i+1, lines[i])
		}
		lines[i] = "Vehicle search," + rest
	}
	if _, err := powers.Import(context.Background(), db, powers.StopSearch, strings.NewReader(strings.Join(lines, "\n")), powers.ImportOptions{Source: name}); err != nil {
		t.Fatal(err)
	}
	rep := build(t, db, powers.StopSearch, "2019-01", "2019-01")
	if rep.Events != 156 || rep.VehicleOnly != 3 || rep.Unrecognised != 2 || rep.Apart != 5 || rep.NotStated != 38 || rep.Groups[4].Events != 98 {
		t.Fatalf("events %d, vehicle-only %d, unrecognised %d, apart %d, not stated %d, White %d",
			rep.Events, rep.VehicleOnly, rep.Unrecognised, rep.Apart, rep.NotStated, rep.Groups[4].Events)
	}
	if !near(&rep.NotStatedShare, 38.0/153, 1e-12) {
		t.Errorf("not-stated share %v, want 38/153", rep.NotStatedShare)
	}
	own, err := disparity.Build(context.Background(), db, "dorset", "2019-01", "2019-01", disparity.SelfDefined)
	if err != nil || own.VehicleOnly != 3 || own.Unrecognised != 2 || own.NotStated.Searches != 38 || own.NotStated.Share != rep.NotStatedShare {
		t.Errorf("disparity.Build: %v, vehicle-only %d, unrecognised %d, not stated %+v", err, own.VehicleOnly, own.Unrecognised, own.NotStated)
	}
}
