package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// AccountRetentionMonths is how long a closed (disabled) account is kept
// before the account-retention job deletes it, as the privacy notice says.
const AccountRetentionMonths = 12

// statusDeleting marks an account whose deletion has begun, so that a run
// stopped half-way is finished by the next one.
const statusDeleting = "deleting"

// AuditAccountDeleted is the audit action of the deletion of a closed account.
const AuditAccountDeleted = "account-deleted"

// DeleteClosedAccounts deletes every account that has been disabled for
// more than AccountRetentionMonths: the account (name, email address,
// password hash, two-factor secret), its group memberships, sessions,
// invitation and reset tokens and calendar-feed tokens. An account's
// closing date is its last change while disabled (the account has no
// separate closing date), so a later edit only ever delays deletion.
//
// Each account is first marked by one conditional update (still disabled,
// not changed since it was read), so an account re-enabled meanwhile is
// never touched; the rest is idempotent, and an account left marked by a
// stopped run is finished by the next. It returns the accounts deleted, for
// the caller to audit. What a person contributed to the scrutiny record
// (findings, visit records) and the audit log's entries stay.
func (s *Store) DeleteClosedAccounts(ctx context.Context) ([]User, error) {
	cutoff := s.now().UTC().AddDate(0, -AccountRetentionMonths, 0)
	// A scan of every account (FerretDB matches the $or in Go): on the
	// read side, the jobs' lane, not the writer's one connection, which
	// every write waits for. The mark below checks the account again.
	cur, err := s.r("users").Find(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "status", Value: StatusDisabled}, {Key: "updatedAt", Value: bson.D{{Key: "$lt", Value: cutoff}}}},
		bson.D{{Key: "status", Value: statusDeleting}},
	}}})
	if err != nil {
		return nil, fmt.Errorf("store: closed accounts: %w", err)
	}
	var due []User
	if err := cur.All(ctx, &due); err != nil {
		return nil, fmt.Errorf("store: closed accounts: %w", err)
	}
	var gone []User
	for _, u := range due {
		if u.Status == StatusDisabled {
			res, err := s.updateIf(ctx, "users", u.ID, Eq("status", StatusDisabled).And(Eq("updatedAt", u.UpdatedAt)),
				bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: statusDeleting}}}})
			if err != nil {
				return gone, fmt.Errorf("store: delete account %s: %w", u.ID, err)
			}
			if res.MatchedCount == 0 {
				continue // changed meanwhile: perhaps re-enabled
			}
		}
		if err := s.deleteAccountData(ctx, u.ID); err != nil {
			return gone, err
		}
		gone = append(gone, u)
	}
	return gone, nil
}

func (s *Store) deleteAccountData(ctx context.Context, id string) error {
	ms, err := s.UserMemberships(ctx, id)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := s.RemoveMembership(ctx, m.GroupID, id); err != nil && err != ErrNotFound {
			return fmt.Errorf("store: delete account %s: %w", id, err)
		}
	}
	if _, err := s.DeleteUserSessions(ctx, id); err != nil {
		return err
	}
	for _, coll := range []string{"tokens", "visit_feeds", conflictsColl} {
		if _, err := s.c(coll).DeleteMany(ctx, bson.D{{Key: "userId", Value: id}}); err != nil {
			return fmt.Errorf("store: delete account %s %s: %w", id, coll, err)
		}
	}
	if _, err := s.deleteIf(ctx, "users", id, Eq("status", statusDeleting)); err != nil {
		return fmt.Errorf("store: delete account %s: %w", id, err)
	}
	return nil
}
