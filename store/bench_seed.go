//go:build !candourrelease

package store

import (
	"context"
	"fmt"
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
	s.auditQ.appending.Lock()
	defer s.auditQ.appending.Unlock()
	head, err := s.auditHeadNow(ctx)
	if err != nil {
		return fmt.Errorf("store: seed audit: %w", err)
	}
	if err := s.settleAuditHead(ctx, head); err != nil {
		return fmt.Errorf("store: seed audit: %w", err)
	}
	head.Pending, head.PendingDays = nil, nil
	for start := 0; start < n; start += seedBatch {
		seq, hash, bucket, bucketFirst := head.Seq, head.Hash, head.Bucket, head.BucketFirst
		var evs []AuditEvent
		var buckets []string
		for i := start; i < n && i < start+seedBatch; i++ {
			ev := gen(i)
			seq++
			ev.seal(seq, hash)
			hash = ev.Hash
			if b := bucketFor(bucket, ev.Day); b != bucket {
				bucket, bucketFirst = b, seq
			}
			evs, buckets = append(evs, ev), append(buckets, bucket)
		}
		if err := s.writeAuditEvents(ctx, evs, buckets); err != nil {
			return fmt.Errorf("store: seed audit: %w", err)
		}
		// Move the head only once the batch is in.
		// Every day is noted in full, the open one too; the head holds
		// the open day's range as an append would leave it.
		next := auditHead{ID: "audit", Seq: seq, Hash: hash, Bucket: bucket, BucketFirst: bucketFirst}
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
