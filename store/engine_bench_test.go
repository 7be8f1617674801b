package store

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Side-by-side measurements for docs/performance-history.md ("The engine layer"):
//
//	go test -tags ferretdb_no_postgresql -run '^$' -bench 'Engine' -benchtime 200x ./store/
//
// Each pair runs in one process on the same data, so they compare fairly on
// a shared machine. They assert nothing about time.

func seedBench(b *testing.B, s *Store, coll string, n int) {
	b.Helper()
	ctx := context.Background()
	var docs []any
	for i := range n {
		docs = append(docs, bson.D{{Key: "_id", Value: fmt.Sprintf("doc-%07d", i)}, {Key: "seatsTaken", Value: 0}, {Key: "capacity", Value: 1 << 30},
			{Key: "name", Value: fmt.Sprintf("Person %d", i)}, {Key: "version", Value: 0}})
		if len(docs) == 1000 || i == n-1 {
			if _, err := s.c(coll).InsertMany(ctx, docs); err != nil {
				b.Fatal(err)
			}
			docs = docs[:0]
		}
	}
}

// BenchmarkEngineFindByID: a find by _id with the store's index on
// FerretDB's expression, and on a copy of the collection without it.
func BenchmarkEngineFindByID(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		s := openBenchStore(b)
		ctx := context.Background()
		seedBench(b, s, "indexed", n)
		// The same documents, written behind the writer's back so that the
		// store never indexes them (as before this change).
		var docs []any
		for i := range n {
			docs = append(docs, bson.D{{Key: "_id", Value: fmt.Sprintf("doc-%07d", i)}, {Key: "name", Value: fmt.Sprintf("Person %d", i)}})
		}
		if _, err := s.db.Collection("plain").InsertMany(ctx, docs); err != nil {
			b.Fatal(err)
		}
		for _, coll := range []string{"indexed", "plain"} {
			b.Run(fmt.Sprintf("%s/%d", coll, n), func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					id := fmt.Sprintf("doc-%07d", (i*7919)%n)
					if err := s.r(coll).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Err(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkEngineConditionalUpdate: a seat taken under a capacity check,
// by the embedded engine (read by _id, evaluate, write by _id) and by the
// rendered filter ({_id, seatsTaken: {$lt}}, which FerretDB scans).
func BenchmarkEngineConditionalUpdate(b *testing.B) {
	s := openBenchStore(b)
	ctx := context.Background()
	const n = 10000
	seedBench(b, s, "visits", n)
	for _, e := range engines(s) {
		b.Run(fmt.Sprintf("%s/%d", e.name(), n), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				id := fmt.Sprintf("doc-%07d", (i*7919)%n)
				res, err := e.updateIf(ctx, "visits", id, Lt("seatsTaken", 1<<30), bson.D{{Key: "$inc", Value: bson.D{{Key: "seatsTaken", Value: 1}}}})
				if err != nil || res.MatchedCount != 1 {
					b.Fatal(res, err)
				}
			}
		})
	}
}

// BenchmarkEngineParallelReads: 20 goroutines reading by _id, on the read
// pool (4 connections) and on the writer's one connection.
func BenchmarkEngineParallelReads(b *testing.B) {
	s := openBenchStore(b)
	ctx := context.Background()
	const n = 2000
	seedBench(b, s, "people", n)
	for _, side := range []string{"read-pool", "writer-connection"} {
		b.Run(side, func(b *testing.B) {
			find := func(id string) error {
				if side == "read-pool" {
					return s.r("people").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Err()
				}
				return s.c("people").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Err()
			}
			for b.Loop() {
				var wg sync.WaitGroup
				for g := range 20 {
					wg.Go(func() {
						if err := find(fmt.Sprintf("doc-%07d", (g*101)%n)); err != nil {
							b.Error(err)
						}
					})
				}
				wg.Wait()
			}
		})
	}
}

func openBenchStore(b *testing.B) *Store {
	b.Helper()
	s, err := Open(context.Background(), Options{DataDir: b.TempDir(), Database: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}
