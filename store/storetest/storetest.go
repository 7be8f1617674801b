// Package storetest opens a fresh store for a test. It is for tests only.
//
// With MONGODB_URI unset, each test gets its own embedded server in its
// temporary directory, on a copy of a database that a store created and
// migrated once per test binary (store.PrepareFresh): what a fresh store
// holds, without making every collection, index and migration again. With MONGODB_URI set (`make test-mongo`: a MongoDB
// replica set, or the embedded engine running as a separate process on
// TCP), each test gets a fresh database of its own on that server, with a
// random name, dropped when the test ends: one suite, two engines.
//
// OpenSeeded is Open for a store that starts with data: the embedded
// store's database is seeded once per test binary and copied for each
// test (store.PrepareSeeded), so each test may write to its own copy.
//
// Trips and TripSummary count the commands a request sends, and
// HomeRecommendations and HomeVisits are the home pages' seeded data: the
// handler tests and make bench's judged checks (bench/budgets.go), which
// check the same pages at ten times the data, share them.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"candour/store"
)

// URI is the MongoDB the tests use: MONGODB_URI, or "" for the embedded store.
func URI() string { return os.Getenv("MONGODB_URI") }

// Options are the store options for a fresh store for tb: a temporary data
// directory holding a fresh database for the embedded store
// (store.PrepareFresh), or a new database at URI. The caller that opens a
// store with them on URI must drop the database (Open does).
func Options(tb testing.TB) store.Options {
	tb.Helper()
	o := store.Options{DataDir: tb.TempDir(), Database: "test", URI: URI()}
	if o.URI != "" {
		o.Database = DatabaseName(tb)
		return o
	}
	if err := store.PrepareFresh(context.Background(), o.DataDir, o.Database); err != nil {
		tb.Fatal(err)
	}
	return o
}

// SeededOptions are Options for a fresh store holding what seed writes
// (store.PrepareSeeded): for the embedded store, a copy of a database
// seeded once per test binary under name; at URI, a new database seeded
// for this test. Each test has its own copy and may write to it. The
// caller that opens a store with them on URI must drop the database
// (OpenWith does).
func SeededOptions(tb testing.TB, name string, seed func(context.Context, *store.Store) error) store.Options {
	tb.Helper()
	o := store.Options{DataDir: tb.TempDir(), Database: "test", URI: URI()}
	ctx := context.Background()
	if o.URI == "" {
		if err := store.PrepareSeeded(ctx, o.DataDir, o.Database, name, seed); err != nil {
			tb.Fatal(err)
		}
		return o
	}
	o.Database = DatabaseName(tb)
	s, err := store.Open(ctx, o)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	defer s.Close(ctx)
	if err := seed(ctx, s); err != nil {
		_ = s.DropDatabase(ctx)
		tb.Fatalf("seed %s: %v", name, err)
	}
	return o
}

// OpenSeeded opens a fresh store holding what seed writes (SeededOptions:
// seeded once per test binary, copied for each test) and closes it when
// the test ends. The test may write to it: the copy is its own.
func OpenSeeded(tb testing.TB, name string, seed func(context.Context, *store.Store) error) *store.Store {
	tb.Helper()
	s := OpenWith(tb, SeededOptions(tb, name, seed))
	s.SetSealer(Sealer(tb))
	return s
}

// DatabaseName is a new database name for one test on a shared server:
// "t_" and 12 random hex digits (MongoDB allows 63 bytes; the random part
// keeps parallel packages and repeated runs apart).
func DatabaseName(tb testing.TB) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	return "t_" + hex.EncodeToString(b[:])
}

// Open opens a fresh store (see the package comment) and closes it, after
// dropping its database on a shared server, when the test ends.
func Open(tb testing.TB) *store.Store {
	tb.Helper()
	s := OpenWith(tb, Options(tb))
	s.SetSealer(Sealer(tb))
	return s
}

// OpenWith opens a store with o and closes it when the test ends; on a
// server given by URI its database is dropped first.
func OpenWith(tb testing.TB, o store.Options) *store.Store {
	tb.Helper()
	s, err := store.Open(context.Background(), o)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if o.URI != "" {
			if err := s.DropDatabase(ctx); err != nil {
				tb.Errorf("drop the test database %s: %v", o.Database, err)
			}
		}
		_ = s.Close(ctx)
	})
	return s
}
