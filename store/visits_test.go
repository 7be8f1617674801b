package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"candour/store"
	"candour/store/storetest"
)

func member(group, level string, expires time.Time) []store.Membership {
	return []store.Membership{{GroupID: group, VettingLevel: level, VettingExpires: expires}}
}

func newVisit(t *testing.T, db *store.Store, v *store.Visit) *store.Visit {
	t.Helper()
	if v.Type == "" {
		v.Type = store.VisitCustody
	}
	if v.Start.IsZero() {
		v.Start = time.Now().Add(72 * time.Hour)
		v.End = v.Start.Add(2 * time.Hour)
	}
	if v.MinVetting == "" {
		v.MinVetting = "NPPV2"
	}
	ps, err := db.CreateVisit(context.Background(), v)
	if err != nil || len(ps) > 0 {
		t.Fatalf("create visit: %v %v", ps, err)
	}
	return v
}

// TestVisitSignUpsUnderConcurrency: 100 members signing up at once for 2
// places gives exactly 2 seats and 98 on the waiting list, in order.
func TestVisitSignUpsUnderConcurrency(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	v := newVisit(t, db, &store.Visit{GroupID: "g1", Location: "Weymouth custody", Capacity: 2})
	ms := member("g1", "NPPV3", time.Time{})
	var wg sync.WaitGroup
	results := make([]string, 100)
	errs := make([]error, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = db.SignUp(ctx, v.ID, fmt.Sprintf("user%03d", i), ms)
		}()
	}
	wg.Wait()
	counts := map[string]int{}
	for i, r := range results {
		if errs[i] != nil {
			t.Fatalf("sign-up %d: %v", i, errs[i])
		}
		counts[r]++
	}
	if counts[store.SeatConfirmed] != 2 || counts[store.SeatWaiting] != 98 {
		t.Fatalf("outcomes = %v, want 2 confirmed and 98 waiting", counts)
	}
	got, _ := db.Visit(ctx, v.ID)
	if got.SeatsTaken != 2 || len(got.Attendees) != 2 || len(got.Waiting) != 98 {
		t.Fatalf("visit has %d seats taken, %d attendees, %d waiting; want 2, 2, 98", got.SeatsTaken, len(got.Attendees), len(got.Waiting))
	}
	seen := map[string]bool{}
	for _, id := range append(got.Attendees, got.Waiting...) {
		if seen[id] {
			t.Fatalf("%s is on the visit twice", id)
		}
		seen[id] = true
	}
	// Cancelling a seat promotes the first person waiting, once, and their diary says so.
	first, second := got.Waiting[0], got.Waiting[1]
	promoted, err := db.CancelSignUp(ctx, v.ID, got.Attendees[0])
	if err != nil || len(promoted) != 1 || promoted[0] != first {
		t.Fatalf("cancel promoted %v (%v), want [%s]", promoted, err, first)
	}
	again, _ := db.PromoteWaiting(ctx, v.ID)
	if len(again) != 0 {
		t.Fatalf("promoting again moved %v", again)
	}
	got, _ = db.Visit(ctx, v.ID)
	if got.SeatsTaken != 2 || !got.Attending(first) || got.WaitingPlace(second) != 1 || len(got.Waiting) != 97 {
		t.Fatalf("after cancel: seats %d, attending(first)=%v, place(second)=%d, waiting %d", got.SeatsTaken, got.Attending(first), got.WaitingPlace(second), len(got.Waiting))
	}
	d, _ := db.Diary(ctx, first)
	if d.Bookings[v.ID].Status != store.SeatConfirmed {
		t.Fatalf("promoted person's diary says %q", d.Bookings[v.ID].Status)
	}
	// Signing up twice is refused; cancelling someone not on it too.
	if _, err := db.SignUp(ctx, v.ID, first, ms); !errors.Is(err, store.ErrAlreadySignedUp) {
		t.Fatalf("second sign-up: %v, want ErrAlreadySignedUp", err)
	}
	if _, err := db.CancelSignUp(ctx, v.ID, "nobody"); !errors.Is(err, store.ErrNotSignedUp) {
		t.Fatalf("cancel of nobody: %v", err)
	}
}

func TestVisitEligibility(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	start := time.Now().Add(10 * 24 * time.Hour)
	v := newVisit(t, db, &store.Visit{GroupID: "g1", Location: "Bournemouth custody", Capacity: 5, Start: start, End: start.Add(3 * time.Hour)})
	clash := newVisit(t, db, &store.Visit{GroupID: "g1", Location: "Poole", Capacity: 5, Start: start.Add(time.Hour), End: start.Add(4 * time.Hour)})
	if _, err := db.SignUp(ctx, clash.ID, "busy", member("g1", "NPPV2", time.Time{})); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, user string
		ms         []store.Membership
		want       string
	}{
		{"other group", "a", member("g2", "NPPV3", time.Time{}), "members of another group"},
		{"vetting too low", "b", member("g1", "NPPV1", time.Time{}), "needs vetting to NPPV2 or higher"},
		{"vetting expires first", "c", member("g1", "NPPV3", start.Add(time.Hour)), "Your vetting expires on"},
		{"overlapping booking", "busy", member("g1", "NPPV2", time.Time{}), "already booked on a visit at the same time"},
		{"eligible", "d", member("g1", "NPPV2", start.AddDate(1, 0, 0)), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.SignUp(ctx, v.ID, tc.user, tc.ms)
			var ie *store.IneligibleError
			if tc.want == "" {
				if err != nil {
					t.Fatalf("eligible person refused: %v", err)
				}
				return
			}
			if !errors.As(err, &ie) || !strings.Contains(ie.Reason, tc.want) {
				t.Fatalf("err = %v, want a reason containing %q", err, tc.want)
			}
		})
	}
	got, _ := db.Visit(ctx, v.ID)
	if got.SeatsTaken != 1 {
		t.Fatalf("refused sign-ups changed the visit: %d seats taken", got.SeatsTaken)
	}
}

func TestVisitRules(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	now := time.Now()
	for _, tc := range []struct {
		name  string
		v     store.Visit
		field string
	}{
		{"end before start", store.Visit{Start: now.Add(time.Hour), End: now, Capacity: 2}, "end"},
		{"in the past", store.Visit{Start: now.Add(-48 * time.Hour), End: now.Add(-47 * time.Hour), Capacity: 2}, "start"},
		{"no places", store.Visit{Start: now.Add(time.Hour), End: now.Add(2 * time.Hour)}, "capacity"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := db.CreateVisit(ctx, &tc.v)
			if err != nil || len(ps) != 1 || ps[0].Field != tc.field {
				t.Fatalf("problems = %v (%v), want one on %s", ps, err, tc.field)
			}
		})
	}
	vs, _ := db.Visits(ctx, store.VisitFilter{})
	if len(vs) != 0 {
		t.Fatalf("refused visits were stored: %d", len(vs))
	}
	// Capacity below the number booked is refused by the update itself.
	v := newVisit(t, db, &store.Visit{GroupID: "g1", Location: "Poole", Capacity: 3})
	for _, u := range []string{"a", "b", "c"} {
		if _, err := db.SignUp(ctx, v.ID, u, member("g1", "NPPV3", time.Time{})); err != nil {
			t.Fatal(err)
		}
	}
	ch := store.VisitChange{Type: v.Type, Location: v.Location, MinVetting: v.MinVetting, Start: v.Start, End: v.End, Capacity: 2}
	if _, err := db.UpdateVisit(ctx, v.ID, 1, ch); !errors.Is(err, store.ErrCapacityBelow) {
		t.Fatalf("capacity 2 with 3 booked: %v", err)
	}
	ch.Capacity = 4
	if _, err := db.UpdateVisit(ctx, v.ID, 1, ch); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateVisit(ctx, v.ID, 1, ch); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale version: %v", err)
	}
}
