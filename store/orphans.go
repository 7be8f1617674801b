package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// OrphanImportAge is how old an import's record collection must be before
// DropOrphanImports may remove it when no month refers to it: an import
// that is still running has not yet made its part current, and none takes
// anywhere near this long.
const OrphanImportAge = 24 * time.Hour

// DropOrphanImports deletes the records of imports that never became
// current (the import crashed or was stopped before its part was written)
// and are older than OrphanImportAge: the generations listed in
// power_gens that no month's part refers to. A generation's age is its
// ObjectID's time. It returns the generations whose records it deleted,
// each as "<gen>/<month id>". Run hourly by a job under a lease.
func (s *Store) DropOrphanImports(ctx context.Context) ([]string, error) {
	var gens []powerGen
	if err := s.findAll(ctx, powerGenColl, bson.D{}, &gens); err != nil {
		return nil, fmt.Errorf("store: imports: %w", err)
	}
	// Every month, one at a time from a cursor and in no order: a month
	// carries its counters twice (megabytes for a year of a force), and
	// asked to sort, the embedded engine holds every month decoded at once
	// before the first batch (the job runs at once after start-up: issue
	// 18's idle memory).
	cur, err := s.r("power_months").Find(ctx, bson.D{}, options.Find().SetBatchSize(10))
	if err != nil {
		return nil, fmt.Errorf("store: orphaned imports: %w", err)
	}
	defer cur.Close(ctx)
	live := map[string]bool{}
	for cur.Next(ctx) {
		var m PowerMonth
		if err := cur.Decode(&m); err != nil {
			return nil, fmt.Errorf("store: orphaned imports: %w", err)
		}
		m.legacy()
		for _, p := range m.Parts {
			live[p.Gen+"/"+m.ID] = true
		}
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("store: orphaned imports: %w", err)
	}
	cutoff := s.now().Add(-OrphanImportAge)
	var dropped []string
	for _, g := range gens {
		if live[g.ID] {
			continue
		}
		oid, err := bson.ObjectIDFromHex(g.Gen)
		if err != nil || !oid.Timestamp().Before(cutoff) {
			continue // not an import's generation, or perhaps still running
		}
		if err := s.dropGen(ctx, g.Gen, g.MonthID, 0); err != nil {
			return dropped, fmt.Errorf("store: orphaned import %s: %w", g.ID, err)
		}
		dropped = append(dropped, g.ID)
	}
	slices.Sort(dropped)
	return dropped, nil
}
