package store

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// A reporter's return visit (after entering the receipt) is tied to a
// random nonce: its SHA-256 is kept on the report and the nonce travels
// in the reporter's encrypted cookie. "Leave" removes it from the report,
// so every copy of the cookie stops working at once; entering the receipt
// again replaces it (one browser at a time). Nothing else is stored: no
// time, no address.

func returnKey(nonce string) string {
	sum := sha256.Sum256([]byte("candour report visit\x00" + nonce))
	return hex.EncodeToString(sum[:])
}

// StartReportVisit gives anonymous report r (as just read, to check its
// receipt) a new visit nonce, ending any earlier visit, and returns it.
// Returns ErrNotFound for a referral that is not an anonymous report, or
// that is gone.
//
// It is one update by _id, without reading the report again: the caller
// has just read it, and a report's kind never changes once it is anonymous
// (only a slot's does, to a partner referral's), so the kind is checked on
// what was read. Before 7 December 2026 the update was a conditional one
// on the kind, which on the embedded server read the report again under
// the writer lock and returned it whole after the write: two round trips,
// each decoding a report with all its messages.
func (s *Store) StartReportVisit(ctx context.Context, r *Referral) (string, error) {
	if r == nil || r.Kind != KindAnonymous {
		return "", fmt.Errorf("store: start report visit: %w", ErrNotFound)
	}
	nonce := RandomSecret()
	res, err := s.c("referrals").UpdateOne(ctx, bson.D{{Key: "_id", Value: r.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "returnKey", Value: returnKey(nonce)}}}})
	if err != nil {
		return "", fmt.Errorf("store: start report visit: %w", err)
	}
	if res.MatchedCount == 0 {
		return "", fmt.Errorf("store: start report visit %s: %w", r.ID, ErrNotFound)
	}
	return nonce, nil
}

// VisitOpen reports whether nonce is the report's current visit.
func (r *Referral) VisitOpen(nonce string) bool {
	return nonce != "" && r.ReturnKey != "" && subtle.ConstantTimeCompare([]byte(r.ReturnKey), []byte(returnKey(nonce))) == 1
}

// EndReportVisit ends the visit nonce on report id (if it is still the
// current one): every copy of its cookie stops working.
func (s *Store) EndReportVisit(ctx context.Context, id, nonce string) error {
	_, err := s.updateIf(ctx, "referrals", id, Eq("returnKey", returnKey(nonce)),
		bson.D{{Key: "$unset", Value: bson.D{{Key: "returnKey", Value: ""}}}})
	if err != nil {
		return fmt.Errorf("store: end report visit: %w", err)
	}
	return nil
}
