package jobs

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"candour/store"
	"candour/store/storetest"
)

// The import-orphans job, started as serve starts it, drops a crashed
// import's records (two days old, no month refers to them) at once and
// leaves the current import's.
func TestImportOrphansJob(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	old := func(age time.Duration) string { return bson.NewObjectIDFromTimestamp(time.Now().Add(-age)).Hex() }
	current, crashed := old(72*time.Hour), old(48*time.Hour)
	for _, g := range []string{current, crashed} {
		if err := db.PutPowerChunk(ctx, store.PowerStopSearch, "dorset", "2025-02", g, 0, []string{"x"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.PutPowerPart(ctx, store.PowerStopSearch, "dorset", "2025-02", store.PowerPart{Key: "2025-02", Source: "f.csv", Gen: current, Records: 1, Chunks: 1}); err != nil {
		t.Fatal(err)
	}
	jctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	startImportJobs(jctx, &wg, db, slog.New(slog.DiscardHandler), "test")
	defer func() { stop(); wg.Wait() }()
	m, err := db.PowerMonth(ctx, store.PowerStopSearch, "dorset", "2025-02")
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, errCrashed := db.PowerChunkOf(ctx, m, &store.PowerPart{Gen: crashed}, 0)
		if _, err := db.PowerChunkOf(ctx, m, &m.Parts[0], 0); err != nil {
			t.Fatalf("the current import's records: %v", err)
		}
		if errCrashed != nil {
			break // dropped
		}
		if time.Now().After(deadline) {
			t.Fatal("the crashed import's records are still there")
		}
	}
}
