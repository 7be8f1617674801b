package storetest

import (
	"bytes"
	"context"
	"testing"

	"candour/sealed"
	"candour/store"
)

// Sealer makes field-encryption keys for a test: a fresh keyset and a
// fixed blind-index key.
func Sealer(tb testing.TB) *sealed.Sealer {
	tb.Helper()
	ks, err := sealed.NewKeyset()
	if err != nil {
		tb.Fatal(err)
	}
	sl, err := sealed.New(ks, bytes.Repeat([]byte("blind-index-key!"), 2))
	if err != nil {
		tb.Fatal(err)
	}
	return sl
}

// Reopener returns a function that opens the store at o with the sealer sl,
// for a test that restarts its store: the same database and the same keys
// on every open. Closing each store (and dropping the database through
// MONGODB_URI) stays with the test, which knows which open is the last.
func Reopener(tb testing.TB, o store.Options, sl *sealed.Sealer) func() *store.Store {
	return func() *store.Store {
		tb.Helper()
		db, err := store.Open(context.Background(), o)
		if err != nil {
			tb.Fatal(err)
		}
		db.SetSealer(sl)
		return db
	}
}

// Restart closes db and opens the store again with open (a Reopener at o),
// as a process restart would, and closes the new store when the test ends
// (dropping its database first through MONGODB_URI). It is the test's last
// open: a test that restarts more than once closes the others itself.
func Restart(tb testing.TB, db *store.Store, o store.Options, open func() *store.Store) *store.Store {
	tb.Helper()
	ctx := context.Background()
	if err := db.Close(ctx); err != nil {
		tb.Fatal(err)
	}
	db = open()
	tb.Cleanup(func() {
		if o.URI != "" {
			_ = db.DropDatabase(ctx)
		}
		_ = db.Close(ctx)
	})
	return db
}
