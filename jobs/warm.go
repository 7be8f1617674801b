package jobs

import (
	"context"
	"log/slog"
	"sync"

	"candour/store"
)

// warmCopies loads, once and in the background, the copies that the first
// request to need them would otherwise load (store.WarmCopies: the people
// directory, the recommendation summaries). Every instance loads its own
// (a copy is per process), so it takes no lease.
func warmCopies(ctx context.Context, wg *sync.WaitGroup, db *store.Store, log *slog.Logger) {
	ctx = store.ForJob(ctx)
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := db.WarmCopies(ctx); err != nil && ctx.Err() == nil {
			log.Error("warm copies", "err", err)
		}
	}()
}
