//go:build !candourrelease

package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// PrepareFresh readies dataDir, an empty directory, as the data directory
// of a fresh embedded store whose database is named database: it writes
// there a copy of a database that a store of this build created, indexed
// and migrated once in this process. The Open that follows finds its
// collections, indexes and migrations in place instead of making them all
// again, which was most of what opening a fresh store cost (about 0.25 s
// of CPU under the race detector, against 0.06 s from the copy). The copy
// is what any store opened once and closed leaves behind: empty
// collections, their indexes, the migrations' records and the released
// migration lease, and no documents of its own; each caller gets its own
// file. For tests only (store/storetest, this package's openTestAny):
// the first open of a real data directory still makes everything itself.
func PrepareFresh(ctx context.Context, dataDir, database string) error {
	data, err := freshDatabase(ctx, database)
	if err != nil {
		return err
	}
	dbDir := filepath.Join(dataDir, "db")
	if err := os.MkdirAll(dbDir, 0o700); err != nil {
		return fmt.Errorf("store: fresh data directory: %w", err)
	}
	// FerretDB adopts only the database files that are there when it
	// starts, so the file is written before Open, never into a running one.
	if err := os.WriteFile(filepath.Join(dbDir, database+".sqlite"), data, 0o600); err != nil {
		return fmt.Errorf("store: fresh data directory: %w", err)
	}
	return nil
}

// freshDatabases are the database files PrepareFresh copies, by database
// name, each made once per process.
var freshDatabases struct {
	mu    sync.Mutex
	files map[string][]byte
}

// freshDatabase is the file of database as a store leaves it after its
// first open and close, made in a temporary directory removed after.
func freshDatabase(ctx context.Context, database string) ([]byte, error) {
	freshDatabases.mu.Lock()
	defer freshDatabases.mu.Unlock()
	if b, ok := freshDatabases.files[database]; ok {
		return b, nil
	}
	dir, err := os.MkdirTemp("", "candour-fresh-")
	if err != nil {
		return nil, fmt.Errorf("store: fresh database: %w", err)
	}
	defer os.RemoveAll(dir)
	s, err := Open(ctx, Options{DataDir: dir, Database: database})
	if err != nil {
		return nil, fmt.Errorf("store: fresh database: %w", err)
	}
	if err := s.Close(ctx); err != nil {
		return nil, fmt.Errorf("store: fresh database: close: %w", err)
	}
	file := filepath.Join(dir, "db", database+".sqlite")
	// Close checkpoints the write-ahead log into the file; a log left
	// behind would hold part of the database, and the copy would lack it.
	if fi, err := os.Stat(file + "-wal"); err == nil && fi.Size() > 0 {
		return nil, fmt.Errorf("store: fresh database: %s-wal left after close (%d bytes)", file, fi.Size())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("store: fresh database: %w", err)
	}
	if freshDatabases.files == nil {
		freshDatabases.files = map[string][]byte{}
	}
	freshDatabases.files[database] = b
	return b, nil
}
