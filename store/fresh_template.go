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
	return PrepareSeeded(ctx, dataDir, database, "", nil)
}

// PrepareSeeded is PrepareFresh for a database that seed has filled: a
// store of this build is opened once in this process on an empty
// directory, seed writes what the tests need into it, and it is closed;
// each caller then gets a copy of its file, and may write to it as to any
// fresh store. name tells seeds apart ("" is the fresh database of
// PrepareFresh, with no seed). Seeding once per test binary instead of
// once per test is the point: the demo's surveys took seconds of CPU
// under the race detector for every test that needed them. The store seed
// is given has no sealer: what it writes is not sealed. The copy holds
// only the database: what a store keeps in memory starts afresh at the
// test's Open, as after a restart.
func PrepareSeeded(ctx context.Context, dataDir, database, name string, seed func(context.Context, *Store) error) error {
	data, err := templateFile(ctx, database, name, seed)
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

// templates are the database files PrepareSeeded copies, by seed name and
// database name, each made once per process.
var templates struct {
	mu    sync.Mutex
	files map[[2]string][]byte
}

// templateFile is the file of database as a store leaves it after its
// first open, seed (if any) and close, made in a temporary directory
// removed after.
func templateFile(ctx context.Context, database, name string, seed func(context.Context, *Store) error) ([]byte, error) {
	var fresh []byte
	if seed != nil {
		// A seed starts from the fresh database's copy, not from nothing:
		// the collections, indexes and migrations are made once.
		var err error
		if fresh, err = templateFile(ctx, database, "", nil); err != nil {
			return nil, err
		}
	}
	templates.mu.Lock()
	defer templates.mu.Unlock()
	key := [2]string{name, database}
	if b, ok := templates.files[key]; ok {
		return b, nil
	}
	dir, err := os.MkdirTemp("", "candour-fresh-")
	if err != nil {
		return nil, fmt.Errorf("store: fresh database: %w", err)
	}
	defer os.RemoveAll(dir)
	if fresh != nil {
		if err := os.MkdirAll(filepath.Join(dir, "db"), 0o700); err != nil {
			return nil, fmt.Errorf("store: fresh database: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, "db", database+".sqlite"), fresh, 0o600); err != nil {
			return nil, fmt.Errorf("store: fresh database: %w", err)
		}
	}
	s, err := Open(ctx, Options{DataDir: dir, Database: database})
	if err != nil {
		return nil, fmt.Errorf("store: fresh database: %w", err)
	}
	if seed != nil {
		if err := seed(ctx, s); err != nil {
			_ = s.Close(ctx)
			return nil, fmt.Errorf("store: seed %s: %w", name, err)
		}
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
	if templates.files == nil {
		templates.files = map[[2]string][]byte{}
	}
	templates.files[key] = b
	return b, nil
}
