package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The recommendation summaries are a counted copy (copies.go): every
// summary in memory, read again after the index's counter moves (every
// change to the index moves it), so each instance reloads after any change,
// its own or another's; in between, lists, the dashboard and the public
// pages read nothing (embedded) or the counter (MongoDB).

const recIndexCounter = "recommendation_index"

// bumpRecIndex moves the index version on after a change to the index.
func (s *Store) bumpRecIndex(ctx context.Context) error {
	_, err := s.c("counters").UpdateOne(ctx, bson.D{{Key: "_id", Value: recIndexCounter}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "v", Value: 1}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("store: recommendation index version: %w", err)
	}
	return nil
}

// recSummaries returns every summary, from memory when the index has not
// changed since it was read. Callers must not change the slice.
func (s *Store) recSummaries(ctx context.Context) ([]RecSummary, error) {
	return s.recIndex.get(ctx, s)
}

// RecommendationsCopy returns every recommendation's summary, newest
// raised first, and the number of the copy's load they come from. The
// number changes whenever the copy is read again, which the recommendations'
// change hook makes happen after any change (on the embedded server the
// writer drops the copy when the index's counter moves; on MongoDB each
// call reads the counter and reloads when another instance moved it), so a
// value derived from the summaries and kept under the number (store.Cache)
// is never served after a change. Callers must not change the slice.
func (s *Store) RecommendationsCopy(ctx context.Context) ([]RecSummary, uint64, error) {
	l, err := s.recIndex.getLoad(ctx, s)
	if err != nil {
		return nil, 0, err
	}
	// The copy is kept in the register's order (dbRecSummaries): handed
	// out as it is, not filtered and sorted again for every request, which
	// at 5,000 recommendations was most of the dashboard's cost (issue 18).
	return l.v, l.n, nil
}

// RecommendationsByID returns the summaries of these recommendations, in
// the order given (one that does not exist is left out): from the copy, by
// an index of it built once per load, so that a page naming a few (the
// audit page) does not read, filter and sort the whole register, as it
// did through AllRecommendations (5,000 summaries at ten times the data).
func (s *Store) RecommendationsByID(ctx context.Context, ids []string) ([]RecSummary, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	l, err := s.recIndex.getLoad(ctx, s)
	if err != nil {
		return nil, err
	}
	ix := s.recByID.of(l.n, func() map[string]int {
		m := make(map[string]int, len(l.v))
		for i := range l.v {
			m[l.v[i].ID] = i
		}
		return m
	})
	out := make([]RecSummary, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if i, ok := ix[id]; ok && !seen[id] {
			seen[id] = true
			out = append(out, l.v[i])
		}
	}
	return out, nil
}

// dbRecSummaries reads every summary from the index without asking the
// engine to sort (asked to, the embedded engine holds every summary decoded
// at once before the first batch: issue 18's idle memory), then puts them
// in the register's order (newest raised first, sortRecs) here, once per
// load, so that a page of the copy is found without sorting.
func (s *Store) dbRecSummaries(ctx context.Context) ([]RecSummary, error) {
	var all []RecSummary
	cur, err := s.r("recommendation_index").Find(ctx, bson.D{}, options.Find().SetBatchSize(repairBatch))
	if err == nil {
		err = cur.All(ctx, &all)
	}
	if err != nil {
		return nil, fmt.Errorf("store: recommendation index: %w", err)
	}
	if all == nil {
		all = []RecSummary{}
	}
	sortRecs(all)
	return all, nil
}

// match reports whether a summary meets the filter (lists filter in memory).
func (f RecommendationFilter) match(r *RecSummary) bool {
	for _, kv := range [][2]string{{f.Status, r.Status}, {f.Area, r.Area}, {f.GroupID, r.GroupID}, {f.Source, r.Source}, {f.OwnerDept, r.OwnerDept}} {
		if kv[0] != "" && kv[0] != kv[1] {
			return false
		}
	}
	if f.Published && !r.Published {
		return false
	}
	if f.Overdue {
		cutoff := f.Now.UTC().Add(-24 * time.Hour)
		if !r.DueAt.After(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)) || !r.DueAt.Before(cutoff) || !slices.Contains(recCanBeOverdue, r.Status) {
			return false
		}
	}
	return true
}

// FilterRecs returns the summaries matching f, newest raised first: the
// register's list and its filters (the handlers' fakes filter with it too).
func FilterRecs(all []RecSummary, f RecommendationFilter) []RecSummary {
	out := []RecSummary{}
	for i := range all {
		if f.match(&all[i]) {
			out = append(out, all[i])
		}
	}
	sortRecs(out)
	return out
}

// sortRecs puts summaries in the register's order: newest raised first,
// then by id, highest first.
func sortRecs(rs []RecSummary) {
	sort.SliceStable(rs, func(i, j int) bool {
		if !rs[i].RaisedAt.Equal(rs[j].RaisedAt) {
			return rs[i].RaisedAt.After(rs[j].RaisedAt)
		}
		return rs[i].ID > rs[j].ID
	})
}

// pageOfRecs is page f.Page of the summaries matching f, from sorted
// (already in the register's order), and whether more match after it.
// It stops at the first match past the page, so page 1 of the whole
// register reads 51 summaries whatever its size; only a filter that few
// match reads far (issue 18).
func pageOfRecs(sorted []RecSummary, f RecommendationFilter) ([]RecSummary, bool) {
	page := max(f.Page, 1)
	skip := (page - 1) * PageSize
	out := []RecSummary{}
	for i := range sorted {
		if !f.match(&sorted[i]) {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		if len(out) == PageSize {
			return out, true
		}
		out = append(out, sorted[i])
	}
	return out, false
}
