package store

import (
	"context"
	"errors"
	"fmt"

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
	var head auditHead
	err := s.r("counters").FindOne(ctx, bson.D{{Key: "_id", Value: "audit"}}).Decode(&head)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("store: seed audit: head: %w", err)
	}
	for start := 0; start < n; start += seedBatch {
		seq, hash, bucket := head.Seq, head.Hash, head.Bucket
		byDay := map[string][]any{}
		var order []string
		first := map[string]int64{}
		for i := start; i < n && i < start+seedBatch; i++ {
			ev := gen(i)
			seq++
			ev.seal(seq, hash)
			hash = ev.Hash
			bucket = bucketFor(bucket, ev.Day)
			if _, ok := byDay[bucket]; !ok {
				order = append(order, bucket)
				first[bucket] = seq
			}
			byDay[bucket] = append(byDay[bucket], ev)
		}
		for _, day := range order {
			docs := byDay[day]
			if _, err := s.c(auditColl(day)).InsertMany(ctx, docs, options.InsertMany().SetOrdered(true)); err != nil {
				return fmt.Errorf("store: seed audit: insert %s: %w", day, err)
			}
			last := docs[len(docs)-1].(AuditEvent).Seq
			if err := s.noteAuditDay(ctx, day, first[day], last, int64(len(docs))); err != nil {
				return err
			}
		}
		// Move the head only once the batch is in, as Audit does for one event.
		next := auditHead{ID: "audit", Seq: seq, Hash: hash, Bucket: bucket}
		won, err := s.moveAuditHead(ctx, head, next)
		if err != nil {
			return err
		}
		if !won {
			return fmt.Errorf("store: seed audit: %w", ErrConflict)
		}
		head = next
	}
	return nil
}
