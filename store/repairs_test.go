package store_test

import (
	"context"
	"testing"
	"time"

	"candour/store"
	"candour/store/storetest"
)

// TestRepairAfterCrashPutsCopiesRight (store.Repair): a seat taken on a visit whose
// diary copy was never written appears in the person's diary; a diary
// booking the visit does not back is taken off. A second run changes
// nothing.
func TestRepairAfterCrashPutsCopiesRight(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()

	v := newVisit(t, db, &store.Visit{GroupID: "g1", Location: "Poole custody", Capacity: 3})
	if _, err := db.SignUp(ctx, v.ID, "kept", member("g1", "NPPV3", time.Time{})); err != nil {
		t.Fatal(err)
	}
	if err := db.CrashBeforeDiaryForTest(ctx, v.ID, "crashed"); err != nil {
		t.Fatal(err)
	}
	if d, _ := db.Diary(ctx, "crashed"); len(d.Bookings) != 0 {
		t.Fatal("the diary already has the booking: the crash was not simulated")
	}

	done, err := db.Repair(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if done.Fixed["visit diaries"] != 1 {
		t.Fatalf("repairs = %v, want one diary booking", done)
	}
	if d, _ := db.Diary(ctx, "crashed"); d.Bookings[v.ID].Status != store.SeatConfirmed {
		t.Fatalf("diary after the repair: %+v", d.Bookings)
	}
	again, err := db.Repair(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for what, n := range again.Fixed {
		if n != 0 {
			t.Errorf("a second repair changed %d %s", n, what)
		}
	}
}
