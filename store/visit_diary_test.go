package store_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"candour/store"
	"candour/store/storetest"
)

// diaryClock is the tests' now: 10 December 2026, noon (UK time is UTC in
// winter). The near window (visit_diary.go) runs from 46 days back, 25
// October, to two months ahead: 2026-10, 2026-11, 2026-12, 2027-01 and
// 2027-02. A booking in any other month is listed on the person's head.
var diaryClock = time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)

func diaryStore(t *testing.T) *store.Store {
	t.Helper()
	db := storetest.Open(t)
	db.SetClock(func() time.Time { return diaryClock })
	return db
}

// eveningVisit is a two-hour visit from 18:00 UTC on day d.
func eveningVisit(t *testing.T, db *store.Store, y int, m time.Month, d int) *store.Visit {
	t.Helper()
	start := time.Date(y, m, d, 18, 0, 0, 0, time.UTC)
	return newVisit(t, db, &store.Visit{GroupID: "g1", Location: fmt.Sprintf("Poole %d-%d", m, d), Capacity: 5, Start: start, End: start.Add(2 * time.Hour)})
}

// diaryShape is each visit_diaries document of the store, as "_id: the
// visit ids it books [the months it lists]", sorted.
func diaryShape(t *testing.T, db *store.Store, names map[string]string) []string {
	t.Helper()
	// The sign-ups' bookings are written after them (visit_diary_later.go).
	if err := db.SettleDiariesForTest(context.Background()); err != nil {
		t.Fatal(err)
	}
	var out []string
	for id, doc := range storetest.Docs(t, db, "visit_diaries") {
		d := doc.(map[string]any)
		var booked []string
		if bs, ok := d["bookings"].(map[string]any); ok {
			for vid := range bs {
				booked = append(booked, names[vid])
			}
		}
		sort.Strings(booked)
		line := fmt.Sprintf("%s: %v", id, booked)
		if ms, ok := d["months"]; ok {
			line += fmt.Sprint(" ", ms)
		}
		out = append(out, line)
	}
	sort.Strings(out)
	return out
}

// TestDiaryIsAMonthPerDocument: a person's bookings are kept a month to a
// document, so a sign-up writes one document, by _id, holding only its
// visit's month; a month outside the near window is listed on the head;
// the diary reads back whole.
func TestDiaryIsAMonthPerDocument(t *testing.T) {
	t.Parallel()
	db := diaryStore(t)
	ctx := context.Background()
	ms := member("g1", "NPPV3", time.Time{})
	a, b := eveningVisit(t, db, 2026, 12, 20), eveningVisit(t, db, 2026, 12, 28)
	c, d := eveningVisit(t, db, 2027, 1, 5), eveningVisit(t, db, 2027, 5, 12)
	names := map[string]string{a.ID: "a", b.ID: "b", c.ID: "c", d.ID: "d"}
	for _, v := range []*store.Visit{a, b, c, d} {
		if r, err := db.SignUp(ctx, v.ID, "u1", ms); err != nil || r != store.SeatConfirmed {
			t.Fatalf("sign up for %s: %q, %v", names[v.ID], r, err)
		}
	}
	// By hand: a and b start in December, c in January (both near), d in
	// May 2027 (beyond February: listed on the head "u1").
	want := []string{"u1/2026-12: [a b]", "u1/2027-01: [c]", "u1/2027-05: [d]", "u1: [] [2027-05]"}
	if got := diaryShape(t, db, names); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("visit_diaries = %q, want %q", got, want)
	}
	diary, err := db.Diary(ctx, "u1")
	if err != nil || len(diary.Bookings) != 4 {
		t.Fatalf("diary = %+v, %v; want the four bookings", diary, err)
	}
	for _, v := range []*store.Visit{a, b, c, d} {
		if got := diary.Bookings[v.ID]; got.Status != store.SeatConfirmed || !got.Start.Equal(v.Start) || !got.End.Equal(v.End) {
			t.Errorf("booking of %s = %+v", names[v.ID], got)
		}
	}

	// One more in December: one write to visit_diaries (December's
	// document, as the shape after it shows).
	e := eveningVisit(t, db, 2026, 12, 30)
	names[e.ID] = "e"
	var mu sync.Mutex
	var writes []string
	stop := db.TraceCommands(func(cmd, coll string) {
		if coll != "visit_diaries" || cmd == "find" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		writes = append(writes, cmd)
	})
	_, err = db.SignUp(ctx, e.ID, "u1", ms)
	if serr := db.SettleDiariesForTest(ctx); err == nil { // its booking, written after it
		err = serr
	}
	stop()
	if err != nil {
		t.Fatal(err)
	}
	if len(writes) != 1 {
		t.Fatalf("the sign-up wrote to visit_diaries: %q, want one write", writes)
	}
	want[0] = "u1/2026-12: [a b e]"
	if got := diaryShape(t, db, names); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("visit_diaries after e = %q, want %q", got, want)
	}

	// Cancelling takes the booking off its month; the far month's listing
	// stays until the pruning deletes the empty month.
	if _, err := db.CancelSignUp(ctx, d.ID, "u1"); err != nil {
		t.Fatal(err)
	}
	if diary, _ := db.Diary(ctx, "u1"); len(diary.Bookings) != 4 || diary.Bookings[d.ID].Status != "" {
		t.Fatalf("diary after cancelling d: %+v", diary.Bookings)
	}
}

// TestDiaryClashAcrossAMonthEnd: the sign-up's clash check reads only the
// months a visit can overlap in, and those include the month before when
// a visit starts just after midnight on the first.
func TestDiaryClashAcrossAMonthEnd(t *testing.T) {
	t.Parallel()
	db := diaryStore(t)
	ctx := context.Background()
	ms := member("g1", "NPPV3", time.Time{})
	late := time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC) // to 1 January, 01:00
	first := newVisit(t, db, &store.Visit{GroupID: "g1", Location: "Bournemouth", Capacity: 5, Start: late, End: late.Add(2 * time.Hour)})
	early := time.Date(2027, 1, 1, 0, 30, 0, 0, time.UTC) // overlaps it by 30 minutes
	second := newVisit(t, db, &store.Visit{GroupID: "g1", Location: "Poole", Capacity: 5, Start: early, End: early.Add(time.Hour)})
	if _, err := db.SignUp(ctx, first.ID, "u1", ms); err != nil {
		t.Fatal(err)
	}
	_, err := db.SignUp(ctx, second.ID, "u1", ms)
	if err == nil || !strings.Contains(err.Error(), "already booked on a visit at the same time") {
		t.Fatalf("signing up for an overlapping visit in the next month: %v, want the clash refused", err)
	}
}

// TestDiaryFollowsAVisitToAnotherMonth: moving a visit to another month
// moves its bookings (seat and waiting list) there and out of the old one.
func TestDiaryFollowsAVisitToAnotherMonth(t *testing.T) {
	t.Parallel()
	db := diaryStore(t)
	ctx := context.Background()
	ms := member("g1", "NPPV3", time.Time{})
	start := time.Date(2026, 12, 20, 18, 0, 0, 0, time.UTC)
	v := newVisit(t, db, &store.Visit{GroupID: "g1", Location: "Poole", Capacity: 1, Start: start, End: start.Add(2 * time.Hour)})
	names := map[string]string{v.ID: "v"}
	for _, uid := range []string{"u1", "u2"} {
		if _, err := db.SignUp(ctx, v.ID, uid, ms); err != nil {
			t.Fatal(err)
		}
	}
	moved := time.Date(2027, 1, 14, 18, 0, 0, 0, time.UTC)
	if _, err := db.UpdateVisit(ctx, v.ID, 1, store.VisitChange{Type: v.Type, Location: v.Location, MinVetting: v.MinVetting,
		Start: moved, End: moved.Add(2 * time.Hour), Capacity: 1}); err != nil {
		t.Fatal(err)
	}
	// December's documents are left empty (the pruning deletes them once
	// the month is over 45 days gone); January's hold the bookings.
	want := []string{"u1/2026-12: []", "u1/2027-01: [v]", "u2/2026-12: []", "u2/2027-01: [v]"}
	if got := diaryShape(t, db, names); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("visit_diaries = %q, want %q", got, want)
	}
	for uid, status := range map[string]string{"u1": store.SeatConfirmed, "u2": store.SeatWaiting} {
		d, err := db.Diary(ctx, uid)
		if err != nil || len(d.Bookings) != 1 || d.Bookings[v.ID].Status != status || !d.Bookings[v.ID].Start.Equal(moved) {
			t.Fatalf("%s's diary = %+v (%v), want the moved visit, %s", uid, d.Bookings, err, status)
		}
	}
}

// TestDiaryRepairPutsBookingsInTheirMonth: a booking a crash left in the
// month a visit moved from is taken off, a far month the head does not
// list is listed, and a second repair finds nothing.
func TestDiaryRepairPutsBookingsInTheirMonth(t *testing.T) {
	t.Parallel()
	db := diaryStore(t)
	ctx := context.Background()
	ms := member("g1", "NPPV3", time.Time{})
	v := eveningVisit(t, db, 2027, 1, 14)
	far := eveningVisit(t, db, 2027, 6, 3)
	names := map[string]string{v.ID: "v", far.ID: "far"}
	for _, id := range []string{v.ID, far.ID} {
		if _, err := db.SignUp(ctx, id, "u1", ms); err != nil {
			t.Fatal(err)
		}
	}
	// As a crash part-way through moving v from December would leave it.
	stale := store.Booking{Start: time.Date(2026, 12, 20, 18, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 20, 20, 0, 0, 0, time.UTC), Status: store.SeatConfirmed}
	if err := db.PutDiaryBookingForTest(ctx, "u1", "2026-12", v.ID, stale); err != nil {
		t.Fatal(err)
	}
	// And as a crash between the head's listing and June's booking, the
	// other way round: June's booking there, the head's listing gone.
	if _, err := db.RawDatabase().Collection("visit_diaries").UpdateOne(ctx, bson.D{{Key: "_id", Value: "u1"}},
		bson.D{{Key: "$pull", Value: bson.D{{Key: "months", Value: "2027-06"}}}}); err != nil {
		t.Fatal(err)
	}
	db.ForgetCopies()
	if d, _ := db.Diary(ctx, "u1"); d.Bookings[far.ID].Status != "" {
		t.Fatal("the unlisted June booking is read: the crash was not simulated")
	}
	n, err := db.RepairDiaries(ctx)
	if err != nil || n != 2 {
		t.Fatalf("repaired %d (%v), want 2: the stale December booking and the unlisted June one", n, err)
	}
	want := []string{"u1/2026-12: []", "u1/2027-01: [v]", "u1/2027-06: [far]", "u1: [] [2027-06]"}
	if got := diaryShape(t, db, names); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("visit_diaries = %q, want %q", got, want)
	}
	if d, _ := db.Diary(ctx, "u1"); len(d.Bookings) != 2 || !d.Bookings[v.ID].Start.Equal(v.Start) {
		t.Fatalf("diary after the repair: %+v", d.Bookings)
	}
	if n, err := db.RepairDiaries(ctx); err != nil || n != 0 {
		t.Fatalf("a second repair put right %d (%v), want 0", n, err)
	}
}

// TestDiaryPruningDeletesOldMonths: a month whose bookings all ended over
// 45 days ago is taken off its head and deleted; a month still in use
// keeps its document.
func TestDiaryPruningDeletesOldMonths(t *testing.T) {
	t.Parallel()
	db := diaryStore(t)
	ctx := context.Background()
	old := &store.Visit{Type: store.VisitCustody, GroupID: "g1", Location: "Poole", Start: time.Date(2026, 8, 4, 18, 0, 0, 0, time.UTC),
		End: time.Date(2026, 8, 4, 20, 0, 0, 0, time.UTC), Capacity: 3, MinVetting: "none", Attendees: []string{"u1"}}
	if err := db.RecordVisit(ctx, old); err != nil {
		t.Fatal(err)
	}
	soon := eveningVisit(t, db, 2026, 12, 20)
	if _, err := db.SignUp(ctx, soon.ID, "u1", member("g1", "NPPV3", time.Time{})); err != nil {
		t.Fatal(err)
	}
	names := map[string]string{old.ID: "old", soon.ID: "soon"}
	// August is before the near window (from 25 October): listed.
	want := []string{"u1/2026-08: [old]", "u1/2026-12: [soon]", "u1: [] [2026-08]"}
	if got := diaryShape(t, db, names); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("before pruning: %q, want %q", got, want)
	}
	if n, err := db.PruneDiaries(ctx, diaryClock.AddDate(0, 0, -45)); err != nil || n != 1 {
		t.Fatalf("pruned %d (%v), want 1", n, err)
	}
	want = []string{"u1/2026-12: [soon]", "u1: [] []"}
	if got := diaryShape(t, db, names); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after pruning: %q, want %q", got, want)
	}
}

// TestDiariesMoveToMonths: diaries stored whole (before migration 12) read
// the same before the migration, at each point a kill -9 could stop it
// (no head moved yet; one moved), after it and after it runs again; the
// migration leaves no head holding bookings, keeps the feed token's hash,
// and lists the months outside the near window.
func TestDiariesMoveToMonths(t *testing.T) {
	t.Parallel()
	db := diaryStore(t)
	ctx := context.Background()
	at := func(y int, m time.Month, d int) (time.Time, time.Time) {
		s := time.Date(y, m, d, 18, 0, 0, 0, time.UTC)
		return s, s.Add(2 * time.Hour)
	}
	b := func(y int, m time.Month, d int, status string) bson.D {
		s, e := at(y, m, d)
		return bson.D{{Key: "start", Value: s}, {Key: "end", Value: e}, {Key: "status", Value: status}}
	}
	legacy := []bson.D{
		{{Key: "_id", Value: "u1"}, {Key: "bookings", Value: bson.D{
			{Key: "v-dec", Value: b(2026, 12, 20, store.SeatConfirmed)}, {Key: "v-jan", Value: b(2027, 1, 5, store.SeatWaiting)},
			{Key: "v-may", Value: b(2027, 5, 12, store.SeatConfirmed)}}}, {Key: "feedHash", Value: "hash-of-u1"}},
		{{Key: "_id", Value: "u2"}, {Key: "bookings", Value: bson.D{{Key: "v-dec", Value: b(2026, 12, 20, store.SeatConfirmed)}}}},
		{{Key: "_id", Value: "u3"}, {Key: "feedHash", Value: "hash-of-u3"}},
	}
	for _, doc := range legacy {
		if _, err := db.RawDatabase().Collection("visit_diaries").InsertOne(ctx, doc); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string) {
		t.Helper()
		want := map[string]string{
			"u1": "feed hash-of-u1: v-dec confirmed 2026-12-20, v-jan waiting 2027-01-05, v-may confirmed 2027-05-12",
			"u2": "feed : v-dec confirmed 2026-12-20",
			"u3": "feed hash-of-u3: ",
		}
		for uid, w := range want {
			d, err := db.Diary(ctx, uid)
			if err != nil {
				t.Fatalf("%s: %s: %v", when, uid, err)
			}
			var parts []string
			for vid, bk := range d.Bookings {
				parts = append(parts, fmt.Sprintf("%s %s %s", vid, bk.Status, bk.Start.Format("2006-01-02")))
			}
			sort.Strings(parts)
			if got := fmt.Sprintf("feed %s: %s", d.FeedHash, strings.Join(parts, ", ")); got != w {
				t.Fatalf("%s: %s's diary = %q, want %q", when, uid, got, w)
			}
		}
	}
	check("before the migration")
	for _, unsets := range []int{0, 1, -1, -1} {
		if err := db.MoveDiariesForTest(ctx, unsets); err != nil {
			t.Fatal(err)
		}
		check(fmt.Sprintf("stopped after %d heads", unsets))
	}
	names := map[string]string{"v-dec": "v-dec", "v-jan": "v-jan", "v-may": "v-may"}
	want := []string{"u1/2026-12: [v-dec]", "u1/2027-01: [v-jan]", "u1/2027-05: [v-may]", "u1: [] [2027-05]",
		"u2/2026-12: [v-dec]", "u2: []", "u3: []"}
	if got := diaryShape(t, db, names); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("visit_diaries after the migration = %q, want %q", got, want)
	}
}

// TestSignUpIsOneWriteItsBookingFollows: on the embedded server a sign-up's
// one write is its seat; its booking reaches the diary after it
// (visit_diary_later.go), and until then every reader of the diary sees it:
// the person's diary, the clash check of their next sign-up, a cancel. The
// bookings of several sign-ups for one month are written together, once.
func TestSignUpIsOneWriteItsBookingFollows(t *testing.T) {
	t.Parallel()
	db := diaryStore(t)
	if _, _, _, ok := db.DiskState(); !ok {
		t.Skip("the booking follows the sign-up only on the embedded engine in process")
	}
	ctx := context.Background()
	ms := member("g1", "NPPV3", time.Time{})
	release := db.HoldDiaryWritesForTest()
	defer release()
	var mu sync.Mutex
	var writes []string
	stop := db.TraceCommands(func(cmd, coll string) {
		if cmd == "find" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		writes = append(writes, cmd+" "+coll)
	})
	var vs []*store.Visit
	for d := 20; d <= 24; d++ {
		vs = append(vs, eveningVisit(t, db, 2026, 12, d))
	}
	mu.Lock()
	writes = nil
	mu.Unlock()
	if r, err := db.SignUp(ctx, vs[0].ID, "u1", ms); err != nil || r != store.SeatConfirmed {
		t.Fatalf("sign up: %q, %v", r, err)
	}
	mu.Lock()
	got := append([]string(nil), writes...)
	mu.Unlock()
	if want := []string{"findAndModify visits"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("the sign-up wrote %q, want %q", got, want)
	}
	stored := func() map[string]any {
		t.Helper()
		var doc struct {
			Bookings map[string]any `bson:"bookings"`
		}
		err := db.RawDatabase().Collection("visit_diaries").FindOne(ctx, bson.D{{Key: "_id", Value: "u1/2026-12"}}).Decode(&doc)
		if err != nil && !strings.Contains(err.Error(), "no documents") {
			t.Fatal(err)
		}
		return doc.Bookings
	}
	if b := stored(); len(b) != 0 {
		t.Fatalf("the booking was written with the sign-up (held): %v", b)
	}
	if d, err := db.Diary(ctx, "u1"); err != nil || d.Bookings[vs[0].ID].Status != store.SeatConfirmed {
		t.Fatalf("the diary before its booking is written: %+v, %v; want the booking", d, err)
	}
	clash := newVisit(t, db, &store.Visit{GroupID: "g1", Location: "Wareham", Capacity: 5, Start: vs[0].Start.Add(time.Hour), End: vs[0].End.Add(time.Hour)})
	if _, err := db.SignUp(ctx, clash.ID, "u1", ms); err == nil || !strings.Contains(err.Error(), "already booked on a visit at the same time") {
		t.Fatalf("an overlapping sign-up before the booking is written: %v, want the clash refused", err)
	}
	for _, v := range vs[1:] {
		if _, err := db.SignUp(ctx, v.ID, "u1", ms); err != nil {
			t.Fatal(err)
		}
	}
	// A cancel of a booking not yet written: written first, then taken off,
	// never put back by the writer after.
	if _, err := db.CancelSignUp(ctx, vs[4].ID, "u1"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	writes = nil
	mu.Unlock()
	release()
	if err := db.SettleDiariesForTest(ctx); err != nil {
		t.Fatal(err)
	}
	stop()
	if b := stored(); len(b) != 4 || b[vs[4].ID] != nil {
		t.Fatalf("stored bookings after the writes: %v, want the four sign-ups not cancelled", b)
	}
	if fmt.Sprint(writes) != "[]" {
		t.Errorf("after the cancel wrote the month, its writer wrote %q, want nothing more", writes)
	}
	d, err := db.Diary(ctx, "u1")
	if err != nil || len(d.Bookings) != 4 || d.Bookings[vs[4].ID].Status != "" {
		t.Fatalf("the diary after its bookings are written: %+v, %v", d, err)
	}
}

// TestBookingsOfSignUpsInARowAreWrittenOnce: one person's sign-ups for four
// visits of one month cost one write of that month's document.
func TestBookingsOfSignUpsInARowAreWrittenOnce(t *testing.T) {
	t.Parallel()
	db := diaryStore(t)
	if _, _, _, ok := db.DiskState(); !ok {
		t.Skip("the booking follows the sign-up only on the embedded engine in process")
	}
	ctx := context.Background()
	ms := member("g1", "NPPV3", time.Time{})
	var vs []*store.Visit
	for d := 20; d <= 23; d++ {
		vs = append(vs, eveningVisit(t, db, 2026, 12, d))
	}
	release := db.HoldDiaryWritesForTest()
	for _, v := range vs {
		if _, err := db.SignUp(ctx, v.ID, "u1", ms); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var writes []string
	stop := db.TraceCommands(func(cmd, coll string) {
		mu.Lock()
		defer mu.Unlock()
		writes = append(writes, cmd+" "+coll)
	})
	release()
	err := db.SettleDiariesForTest(ctx)
	stop()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"findAndModify visit_diaries"}; fmt.Sprint(writes) != fmt.Sprint(want) {
		t.Fatalf("the four bookings were written with %q, want %q", writes, want)
	}
	if d, err := db.Diary(ctx, "u1"); err != nil || len(d.Bookings) != 4 {
		t.Fatalf("diary: %+v, %v", d, err)
	}
}
