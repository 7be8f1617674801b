package powers_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"candour/powers"
	"candour/store/storetest"
)

// The import budget (make bench: a million rows of any dataset in under a
// minute, with bounded memory) profiled without the whole bench. Each
// benchmark resamples real or example rows as bench/ does, writes them to
// a file, imports it into a fresh embedded store and reports the wall and
// CPU time per row (the embedded store runs in the same process, as under
// `candour import`):
//
//	go test -tags ferretdb_no_postgresql -run '^$' -bench Import -benchtime 1x -cpuprofile cpu.out ./powers/
//
// CANDOUR_BENCH_ROWS sets how many rows (200,000 unless set).

// BenchmarkImportVehicleStops imports the example vehicle stops dated
// across the twelve months of 2020 (bench/powers.go's million rows).
func BenchmarkImportVehicleStops(b *testing.B) {
	path := resampledFile(b, "vehicle-stops-example.csv", "vehicle-stops.csv", 0, func(i int) string {
		return fmt.Sprintf("2020-%02d-%02d", 1+i%12, 1+i%28)
	})
	benchImport(b, powers.VehicleStops, path, powers.ImportOptions{Force: "dorset", Source: "bench.csv"})
}

// BenchmarkImportStopSearch imports the real January 2019 and November
// 2016 police.uk rows dated across 2020 (bench/import.go's million rows).
func BenchmarkImportStopSearch(b *testing.B) {
	path := resampledFile(b, "2019-01-dorset-stop-and-search.csv", "2020-01-dorset-stop-and-search.csv", 1, func(i int) string {
		return fmt.Sprintf("2020-%02d-%02dT00:00:00+00:00", 1+i%12, 1+i%28)
	}, "2016-11-dorset-stop-and-search.csv")
	benchImport(b, powers.StopSearch, path, powers.ImportOptions{Source: filepath.Base(path)})
}

func benchImport(b *testing.B, d *powers.Dataset, path string, o powers.ImportOptions) {
	var cpu time.Duration
	var rows int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := storetest.Open(b)
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		began := cpuTime(b)
		b.StartTimer()
		res, err := powers.Import(context.Background(), db, d, f, o)
		b.StopTimer()
		cpu += cpuTime(b) - began
		f.Close()
		if err != nil {
			b.Fatalf("import: %v", err)
		}
		rows += res.Rows
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(rows), "ns/row")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(rows), "cpu-ns/row")
}

// resampledFile writes CANDOUR_BENCH_ROWS rows drawn at random from the
// named testdata files (the same draw every run), column dateCol of row i
// set to date(i), to a file named name, and returns its path. It is
// written and read as a file so the harness holds no copy in memory.
func resampledFile(b *testing.B, from, name string, dateCol int, date func(int) string, more ...string) string {
	b.Helper()
	n := 200_000
	if v, err := strconv.Atoi(os.Getenv("CANDOUR_BENCH_ROWS")); err == nil && v > 0 {
		n = v
	}
	var head []string
	var rows [][]string
	for _, f := range append([]string{from}, more...) {
		all, err := csv.NewReader(bytes.NewReader(read(b, f))).ReadAll()
		if err != nil {
			b.Fatal(err)
		}
		head, rows = all[0], append(rows, all[1:]...)
	}
	path := filepath.Join(b.TempDir(), name)
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	w := csv.NewWriter(bw)
	_ = w.Write(head)
	rnd := rand.New(rand.NewPCG(2020, 15))
	row := make([]string, len(head))
	for i := 0; i < n; i++ {
		copy(row, rows[rnd.IntN(len(rows))])
		row[dateCol] = date(i)
		_ = w.Write(row)
	}
	w.Flush()
	if err := errors.Join(w.Error(), bw.Flush(), out.Close()); err != nil {
		b.Fatal(err)
	}
	return path
}

// cpuTime is the process's user and system time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkImportMissingPeople imports missing person episodes reported
// across the twelve months of 2020 (bench/powers.go's million rows): each
// found after 0 to 99 hours (one in 50 not yet found), with a person key
// of one of n*4/5 people, so about one episode in five is a repeat. The
// one import that remembers every person key of its file.
func BenchmarkImportMissingPeople(b *testing.B) {
	n := 200_000
	if v, err := strconv.Atoi(os.Getenv("CANDOUR_BENCH_ROWS")); err == nil && v > 0 {
		n = v
	}
	all, err := csv.NewReader(bytes.NewReader(read(b, "missing-people-example.csv"))).ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "episodes.csv")
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	w := csv.NewWriter(bw)
	_ = w.Write(all[0])
	rnd := rand.New(rand.NewPCG(2020, 16))
	row := make([]string, len(all[0]))
	for i := 0; i < n; i++ {
		copy(row, all[1+rnd.IntN(len(all)-1)])
		reported := time.Date(2020, time.Month(1+i%12), 1+i%28, i%24, 0, 0, 0, time.UTC)
		row[0] = reported.Format(time.RFC3339)
		row[1] = reported.Add(time.Duration(rnd.IntN(100)) * time.Hour).Format(time.RFC3339)
		if i%50 == 0 {
			row[1] = ""
		}
		sum := sha256.Sum256(fmt.Appendf(nil, "person %d", rnd.IntN(n*4/5)))
		row[5] = hex.EncodeToString(sum[:])
		_ = w.Write(row)
	}
	w.Flush()
	if err := errors.Join(w.Error(), bw.Flush(), out.Close()); err != nil {
		b.Fatal(err)
	}
	benchImport(b, powers.MissingPeople, path, powers.ImportOptions{Force: "dorset", Source: "bench.csv"})
}
