package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
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
	var months []PowerMonth
	if err := s.findAll(ctx, "power_months", bson.D{}, &months); err != nil {
		return nil, fmt.Errorf("store: orphaned imports: %w", err)
	}
	live := map[string]bool{}
	for i := range months {
		months[i].legacy()
		for _, p := range months[i].Parts {
			live[p.Gen+"/"+months[i].ID] = true
		}
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
