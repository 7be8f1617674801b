package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"candour/store"
	"candour/store/storetest"
)

// TestRecommendationCountsMatchARecountAfterEveryChange: the counts kept
// beside the copy (RecommendationCounts: overdue, and by group the wording
// waiting for the chair and the recommendations to verify) and the pages of
// every filter the register offers (found through the lists kept beside
// the copy) are what a walk of every summary gives, after each of a
// sequence of changes: created, moved between statuses and groups, wording
// written and agreed, published, due dates moved.
func TestRecommendationCountsMatchARecountAfterEveryChange(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	now := db.Now()
	by := store.Actor{Name: "Coordinator"}
	statuses := []string{store.RecRaised, store.RecAwaiting, store.RecInProgress, store.RecImplemented, store.RecClosed}
	var rs []*store.Recommendation
	for i := range 60 {
		rs = append(rs, &store.Recommendation{Title: fmt.Sprintf("Recommendation %d", i), Wording: "The panel recommends...",
			Source: store.RecSources[i%3], GroupID: []string{"g1", "g2", "g3"}[i%3], Area: store.RAPAreas[i%4], Priority: "high",
			OwnerDept: fmt.Sprintf("Department %d", i%5), Status: statuses[i%len(statuses)],
			RaisedAt: now.AddDate(0, 0, -i), DueAt: now.AddDate(0, 0, 20-i)})
		if i%7 == 0 { // public wording the chair has not agreed
			rs[i].PublicTitle, rs[i].PublicSummary = "You said", "We did."
		}
	}
	// One without a due date, which is never overdue.
	rs[11].DueAt = time.Time{}
	if err := db.CreateRecommendations(ctx, rs, by, store.HistImported); err != nil {
		t.Fatal(err)
	}
	groupSets := [][]string{nil, {"g1"}, {"g2", "g3"}, {"g1", "g2", "g3"}, {"elsewhere"}}
	var filters []store.RecommendationFilter
	for _, st := range store.RecStatuses {
		filters = append(filters, store.RecommendationFilter{Status: st}, store.RecommendationFilter{Status: st, Area: "respected"})
	}
	for _, g := range []string{"g1", "g2", "g3", "none"} {
		filters = append(filters, store.RecommendationFilter{GroupID: g}, store.RecommendationFilter{GroupID: g, Source: store.RecSources[0], Page: 2})
	}
	filters = append(filters, store.RecommendationFilter{OwnerDept: "Department 3"}, store.RecommendationFilter{Published: true},
		store.RecommendationFilter{Area: "involved", Published: true}, store.RecommendationFilter{Page: 2},
		store.RecommendationFilter{Overdue: true, Now: now}, store.RecommendationFilter{Overdue: true, Now: now, GroupID: "g2"},
		store.RecommendationFilter{Overdue: true, Now: now.AddDate(0, 0, 30), Page: 2})

	check := func(after string) {
		t.Helper()
		all, err := db.AllRecommendations(ctx, store.RecommendationFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range []time.Time{now, now.AddDate(0, 0, -5), now.AddDate(0, 0, 40), now.Add(-24 * time.Hour)} {
			for _, groups := range groupSets {
				got, err := db.RecommendationCounts(ctx, at, groups)
				if err != nil {
					t.Fatal(err)
				}
				if want := store.CountRecs(all, at, groups); got != want {
					t.Errorf("after %s, at %s, groups %v: counts %+v, a recount %+v", after, at.Format(time.DateOnly), groups, got, want)
				}
			}
		}
		for _, f := range filters {
			page, more, err := db.ListRecommendations(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			matching := store.FilterRecs(all, f)
			first := min((max(f.Page, 1)-1)*store.PageSize, len(matching))
			want := matching[first:min(first+store.PageSize, len(matching))]
			if !slices.EqualFunc(page, want, func(a, b store.RecSummary) bool { return a.ID == b.ID && a.Version == b.Version }) ||
				more != (len(matching) > first+store.PageSize) {
				t.Errorf("after %s, filter %+v: %d rows (more %v), a walk of every summary %d of %d", after, f, len(page), more, len(want), len(matching))
			}
			every, err := db.AllRecommendations(ctx, f)
			if err != nil || !slices.EqualFunc(every, matching, func(a, b store.RecSummary) bool { return a.ID == b.ID }) {
				t.Errorf("after %s, every match of %+v: %d, a walk %d (%v)", after, f, len(every), len(matching), err)
			}
		}
	}
	check("creating 60")

	change := func(what string, r *store.Recommendation, f func(r *store.Recommendation, now time.Time) (store.HistoryEntry, error)) {
		t.Helper()
		got, err := db.ChangeRecommendation(ctx, r.ID, r.Version, f)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		*r = *got
		check(what)
	}
	change("a status change", rs[0], func(r *store.Recommendation, now time.Time) (store.HistoryEntry, error) {
		return r.Transition(store.Transition{To: store.RecAwaiting}, by, now)
	})
	change("implemented", rs[2], func(r *store.Recommendation, now time.Time) (store.HistoryEntry, error) {
		return r.Transition(store.Transition{To: store.RecImplemented, Evidence: "Leaflets printed."}, by, now)
	})
	change("verified", rs[3], func(r *store.Recommendation, now time.Time) (store.HistoryEntry, error) {
		return r.Transition(store.Transition{To: store.RecVerified}, by, now)
	})
	change("a move to another group", rs[8], func(r *store.Recommendation, now time.Time) (store.HistoryEntry, error) {
		r.GroupID = "g1"
		return store.HistoryEntry{At: now, Kind: store.HistDetails, What: "group changed"}, nil
	})
	change("a due date moved into the past", rs[1], func(r *store.Recommendation, now time.Time) (store.HistoryEntry, error) {
		r.DueAt = now.AddDate(0, 0, -9)
		return store.HistoryEntry{At: now, Kind: store.HistDetails, What: "due date changed"}, nil
	})
	change("wording waiting for the chair", rs[5], func(r *store.Recommendation, now time.Time) (store.HistoryEntry, error) {
		return r.SetPublicWording("Know your rights", "We asked for it.", "", false, by, now)
	})
	change("wording agreed", rs[5], func(r *store.Recommendation, now time.Time) (store.HistoryEntry, error) {
		return r.AgreePublicWording(by, now)
	})
	change("published", rs[5], func(r *store.Recommendation, now time.Time) (store.HistoryEntry, error) {
		return r.Publish(true, by, now)
	})
	if err := db.CreateRecommendation(ctx, &store.Recommendation{Title: "One more", Wording: "The panel recommends...", Source: "survey",
		GroupID: "g3", Area: "protected", Priority: "low", OwnerDept: "Department 3", DueAt: now.AddDate(0, 0, -3)}, by); err != nil {
		t.Fatal(err)
	}
	check("creating one more")
}

// TestFilteredPageLooksOnlyAtItsCandidates: a filtered page of the
// register looks only at the summaries with the rarest of its values, not
// at every summary until its page is full: the same number at 60 and at
// 600 recommendations once the page is full, and for a value nothing has,
// none at all.
func TestFilteredPageLooksOnlyAtItsCandidates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	looked := map[int]int64{}
	for _, n := range []int{60, 600} {
		db := storetest.Open(t)
		seedRecs(t, db, n) // every fourth in progress and respected
		filtered := store.RecommendationFilter{Status: store.RecInProgress, Area: "respected"}
		before := db.RecsLookedForTest()
		if _, _, err := db.ListRecommendations(ctx, filtered); err != nil {
			t.Fatal(err)
		}
		looked[n] = db.RecsLookedForTest() - before
		before = db.RecsLookedForTest()
		if rs, _, err := db.ListRecommendations(ctx, store.RecommendationFilter{Status: store.RecVerified}); err != nil || len(rs) != 0 {
			t.Fatalf("verified: %d (%v)", len(rs), err)
		}
		if got := db.RecsLookedForTest() - before; got != 0 {
			t.Errorf("%d: a status none has looked at %d summaries, want 0", n, got)
		}
	}
	// By hand: 15 match at 60, all of them looked at; at 600, 150 match
	// and the page stops at the 51st.
	if looked[60] != 15 || looked[600] != int64(store.PageSize)+1 {
		t.Errorf("a filtered page looked at %d summaries at 60 and %d at 600, want 15 and %d", looked[60], looked[600], store.PageSize+1)
	}
}
