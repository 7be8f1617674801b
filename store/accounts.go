package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// ChangePassword stores a new password hash for an account that is not
// disabled, activates an invited one and clears its sign-in
// tries and locks (limits.go). Unlike
// SetPassword, one conditional update decides, so an invitation or reset
// link used while an admin disables the account can never enable it again.
// Returns ErrNotFound if there is no such account or it is disabled.
func (s *Store) ChangePassword(ctx context.Context, id, hash string) error {
	res, err := s.updateIf(ctx, "users", id, Ne("status", StatusDisabled),
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "passwordHash", Value: hash},
			{Key: "status", Value: StatusActive},
			{Key: "updatedAt", Value: s.now().UTC()},
		}}})
	if err != nil {
		return fmt.Errorf("store: change password %s: %w", id, err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("store: change password %s: %w", id, ErrNotFound)
	}
	// A new password ends any lock on the account's sign-in tries.
	return s.ForgetAccountAttempts(ctx, id)
}
