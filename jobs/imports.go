package jobs

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"candour/store"
)

// startImportJobs runs import-orphans hourly under a lease: the records of
// imports that never became current (the import crashed or was stopped)
// are deleted once they are a day old (store.DropOrphanImports).
func startImportJobs(ctx context.Context, wg *sync.WaitGroup, db *store.Store, log *slog.Logger, holder string) {
	every(ctx, wg, log, db, holder, "import-orphans", time.Hour, func(ctx context.Context) error {
		dropped, err := db.DropOrphanImports(ctx)
		if len(dropped) > 0 {
			log.Info("records of unfinished imports deleted", "imports", dropped)
		}
		return err
	})
}
