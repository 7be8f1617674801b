package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// seedBatch is how many audit events SeedAuditEvents inserts at a time.
const seedBatch = 1000

// SeedAuditEvents appends n events made by gen(i) (i from 0) to the audit
// log in bulk, for the benchmark (make bench) and tests that need a year of
// history; the portal itself only ever appends with Audit.
//
// The events join the hash chain exactly as Audit would link them: each gets
// the next sequence number and the previous event's hash, and the chain head
// moves on after every batch of 1,000, so VerifyAudit passes at any point.
// gen sets who, what and when (At, truncated to milliseconds as stored);
// Seq, Day and the hashes are filled here. Returns ErrConflict if another
// process appends while a batch is being written.
func (s *Store) SeedAuditEvents(ctx context.Context, n int, gen func(i int) AuditEvent) error {
	auditMu.Lock()
	defer auditMu.Unlock()
	heads := s.c("counters")
	var head auditHead
	err := heads.FindOne(ctx, bson.D{{Key: "_id", Value: "audit"}}).Decode(&head)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("store: seed audit: head: %w", err)
	}
	fresh := errors.Is(err, mongo.ErrNoDocuments)
	for start := 0; start < n; start += seedBatch {
		docs := make([]any, 0, min(seedBatch, n-start))
		seq, hash := head.Seq, head.Hash
		for i := start; i < n && i < start+seedBatch; i++ {
			ev := gen(i)
			seq++
			ev.Seq = seq
			ev.At = ev.At.UTC().Truncate(time.Millisecond)
			ev.Day = ev.At.Format(time.DateOnly)
			ev.PrevHash = hash
			ev.Hash = ev.digest()
			hash = ev.Hash
			docs = append(docs, ev)
		}
		if _, err := s.c("audit").InsertMany(ctx, docs, options.InsertMany().SetOrdered(true)); err != nil {
			return fmt.Errorf("store: seed audit: insert from %d: %w", head.Seq+1, err)
		}
		// Move the head only once the batch is in, as Audit does for one event.
		if fresh {
			if _, err := heads.InsertOne(ctx, auditHead{ID: "audit", Seq: seq, Hash: hash}); err != nil {
				if isDuplicate(err) {
					return fmt.Errorf("store: seed audit: %w", ErrConflict)
				}
				return fmt.Errorf("store: seed audit: head: %w", err)
			}
			fresh = false
		} else {
			res, err := heads.UpdateOne(ctx, bson.D{{Key: "_id", Value: "audit"}, {Key: "seq", Value: head.Seq}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "seq", Value: seq}, {Key: "hash", Value: hash}}}})
			if err != nil {
				return fmt.Errorf("store: seed audit: head: %w", err)
			}
			if res.MatchedCount == 0 {
				return fmt.Errorf("store: seed audit: %w", ErrConflict)
			}
		}
		head = auditHead{ID: "audit", Seq: seq, Hash: hash}
	}
	return nil
}
