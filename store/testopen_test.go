package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
)

// openTestAny opens a fresh store for a test of this package the way
// store/storetest does (which this package's own tests cannot import): a
// fresh database on MONGODB_URI when it is set, dropped after, or else an
// embedded server in the test's temporary directory, on a fresh database
// copied there (PrepareFresh).
func openTestAny(t *testing.T) *Store {
	t.Helper()
	o := Options{DataDir: t.TempDir(), Database: "test", URI: os.Getenv("MONGODB_URI")}
	if o.URI != "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		o.Database = "t_" + hex.EncodeToString(b[:])
	} else if err := PrepareFresh(context.Background(), o.DataDir, o.Database); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), o)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if o.URI != "" {
			if err := s.DropDatabase(context.Background()); err != nil {
				t.Errorf("drop %s: %v", o.Database, err)
			}
		}
		_ = s.Close(context.Background())
	})
	return s
}
