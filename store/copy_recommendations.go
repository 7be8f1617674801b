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
// its index (recViews), so that a page naming a few (the audit page) does
// not read, filter and sort the whole register, as it did through
// AllRecommendations (5,000 summaries at ten times the data).
func (s *Store) RecommendationsByID(ctx context.Context, ids []string) ([]RecSummary, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	all, v, err := s.recViewsNow(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]RecSummary, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if i, ok := v.byID[id]; ok && !seen[id] {
			seen[id] = true
			out = append(out, all[i])
		}
	}
	return out, nil
}

// recViews is what pages look up in one load of the summaries, built once
// per load (copyIndex) beside the copy, so that their cost does not grow
// with the register (issue 18): each summary's position by _id; for each
// value of each field a filter names, the positions of the summaries that
// have it, in the register's order, so a filtered page walks only the
// shortest such list (candidates) instead of the whole copy; and the counts
// the home pages show (RecommendationCounts), where they copied every
// summary to count a few.
type recViews struct {
	byID map[string]int
	by   map[recKey][]int32
	// due are the due dates of the summaries that can fall overdue (a
	// status of recCanBeOverdue, a due date set), earliest first: how many
	// are overdue at a time is a binary search.
	due []time.Time
	// awaitingChair and toVerify count, by group, the summaries whose
	// public wording waits for the chair and those implemented.
	awaitingChair, toVerify map[string]int
}

// recKey is a field a filter names (recField*) and its value.
type recKey struct{ field, value string }

const (
	recFieldStatus    = "status"
	recFieldArea      = "area"
	recFieldGroup     = "group"
	recFieldSource    = "source"
	recFieldOwner     = "owner"
	recFieldPublished = "published" // value ""
	recFieldCanBeLate = "overdue"   // value "": can be overdue at some time (canFallOverdue)
)

// newRecViews builds the views of all (one load, in the register's order).
func newRecViews(all []RecSummary) *recViews {
	v := &recViews{byID: make(map[string]int, len(all)), by: map[recKey][]int32{},
		awaitingChair: map[string]int{}, toVerify: map[string]int{}}
	add := func(field, value string, i int) {
		k := recKey{field, value}
		v.by[k] = append(v.by[k], int32(i))
	}
	for i := range all {
		r := &all[i]
		v.byID[r.ID] = i
		add(recFieldStatus, r.Status, i)
		add(recFieldArea, r.Area, i)
		add(recFieldGroup, r.GroupID, i)
		add(recFieldSource, r.Source, i)
		add(recFieldOwner, r.OwnerDept, i)
		if r.Published {
			add(recFieldPublished, "", i)
		}
		if canFallOverdue(r) {
			add(recFieldCanBeLate, "", i)
			v.due = append(v.due, r.DueAt)
		}
		if r.AwaitingChair {
			v.awaitingChair[r.GroupID]++
		}
		if r.Status == RecImplemented {
			v.toVerify[r.GroupID]++
		}
	}
	slices.SortFunc(v.due, func(a, b time.Time) int { return a.Compare(b) })
	return v
}

// candidates are the positions of the summaries that may match f: the
// shortest of the lists of the fields f names. narrowed is false when f
// names none (every summary may match).
func (v *recViews) candidates(f RecommendationFilter) (at []int32, narrowed bool) {
	try := func(field, value string) {
		l := v.by[recKey{field, value}] // none: nothing matches
		if !narrowed || len(l) < len(at) {
			at, narrowed = l, true
		}
	}
	for _, kv := range [][2]string{{recFieldStatus, f.Status}, {recFieldArea, f.Area}, {recFieldGroup, f.GroupID},
		{recFieldSource, f.Source}, {recFieldOwner, f.OwnerDept}} {
		if kv[1] != "" {
			try(kv[0], kv[1])
		}
	}
	if f.Published {
		try(recFieldPublished, "")
	}
	if f.Overdue {
		try(recFieldCanBeLate, "")
	}
	return at, narrowed
}

// recViewsNow is the copy and its views, building them at the first use
// of a load.
func (s *Store) recViewsNow(ctx context.Context) ([]RecSummary, *recViews, error) {
	l, err := s.recIndex.getLoad(ctx, s)
	if err != nil {
		return nil, nil, err
	}
	return l.v, s.recIx.of(l.n, func() *recViews { return newRecViews(l.v) }), nil
}

// overdueAt is how many summaries are overdue at now: those that can fall
// overdue whose due date is more than a day before now (overdue), by a
// binary search of their due dates.
func (v *recViews) overdueAt(now time.Time) int {
	cutoff := now.Add(-24 * time.Hour) // overdue: now after due + 24 h
	return sort.Search(len(v.due), func(i int) bool { return !v.due[i].Before(cutoff) })
}

// RecCounts are the register's counts a home page shows.
type RecCounts struct {
	Overdue       int // overdue at the time asked (RecommendationFilter.Overdue)
	AwaitingChair int // of the groups asked: public wording the chair has not agreed
	ToVerify      int // of the groups asked: implemented, for the chair to verify
}

// RecommendationCounts counts the recommendations overdue at now, and of
// groups (each named once) those whose public wording waits for the chair and those
// implemented: from counts kept beside the copy, so a home page costs the
// same whatever the size of the register.
func (s *Store) RecommendationCounts(ctx context.Context, now time.Time, groups []string) (RecCounts, error) {
	_, v, err := s.recViewsNow(ctx)
	if err != nil {
		return RecCounts{}, err
	}
	n := RecCounts{Overdue: v.overdueAt(now)}
	for _, g := range groups {
		n.AwaitingChair += v.awaitingChair[g]
		n.ToVerify += v.toVerify[g]
	}
	return n, nil
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

// CountRecs counts among all what RecommendationCounts counts, by looking
// at every summary: the definition the counts kept beside the copy are
// tested against (the handlers' fakes count with it too).
func CountRecs(all []RecSummary, now time.Time, groups []string) RecCounts {
	overdue := RecommendationFilter{Overdue: true, Now: now}
	var n RecCounts
	for i := range all {
		r := &all[i]
		if overdue.match(r) {
			n.Overdue++
		}
		if !slices.Contains(groups, r.GroupID) {
			continue
		}
		if r.AwaitingChair {
			n.AwaitingChair++
		}
		if r.Status == RecImplemented {
			n.ToVerify++
		}
	}
	return n
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
	if f.Overdue && (!canFallOverdue(r) || !r.DueAt.Before(f.Now.UTC().Add(-24*time.Hour))) {
		return false
	}
	return true
}

// canFallOverdue reports whether r is overdue once its due date is a day
// past: a due date set, in a status of recCanBeOverdue.
func canFallOverdue(r *RecSummary) bool {
	return r.DueAt.After(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)) && slices.Contains(recCanBeOverdue, r.Status)
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

// pageOfRecs is page f.Page of the summaries matching f among the n
// candidates at gives (in the register's order), and whether more match
// after it. It stops at the first match past the page, so page 1 of the
// whole register looks at 51 summaries whatever its size, and a filtered
// page only at the summaries with the rarest of its values (candidates);
// looked is how many it looked at (issue 18).
func pageOfRecs(n int, at func(i int) *RecSummary, f RecommendationFilter) (page []RecSummary, more bool, looked int) {
	skip := (max(f.Page, 1) - 1) * PageSize
	out := []RecSummary{}
	for i := range n {
		r := at(i)
		looked++
		if !f.match(r) {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		if len(out) == PageSize {
			return out, true, looked
		}
		out = append(out, *r)
	}
	return out, false, looked
}
