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
// The copy is kept per kind and force, every month of it, and a period is
// cut from it: the pages ask for different periods of the same months (a
// monitor every month there is, the overview the latest twelve, the public
// pages the published ones), and on the embedded server each read of a
// period decoded every month of every kind (FerretDB matches the filter in
// Go), so a copy per period paid that again for every period (issue 18:
// after a restart the first /powers cost 3.1 s of CPU at 1× though the
// monitors had just read the same months). It is kept at the version of
// the force's index of months (power_index), which every change to the
// months moves on after writing them (PutPowerPartMonth, removePowerPart).
// On MongoDB a read looks at that version (one small read by _id) and
// reloads when it moved; on the embedded server the writer reports every
// write to power_months and power_index, which drops the copies, and
// nothing is read. After start-up WarmCopies loads every force's months of
// every kind with one read (warmPowerMonths).

// powerMonthsKey is the copy's key for one kind and force.
func powerMonthsKey(kind, force string) string { return kind + "/" + force }

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
	ms, err := s.powerMonths.load(powerMonthsKey(kind, force), version, func() ([]PowerMonth, error) {
		return s.dbPowerMonths(ctx, bson.D{{Key: "kind", Value: kind}, {Key: "force", Value: force}})
	})
	if err != nil {
		return nil, err
	}
	return slices.Clone(monthsBetween(ms, from, to)), nil
}

// monthsBetween is the run of ms (oldest first) from from to to
// (inclusive; empty for no bound).
func monthsBetween(ms []PowerMonth, from, to string) []PowerMonth {
	i := 0
	if from != "" {
		i = sort.Search(len(ms), func(i int) bool { return ms[i].Month >= from })
	}
	j := len(ms)
	if to != "" {
		j = sort.Search(len(ms), func(j int) bool { return ms[j].Month > to })
	}
	return ms[i:max(i, j)]
}

// dbPowerMonths reads the months filter matches from the database, oldest
// first.
func (s *Store) dbPowerMonths(ctx context.Context, filter bson.D) ([]PowerMonth, error) {
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

// warmPowerMonths loads the copy of every force's months of every kind in
// the index with one read of every month (WarmCopies): a read per kind and
// force would decode every month of every kind again for each on the
// embedded server. The versions are read first, so a month written
// meanwhile makes the copy older than its version, never newer; and a
// write reported meanwhile keeps the copy from being kept at all.
func (s *Store) warmPowerMonths(ctx context.Context) error {
	gen := s.powerMonths.begin()
	index, err := s.PowerIndexes(ctx)
	if err != nil {
		return err
	}
	all, err := s.dbPowerMonths(ctx, bson.D{})
	if err != nil {
		return err
	}
	byKey := map[string][]PowerMonth{}
	for _, m := range all {
		k := powerMonthsKey(m.Kind, m.Force)
		byKey[k] = append(byKey[k], m)
	}
	for _, ixs := range index {
		for _, ix := range ixs {
			version := int64(anyVersion)
			if s.embedded == nil {
				version = ix.Version
			}
			ms := byKey[powerMonthsKey(ix.Kind, ix.Force)]
			if ms == nil {
				ms = []PowerMonth{} // as a read that finds none
			}
			s.powerMonths.put(powerMonthsKey(ix.Kind, ix.Force), version, ms, gen)
		}
	}
	return nil
}

// warmPowers loads what the powers pages read, for WarmCopies: every
// force's months of every kind and, on the embedded server, where they are
// copies too, the index of months and each force's populations.
func (s *Store) warmPowers(ctx context.Context) error {
	if err := s.warmPowerMonths(ctx); err != nil {
		return err
	}
	if s.embedded == nil {
		return nil
	}
	index, err := s.PowerIndexes(ctx)
	if err != nil {
		return err
	}
	forces := map[string]bool{}
	for _, ixs := range index {
		for _, ix := range ixs {
			forces[ix.Force] = true
		}
	}
	for force := range forces {
		for _, of := range []string{Residents, Drivers} {
			if _, err := s.PopulationOf(ctx, of, force); err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
		}
	}
	return nil
}

// powerMonthsChanged is the writer's report of a write to power_months or
// power_index: every copy of months is dropped.
func (s *Store) powerMonthsChanged() { s.powerMonths.invalidate("") }
