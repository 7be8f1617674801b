package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// OrphanImportAge is how old an import's record collection must be before
// DropOrphanImports may remove it when no month refers to it: an import
// that is still running has not yet made its part current, and none takes
// anywhere near this long.
const OrphanImportAge = 24 * time.Hour

// DropOrphanImports drops the record collections (power_chunks_<gen>) of
// imports that never became current (the import crashed or was stopped
// before its part was written) and are older than OrphanImportAge. A
// generation's age is its ObjectID's time. It returns the collections it
// dropped. Run hourly by a job under a lease.
func (s *Store) DropOrphanImports(ctx context.Context) ([]string, error) {
	names, err := s.rdb.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("store: list collections: %w", err)
	}
	var months []PowerMonth
	if err := s.findAll(ctx, "power_months", bson.D{}, &months); err != nil {
		return nil, fmt.Errorf("store: orphaned imports: %w", err)
	}
	live := map[string]bool{}
	for i := range months {
		months[i].legacy()
		for _, p := range months[i].Parts {
			live[p.Gen] = true
		}
	}
	cutoff := s.now().Add(-OrphanImportAge)
	var dropped []string
	for _, name := range names {
		gen, ok := strings.CutPrefix(name, chunkCollection(""))
		if !ok || live[gen] {
			continue
		}
		oid, err := bson.ObjectIDFromHex(gen)
		if err != nil || !oid.Timestamp().Before(cutoff) {
			continue // not an import's name, or perhaps still running
		}
		if err := s.c(name).Drop(ctx); err != nil {
			return dropped, fmt.Errorf("store: drop orphaned import %s: %w", name, err)
		}
		dropped = append(dropped, name)
	}
	slices.Sort(dropped)
	return dropped, nil
}
