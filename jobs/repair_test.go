package jobs

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"candour/store"
	"candour/store/storetest"
)

// TestStartUpRepairsOnlyWhatMustNotWaitAndTheJobTheRest: a seat taken on a
// visit whose diary copy a crash never wrote. Start-up's repair (the audit
// chain, the panel tallies, uncounted survey batches) leaves the diary as
// it is; the repair job, started at once rather than an hour later, puts
// the booking in the diary.
func TestStartUpRepairsOnlyWhatMustNotWaitAndTheJobTheRest(t *testing.T) {
	t.Parallel()
	if got, want := store.StartRepairSteps(), []string{"audit chain events", "visit panel tallies", "survey responses counted", "group summaries and memberships on accounts", "custody report issue counts"}; !slices.Equal(got, want) {
		t.Fatalf("start-up repairs %v, want %v", got, want)
	}
	db := storetest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	start := time.Now().Add(48 * time.Hour)
	v := &store.Visit{Type: store.VisitCustody, GroupID: "g1", Location: "Poole", Start: start, End: start.Add(time.Hour), Capacity: 3, MinVetting: "NPPV2"}
	if err := db.CreateVisit(ctx, v); err != nil {
		t.Fatal(err)
	}
	// The crash: the seat is taken, the diary's copy never written.
	if _, err := db.RawDatabase().Collection("visits").UpdateOne(ctx, bson.D{{Key: "_id", Value: v.ID}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "seatsTaken", Value: 1}}}, {Key: "$push", Value: bson.D{{Key: "attendees", Value: "crashed"}}}}); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	if err := RepairAtStart(ctx, &wg, db, log); err != nil {
		t.Fatal(err)
	}
	if d, _ := db.Diary(ctx, "crashed"); len(d.Bookings) != 0 {
		t.Fatalf("start-up repaired the diary (a copy the job repairs): %+v", d.Bookings)
	}

	startRepairJobs(ctx, &wg, db, log, "test")
	deadline := time.Now().Add(time.Minute) // a bound on waiting, not a budget
	for {
		d, err := db.Diary(ctx, "crashed")
		if err != nil {
			t.Fatal(err)
		}
		if d.Bookings[v.ID].Status == store.SeatConfirmed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the repair job did not repair the diary soon after start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	wg.Wait()
}
