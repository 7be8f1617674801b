package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// The months of records of a police power (power_months) are a copy in
// memory (copies.go): the disparity monitors read a force's months on every
// page, and a month document carries its counters twice (the sums and each
// file's part), so reading a year of three activities decoded megabytes on
// the embedded server (0.25 s for one monitor, 2.3 s for the overview that
// reads every activity, in make bench before this copy).
//
// The copy is kept per kind, force and period, at the version of the
// force's index of months (power_index), which every change to the months
// moves on after writing them (PutPowerPartMonth, removePowerPart). On
// MongoDB a read looks at that version (one small read by _id) and reloads
// when it moved; on the embedded server the writer reports every write to
// power_months and power_index, which drops the copies, and nothing is read.

// powerMonthsKey is the copy's key for one kind, force and period.
func powerMonthsKey(kind, force, from, to string) string {
	return kind + "/" + force + "|" + from + "|" + to
}

// powerIndexVersion is the version of the force's index of months (0 when
// it has none yet).
func (s *Store) powerIndexVersion(ctx context.Context, kind, force string) (int64, error) {
	var ix struct {
		Version int64 `bson:"version"`
	}
	err := s.r("power_index").FindOne(ctx, bson.D{{Key: "_id", Value: kind + "/" + force}}).Decode(&ix)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return 0, fmt.Errorf("store: power index %s/%s: %w", kind, force, err)
	}
	return ix.Version, nil
}

// PowerMonths returns a force's months of a kind of record from from to to
// (YYYY-MM, inclusive; empty for no bound), oldest first, from the copy in
// memory when the force's months have not changed since it was read.
// Callers must not change the months (the slice itself is theirs).
func (s *Store) PowerMonths(ctx context.Context, kind, force, from, to string) ([]PowerMonth, error) {
	version := int64(anyVersion)
	if s.embedded == nil {
		v, err := s.powerIndexVersion(ctx, kind, force)
		if err != nil {
			return nil, err
		}
		version = v
	}
	ms, err := s.powerMonths.load(powerMonthsKey(kind, force, from, to), version, func() ([]PowerMonth, error) {
		return s.dbPowerMonths(ctx, kind, force, from, to)
	})
	return slices.Clone(ms), err
}

// dbPowerMonths reads the months from the database.
func (s *Store) dbPowerMonths(ctx context.Context, kind, force, from, to string) ([]PowerMonth, error) {
	filter := bson.D{{Key: "kind", Value: kind}, {Key: "force", Value: force}}
	rng := bson.D{}
	if from != "" {
		rng = append(rng, bson.E{Key: "$gte", Value: from})
	}
	if to != "" {
		rng = append(rng, bson.E{Key: "$lte", Value: to})
	}
	if len(rng) > 0 {
		filter = append(filter, bson.E{Key: "month", Value: rng})
	}
	cur, err := s.r("power_months").Find(ctx, filter)
	if err != nil {
		return nil, fmt.Errorf("store: power months: %w", err)
	}
	var ms []PowerMonth
	if err := cur.All(ctx, &ms); err != nil {
		return nil, fmt.Errorf("store: power months: %w", err)
	}
	for i := range ms {
		ms[i].legacy()
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Month < ms[j].Month })
	return ms, nil
}

// powerMonthsChanged is the writer's report of a write to power_months or
// power_index: every copy of months is dropped.
func (s *Store) powerMonthsChanged() { s.powerMonths.invalidate("") }
