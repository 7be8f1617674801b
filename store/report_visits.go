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

// StartReportVisit gives anonymous report id a new visit nonce (ending
// any earlier visit) and returns it. Returns ErrNotFound.
func (s *Store) StartReportVisit(ctx context.Context, id string) (string, error) {
	nonce := RandomSecret()
	// A conditional update (replaceIf's kin): on the embedded server the
	// report is read and written by _id under the writer lock; a filter
	// naming the kind beside the _id made FerretDB decode every referral.
	res, err := s.updateIf(ctx, "referrals", id, Eq("kind", KindAnonymous),
		bson.D{{Key: "$set", Value: bson.D{{Key: "returnKey", Value: returnKey(nonce)}}}})
	if err != nil {
		return "", fmt.Errorf("store: start report visit: %w", err)
	}
	if res.MatchedCount == 0 {
		return "", fmt.Errorf("store: start report visit %s: %w", id, ErrNotFound)
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
