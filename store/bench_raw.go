//go:build !candourrelease || candourbench

package store

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// The benchmark's yardstick for survey submissions, in the test builds and
// in the benchmark's own build of the portal (the candourbench tag), which
// measures it in the server's process just before the submissions' row
// (cli/profile_bench.go): never in the portal's release binary.

// RawInsert inserts doc into coll as the store's writer does, and nothing
// more: its lock and, on the embedded server, its group commit to disk
// (durable.go), with none of the portal's work. It is the benchmark's raw
// insert rate: the driver straight onto the writer's connection would
// skip the fsync that every write of the portal waits for, and compare a
// write that is not yet on disk with ones that are.
func (s *Store) RawInsert(ctx context.Context, coll string, doc any) error {
	_, err := s.c(coll).InsertOne(ctx, doc)
	return err
}

// RawInserts has writers goroutines insert documents made by doc (each
// call a new one) into coll with RawInsert for d, and returns how many
// were stored.
func (s *Store) RawInserts(ctx context.Context, coll string, writers int, d time.Duration, doc func() any) int64 {
	deadline := time.Now().Add(d)
	var n atomic.Int64
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if err := s.RawInsert(ctx, coll, doc()); err == nil {
					n.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return n.Load()
}
