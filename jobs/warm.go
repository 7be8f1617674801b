package jobs

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"candour/store"
)

// warmTries is how many times the warming is tried, warmRetry apart: on
// the jobs' one connection another job's run that times out mid-read
// closes the connection and every cursor open on it (seen at ten times the
// data on a loaded machine: "CursorNotFound" in the people directory's
// read), and the next try reads on a new one.
const (
	warmTries = 3
	warmRetry = 5 * time.Second
)

// warmCopies loads, once and in the background, the copies that the first
// request to need them would otherwise load (warm: store.WarmCopies, the
// people directory and the recommendation summaries), trying again retry
// later if it fails. Every instance loads its own (a copy is per process),
// so it takes no lease.
func warmCopies(ctx context.Context, wg *sync.WaitGroup, warm func(context.Context) error, retry time.Duration, log *slog.Logger) {
	ctx = store.ForJob(ctx)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for try := 1; ; try++ {
			err := warm(ctx)
			if err == nil || ctx.Err() != nil {
				return
			}
			if try == warmTries {
				log.Error("warm copies", "err", err) // the first request to need them loads them
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(retry):
			}
		}
	}()
}
