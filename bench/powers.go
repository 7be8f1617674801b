package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"candour/powers"
	"candour/store"
	"candour/tz"
)

// Issue 15's budgets for the activities defined in powers/: a million rows
// of any dataset imported in under 60 s with bounded memory (vehicle stops,
// the one with a file of its own), each monitor page p95 < 100 ms with a
// year of data at 20 clients (scenarios in load.go), and the figures from
// counters in < 50 ms.

// seedPowers imports a year of vehicle stops (5,000, resampled from the
// example file), of use of force incidents, custody strip searches,
// vetting decisions and missing people (5,000 each, likewise) and two
// years of use of force, and publishes two activities, so their pages have a year
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
	// A year of vetting decisions (for the CCU's page, never published)
	// and of missing person episodes, 5,000 each.
	head, rows, err = readPowerRows(filepath.Join(dataDir, "vetting-decisions-example.csv"))
	if err != nil {
		return err
	}
	buf.Reset()
	if err := writePowerRows(&buf, head, rows, 5000, 2019); err != nil {
		return err
	}
	if _, err := powers.Import(ctx, db, powers.Vetting, bytes.NewReader(buf.Bytes()), powers.ImportOptions{Force: force, Source: "bench.csv", By: admin}); err != nil {
		return fmt.Errorf("vetting: %w", err)
	}
	head, rows, err = readPowerRows(filepath.Join(dataDir, "missing-people-example.csv"))
	if err != nil {
		return err
	}
	buf.Reset()
	if err := writeEpisodes(&buf, head, rows, 5000, 2019); err != nil {
		return err
	}
	if _, err := powers.Import(ctx, db, powers.MissingPeople, bytes.NewReader(buf.Bytes()), powers.ImportOptions{Force: force, Source: "bench.csv", By: admin}); err != nil {
		return fmt.Errorf("missing people: %w", err)
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

// writeEpisodes writes n missing person episodes drawn at random from
// rows (the example file's layout: reported, found, risk, ethnicity, age
// band, person key), reported across the twelve months of year at UK
// times, each found after as long as the episode drawn (or not yet
// found, as it was), with a person key of one of n*4/5 people, so about
// one episode in five is a repeat.
func writeEpisodes(w io.Writer, head []string, rows [][]string, n, year int) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(head); err != nil {
		return err
	}
	rnd := rand.New(rand.NewPCG(uint64(year), 16))
	for i := range n {
		src := rows[rnd.IntN(len(rows))]
		row := slices.Clone(src)
		reported := time.Date(year, time.Month(1+i%12), 1+i%28, i%24, 0, 0, 0, tz.London)
		row[0] = reported.Format("2006-01-02T15:04:05")
		if src[1] != "" {
			was, err := episodeTime(src[0])
			if err != nil {
				return err
			}
			found, err := episodeTime(src[1])
			if err != nil {
				return err
			}
			row[1] = reported.Add(found.Sub(was)).UTC().Format(time.RFC3339)
		}
		sum := sha256.Sum256(fmt.Appendf(nil, "bench person %d", rnd.IntN(n*4/5)))
		row[5] = hex.EncodeToString(sum[:])
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// episodeTime reads a time of the example file: with a zone, or UK time.
func episodeTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.ParseInLocation("2006-01-02T15:04:05", v, tz.London)
}

// overviewBudget is issue 15's budget for "disparity across our powers",
// which reads every activity's counters.
const overviewBudget = 50 * time.Millisecond

// powerImportResult is a powers/ dataset's import budget.
type powerImportResult struct {
	title     string // what was imported ("vehicle stops")
	kind      string // the `candour import power` argument
	rows      int
	took      time.Duration
	maxRSSKiB int64
	report    time.Duration // powers.Build over the million rows
	skipped   string
}

// powerImports are the million-row imports of powers/ datasets: vehicle
// stops (the plain column reader, which incidents, custody strip searches
// and vetting decisions share) and missing people (hours derived per row,
// and every person key of the file remembered to tell repeats).
var powerImports = []struct {
	d     *powers.Dataset
	title string
	file  string
	write func(w io.Writer, head []string, rows [][]string, n, year int) error
}{
	{powers.VehicleStops, "vehicle stops", "vehicle-stops-example.csv", writePowerRows},
	{powers.MissingPeople, "missing person episodes", "missing-people-example.csv", writeEpisodes},
}

// benchPowerImports times each of powerImports.
func benchPowerImports(ctx context.Context, bin, dir string, o options) []powerImportResult {
	var out []powerImportResult
	for _, pi := range powerImports {
		res := benchPowerImport(ctx, bin, dir, o, pi.d, pi.file, pi.write)
		res.title, res.kind = pi.title, pi.d.Kind
		out = append(out, res)
	}
	return out
}

// benchPowerImport writes a million rows of d resampled from file into
// dir, imports them with `candour import power KIND` into a fresh data
// directory, and times the report over them.
func benchPowerImport(ctx context.Context, bin, dir string, o options, d *powers.Dataset, file string,
	write func(w io.Writer, head []string, rows [][]string, n, year int) error) powerImportResult {
	head, rows, err := readPowerRows(filepath.Join(o.dataDir, file))
	if err != nil {
		return powerImportResult{skipped: err.Error()}
	}
	path := filepath.Join(dir, d.Kind+"-million.csv")
	if err := writeFile(path, func(w io.Writer) error { return write(w, head, rows, importRows, 2020) }); err != nil {
		return powerImportResult{skipped: err.Error()}
	}
	defer os.Remove(path)
	took, rss, db, err := timedImport(ctx, bin, filepath.Join(dir, d.Kind+"-import-data"), o, "import", "power", d.Kind, "--force", "dorset", path)
	if err != nil {
		return powerImportResult{skipped: err.Error()}
	}
	defer db.Close(context.Background())
	res := powerImportResult{rows: importRows, took: took, maxRSSKiB: rss}
	if _, err := db.PowerMonths(ctx, d.Kind, "dorset", "", ""); err != nil { // warm the store
		return powerImportResult{skipped: err.Error()}
	}
	t := time.Now()
	rep, err := powers.Build(ctx, db, d, "dorset", "", "")
	res.report = time.Since(t)
	if err != nil || rep.Events != importRows {
		return powerImportResult{skipped: fmt.Sprintf("report: %v", err)}
	}
	return res
}

// printPowerImports adds the powers/ import budgets to the report.
func printPowerImports(w io.Writer, rs []powerImportResult) {
	for _, r := range rs {
		fmt.Fprintf(w, "\n## %s import, the generic import of powers/ (budget: 1,000,000 rows < 60 s; figures from counters < 50 ms)\n", strings.ToUpper(r.title[:1])+r.title[1:])
		if r.skipped != "" {
			fmt.Fprintf(w, "\nNot run: %s\n", r.skipped)
			continue
		}
		fmt.Fprintf(w, "\n| measure | value | budget | |\n|---|---|---|---|\n")
		fmt.Fprintf(w, "| import %d rows (`candour import power %s`) | %.1f s (%.0f rows/s) | 60 s | %s |\n",
			r.rows, r.kind, r.took.Seconds(), float64(r.rows)/r.took.Seconds(), pass(r.took < time.Minute))
		fmt.Fprintf(w, "| import peak memory (max RSS) | %d MB | bounded | |\n", r.maxRSSKiB/1024)
		fmt.Fprintf(w, "| %s figures over them (powers.Build) | %.1f ms | 50 ms | %s |\n",
			r.title, float64(r.report.Microseconds())/1000, pass(r.report < 50*time.Millisecond))
	}
}
