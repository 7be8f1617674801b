package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"candour/powers"
	"candour/store"
)

// Issue 15's budgets for the activities defined in powers/: a million rows
// of any dataset imported in under 60 s with bounded memory (vehicle stops,
// the one with a file of its own), each monitor page p95 < 100 ms with a
// year of data at 20 clients (scenarios in load.go), and the figures from
// counters in < 50 ms.

// seedPowers imports a year of vehicle stops (5,000, resampled from the
// example file) and two years of use of force, and publishes two activities, so their pages have a year
// of data; strip searches read the stop-and-search year seedStopSearch put.
func seedPowers(ctx context.Context, db *store.Store, dataDir, admin, force string) error {
	if force == "" {
		return nil
	}
	head, rows, err := readPowerRows(filepath.Join(dataDir, "vehicle-stops-example.csv"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: no vehicle stops (%v): that page will be empty\n", err)
		return nil
	}
	var buf bytes.Buffer
	if err := writePowerRows(&buf, head, rows, 5000, 2019); err != nil {
		return err
	}
	if _, err := powers.Import(ctx, db, powers.VehicleStops, bytes.NewReader(buf.Bytes()), powers.ImportOptions{Force: force, Source: "bench.csv", By: admin}); err != nil {
		return err
	}
	// A year of use of force incidents and of custody strip searches
	// (5,000 each, resampled from the example files).
	for _, ex := range []struct {
		d    *powers.Dataset
		file string
	}{
		{powers.UseOfForceIncidents, "use-of-force-incidents-example.csv"},
		{powers.CustodyStripSearch, "custody-strip-search-example.csv"},
	} {
		head, rows, err := readPowerRows(filepath.Join(dataDir, ex.file))
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := writePowerRows(&buf, head, rows, 5000, 2019); err != nil {
			return err
		}
		if _, err := powers.Import(ctx, db, ex.d, bytes.NewReader(buf.Bytes()), powers.ImportOptions{Force: force, Source: "bench.csv", By: admin}); err != nil {
			return fmt.Errorf("%s: %w", ex.d.Kind, err)
		}
	}
	for _, year := range []string{"2018-19", "2019-20"} {
		b, err := os.ReadFile(filepath.Join(dataDir, "use-of-force-dorset-"+year+"-by-ethnicity-extract.csv"))
		if err != nil {
			return err
		}
		if _, err := powers.Import(ctx, db, powers.UseOfForce, bytes.NewReader(b), powers.ImportOptions{Force: force, Year: year, By: admin}); err != nil {
			return err
		}
	}
	for _, kind := range []string{powers.VehicleStops.Kind, powers.StripSearch.Kind} {
		if err := db.PublishPower(ctx, &store.PowerPublication{Kind: kind, Force: force, From: "2019-01", To: "2019-12", PublishedBy: admin}); err != nil {
			return err
		}
	}
	return nil
}

func readPowerRows(path string) ([]string, [][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil || len(all) < 2 {
		return nil, nil, fmt.Errorf("read %s: %v", path, err)
	}
	return all[0], all[1:], nil
}

// writePowerRows writes n rows drawn at random from rows, dated across the
// twelve months of year (the date is a dataset's first column).
func writePowerRows(w io.Writer, head []string, rows [][]string, n, year int) error {
	return resample(w, head, rows, n, rand.NewPCG(uint64(year), 15), 0, func(i int) string {
		return fmt.Sprintf("%d-%02d-%02d", year, 1+i%12, 1+i%28)
	})
}

// overviewBudget is issue 15's budget for "disparity across our powers",
// which reads every activity's counters.
const overviewBudget = 50 * time.Millisecond

// powerImportResult is the vehicle stops import budget.
type powerImportResult struct {
	rows      int
	took      time.Duration
	maxRSSKiB int64
	report    time.Duration // powers.Build over the million rows
	skipped   string
}

// benchPowerImport writes a million vehicle stops into dir, imports them
// with `candour import power vehicle-stops` into a fresh data directory,
// and times the report over them.
func benchPowerImport(ctx context.Context, bin, dir string, o options) powerImportResult {
	head, rows, err := readPowerRows(filepath.Join(o.dataDir, "vehicle-stops-example.csv"))
	if err != nil {
		return powerImportResult{skipped: err.Error()}
	}
	file := filepath.Join(dir, "vehicle-stops-million.csv")
	if err := writeFile(file, func(w io.Writer) error { return writePowerRows(w, head, rows, importRows, 2020) }); err != nil {
		return powerImportResult{skipped: err.Error()}
	}
	defer os.Remove(file)
	took, rss, db, err := timedImport(ctx, bin, filepath.Join(dir, "power-import-data"), o, "import", "power", "vehicle-stops", "--force", "dorset", file)
	if err != nil {
		return powerImportResult{skipped: err.Error()}
	}
	defer db.Close(context.Background())
	res := powerImportResult{rows: importRows, took: took, maxRSSKiB: rss}
	if _, err := db.PowerMonths(ctx, powers.VehicleStops.Kind, "dorset", "", ""); err != nil { // warm the store
		return powerImportResult{skipped: err.Error()}
	}
	t := time.Now()
	rep, err := powers.Build(ctx, db, powers.VehicleStops, "dorset", "", "")
	res.report = time.Since(t)
	if err != nil || rep.Events != importRows {
		return powerImportResult{skipped: fmt.Sprintf("report: %v", err)}
	}
	return res
}

// printPowerImport adds the vehicle stops import budget to the report.
func printPowerImport(w io.Writer, r powerImportResult) {
	fmt.Fprintln(w, "\n## Vehicle stops import, the generic import of powers/ (budget: 1,000,000 rows < 60 s; figures from counters < 50 ms)")
	if r.skipped != "" {
		fmt.Fprintf(w, "\nNot run: %s\n", r.skipped)
		return
	}
	fmt.Fprintf(w, "\n| measure | value | budget | |\n|---|---|---|---|\n")
	fmt.Fprintf(w, "| import %d rows (`candour import power vehicle-stops`) | %.1f s (%.0f rows/s) | 60 s | %s |\n",
		r.rows, r.took.Seconds(), float64(r.rows)/r.took.Seconds(), pass(r.took < time.Minute))
	fmt.Fprintf(w, "| import peak memory (max RSS) | %d MB | bounded | |\n", r.maxRSSKiB/1024)
	fmt.Fprintf(w, "| vehicle stops figures over them (powers.Build) | %.1f ms | 50 ms | %s |\n",
		float64(r.report.Microseconds())/1000, pass(r.report < 50*time.Millisecond))
}
