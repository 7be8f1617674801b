package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
	err := s.r("counters").FindOne(ctx, bson.D{{Key: "_id", Value: auditAnchorID}}).Decode(&a)
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
//
// Events are kept AuditPageSize to a document (audit.go): a day's removal
// deletes the documents that hold only events up to the day's last, and
// rewrites the one it shares with the next day without them.
func (s *Store) PruneAudit(ctx context.Context) (int64, *AuditAnchor, error) {
	cutoff := s.now().UTC().AddDate(-AuditRetentionYears, 0, 0).Format(time.DateOnly)
	days, err := s.auditDays(ctx)
	if err != nil {
		return 0, nil, err
	}
	head, err := s.auditHeadNow(ctx)
	if err != nil || head.ID == "" {
		return 0, nil, err
	}
	sort.Slice(days, func(i, j int) bool { return days[i].First < days[j].First })
	var removed int64
	var anchor *AuditAnchor
	for _, d := range days {
		if d.Day >= cutoff || d.Day == head.Bucket || d.Last >= head.Seq {
			break
		}
		evs, err := s.auditRange(ctx, d.Last, d.Last)
		if err != nil || len(evs) != 1 {
			return removed, anchor, fmt.Errorf("store: prune audit %s: last event %d: %w", d.Day, d.Last, errors.Join(err, ErrNotFound))
		}
		last := evs[0]
		anchor = &AuditAnchor{ID: auditAnchorID, Seq: last.Seq, Hash: last.Hash, Before: nextDay(d.Day), PrunedAt: s.now().UTC()}
		if _, err := s.c("counters").ReplaceOne(ctx, bson.D{{Key: "_id", Value: auditAnchorID}}, anchor, options.Replace().SetUpsert(true)); err != nil {
			return removed, anchor, fmt.Errorf("store: audit anchor: %w", err)
		}
		if err := s.dropAuditThrough(ctx, d.First, d.Last); err != nil {
			return removed, anchor, fmt.Errorf("store: prune audit %s: %w", d.Day, err)
		}
		if _, err := s.c("audit_days").DeleteOne(ctx, bson.D{{Key: "_id", Value: d.Day}}); err != nil {
			return removed, anchor, fmt.Errorf("store: prune audit %s: %w", d.Day, err)
		}
		removed += d.count()
	}
	return removed, anchor, nil
}

// dropAuditThrough removes events first..last and any earlier ones on
// the same documents: a document holding only events up to last goes; the
// one holding last keeps its later events; unfolded events up to last go
// too.
func (s *Store) dropAuditThrough(ctx context.Context, first, last int64) error {
	// Events not yet folded onto pages (audit.go) go by _id range.
	if _, err := s.c(AuditEventsCollection).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$lte", Value: auditEventID(last)}}}}); err != nil {
		s.keptDrop()
		return err
	}
	// The copy of the unfolded events the audit pages read (audit_tail.go)
	// is loaded again from what is left.
	s.keptDrop()
	for p := (max(first, 1) - 1) / AuditPageSize; p <= (last-1)/AuditPageSize; p++ {
		id := AuditPageID(p*AuditPageSize + 1)
		if (p+1)*AuditPageSize <= last {
			if _, err := s.c(AuditCollection).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
				return err
			}
			continue
		}
		var pg auditPage
		err := s.r(AuditCollection).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&pg)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue
		}
		if err != nil {
			return err
		}
		pg.Events = slices.DeleteFunc(pg.Events, func(ev AuditEvent) bool { return ev.Seq <= last })
		if _, err := s.c(AuditCollection).ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, pg); err != nil {
			return err
		}
	}
	return nil
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
	err := s.r("counters").FindOne(ctx, bson.D{{Key: "_id", Value: "audit"}}).Decode(&head)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: audit head: %w", err)
	}
	return head.Seq, nil
}
