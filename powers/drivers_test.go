package powers_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"candour/disparity"
	"candour/powers"
	"candour/store"
	"candour/store/storetest"
)

func loadDrivers(t *testing.T, db *store.Store) {
	t.Helper()
	if _, err := disparity.ImportDrivers(context.Background(), db, bytes.NewReader(read(t, "drivers-dorset-example.csv")), disparity.DriversOptions{
		Force: "dorset", Made: "licence holders by self-defined ethnicity, from the force's own survey", Period: "2024",
		Source: "drivers-dorset-example.csv", By: "test"}); err != nil {
		t.Fatal(err)
	}
}

// TestVehicleStopsPerThousandDrivers: with a driver population loaded,
// vehicle stops are per 1,000 drivers, not residents.
//
// Counts (testdata/vehicle-stops-example.csv, see
// TestVehicleStopsAgainstHandCounts): White 30 stops, Black 20, Asian 3,
// not stated 12, in March and April 2024 (2 months with data).
// Drivers (testdata/drivers-dorset-example.csv, made up): White 600,000,
// Black 4,000 (not stated 20,000 are in no group).
//
// By hand:
//
//	Black rate  20 × 1000 / 4,000   = 5.0 per 1,000; a year: × 12 ÷ 2 = 30.0
//	White rate  30 × 1000 / 600,000 = 0.05 per 1,000; a year: 0.30
//	ratio       5.0 / 0.05 = 100.0
//	Wald SE     sqrt(1/20 − 1/4000 + 1/30 − 1/600000)
//	          = sqrt(0.05 − 0.00025 + 0.0333333 − 0.0000017) = sqrt(0.0830817) = 0.288239
//	interval    100 × exp(∓1.96 × 0.288239) = 100 ÷ 1.75933 to 100 × 1.75933 = 56.84 to 175.93
//	gap         Wilson 20/4000: 0.005 (0.0032391 to 0.0077107);
//	            Wilson 30/600000: 0.00005 (0.00003503 to 0.00007138);
//	            Newcombe: 0.00495 − sqrt(0.0017609² + 0.00002138²) = 0.0031890,
//	            0.00495 + sqrt(0.0027107² + 0.00001497²) = 0.0076608:
//	            +4.950 per 1,000 (+3.189 to +7.661)
//
// Per 1,000 residents (the Census) the ratio was 92.06 (52.31 to 161.99).
func TestVehicleStopsPerThousandDrivers(t *testing.T) {
	db := storetest.Open(t)
	loadPopulation(t, db)
	loadDrivers(t, db)
	if _, err := importVehicle(t, db, read(t, "vehicle-stops-example.csv")); err != nil {
		t.Fatal(err)
	}
	rep := build(t, db, powers.VehicleStops, "", "")
	if rep.PerWhom() != "drivers" || rep.Missing != "" || rep.Population.Of != store.Drivers {
		t.Fatalf("per %s, missing %q", rep.PerWhom(), rep.Missing)
	}
	bl, w := rep.Group("Black"), rep.Group("White")
	if bl.Population != 4000 || w.Population != 600000 {
		t.Errorf("denominators: Black %d, White %d", bl.Population, w.Population)
	}
	if !near(bl.Rate, 5.0, 1e-9) || !near(bl.RateYear, 30.0, 1e-9) || !near(w.Rate, 0.05, 1e-12) || !near(w.RateYear, 0.30, 1e-12) {
		t.Errorf("rates: Black %v %v, White %v %v", *bl.Rate, *bl.RateYear, *w.Rate, *w.RateYear)
	}
	if !near(bl.Ratio, 100.0, 1e-9) || !near(bl.RatioLow, 56.84, 5e-3) || !near(bl.RatioHigh, 175.93, 5e-3) || !bl.Flag {
		t.Errorf("ratio %v (%v to %v), flag %v", *bl.Ratio, *bl.RatioLow, *bl.RatioHigh, bl.Flag)
	}
	if !near(bl.Gap, 4.950, 5e-4) || !near(bl.GapLow, 3.189, 5e-4) || !near(bl.GapHigh, 7.661, 5e-4) {
		t.Errorf("gap %v (%v to %v)", *bl.Gap, *bl.GapLow, *bl.GapHigh)
	}
	// The not-stated share still comes first, and the sentences speak of drivers.
	s := powers.Sentences(rep)
	if !strings.Contains(s[0], "had no self-defined ethnicity recorded") && !strings.Contains(s[0], "is withheld") {
		t.Errorf("first sentence: %q", s[0])
	}
	if want := "Black drivers were 100.0 times as likely as White drivers to be stopped (95% interval 56.8 to 175.9)."; !slices.Contains(s, want) {
		t.Errorf("sentences %q lack %q", s, want)
	}
	if want := "Of stops of Black drivers, 50% (10 of 20) ended in further action (95% interval 30% to 70%)."; !slices.Contains(s, want) {
		t.Errorf("sentences %q lack %q", s, want)
	}
	if !strings.Contains(rep.AnnualBasis(), "per 1,000 drivers (licence holders by self-defined ethnicity, from the force's own survey, 2024)") {
		t.Errorf("basis: %s", rep.AnnualBasis())
	}
}

// TestVehicleStopsWithoutDriversUseResidents: with no driver population,
// the rates are per 1,000 Census residents, as before, and the report says
// which population it wanted (the page says why residents are second best).
// Every other dataset is per resident whether or not drivers are loaded.
func TestVehicleStopsWithoutDriversUseResidents(t *testing.T) {
	db := storetest.Open(t)
	loadPopulation(t, db)
	if _, err := importVehicle(t, db, read(t, "vehicle-stops-example.csv")); err != nil {
		t.Fatal(err)
	}
	rep := build(t, db, powers.VehicleStops, "", "")
	bl := rep.Group("Black")
	// Black 20 × 1000 / 5,315 residents = 3.7629 per 1,000; ratio 92.06 (TestVehicleStopsAgainstHandCounts).
	if rep.PerWhom() != "residents" || rep.Missing != store.Drivers || bl.Population != 5315 || !near(bl.Rate, 3.7629, 5e-5) || !near(bl.Ratio, 92.057, 5e-4) {
		t.Fatalf("per %s, missing %q, Black %+v", rep.PerWhom(), rep.Missing, bl)
	}
	if s := powers.Sentences(rep); !slices.Contains(s, "Black people were 92.1 times as likely as White people to be stopped (95% interval 52.3 to 162.0).") {
		t.Errorf("sentences %q", s)
	}
	loadDrivers(t, db)
	if _, err := powers.Import(context.Background(), db, powers.CustodyStripSearch, bytes.NewReader(read(t, "custody-strip-search-example.csv")),
		powers.ImportOptions{Force: "dorset", Source: "custody-strip-search-example.csv"}); err != nil {
		t.Fatal(err)
	}
	if rep := build(t, db, powers.CustodyStripSearch, "", ""); rep.PerWhom() != "residents" || rep.Missing != "" || rep.Group("Black").Population != 5315 {
		t.Errorf("custody strip searches per %s, missing %q", rep.PerWhom(), rep.Missing)
	}
	// A driver population alone is enough for vehicle stops.
	db2 := storetest.Open(t)
	loadDrivers(t, db2)
	if _, err := importVehicle(t, db2, read(t, "vehicle-stops-example.csv")); err != nil {
		t.Fatal(err)
	}
	if rep := build(t, db2, powers.VehicleStops, "", ""); rep.PerWhom() != "drivers" {
		t.Errorf("drivers alone: per %s", rep.PerWhom())
	}
}
