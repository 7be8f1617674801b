package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"candour/powers"
	"candour/store/storetest"
)

// TestBenchPowersImport: the year the bench seeds for each powers/
// dataset it resamples is a file the real import takes whole (a bad
// resampling, say a find before its report, would refuse it and leave the
// monitor pages empty), with every row in 2019.
func TestBenchPowersImport(t *testing.T) {
	for _, c := range []struct {
		d     *powers.Dataset
		file  string
		write func(w *bytes.Buffer, head []string, rows [][]string) error
	}{
		{powers.VehicleStops, "vehicle-stops-example.csv", func(w *bytes.Buffer, h []string, r [][]string) error { return writePowerRows(w, h, r, 500, 2019) }},
		{powers.Vetting, "vetting-decisions-example.csv", func(w *bytes.Buffer, h []string, r [][]string) error { return writePowerRows(w, h, r, 500, 2019) }},
		{powers.MissingPeople, "missing-people-example.csv", func(w *bytes.Buffer, h []string, r [][]string) error { return writeEpisodes(w, h, r, 500, 2019) }},
	} {
		t.Run(c.d.Kind, func(t *testing.T) {
			head, rows, err := readPowerRows(filepath.Join("..", "testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := c.write(&buf, head, rows); err != nil {
				t.Fatal(err)
			}
			db := storetest.Open(t)
			res, err := powers.Import(context.Background(), db, c.d, bytes.NewReader(buf.Bytes()), powers.ImportOptions{Force: "dorset", Source: "bench.csv", By: "bench"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != 500 || len(res.ByMonth) != 12 || res.ByMonth[0].Month != "2019-01" || res.ByMonth[11].Month != "2019-12" {
				t.Errorf("imported %d rows in %d months (%+v)", res.Rows, len(res.ByMonth), res.ByMonth)
			}
		})
	}
}
