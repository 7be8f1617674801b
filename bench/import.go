package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"candour/disparity"
	"candour/powers"
	"candour/store"
)

// importResult is the stop-and-search import budget: a million rows
// (resampled from the real files) through `candour import stop-search`,
// then the disparity report over them from counters.
type importResult struct {
	rows      int
	took      time.Duration
	maxRSSKiB int64
	report    time.Duration // first (uncached) report (powers.BuildBasis over powers.StopSearch) over the million rows
	skipped   string
}

const importRows = 1_000_000

// benchImport writes a million-row police.uk file into dir, imports it with
// the real binary into a fresh data directory, and times the report.
func benchImport(ctx context.Context, bin, dir string, o options) importResult {
	src := filepath.Join(o.dataDir, "2019-01-dorset-stop-and-search.csv")
	rows, head, err := readRows(src, filepath.Join(o.dataDir, "2016-11-dorset-stop-and-search.csv"))
	if err != nil {
		return importResult{skipped: err.Error()}
	}
	file := filepath.Join(dir, "2020-01-dorset-stop-and-search.csv")
	if err := writeResampled(file, head, rows); err != nil {
		return importResult{skipped: err.Error()}
	}
	defer os.Remove(file)
	took, rss, db, err := timedImport(ctx, bin, filepath.Join(dir, "import-data"), o, "import", "stop-search", "--force", "dorset", file)
	if err != nil {
		return importResult{skipped: err.Error()}
	}
	defer db.Close(context.Background())
	res := importResult{rows: importRows, took: took, maxRSSKiB: rss}
	// Warm the freshly started store (its first queries open tables), then
	// time a build that no cache has seen.
	if _, err := db.PowerMonths(ctx, store.PowerStopSearch, "dorset", "", ""); err != nil {
		return importResult{skipped: err.Error()}
	}
	t := time.Now()
	rep, err := powers.BuildBasis(ctx, db, powers.StopSearch, "dorset", "", "", disparity.SelfDefined)
	res.report = time.Since(t)
	if err != nil || rep.Events != importRows {
		var n int64
		if rep != nil {
			n = rep.Events
		}
		return importResult{skipped: fmt.Sprintf("report: %v (%d searches)", err, n)}
	}
	return res
}

// readRows reads the real files' records (a few hundred).
func readRows(paths ...string) ([][]string, []string, error) {
	var rows [][]string
	var head []string
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, nil, err
		}
		all, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			return nil, nil, err
		}
		head, rows = all[0], append(rows, all[1:]...)
	}
	return rows, head, nil
}

// writeResampled writes a million rows drawn at random from rows, spread
// over the twelve months of 2020, to a new file.
func writeResampled(path string, head []string, rows [][]string) error {
	return writeFile(path, func(w io.Writer) error {
		return resample(w, head, rows, importRows, rand.NewPCG(2020, 1), 1, func(i int) string {
			return fmt.Sprintf("2020-%02d-%02dT00:00:00+00:00", 1+i%12, 1+i%28)
		})
	})
}

// resample is the one resampling loop of the benchmark: it writes head,
// then n rows drawn at random (from src, so every run draws the same) from
// rows, with column dateCol of row i set to date(i).
func resample(w io.Writer, head []string, rows [][]string, n int, src rand.Source, dateCol int, date func(i int) string) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(head)
	rnd := rand.New(src)
	row := make([]string, len(head))
	for i := 0; i < n; i++ {
		copy(row, rows[rnd.IntN(len(rows))])
		row[dateCol] = date(i)
		_ = cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// writeFile creates path and writes it through a large buffer.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := write(bw); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// timedImport runs one import command of the real binary into a fresh data
// directory, then loads the Census population there, and opens the store
// for the report: it returns how long the import took, its peak memory
// and the open store (closed by the caller).
func timedImport(ctx context.Context, bin, data string, o options, args ...string) (time.Duration, int64, *store.Store, error) {
	env := append(os.Environ(), "CANDOUR_DATA_DIR="+data, "CANDOUR_SEED_DEMO=false", "CANDOUR_ENV=development")
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	began := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(began)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("import failed: %v: %s", err, out)
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	pop := exec.CommandContext(ctx, bin, "import", "population", "--force", "dorset", filepath.Join(o.dataDir, "census2021-ts021-dorset-force-area.csv"))
	pop.Env = env
	if out, err := pop.CombinedOutput(); err != nil {
		return 0, 0, nil, fmt.Errorf("population: %v: %s", err, out)
	}
	db, err := store.Open(ctx, store.Options{DataDir: data})
	if err != nil {
		return 0, 0, nil, err
	}
	return took, rss, db, nil
}

// printImport adds the import budget to the report.
func printImport(w io.Writer, r importResult) {
	fmt.Fprintln(w, "\n## Stop and search import (budget: 1,000,000 rows < 60 s; report from counters < 50 ms)")
	if r.skipped != "" {
		fmt.Fprintf(w, "\nNot run: %s\n", r.skipped)
		return
	}
	verdict := func(ok bool) string {
		if ok {
			return "PASS"
		}
		return "OVER"
	}
	fmt.Fprintf(w, "\n| measure | value | budget | |\n|---|---|---|---|\n")
	fmt.Fprintf(w, "| import %d rows (`candour import stop-search`) | %.1f s (%.0f rows/s) | 60 s | %s |\n",
		r.rows, r.took.Seconds(), float64(r.rows)/r.took.Seconds(), verdict(r.took < time.Minute))
	fmt.Fprintf(w, "| import peak memory (max RSS) | %d MB | bounded | |\n", r.maxRSSKiB/1024)
	fmt.Fprintf(w, "| disparity report over them, first (uncached) build | %.1f ms | 50 ms | %s |\n",
		float64(r.report.Microseconds())/1000, verdict(r.report < 50*time.Millisecond))
}
