package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Until issue 18 each import kept its records in a collection of its own,
// power_chunks_<generation>, whose chunks had the same _id they have in
// PowerChunkCollection now (kind/force/month/gen/number). Migration 9
// (mergeImportCollections) moves them there.

const legacyChunkPrefix = "power_chunks_"

func legacyChunkColl(gen string) string { return legacyChunkPrefix + gen }

// importCopyBatch is how many chunks (each up to PowerChunkSize records)
// one bulk write of the migration copies.
const importCopyBatch = 50

// mergeImportCollections copies every import's own collection into
// PowerChunkCollection, lists each generation's months in powerGenColl,
// then drops the old collections. Crash-safe as mergeSurveyCollections
// is: it runs before the portal answers, each chunk is upserted whole by
// its _id (unchanged), each generation's entry is inserted if missing, and
// the old collections are dropped only once every one is copied; the
// migration is recorded after the last drop, so a kill -9 at any point
// leaves every record readable in one layout or the other and the next
// start finishes it.
func mergeImportCollections(ctx context.Context, s *Store) error {
	names, err := s.readDB(ctx).ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("store: list collections: %w", err)
	}
	var colls []string
	for _, name := range names {
		if strings.HasPrefix(name, legacyChunkPrefix) {
			colls = append(colls, name)
		}
	}
	slices.Sort(colls)
	if err := copyImportColls(ctx, s, colls); err != nil {
		return err
	}
	for _, name := range colls {
		if err := s.c(name).Drop(ctx); err != nil {
			return fmt.Errorf("store: drop %s: %w", name, err)
		}
	}
	return nil
}

// copyImportColls is the first half of migration 9: the copies and the
// generations' entries.
func copyImportColls(ctx context.Context, s *Store, colls []string) error {
	for _, name := range colls {
		months := map[[2]string]bool{}
		err := upsertEach(ctx, s, name, PowerChunkCollection, importCopyBatch, func(raw bson.Raw) (string, any, error) {
			var c PowerChunk
			if err := bson.Unmarshal(raw, &c); err != nil {
				return "", nil, err
			}
			months[[2]string{c.Gen, c.MonthID}] = true
			return c.ID, c, nil
		})
		if err != nil {
			return err
		}
		for k := range months {
			_, err := s.c(powerGenColl).InsertOne(ctx, powerGen{ID: k[0] + "/" + k[1], Gen: k[0], MonthID: k[1]})
			if err != nil && !isDuplicate(err) {
				return fmt.Errorf("store: copy %s: %w", name, err)
			}
		}
	}
	return nil
}
