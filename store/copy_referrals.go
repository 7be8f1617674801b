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
	return s.refIndex.get(ctx, s)
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
