package powers_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
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

// BenchmarkImportVehicleStops imports resampled vehicle stops (the example
// file's rows, dated across the twelve months of 2020, as make bench
// does) into a fresh embedded store and reports the cost per row, so the
// million-row budget can be profiled without the whole bench:
//
//	go test -tags ferretdb_no_postgresql -run '^$' -bench ImportVehicleStops -benchtime 1x -cpuprofile cpu.out ./powers/
//
// CANDOUR_BENCH_ROWS sets how many rows (200,000 unless set).
func BenchmarkImportVehicleStops(b *testing.B) {
	n := 200_000
	if v, err := strconv.Atoi(os.Getenv("CANDOUR_BENCH_ROWS")); err == nil && v > 0 {
		n = v
	}
	src, err := os.ReadFile(dataDir + "vehicle-stops-example.csv")
	if err != nil {
		b.Fatal(err)
	}
	all, err := csv.NewReader(bytes.NewReader(src)).ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	// Written to a file and read from it, as `candour import power` does,
	// so the harness holds no copy of it in memory.
	path := filepath.Join(b.TempDir(), "vehicle-stops.csv")
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	w := csv.NewWriter(bw)
	_ = w.Write(all[0])
	rnd := rand.New(rand.NewPCG(2020, 15))
	row := make([]string, len(all[0]))
	for i := 0; i < n; i++ {
		copy(row, all[1+rnd.IntN(len(all)-1)])
		row[0] = fmt.Sprintf("2020-%02d-%02d", 1+i%12, 1+i%28)
		_ = w.Write(row)
	}
	w.Flush()
	if err := errors.Join(w.Error(), bw.Flush(), out.Close()); err != nil {
		b.Fatal(err)
	}
	var cpu time.Duration
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
		res, err := powers.Import(context.Background(), db, powers.VehicleStops, f, powers.ImportOptions{Force: "dorset", Source: "bench.csv"})
		b.StopTimer()
		cpu += cpuTime(b) - began
		f.Close()
		if err != nil || res.Rows != int64(n) {
			b.Fatalf("import: %v (%v rows)", err, res)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*b.N), "ns/row")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(n*b.N), "cpu-ns/row")
}

// cpuTime is the process's user and system time so far: the embedded
// store runs in the same process, as it does under `candour import`.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
