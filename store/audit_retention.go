package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// AuditRetentionYears is how long audit events are kept (the privacy
// notice's "security records ... 7 years"); the audit-retention job removes
// whole days of events older than that.
const AuditRetentionYears = 7

// AuditPruned is the audit action recording a removal of old events.
const AuditPruned = "audit-pruned"

func init() { AuditActions = append(AuditActions, AuditPruned) }

// AuditAnchor is where the verifiable chain starts after old events were
// removed: the sequence number and hash of the last event removed. The
// verification starts from it instead of from the first event, so the
// chain stays checkable; and because the removal is itself an audit event
// that names the same sequence number and hash, the anchor cannot be moved
// without breaking the chain after it.
type AuditAnchor struct {
	ID       string    `bson:"_id"`
	Seq      int64     `bson:"seq"`
	Hash     string    `bson:"hash"`
	Before   string    `bson:"before"` // events of days before this one (YYYY-MM-DD) were removed
	PrunedAt time.Time `bson:"prunedAt"`
}

const auditAnchorID = "audit-anchor"

// AuditAnchorNow returns the anchor, or nil when no event was ever removed.
func (s *Store) AuditAnchorNow(ctx context.Context) (*AuditAnchor, error) {
	var a AuditAnchor
	err := s.c("counters").FindOne(ctx, bson.D{{Key: "_id", Value: auditAnchorID}}).Decode(&a)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: audit anchor: %w", err)
	}
	return &a, nil
}

// PruneAudit removes the days of audit events older than
// AuditRetentionYears, oldest first, never the day the chain's head is in.
// Before each day goes, the anchor moves to that day's last event, so a run
// stopped at any point leaves a chain that verifies. It returns how many
// events went and the anchor (nil when nothing was removed); the caller
// records the removal as an audit event naming the anchor.
func (s *Store) PruneAudit(ctx context.Context) (int64, *AuditAnchor, error) {
	cutoff := s.now().UTC().AddDate(-AuditRetentionYears, 0, 0).Format(time.DateOnly)
	days, err := s.auditDays(ctx)
	if err != nil {
		return 0, nil, err
	}
	var head auditHead
	if err := s.c("counters").FindOne(ctx, bson.D{{Key: "_id", Value: "audit"}}).Decode(&head); err != nil {
		if errors.Is(err, mongo.ErrNoDocuments) {
			return 0, nil, nil
		}
		return 0, nil, fmt.Errorf("store: audit head: %w", err)
	}
	sort.Slice(days, func(i, j int) bool { return days[i].First < days[j].First })
	var removed int64
	var anchor *AuditAnchor
	for _, d := range days {
		if d.Day >= cutoff || d.Day == head.Bucket || d.Last >= head.Seq {
			break
		}
		var last AuditEvent
		err := s.c(auditColl(d.Day)).FindOne(ctx, bson.D{{Key: "seq", Value: d.Last}}).Decode(&last)
		if err != nil {
			return removed, anchor, fmt.Errorf("store: prune audit %s: last event %d: %w", d.Day, d.Last, err)
		}
		anchor = &AuditAnchor{ID: auditAnchorID, Seq: last.Seq, Hash: last.Hash, Before: nextDay(d.Day), PrunedAt: s.now().UTC()}
		if _, err := s.c("counters").ReplaceOne(ctx, bson.D{{Key: "_id", Value: auditAnchorID}}, anchor, options.Replace().SetUpsert(true)); err != nil {
			return removed, anchor, fmt.Errorf("store: audit anchor: %w", err)
		}
		if err := s.c(auditColl(d.Day)).Drop(ctx); err != nil {
			return removed, anchor, fmt.Errorf("store: prune audit %s: %w", d.Day, err)
		}
		if _, err := s.c("audit_days").DeleteOne(ctx, bson.D{{Key: "_id", Value: d.Day}}); err != nil {
			return removed, anchor, fmt.Errorf("store: prune audit %s: %w", d.Day, err)
		}
		removed += d.Count
	}
	return removed, anchor, nil
}

func nextDay(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, 1).Format(time.DateOnly)
}

// AuditHead is the sequence number of the latest event appended (0 for an
// empty log): the chain's head, which moves just before the event is stored.
func (s *Store) AuditHead(ctx context.Context) (int64, error) {
	var head auditHead
	err := s.c("counters").FindOne(ctx, bson.D{{Key: "_id", Value: "audit"}}).Decode(&head)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: audit head: %w", err)
	}
	return head.Seq, nil
}
