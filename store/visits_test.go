package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"candour/apperr"
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
	if err := db.CreateVisit(context.Background(), v); err != nil {
		t.Fatalf("create visit: %v", err)
	}
	return v
}

// TestVisitSignUpsUnderConcurrency: 100 members signing up at once for 2
// places gives exactly 2 seats and 98 on the waiting list, in order.
func TestVisitSignUpsUnderConcurrency(t *testing.T) {
	t.Parallel()
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
	// Every diary says what its sign-up got (the booking is written into
	// the diary's copy on the embedded server, upsertByID: a copy that
	// missed a concurrent booking would say otherwise).
	for i, r := range results {
		d, err := db.Diary(ctx, fmt.Sprintf("user%03d", i))
		if err != nil || d.Bookings[v.ID].Status != r {
			t.Fatalf("user%03d's diary says %q (%v), the sign-up gave %q", i, d.Bookings[v.ID].Status, err, r)
		}
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
	t.Parallel()
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
			if tc.want == "" {
				if err != nil {
					t.Fatalf("eligible person refused: %v", err)
				}
				return
			}
			if ie := apperr.As(err); ie == nil || ie.Code != apperr.Invalid || ie.Field != "sign-up" || !strings.Contains(ie.Message, tc.want) {
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
	t.Parallel()
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
			err := db.CreateVisit(ctx, &tc.v)
			ps := apperr.All(err)
			if len(ps) != 1 || ps[0].Code != apperr.Invalid || ps[0].Field != tc.field {
				t.Fatalf("problems = %v (%v), want one on %s", ps, err, tc.field)
			}
		})
	}
	vs, _ := db.AllVisits(ctx)
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

// TestCommittedPlanCanBeDrawnAgain: a plan drawn with a seed keeps its
// commitment (SHA-256 of the seed in hexadecimal, a line break and the
// inputs' text), hides its seed until the end of its last planned week,
// and anyone with the seed and the inputs draws exactly the same pairs,
// suites and weeks again; a different seed draws something else.
func TestCommittedPlanCanBeDrawnAgain(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	people := []string{"a", "b", "c", "d", "e", "f", "g"}
	next := store.QuarterOf(time.Now().AddDate(0, 3, 0))
	in, err := db.PlanInputsFor(ctx, "g1", next, people, []string{"Weymouth", "Poole"}, "NPPV2")
	if err != nil {
		t.Fatal(err)
	}
	var seed [32]byte
	copy(seed[:], "a seed of exactly thirty-two b!!")
	sum := sha256.Sum256([]byte(hex.EncodeToString(seed[:]) + "\n" + in.Text))
	commitment := hex.EncodeToString(sum[:])
	p, err := db.PlanQuarterFrom(ctx, in, "chair", rand.New(rand.NewChaCha8(seed)), commitment, hex.EncodeToString(seed[:]))
	if err != nil {
		t.Fatal(err)
	}
	if p.Commitment != commitment || p.Inputs != in.Text || len(p.Pairs) != 3 {
		t.Fatalf("plan %+v", p)
	}
	if p.Revealed(time.Now()) || !p.Revealed(p.RevealAfter.Add(time.Second)) {
		t.Fatalf("seed revealed before the last week ended (%v)", p.RevealAfter)
	}
	// Draw again from the stored text and the seed, as a reader would.
	again, err := store.ParsePlanInputs(p.Inputs)
	if err != nil {
		t.Fatal(err)
	}
	check := sha256.Sum256([]byte(p.Seed + "\n" + p.Inputs))
	if hex.EncodeToString(check[:]) != p.Commitment {
		t.Fatal("the commitment does not match the seed and inputs")
	}
	b, _ := hex.DecodeString(p.Seed)
	var s2 [32]byte
	copy(s2[:], b)
	drawn, _ := store.DrawPlan(again, rand.New(rand.NewChaCha8(s2)))
	for i, d := range drawn {
		v, err := db.Visit(ctx, p.VisitIDs[i])
		if err != nil {
			t.Fatal(err)
		}
		if d.Pair != p.Pairs[i] || v.Location != d.Location || !v.Week.Equal(d.Week) || v.Attendees[0] != d.Pair.A {
			t.Errorf("visit %d: drawn again %+v, stored %v %s %v", i, d, p.Pairs[i], v.Location, v.Week)
		}
	}
	other, _ := store.DrawPlan(again, rand.New(rand.NewChaCha8([32]byte{1})))
	same := true
	for i := range other {
		same = same && other[i] == drawn[i]
	}
	if same {
		t.Error("another seed drew the same plan: the draw does not depend on the seed")
	}
}

// TestVisitPlanPairs: a quarter's pairs are random, avoid last quarter's
// pairs, and each pair's visit is in the diary only of that pair.
func TestVisitPlanPairs(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	people := []string{"a", "b", "c", "d", "e"}
	rng := rand.New(rand.NewPCG(1, 2))
	next := store.QuarterOf(time.Now().AddDate(0, 3, 0))
	p1, err := db.PlanQuarter(ctx, "g1", store.PreviousQuarter(next), people, []string{"Weymouth", "Poole"}, "NPPV2", "chair", rng)
	if err != nil {
		t.Fatal(err)
	}
	if len(p1.Pairs) != 2 || len(p1.Unpaired) != 1 {
		t.Fatalf("plan has %d pairs and %d left over, want 2 and 1", len(p1.Pairs), len(p1.Unpaired))
	}
	if _, err := db.PlanQuarter(ctx, "g1", p1.Quarter, people, []string{"Poole"}, "NPPV2", "chair", rng); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("planning the same quarter twice: %v", err)
	}
	p2, err := db.PlanQuarter(ctx, "g1", next, people, []string{"Poole"}, "NPPV2", "chair", rng)
	if err != nil {
		t.Fatal(err)
	}
	before := map[string]bool{}
	for _, p := range p1.Pairs {
		before[p.A+p.B], before[p.B+p.A] = true, true
	}
	for _, p := range p2.Pairs {
		if before[p.A+p.B] {
			t.Errorf("pair %v repeated from the previous quarter", p)
		}
	}
	v, _ := db.Visit(ctx, p2.VisitIDs[0])
	if !v.Unannounced || v.Week.In(store.London).Weekday() != time.Monday || v.SeatsTaken != 2 {
		t.Fatalf("planned visit = %+v", v)
	}
	d, _ := db.Diary(ctx, v.Attendees[0])
	if d.Bookings[v.ID].Status != store.SeatPlanned {
		t.Fatalf("pair's diary: %+v", d.Bookings)
	}
	// With only repeats possible (two people, paired last time) they are paired anyway.
	pairs, _ := store.PairMembers([]string{"x", "y"}, []store.Pair{{A: "y", B: "x"}}, rng)
	if len(pairs) != 1 {
		t.Fatalf("two people were not paired: %v", pairs)
	}
}

func TestVisitFindingsLockAndFeedToken(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	f := &store.Finding{VisitID: "v1", UserID: "u1", GroupID: "g1", VisitType: store.VisitCustody}
	if err := db.SaveFinding(ctx, f, 0, false); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveFinding(ctx, f, 1, true); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveFinding(ctx, f, 2, false); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("saving a submitted finding: %v, want ErrLocked", err)
	}
	tok1, _ := db.ResetFeedToken(ctx, "u1")
	if id, err := db.FeedOwner(ctx, tok1); err != nil || id != "u1" {
		t.Fatalf("feed owner %q %v", id, err)
	}
	tok2, _ := db.ResetFeedToken(ctx, "u1")
	if _, err := db.FeedOwner(ctx, tok1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("old token still works: %v", err)
	}
	if id, _ := db.FeedOwner(ctx, tok2); id != "u1" {
		t.Fatal("new token does not work")
	}
}

func TestVisitDiariesArePruned(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	old := time.Now().AddDate(0, 0, -90)
	past := &store.Visit{Type: store.VisitCustody, GroupID: "g1", Location: "Poole", Start: old, End: old.Add(time.Hour), Capacity: 3, MinVetting: "none", Attendees: []string{"u1"}}
	if err := db.RecordVisit(ctx, past); err != nil {
		t.Fatal(err)
	}
	soon := newVisit(t, db, &store.Visit{GroupID: "g1", Location: "Weymouth", Capacity: 3})
	if _, err := db.SignUp(ctx, soon.ID, "u1", member("g1", "NPPV3", time.Time{})); err != nil {
		t.Fatal(err)
	}
	if n, err := db.PruneDiaries(ctx, time.Now().AddDate(0, 0, -45)); err != nil || n != 1 {
		t.Fatalf("pruned %d (%v), want 1", n, err)
	}
	d, _ := db.Diary(ctx, "u1")
	if _, ok := d.Bookings[past.ID]; ok || len(d.Bookings) != 1 {
		t.Fatalf("diary after pruning: %+v", d.Bookings)
	}
}
