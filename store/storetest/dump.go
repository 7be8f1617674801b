package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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

// Docs reads every document of one collection straight from the database
// and returns them by _id, each as its relaxed extended JSON decoded into
// maps: two stores' documents compare equal with reflect.DeepEqual
// whatever the order of their fields (arrays keep theirs).
func Docs(tb testing.TB, s *store.Store, coll string) map[string]any {
	tb.Helper()
	ctx := context.Background()
	cur, err := s.RawDatabase().Collection(coll).Find(ctx, bson.D{})
	if err != nil {
		tb.Fatal(err)
	}
	defer cur.Close(ctx)
	out := map[string]any{}
	for cur.Next(ctx) {
		b, err := bson.MarshalExtJSON(cur.Current, false, false)
		if err != nil {
			tb.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			tb.Fatal(err)
		}
		out[fmt.Sprint(doc["_id"])] = doc
	}
	if err := cur.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}
