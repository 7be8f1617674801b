package powers_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"testing"

	"candour/powers"
	"candour/store/storetest"
)

// TestChunksKeepEveryRecordInOrder imports 4,821 records into one month:
// full chunks are written eight at a time, so the first insert holds
// chunks 0 to 7 (4,000 records) and the last chunk 8 (500) with chunk 9
// (the 321 left). Every record must come back from the chunks, in file
// order, as its CSV line.
func TestChunksKeepEveryRecordInOrder(t *testing.T) {
	all, err := csv.NewReader(bytes.NewReader(read(t, "vehicle-stops-example.csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	const n = 4821
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(all[0])
	var want []string
	for i := 0; i < n; i++ {
		row := append([]string(nil), all[1+i%(len(all)-1)]...)
		row[0] = fmt.Sprintf("2024-03-%02d", 1+i%28)
		_ = w.Write(row)
		var line bytes.Buffer
		lw := csv.NewWriter(&line)
		_ = lw.Write(row)
		lw.Flush()
		want = append(want, string(bytes.TrimSuffix(line.Bytes(), []byte("\n"))))
	}
	w.Flush()
	db := storetest.Open(t)
	ctx := context.Background()
	if _, err := powers.Import(ctx, db, powers.VehicleStops, bytes.NewReader(buf.Bytes()), powers.ImportOptions{Force: "dorset", Source: "stops.csv"}); err != nil {
		t.Fatal(err)
	}
	m, err := db.PowerMonth(ctx, powers.VehicleStops.Kind, "dorset", "2024-03")
	if err != nil {
		t.Fatal(err)
	}
	p := &m.Parts[0]
	if m.Records != n || p.Chunks != 10 {
		t.Fatalf("%d records in %d chunks, want %d in 10", m.Records, p.Chunks, n)
	}
	var got []string
	for i := 0; i < p.Chunks; i++ {
		c, err := db.PowerChunkOf(ctx, m, p, i)
		if err != nil {
			t.Fatalf("chunk %d: %v", i, err)
		}
		got = append(got, c.Rows...)
	}
	if len(got) != n {
		t.Fatalf("%d records back, want %d", len(got), n)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("record %d: %q, want %q", i, got[i], want[i])
		}
	}
}
