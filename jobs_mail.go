package main

import (
	"context"
	"log/slog"
	"sync"

	"candour/config"
	"candour/store"
)

// startMailJob starts the outbox worker (being written).
func startMailJob(ctx context.Context, wg *sync.WaitGroup, cfg config.Config, db *store.Store, log *slog.Logger, holder string) {
}
