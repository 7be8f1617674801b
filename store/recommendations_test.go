package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"candour/apperr"
	"candour/store"
	"candour/store/storetest"
	"candour/words"
)

var coordinator = store.Actor{ID: "u1", Name: "Priya Shah"}

// TestRecommendationTransitions is the lifecycle as a table: every allowed
// change and a sample of disallowed ones.
func TestRecommendationTransitions(t *testing.T) {
	t.Parallel()
	full := store.Transition{Reason: "Budget", Evidence: "Policy published", Comment: "Not yet seen in practice", SupersededBy: "other"}
	tests := []struct {
		from, to string
		ok       bool
	}{
		{store.RecRaised, store.RecAwaiting, true},
		{store.RecAwaiting, store.RecAccepted, true},
		{store.RecAwaiting, store.RecAcceptedInPart, true},
		{store.RecAwaiting, store.RecNotAccepted, true},
		{store.RecAccepted, store.RecInProgress, true},
		{store.RecAcceptedInPart, store.RecInProgress, true},
		{store.RecNotAccepted, store.RecClosed, true},
		{store.RecInProgress, store.RecImplemented, true},
		{store.RecImplemented, store.RecVerified, true},
		{store.RecImplemented, store.RecInProgress, true}, // verification refused
		{store.RecVerified, store.RecClosed, true},
		{store.RecRaised, store.RecSuperseded, true},
		{store.RecAwaiting, store.RecSuperseded, true},
		{store.RecAccepted, store.RecSuperseded, true},
		{store.RecAcceptedInPart, store.RecSuperseded, true},
		{store.RecInProgress, store.RecSuperseded, true},
		{store.RecImplemented, store.RecSuperseded, true},

		{store.RecRaised, store.RecAccepted, false},
		{store.RecRaised, store.RecImplemented, false},
		{store.RecAwaiting, store.RecInProgress, false},
		{store.RecAccepted, store.RecImplemented, false},
		{store.RecInProgress, store.RecVerified, false},
		{store.RecInProgress, store.RecClosed, false},
		{store.RecNotAccepted, store.RecInProgress, false},
		{store.RecNotAccepted, store.RecSuperseded, false},
		{store.RecVerified, store.RecInProgress, false},
		{store.RecClosed, store.RecRaised, false},
		{store.RecClosed, store.RecSuperseded, false},
		{store.RecSuperseded, store.RecRaised, false},
		{store.RecRaised, "made-up", false},
	}
	for _, tt := range tests {
		t.Run(tt.from+" to "+tt.to, func(t *testing.T) {
			r := &store.Recommendation{ID: "r1", Status: tt.from}
			tr := full
			tr.To = tt.to
			e, err := r.Transition(tr, coordinator, time.Now())
			if tt.ok {
				if err != nil {
					t.Fatalf("err = %v, want allowed", err)
				}
				if r.Status != tt.to || e.From != tt.from || e.To != tt.to || e.ByName != coordinator.Name {
					t.Fatalf("status %s, entry %+v", r.Status, e)
				}
				return
			}
			te := apperr.As(err)
			if te == nil || te.Code != apperr.Conflict || te.Field != "status" {
				t.Fatalf("err = %v, want a transition error", err)
			}
			if r.Status != tt.from {
				t.Fatalf("status changed to %s on a refused transition", r.Status)
			}
			// The message names where the recommendation can go now: every
			// status NextStatuses allows, no fewer.
			if want := words.TransitionRefused(tt.from, tt.to, store.NextStatuses(tt.from)); te.Message != want {
				t.Fatalf("allowed = %q, want %q", te.Message, want)
			}
		})
	}
}

// TestRecommendationTransitionDetails: reasons, evidence, comments and
// replacements are required where the lifecycle says so.
func TestRecommendationTransitionDetails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from  string
		tr    store.Transition
		field string
	}{
		{store.RecAwaiting, store.Transition{To: store.RecNotAccepted}, "reason"},
		{store.RecAwaiting, store.Transition{To: store.RecAcceptedInPart, Reason: "  "}, "reason"},
		{store.RecInProgress, store.Transition{To: store.RecImplemented}, "evidence"},
		{store.RecImplemented, store.Transition{To: store.RecInProgress}, "comment"},
		{store.RecInProgress, store.Transition{To: store.RecSuperseded}, "supersededBy"},
		{store.RecInProgress, store.Transition{To: store.RecSuperseded, SupersededBy: "r1"}, "supersededBy"},
	}
	for _, tt := range tests {
		t.Run(tt.from+" to "+tt.tr.To, func(t *testing.T) {
			r := &store.Recommendation{ID: "r1", Status: tt.from}
			_, err := r.Transition(tt.tr, coordinator, time.Now())
			re := apperr.As(err)
			if re == nil || re.Code != apperr.Invalid || re.Field != tt.field {
				t.Fatalf("err = %v, want a rule error on %s", err, tt.field)
			}
			if r.Status != tt.from {
				t.Fatalf("status changed")
			}
		})
	}
	r := &store.Recommendation{ID: "r1", Status: store.RecImplemented, CompletedAt: time.Now()}
	e, err := r.Transition(store.Transition{To: store.RecInProgress, Comment: "Officers were not briefed"}, coordinator, time.Now())
	if err != nil || e.Kind != store.HistRefused || r.ChairComment != "Officers were not briefed" || !r.CompletedAt.IsZero() {
		t.Fatalf("refusal: err %v entry %+v rec %+v", err, e, r)
	}
}

func TestRecommendationOverdue(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)
	due := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		status string
		due    time.Time
		want   bool
	}{
		{store.RecInProgress, due, true},
		{store.RecAwaiting, due, true},
		{store.RecImplemented, due, false},
		{store.RecClosed, due, false},
		{store.RecInProgress, now.AddDate(0, 0, 1), false},
		{store.RecInProgress, time.Time{}, false},
	} {
		r := store.Recommendation{Status: tt.status, DueAt: tt.due}
		if got := r.Overdue(now); got != tt.want {
			t.Errorf("%s due %v: overdue = %v, want %v", tt.status, tt.due, got, tt.want)
		}
	}
}

func newRec(t *testing.T, db *store.Store, status string) *store.Recommendation {
	t.Helper()
	r := &store.Recommendation{Title: "Record ethnicity on every stop", Wording: "The panel recommends...", Source: "scrutiny-panel",
		GroupID: "g1", Area: "respected", Priority: "high", OwnerDept: "Neighbourhood Policing", OwnerName: "Ch Insp Example",
		Status: status, DueAt: time.Now().AddDate(0, 1, 0)}
	if err := db.CreateRecommendation(context.Background(), r, coordinator); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRecommendationStatusChangeIsAtomicWithHistory: the change and its
// history entry are one write; a stale version writes nothing.
func TestRecommendationStatusChangeIsAtomicWithHistory(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	r := newRec(t, db, "")
	if r.Status != store.RecRaised || r.Version != 1 {
		t.Fatalf("new recommendation %+v", r)
	}
	change := func(to string) func(*store.Recommendation, time.Time) (store.HistoryEntry, error) {
		return func(r *store.Recommendation, now time.Time) (store.HistoryEntry, error) {
			return r.Transition(store.Transition{To: to}, coordinator, now)
		}
	}
	if _, err := db.ChangeRecommendation(ctx, r.ID, 1, change(store.RecAwaiting)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ChangeRecommendation(ctx, r.ID, 1, change(store.RecAwaiting)); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale version: err = %v, want ErrConflict", err)
	}
	got, err := db.Recommendation(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.RecAwaiting || got.Version != 2 || len(got.History) != 2 {
		t.Fatalf("after change: status %s version %d history %d", got.Status, got.Version, len(got.History))
	}
	if h := got.History[1]; h.From != store.RecRaised || h.To != store.RecAwaiting || h.ByName != coordinator.Name {
		t.Fatalf("history entry %+v", h)
	}
	if _, err := db.ChangeRecommendation(ctx, "nope", 1, change(store.RecAwaiting)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown id: err = %v", err)
	}
}

// TestRecommendationConcurrentChanges: two people answer the same
// recommendation at once; exactly one answer is kept.
func TestRecommendationConcurrentChanges(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	for round := 0; round < 5; round++ {
		r := newRec(t, db, store.RecAwaiting)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		// Both read version 1 first, as two open forms would.
		var forms []*store.Recommendation
		for range 2 {
			fresh, err := db.Recommendation(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			forms = append(forms, fresh)
		}
		for i, to := range []string{store.RecAccepted, store.RecNotAccepted} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				fresh := forms[i]
				_, err := fresh.Transition(store.Transition{To: to, Reason: "No funding"}, coordinator, time.Now())
				if err == nil {
					err = db.SaveRecommendation(ctx, fresh, 1, fresh.LastChange())
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, store.ErrConflict):
				t.Fatalf("unexpected error %v", err)
			}
		}
		got, _ := db.Recommendation(ctx, r.ID)
		if wins != 1 || got.Version != 2 || len(got.History) != 2 {
			t.Fatalf("round %d: %d winners, version %d, %d history entries", round, wins, got.Version, len(got.History))
		}
	}
}

func TestRecommendationListsAndFollowers(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	a := newRec(t, db, store.RecInProgress)
	b := newRec(t, db, store.RecClosed)
	late := newRec(t, db, store.RecAccepted)
	_, err := db.ChangeRecommendation(ctx, late.ID, 1, func(r *store.Recommendation, now time.Time) (store.HistoryEntry, error) {
		r.DueAt = now.AddDate(0, 0, -10)
		return store.HistoryEntry{At: now, Kind: store.HistDetails, What: "due date changed"}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rs, _, err := db.ListRecommendations(ctx, store.RecommendationFilter{Overdue: true, Now: time.Now()})
	if err != nil || len(rs) != 1 || rs[0].ID != late.ID {
		t.Fatalf("overdue = %v, %v", rs, err)
	}
	rs, _, err = db.ListRecommendations(ctx, store.RecommendationFilter{Status: store.RecClosed})
	if err != nil || len(rs) != 1 || rs[0].ID != b.ID {
		t.Fatalf("closed = %v, %v", rs, err)
	}
	if err := db.FollowRecommendation(ctx, a.ID, "m1", true); err != nil {
		t.Fatal(err)
	}
	if err := db.FollowRecommendation(ctx, a.ID, "m1", true); err != nil {
		t.Fatal(err)
	}
	got, _ := db.Recommendation(ctx, a.ID)
	if len(got.Followers) != 1 || !got.Following("m1") {
		t.Fatalf("followers %v", got.Followers)
	}
	if err := db.FollowRecommendation(ctx, a.ID, "m1", false); err != nil {
		t.Fatal(err)
	}
	got, _ = db.Recommendation(ctx, a.ID)
	if len(got.Followers) != 0 || got.Version != 1 {
		t.Fatalf("after unfollow: followers %v version %d", got.Followers, got.Version)
	}
	if ok, _ := db.ClaimRun(ctx, "w1"); !ok {
		t.Fatal("first claim refused")
	}
	if ok, _ := db.ClaimRun(ctx, "w1"); ok {
		t.Fatal("second claim granted")
	}
}

// TestRecommendationIndexRepair: a summary left behind by a crash is
// rewritten from the recommendation by SyncRecommendationIndex.
func TestRecommendationIndexRepair(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	r := newRec(t, db, store.RecInProgress)
	newRec(t, db, store.RecClosed)
	if n, err := db.SyncRecommendationIndex(ctx); err != nil || n != 0 {
		t.Fatalf("sync of a consistent index rewrote %d (%v)", n, err)
	}
	if err := db.StaleRecSummaryForTest(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := db.SyncRecommendationIndex(ctx); err != nil || n != 1 {
		t.Fatalf("sync rewrote %d (%v), want 1", n, err)
	}
	rs, _, err := db.ListRecommendations(ctx, store.RecommendationFilter{Status: store.RecInProgress})
	if err != nil || len(rs) != 1 || rs[0].ID != r.ID || rs[0].Version != 1 {
		t.Fatalf("after repair: %+v %v", rs, err)
	}
}

// TestRecommendationsCopyMovesAtEveryChange: the copy the dashboard draws
// from keeps its load's number while nothing changes, and a change or a
// new recommendation is in the very next read, under a new number (the
// server keeps the drawn dashboard under that number:
// TestDashboardShowsAChangeAtTheNextRequestWithFakes).
func TestRecommendationsCopyMovesAtEveryChange(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	r := newRec(t, db, store.RecRaised)
	copyOf := func(what string) ([]store.RecSummary, uint64) {
		t.Helper()
		rs, n, err := db.RecommendationsCopy(ctx)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return rs, n
	}
	rs, n1 := copyOf("first")
	if len(rs) != 1 || rs[0].Status != store.RecRaised {
		t.Fatalf("first copy %+v", rs)
	}
	if _, again := copyOf("again"); again != n1 {
		t.Errorf("nothing changed, yet the copy's number moved from %d to %d", n1, again)
	}
	if _, err := db.ChangeRecommendation(ctx, r.ID, r.Version, func(r *store.Recommendation, now time.Time) (store.HistoryEntry, error) {
		return r.Transition(store.Transition{To: store.RecAwaiting}, store.Actor{Name: "Test"}, now)
	}); err != nil {
		t.Fatal(err)
	}
	rs, n2 := copyOf("after a change")
	if n2 == n1 || len(rs) != 1 || rs[0].Status != store.RecAwaiting {
		t.Errorf("after a change: number %d (was %d), %+v", n2, n1, rs)
	}
	newRec(t, db, store.RecRaised)
	rs, n3 := copyOf("after a new one")
	if n3 == n2 || len(rs) != 2 {
		t.Errorf("after a new recommendation: number %d (was %d), %d in the copy, want 2", n3, n2, len(rs))
	}
}
