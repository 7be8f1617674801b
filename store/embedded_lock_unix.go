//go:build unix && !candour_no_embedded

package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDataDir takes an exclusive lock on the embedded store's files for
// this process, so that a second process (another `candour serve`, or a
// command such as `candour user add`) cannot open them at the same time:
// FerretDB keeps each collection's metadata in memory, and the store keeps
// coherent copies of documents (copies.go), both of which assume that one
// process owns the data. The lock goes when the process ends, even on a
// crash.
func lockDataDir(dbDir string) (release func(), err error) {
	path := filepath.Join(dbDir, "candour.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("store: the embedded store in %s is in use by another process (stop it first, or set MONGODB_URI): %w", filepath.Dir(dbDir), ErrInUse)
		}
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
