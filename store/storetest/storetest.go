// Package storetest opens a fresh embedded store for a test. It is for tests
// only: the store it opens lives in the test's temporary directory.
package storetest

import (
	"context"
	"testing"

	"candour/store"
)

// Open starts a fresh embedded server in a temporary directory and closes it
// when the test ends. Each test gets its own server and database.
func Open(tb testing.TB) *store.Store {
	tb.Helper()
	s, err := store.Open(context.Background(), store.Options{DataDir: tb.TempDir(), Database: "test"})
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close(context.Background()) })
	s.SetSealer(Sealer(tb))
	return s
}
