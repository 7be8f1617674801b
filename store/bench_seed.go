//go:build !candourrelease

package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
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
// Seq, Day and the hashes are filled here. The events go straight onto
// their pages (AuditCollection), as a fold would leave them. Returns ErrConflict if another
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
	if _, err := s.rollAuditForward(ctx); err != nil {
		return fmt.Errorf("store: seed audit: %w", err)
	}
	if head, err = s.auditHeadNow(ctx); err != nil {
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
		s.auditQ.folded.Store(max(s.auditQ.folded.Load(), seq)) // on their pages already
	}
	return nil
}

// SeedMemberships puts every membership in ms, for the benchmark: the same
// documents PutMembership would leave (the memberships, each account's copy
// of its memberships, each group's summary), written in bulk. PutMembership
// re-reads the user's and the group's memberships after every put, which on
// the embedded engine scans the collection each time (38 s for 1,004 at 1×,
// minutes at 10×); here each account's copy is made in Go from ms and
// written by _id, and each group's summary is recounted once. The
// memberships must be new (an existing one is an error) and their users'
// other memberships, if any, are not in the copy: seed each user's
// memberships in one call.
func (s *Store) SeedMemberships(ctx context.Context, ms []*Membership) error {
	var docs []any
	byUser := map[string][]Membership{}
	var users, groups []string
	seenGroup := map[string]bool{}
	for _, m := range ms {
		m.ID = membershipID(m.GroupID, m.UserID)
		if m.JoinedAt.IsZero() {
			m.JoinedAt = s.now().UTC()
		}
		// As stored (and read back by memberships): to the millisecond.
		m.JoinedAt = m.JoinedAt.Truncate(time.Millisecond)
		m.VettingExpires = m.VettingExpires.Truncate(time.Millisecond)
		docs = append(docs, m)
		if _, ok := byUser[m.UserID]; !ok {
			users = append(users, m.UserID)
		}
		byUser[m.UserID] = append(byUser[m.UserID], *m)
		if !seenGroup[m.GroupID] {
			seenGroup[m.GroupID] = true
			groups = append(groups, m.GroupID)
		}
	}
	for start := 0; start < len(docs); start += seedBatch {
		if _, err := s.c("memberships").InsertMany(ctx, docs[start:min(start+seedBatch, len(docs))]); err != nil {
			return fmt.Errorf("store: seed memberships: %w", err)
		}
	}
	for _, u := range users {
		own := byUser[u]
		sort.SliceStable(own, func(i, j int) bool { return own[i].JoinedAt.Before(own[j].JoinedAt) })
		_, err := s.c("users").UpdateOne(ctx, bson.D{{Key: "_id", Value: u}}, bson.D{{Key: "$set", Value: bson.D{{Key: "memberships", Value: own}}}})
		if err != nil {
			return fmt.Errorf("store: seed memberships: copy to user %s: %w", u, err)
		}
	}
	for _, g := range groups {
		if err := s.syncGroupSummary(ctx, g); err != nil {
			return err
		}
	}
	return nil
}
