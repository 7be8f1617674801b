package store_test

import (
	"context"
	"testing"
	"time"

	"candour/store"
	"candour/store/storetest"
)

// TestRepairAfterCrashPutsCopiesRight: an audit event whose insert a
// crash stopped (the head had moved) is inserted from the head, so the
// chain verifies again and nothing is lost; a seat taken on a visit whose
// diary copy was never written appears in the person's diary; a diary
// booking the visit does not back is taken off. A second run changes
// nothing.
func TestRepairAfterCrashPutsCopiesRight(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	for _, a := range []string{"one", "two"} {
		if err := db.Audit(ctx, store.AuditEvent{Actor: "system", Action: a}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.CrashAuditAfterHeadForTest(ctx, store.AuditEvent{Actor: "system", Action: "three", Detail: "lost in a crash?"}); err != nil {
		t.Fatal(err)
	}
	if brk, _, err := db.VerifyAudit(ctx); err != nil || brk == nil {
		t.Fatalf("before the repair: break %v (err %v), want the missing event reported", brk, err)
	}

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

	done, err := db.RepairAfterCrash(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if done["audit chain head"] != 1 || done["visit diaries"] != 1 {
		t.Fatalf("repairs = %v, want the audit event and one diary booking", done)
	}
	brk, n, err := db.VerifyAudit(ctx)
	if err != nil || brk != nil || n != 3 {
		t.Fatalf("after the repair: break %v, %d events (err %v); want none and 3", brk, n, err)
	}
	evs, _, err := db.ListAudit(ctx, store.AuditFilter{Action: "three"})
	if err != nil || len(evs) != 1 || evs[0].Detail != "lost in a crash?" {
		t.Fatalf("the event from the head: %+v (err %v)", evs, err)
	}
	if d, _ := db.Diary(ctx, "crashed"); d.Bookings[v.ID].Status != store.SeatConfirmed {
		t.Fatalf("diary after the repair: %+v", d.Bookings)
	}
	if err := db.Audit(ctx, store.AuditEvent{Actor: "system", Action: "four"}); err != nil {
		t.Fatal(err)
	}
	again, err := db.RepairAfterCrash(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for what, n := range again {
		if n != 0 {
			t.Errorf("a second repair changed %d %s", n, what)
		}
	}
	if brk, n, _ := db.VerifyAudit(ctx); brk != nil || n != 4 {
		t.Fatalf("after another event: break %v, %d events", brk, n)
	}
}
