package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// CrashBeforeCountingForTest stores responses as a submission does and
// stops where a crash would: in a batch whose document holds a lease that
// ended (leaseEnded) or is still live, naming their batch. With step1 it also applies the guarded increments of the
// first counter document only (a crash part-way through step 1).
func (s *Store) CrashBeforeCountingForTest(ctx context.Context, sv *Survey, rs []*Response, batch string, leaseEnded, step1 bool) error {
	until := s.now().Add(batchLease)
	if leaseEnded {
		until = s.now().Add(-time.Second)
	}
	if _, err := s.c(tallyBatchColl).InsertOne(ctx, tallyBatchDoc{ID: batch, Until: until.UTC()}); err != nil {
		return err
	}
	pending := map[pendingKey]*pendingInc{}
	for _, r := range rs {
		r.Day, r.Batch = Day(s.now()), batch
		if _, err := s.c("survey_responses").InsertOne(ctx, r); err != nil {
			return err
		}
		addIncs(pending, sv.ID, sv.Version(r.Version), r.Answers)
	}
	if step1 {
		k := pendingKey{coll: tallyColl(sv.ID), id: tallyID(rs[0].Version, DimAll, DimAll)}
		return s.guardedInc(ctx, batch, k, pending[k])
	}
	return nil
}

// CrashBeforeDiaryForTest takes a seat on the visit as SignUp does and
// stops before the diary's copy is written.
func (s *Store) CrashBeforeDiaryForTest(ctx context.Context, visitID, userID string) error {
	_, err := s.c("visits").UpdateOne(ctx, bson.D{{Key: "_id", Value: visitID}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "seatsTaken", Value: 1}}}, {Key: "$push", Value: bson.D{{Key: "attendees", Value: userID}}}})
	return err
}
