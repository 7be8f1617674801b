package storetest

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"candour/store"
)

// RawDump reads every document of every collection straight from the
// database with the driver (not the store's methods), as an attacker with
// a copy of the database would, and returns their BSON bytes joined,
// leaving out the collections named in except.
func RawDump(tb testing.TB, s *store.Store, except ...string) []byte {
	tb.Helper()
	ctx := context.Background()
	db := s.RawDatabase()
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		tb.Fatal(err)
	}
	var all bytes.Buffer
	for _, n := range names {
		if slices.Contains(except, n) {
			continue
		}
		cur, err := db.Collection(n).Find(ctx, bson.D{})
		if err != nil {
			tb.Fatal(err)
		}
		for cur.Next(ctx) {
			all.Write(cur.Current)
		}
		if err := cur.Err(); err != nil {
			tb.Fatal(err)
		}
		cur.Close(ctx)
	}
	return all.Bytes()
}
