package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// VettingWarning is how long before vetting expires that pages warn about it.
const VettingWarning = 60 * 24 * time.Hour

// VettingExpiresSoon reports whether vetting is still valid at now but
// expires within VettingWarning.
func (m *Membership) VettingExpiresSoon(now time.Time) bool {
	return !m.VettingExpires.IsZero() && !m.VettingLapsed(now) && m.VettingExpires.Sub(now) < VettingWarning
}

// Memberships returns every membership of every group, for the group list's
// counts. A force has hundreds, and one read is cheaper than one per group.
func (s *Store) Memberships(ctx context.Context) ([]Membership, error) {
	return s.memberships(ctx, bson.D{})
}

// PartnerWorkers returns the accounts that belong to a partner
// organisation, by name.
func (s *Store) PartnerWorkers(ctx context.Context, partnerID string) ([]User, error) {
	cur, err := s.r("users").Find(ctx, bson.D{{Key: "partnerId", Value: partnerID}},
		options.Find().SetSort(bson.D{{Key: "nameLower", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("store: partner workers %s: %w", partnerID, err)
	}
	var us []User
	if err := cur.All(ctx, &us); err != nil {
		return nil, fmt.Errorf("store: partner workers %s: %w", partnerID, err)
	}
	return us, nil
}

// RevokeTokens marks a user's unused links of these kinds as used, so an
// older invitation stops working when a new one is sent or the account is
// disabled. It returns how many links it revoked.
func (s *Store) RevokeTokens(ctx context.Context, userID string, kinds ...string) (int64, error) {
	res, err := s.c("tokens").UpdateMany(ctx,
		bson.D{
			{Key: "userId", Value: userID},
			{Key: "kind", Value: bson.D{{Key: "$in", Value: kinds}}},
			{Key: "usedAt", Value: bson.D{{Key: "$exists", Value: false}}},
		},
		bson.D{{Key: "$set", Value: bson.D{{Key: "usedAt", Value: s.now().UTC()}}}})
	if err != nil {
		return 0, fmt.Errorf("store: revoke tokens of %s: %w", userID, err)
	}
	return res.ModifiedCount, nil
}
