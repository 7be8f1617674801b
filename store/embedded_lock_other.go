//go:build !unix && !candour_no_embedded

package store

// lockDataDir is a no-op where there is no flock: run one process on a
// data directory (docs/operations.md).
func lockDataDir(string) (func(), error) { return func() {}, nil }
