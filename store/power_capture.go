package store

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// CapturePart is the key and generation of the part of a month that holds
// records typed on a form rather than imported (vehicle stops captured by
// officers). Imports replace their own parts and leave it alone.
const CapturePart = "capture"

// AddPowerRecord adds one record to the capture part of a month: its
// counters are added to the part's, and the month's sums are recomputed,
// in one write conditional on the month's revision (two captures at the
// same moment both count: the loser reads again and adds to the winner's).
// The record is then kept as its own chunk of the part, at the index the
// write reserved, so no two records share one.
func (s *Store) AddPowerRecord(ctx context.Context, kind, force, month, row string, cells []PowerCell, by string) error {
	id := powerMonthID(kind, force, month)
	for attempt := 0; attempt <= 50; attempt++ {
		var old PowerMonth
		err := s.r("power_months").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&old)
		exists := err == nil
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return fmt.Errorf("store: power month %s: %w", id, err)
		}
		old.legacy()
		now := s.now().UTC()
		m := PowerMonth{ID: id, Kind: kind, Force: force, Month: month, Rev: old.Rev + 1, ImportedAt: now}
		part := PowerPart{Key: CapturePart, Source: "capture form", Gen: CapturePart}
		for _, p := range old.Parts {
			if p.Key == CapturePart {
				part = p
				continue
			}
			m.Parts = append(m.Parts, p)
		}
		index := part.Chunks
		part.Records++
		part.Chunks++
		part.ImportedAt, part.ImportedBy = now, by
		byKey := map[[4]string]int{}
		for i, c := range part.Cells {
			byKey[[4]string{c.Basis, c.Dim, c.Value, c.Group}] = i
		}
		part.Cells = append([]PowerCell(nil), part.Cells...)
		for _, c := range cells {
			k := [4]string{c.Basis, c.Dim, c.Value, c.Group}
			if i, ok := byKey[k]; ok {
				part.Cells[i].Searches += c.Searches
				continue
			}
			byKey[k] = len(part.Cells)
			part.Cells = append(part.Cells, c)
		}
		m.Parts = append(m.Parts, part)
		sort.Slice(m.Parts, func(i, j int) bool { return m.Parts[i].Key < m.Parts[j].Key })
		m.sum()
		if exists {
			rev := Eq("rev", old.Rev)
			if old.Rev == 0 {
				rev = Exists("rev", false)
			}
			res, err := s.replaceIf(ctx, "power_months", id, rev, m)
			if err != nil {
				return fmt.Errorf("store: add power record %s: %w", id, err)
			}
			if res.MatchedCount == 0 {
				continue
			}
		} else if _, err := s.c("power_months").InsertOne(ctx, m); err != nil {
			if isDuplicate(err) {
				continue
			}
			return fmt.Errorf("store: add power record %s: %w", id, err)
		}
		if err := s.indexMonth(ctx, kind, force, month); err != nil {
			return err
		}
		return s.PutPowerChunk(ctx, kind, force, month, CapturePart, index, []string{row})
	}
	return fmt.Errorf("store: add power record %s: %w", id, ErrConflict)
}
