package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// TamperAuditForTest edits an audit event in place, as an attacker with
// database access might, so tests can prove the chain notices.
func (s *Store) TamperAuditForTest(ctx context.Context, seq int64) error {
	if err := s.FoldAuditForTest(ctx); err != nil {
		return err
	}
	var pg auditPage
	if err := s.r(AuditCollection).FindOne(ctx, bson.D{{Key: "_id", Value: AuditPageID(seq)}}).Decode(&pg); err != nil {
		return err
	}
	for i := range pg.Events {
		if pg.Events[i].Seq == seq {
			pg.Events[i].Detail = "nothing to see"
		}
	}
	_, err := s.c(AuditCollection).ReplaceOne(ctx, bson.D{{Key: "_id", Value: pg.ID}}, pg)
	s.keptDrop() // the copy of the newest events holds the event as it was (audit_tail.go)
	return err
}

// SeedAuditEventsInBatchesForTest is SeedAuditEvents with the chain head
// moved on every pages whole pages instead of every seedAuditPages.
func (s *Store) SeedAuditEventsInBatchesForTest(ctx context.Context, n, pages int, gen func(i int) AuditEvent) error {
	return s.seedAuditEventsInBatches(ctx, n, pages, gen)
}

// The repairs one at a time, for the tests of each; the portal runs them
// only through Repair.
func (s *Store) RepairAuditChain(ctx context.Context) (int, error) { return s.repairAuditChain(ctx) }
func (s *Store) RepairCounts(ctx context.Context) (int, time.Duration, error) {
	return s.repairCounts(ctx)
}
func (s *Store) RepairDiaries(ctx context.Context) (int, error)     { return s.repairDiaries(ctx) }
func (s *Store) RepairVisitMonths(ctx context.Context) (int, error) { return s.repairVisitMonths(ctx) }
func (s *Store) RepairPanelTallies(ctx context.Context) (int, error) {
	return s.repairPanelTallies(ctx)
}
func (s *Store) SyncRecommendationIndex(ctx context.Context) (int, error) {
	return s.syncRecommendationIndex(ctx)
}
func (s *Store) SyncReferralIndex(ctx context.Context) (int, error) { return s.syncReferralIndex(ctx) }

func (s *Store) RepairGroupCopies(ctx context.Context) (int, error) { return s.repairGroupCopies(ctx) }

// MoveAdviceAskedForTest runs migration 11 whole (unsets -1) or stops where
// a kill -9 could: after every list is copied and unsets requests have
// lost theirs.
func (s *Store) MoveAdviceAskedForTest(ctx context.Context, unsets int) error {
	return moveAdviceAskedUntil(ctx, s, unsets)
}

// RefsLookedForTest is how many referral summaries ListReferrals has
// looked at so far.
func (s *Store) RefsLookedForTest() int64 { return s.refsLooked.Load() }
func (s *Store) RecsLookedForTest() int64 { return s.recsLooked.Load() }

// MoveDiariesForTest runs migration 12 whole (unsets -1) or stops where a
// kill -9 could: once unsets heads have lost their bookings (the next
// head's months written or not).
func (s *Store) MoveDiariesForTest(ctx context.Context, unsets int) error {
	return moveDiariesUntil(ctx, s, unsets)
}

// PutDiaryBookingForTest writes a booking into userID's month document
// directly (through the writer), as a crash part-way through moving a
// visit to another month leaves one behind.
func (s *Store) PutDiaryBookingForTest(ctx context.Context, userID, month, visitID string, b Booking) error {
	_, err := s.c(diariesColl).UpdateOne(ctx, bson.D{{Key: "_id", Value: diaryMonthID(userID, month)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "user", Value: userID}, {Key: "month", Value: month}, {Key: "bookings." + visitID, Value: b}}}},
		options.UpdateOne().SetUpsert(true))
	return err
}

// EnsureTalliesForTest creates version n's empty counters of sv, as its
// publication does.
func (s *Store) EnsureTalliesForTest(ctx context.Context, sv *Survey, n int) error {
	return s.ensureTallies(ctx, sv, n)
}
