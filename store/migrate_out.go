package store

import (
	"context"
	"fmt"
	"sort"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// What `candour migrate-to-mongo` reads to copy the embedded store into
// MongoDB: every collection, every document as stored. Read only, on the
// read pool.

// CollectionNames lists the database's collections, sorted.
func (s *Store) CollectionNames(ctx context.Context) ([]string, error) {
	names, err := s.readDB(ctx).ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("store: list collections: %w", err)
	}
	sort.Strings(names)
	return names, nil
}

// EachDocument calls f with every document of coll as stored, in _id
// order, reading batch documents at a time. f must copy a document it
// keeps: its bytes are reused.
func (s *Store) EachDocument(ctx context.Context, coll string, batch int, f func(bson.Raw) error) error {
	if coll == diariesColl {
		if err := s.settleDiaries(ctx); err != nil { // visit_diary_later.go
			return err
		}
	}
	cur, err := s.r(coll).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetBatchSize(int32(batch)))
	if err != nil {
		return fmt.Errorf("store: read %s: %w", coll, err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		if err := f(cur.Current); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("store: read %s: %w", coll, err)
	}
	return nil
}
