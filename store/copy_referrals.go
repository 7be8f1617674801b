package store

import (
	"context"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The referral summaries are a counted copy (copies.go), as the
// recommendation summaries are: every change to the index moves a counter
// on, so each instance reloads after any change, its own or another's; in
// between, the queue, a partner's list and the match proposals read nothing
// (embedded) or the counter (MongoDB).

const refIndexCounter = "referral_index"

// bumpRefIndex moves the index version on after a change to the index.
// On the embedded server the writer's hook on referral_index drops the
// copy (refAggregateChanged), and no other process reads the counter, so
// there is nothing to write.
func (s *Store) bumpRefIndex(ctx context.Context) error {
	if s.embedded != nil {
		return nil
	}
	_, err := s.c("counters").UpdateOne(ctx, bson.D{{Key: "_id", Value: refIndexCounter}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "v", Value: 1}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("store: referral index version: %w", err)
	}
	return nil
}

// refSummaries returns every summary, from memory when the index has not
// changed since it was read. Callers must not change the slice.
func (s *Store) refSummaries(ctx context.Context) ([]RefSummary, error) {
	return s.refIndex.get(ctx, s)
}

// refIndexes are the positions of the summaries in one load of the copy,
// by _id, by partner organisation and by blind-index value (each list in
// queue order).
type refIndexes struct {
	byID      map[string]int
	byPartner map[string][]int
	byBlind   map[string][]int
}

// refIndexed returns every summary and their indexes, from memory when
// the index has not changed since it was read. Callers must not change
// either.
func (s *Store) refIndexed(ctx context.Context) ([]RefSummary, refIndexes, error) {
	l, err := s.refIndex.getLoad(ctx, s)
	if err != nil {
		return nil, refIndexes{}, err
	}
	ix := s.refIx.of(l.n, func() refIndexes {
		ix := refIndexes{byID: make(map[string]int, len(l.v)), byPartner: map[string][]int{}, byBlind: map[string][]int{}}
		for i := range l.v {
			ix.byID[l.v[i].ID] = i
			if p := l.v[i].PartnerID; p != "" {
				ix.byPartner[p] = append(ix.byPartner[p], i)
			}
			for _, b := range l.v[i].Blind {
				if at := ix.byBlind[b]; b != "" && (len(at) == 0 || at[len(at)-1] != i) { // a value twice in one summary: once
					ix.byBlind[b] = append(at, i)
				}
			}
		}
		return ix
	})
	return l.v, ix, nil
}

// match reports whether a summary meets the filter.
func (f ReferralFilter) match(r RefSummary) bool {
	switch {
	case f.PartnerID != "" && r.PartnerID != f.PartnerID, f.Kind != "" && r.Kind != f.Kind:
		return false
	case f.Status == "open":
		return r.Status == RefReceived || r.Status == RefAssessing || r.Status == RefMoreInfo
	case f.Status != "":
		return r.Status == f.Status
	}
	return true
}

// sharesAny reports whether two blind-index lists share a value.
func sharesAny(a, b []string) bool {
	for _, x := range a {
		if x != "" && slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// The free referral slots (referral_slots.go) are a copy too, on the
// embedded server: a partner referral takes a slot found by a query on
// kind, which FerretDB answers by decoding every referral. The copy is the
// list of free slots' ids, loaded by that query once; the writer's hook
// takes a slot out of it when its document is written (taken over), a
// top-up (TopUpReferralSlots) adds the slots it writes (slotFreed), and the
// hook drops the list when referrals are written many at once. On MongoDB
// the query uses its index and is run each time.

// refAggregateChanged is the hook of the referrals aggregate (the writer
// reports every write of referrals and referral_index).
func (s *Store) refAggregateChanged(coll, id string) {
	if s.embedded == nil {
		return
	}
	switch coll {
	case "referral_index":
		s.refIndex.cache.invalidate("")
	case "referrals":
		if id == "" {
			s.freeSlots.invalidate("")
			return
		}
		if id == inserted {
			// An anonymous report, or a partner referral when no slot was
			// free: no new slot. Slots are inserted only by
			// TopUpReferralSlots, which adds them itself. (Dropping it
			// here made every partner referral after the pool ran dry read
			// every referral again for the free ones.)
			return
		}
		s.freeSlots.edit("", func(ids []string) []string {
			return slices.DeleteFunc(slices.Clone(ids), func(x string) bool { return x == id })
		})
	}
}
