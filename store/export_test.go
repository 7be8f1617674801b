package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TamperAuditForTest edits an audit event in place, as an attacker with
// database access might, so tests can prove the chain notices.
func (s *Store) TamperAuditForTest(ctx context.Context, seq int64) error {
	days, err := s.auditDays(ctx)
	if err != nil {
		return err
	}
	for _, d := range days {
		if d.First <= seq && seq <= d.Last {
			_, err = s.c(auditColl(d.Day)).UpdateOne(ctx, bson.D{{Key: "seq", Value: seq}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "detail", Value: "nothing to see"}}}})
		}
	}
	return err
}
