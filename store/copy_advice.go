package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Advice requests are few (tens a year) but large (up to hundreds of people
// asked, with their answers), and the embedded server decodes every one in
// Go for any filter: the list of 53 requests took 0.3 to 0.6 s a page in
// make bench. On the embedded server, where one process owns the data and
// the writer reports every write (copies.go), the lists are answered from
// a copy of every request in memory, dropped by any write to
// advice_requests, and a request by _id comes from a copy of its own,
// decoded and opened (Store.AdviceRequest, adviceOpened), dropped by a
// write to that request or its people asked: a request asking every member
// of a force took 5,000 ids decoded at every view (issue 18). On MongoDB the lists are queries, as before. The copy
// holds the requests' texts opened: it is in the portal's memory, where
// opened texts are anyway, never in the store.

// The copy reads the people asked (advice_asked) with the requests, and
// is dropped by a write to either.

// adviceCopy is one request as stored, and whether it has a public
// summary (the field present, as $exists sees it).
type adviceCopy struct {
	r         AdviceRequest
	published bool
}

// allAdvice returns every request (embedded server only).
func (s *Store) allAdvice(ctx context.Context) ([]adviceCopy, error) {
	return s.adviceAll.load("", anyVersion, func() ([]adviceCopy, error) {
		var lists []adviceAsked
		if err := s.findAll(ctx, adviceAskedColl, bson.D{}, &lists); err != nil {
			return nil, fmt.Errorf("store: advice requests: the people asked: %w", err)
		}
		asked := make(map[string][]string, len(lists))
		for _, a := range lists {
			asked[a.ID] = a.Asked
		}
		cur, err := s.r("advice_requests").Find(ctx, bson.D{})
		if err != nil {
			return nil, fmt.Errorf("store: advice requests: %w", err)
		}
		defer cur.Close(ctx)
		var out []adviceCopy
		for cur.Next(ctx) {
			var c adviceCopy
			if err := cur.Decode(&c.r); err != nil {
				return nil, fmt.Errorf("store: advice requests: %w", err)
			}
			_, err := cur.Current.LookupErr("publicSummary")
			c.published = err == nil
			c.r.Asked = c.r.LegacyAsked
			if c.r.Asked == nil {
				c.r.Asked = asked[c.r.ID]
			}
			if c.r.Asked == nil {
				c.r.Asked = []string{}
			}
			// The copy holds the requests opened (sealed_kinds.go), so a
			// list opens nothing until the next write.
			if err := s.openAdvice(&c.r); err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		if err := cur.Err(); err != nil {
			return nil, fmt.Errorf("store: advice requests: %w", err)
		}
		return out, nil
	})
}

// adviceFromCopy is the requests that keep, newest by key first, at most
// limit, each a copy of its own (callers may change what they get).
func (s *Store) adviceFromCopy(ctx context.Context, keep func(adviceCopy) bool, key func(*AdviceRequest) int64, limit int) ([]AdviceRequest, error) {
	all, err := s.allAdvice(ctx)
	if err != nil {
		return nil, err
	}
	order := newestFirst(all, keep, key, limit)
	out := make([]AdviceRequest, len(order))
	for i, k := range order {
		out[i] = all[k].r
	}
	for i := range out {
		out[i].GroupIDs = slices.Clone(out[i].GroupIDs)
		out[i].Asked = slices.Clone(out[i].Asked)
		answers := make(map[string]Advice, len(out[i].Answers))
		for k, v := range out[i].Answers {
			answers[k] = v
		}
		out[i].Answers = answers
	}
	return out, nil
}

// newestFirst is the positions in all of the requests that keep, newest by
// key first (in all's order where keys are equal), at most limit (0: no
// limit). It sorts positions, not the requests, which are large.
func newestFirst(all []adviceCopy, keep func(adviceCopy) bool, key func(*AdviceRequest) int64, limit int) []int {
	type kept struct {
		at  int
		key int64
	}
	var ks []kept
	for i := range all {
		if keep(all[i]) {
			ks = append(ks, kept{i, key(&all[i].r)})
		}
	}
	slices.SortStableFunc(ks, func(a, b kept) int { return cmp.Compare(b.key, a.key) })
	if limit > 0 && len(ks) > limit {
		ks = ks[:limit]
	}
	order := make([]int, len(ks))
	for i, k := range ks {
		order[i] = k.at
	}
	return order
}

// adviceOpenedKept is how many requests the by-_id copy keeps decoded and
// opened (AdviceRequest); past it the copy starts again. Tens are open in
// a year; the pages of the open ones are the ones read.
const adviceOpenedKept = 100

// askedList is the people a request asked, as stored and as a set.
type askedList struct {
	ids []string
	set map[string]struct{}
}

// askedOf is the people request id asked (embedded server only), from a
// copy kept by request (adviceAsked): they never change after the request
// is opened, so only a write to advice_asked drops it (migration 11's
// move of older requests' lists writes there first), and an answer, which
// drops the request's own copy, does not make the next view decode
// everyone asked again.
func (s *Store) askedOf(ctx context.Context, id string) (askedList, error) {
	return s.adviceAsked.load(id, anyVersion, func() (askedList, error) {
		ids, err := s.adviceAskedByID(ctx, id)
		if err != nil {
			return askedList{}, err
		}
		if ids == nil {
			ids = []string{}
		}
		set := make(map[string]struct{}, len(ids))
		for _, a := range ids {
			set[a] = struct{}{}
		}
		return askedList{ids: ids, set: set}, nil
	})
}

// wasAsked reports whether request id asked userID: on the embedded
// server from the copy's set, on MongoDB from the list read by _id.
func (s *Store) wasAsked(ctx context.Context, id, userID string) (bool, error) {
	if s.docs.remote {
		ids, err := s.adviceAskedByID(ctx, id)
		return slices.Contains(ids, userID), err
	}
	a, err := s.askedOf(ctx, id)
	if err != nil {
		return false, err
	}
	_, ok := a.set[userID]
	return ok, nil
}
