package store

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// refIndexCache keeps every referral summary in memory, tagged with the
// index version it was read at, as recIndexCache does for recommendations:
// every change to the index moves a counter on, so each instance reloads
// after any change, its own or another's; in between, the queue, a
// partner's list and the match proposals cost one small read by _id.
type refIndexCache struct {
	mu      sync.Mutex
	version int64
	all     []RefSummary // urgent first, then newest
}

const refIndexCounter = "referral_index"

// bumpRefIndex moves the index version on after a change to the index.
func (s *Store) bumpRefIndex(ctx context.Context) error {
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
	var counter struct {
		V int64 `bson:"v"`
	}
	err := s.r("counters").FindOne(ctx, bson.D{{Key: "_id", Value: refIndexCounter}}).Decode(&counter)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, fmt.Errorf("store: referral index version: %w", err)
	}
	c := &s.refCache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.all != nil && c.version == counter.V {
		return c.all, nil
	}
	all, err := s.dbRefSummaries(ctx)
	if err != nil {
		return nil, err
	}
	c.all, c.version = all, counter.V
	return all, nil
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
		if x != "" && contains(b, x) {
			return true
		}
	}
	return false
}
