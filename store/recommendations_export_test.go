package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// StaleRecSummaryForTest puts back an old version of a recommendation's
// summary, as a crash between a change and its summary would leave it.
func (s *Store) StaleRecSummaryForTest(ctx context.Context, id string) error {
	_, err := s.c("recommendation_index").UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: 0}, {Key: "status", Value: "stale"}}}})
	return err
}
