package store

import (
	"context"
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// A month stored before months had parts (one import, its records in
// gen's collection) is read as one part, and a later file's share of the
// month is added to it, never put in its place.
func TestLegacyMonthBecomesAPartAndKeepsItsRecords(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	legacy := bson.D{{Key: "_id", Value: "stop-search/dorset/2018-08"}, {Key: "kind", Value: PowerStopSearch}, {Key: "force", Value: "dorset"},
		{Key: "month", Value: "2018-08"}, {Key: "records", Value: int64(137)}, {Key: "chunks", Value: 1}, {Key: "gen", Value: "old"},
		{Key: "source", Value: "2018-08-dorset-stop-and-search.csv"},
		{Key: "cells", Value: bson.A{bson.D{{Key: "b", Value: "self"}, {Key: "d", Value: "all"}, {Key: "v", Value: ""}, {Key: "g", Value: "White"}, {Key: "n", Value: int64(137)}}}}}
	if _, err := s.c("power_months").InsertOne(ctx, legacy); err != nil {
		t.Fatal(err)
	}
	if err := s.PutPowerChunk(ctx, PowerStopSearch, "dorset", "2018-08", "old", 0, []string{"a row"}); err != nil {
		t.Fatal(err)
	}
	part := PowerPart{Key: "2018-09", Source: "2018-09-dorset-stop-and-search.csv", Gen: "new", Records: 2,
		Cells: []PowerCell{{Basis: "self", Dim: "all", Group: "White", Searches: 2}}}
	if err := s.PutPowerPart(ctx, PowerStopSearch, "dorset", "2018-08", part); err != nil {
		t.Fatal(err)
	}
	m, err := s.PowerMonth(ctx, PowerStopSearch, "dorset", "2018-08")
	if err != nil {
		t.Fatal(err)
	}
	if m.Records != 139 || len(m.Parts) != 2 || m.Parts[0].Gen != "old" || m.Parts[0].Chunks != 1 || len(m.Cells) != 1 || m.Cells[0].Searches != 139 {
		t.Fatalf("month after a new part: %d records, parts %+v, cells %+v", m.Records, m.Parts, m.Cells)
	}
	if c, err := s.PowerChunkOf(ctx, m, &m.Parts[0], 0); err != nil || c.Rows[0] != "a row" {
		t.Errorf("the legacy import's records: %v %v", c, err)
	}
}

// Parts written at the same moment to one month are all kept: each write
// is conditional on the month's revision and tries again when it moved.
func TestConcurrentPartsOfOneMonthAreAllKept(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			part := PowerPart{Key: fmt.Sprintf("file:%d", i), Source: fmt.Sprintf("%d.csv", i), Gen: fmt.Sprintf("g%d", i), Records: int64(i + 1),
				Cells: []PowerCell{{Basis: "self", Dim: "all", Group: "White", Searches: int64(i + 1)}}}
			errs <- s.PutPowerPart(ctx, PowerStopSearch, "dorset", "2019-01", part)
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	m, err := s.PowerMonth(ctx, PowerStopSearch, "dorset", "2019-01")
	if err != nil {
		t.Fatal(err)
	}
	// 1 + 2 + … + 8 = 36 records in 8 parts.
	if len(m.Parts) != n || m.Records != 36 || m.Cells[0].Searches != 36 {
		t.Errorf("%d parts, %d records, cells %+v; want 8 parts and 36", len(m.Parts), m.Records, m.Cells)
	}
}
