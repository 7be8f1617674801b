package jobs

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"candour/store"
	"candour/store/storetest"
)

// TestEveryJobReadsOnTheJobsLane: the runner hands every job a context
// marked for the jobs' own read connection (store.ForJob), so no job's
// reads can take the connections requests read on.
func TestEveryJobReadsOnTheJobsLane(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	marked := make(chan bool, 1)
	every(ctx, &wg, log, db, "this-instance", "lane-check", time.Hour, func(ctx context.Context) error {
		marked <- store.ReadsAsJobForTest(ctx)
		return nil
	})
	got := <-marked
	cancel()
	wg.Wait()
	if !got {
		t.Fatal("the job ran with a context not marked store.ForJob: its reads take the requests' read pool")
	}
}
