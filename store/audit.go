package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Audit actions. Add new ones here so the admin filter lists them.
const (
	AuditSignIn         = "sign-in"
	AuditSignInFailed   = "sign-in-failed"
	AuditLockedOut      = "locked-out"
	AuditSignOut        = "sign-out"
	AuditSignOutAll     = "sign-out-everywhere"
	AuditInvitation     = "invitation-sent"
	AuditInvitationUsed = "invitation-accepted"
	AuditPasswordReset  = "password-reset"
	AuditPasswordSet    = "password-changed"
	AuditTOTPEnrolled   = "two-factor-enrolled"
	AuditRoleChange     = "role-changed"
	AuditUserChange     = "account-changed"
	AuditUserCreated    = "account-created"
	AuditGroupChange    = "group-changed"
	AuditMembership     = "membership-changed"
	AuditPartnerChange  = "partner-changed"
	AuditAuditViewed    = "audit-viewed"
	AuditDataImported   = "data-imported"
	AuditPublished      = "published"
	AuditSampleDrawn    = "panel-sample-drawn"
	// Recommendations register.
	AuditRecCreated  = "recommendation-raised"
	AuditRecStatus   = "recommendation-status-changed"
	AuditRecChanged  = "recommendation-changed"
	AuditRecExported = "recommendations-exported"
)

// AuditActions lists the actions for filters.
var AuditActions = []string{
	AuditSignIn, AuditSignInFailed, AuditLockedOut, AuditSignOut, AuditSignOutAll,
	AuditInvitation, AuditInvitationUsed, AuditPasswordReset, AuditPasswordSet, AuditTOTPEnrolled,
	AuditRoleChange, AuditUserChange, AuditUserCreated, AuditGroupChange, AuditMembership, AuditPartnerChange,
	AuditAuditViewed, AuditDataImported, AuditPublished, AuditSampleDrawn,
	AuditRecCreated, AuditRecStatus, AuditRecChanged, AuditRecExported,
}

// AuditEvent is one append-only record of who did what to which record.
// Events form a hash chain: each hash covers the event and the previous
// hash, so deleting or editing an event breaks every later link.
//
// Events are kept in one collection per day (audit_YYYYMMDD) with a small
// audit_days index of which sequence numbers each day holds: a year of
// events never makes a page read more than a day's worth, on MongoDB or on
// the embedded server (which scans a collection for any query but an
// exact string _id).
type AuditEvent struct {
	ID      string    `bson:"_id"` // Seq, zero-padded
	Seq     int64     `bson:"seq"`
	At      time.Time `bson:"at"`
	Day     string    `bson:"day"` // YYYY-MM-DD (UTC)
	ActorID string    `bson:"actorId,omitempty"`
	Actor   string    `bson:"actor,omitempty"` // email at the time, or "system"
	Action  string    `bson:"action"`
	Target  string    `bson:"target,omitempty"` // the record acted on, e.g. "user:64f…"
	Detail  string    `bson:"detail,omitempty"`
	// Reason is why a confidential record was opened, exported or linked
	// (an AccessReason code, with the analyst's words after ": " for
	// "other"); Recipient is who an export was disclosed to.
	Reason    string `bson:"reason,omitempty"`
	Recipient string `bson:"recipient,omitempty"`
	PrevHash  string `bson:"prevHash"`
	Hash      string `bson:"hash"`
}

// digest is the event's hash over its content and the previous hash.
func (e *AuditEvent) digest() string {
	h := sha256.New()
	fields := []string{
		strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano), e.ActorID, e.Actor,
		e.Action, e.Target, e.Detail, e.PrevHash,
	}
	if e.Reason != "" || e.Recipient != "" {
		// Only events that carry them hash them, so events written before
		// the fields existed still verify.
		fields = append(fields, e.Reason, e.Recipient)
	}
	for _, f := range fields {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// seal fills the event's derived fields for sequence number seq after prev.
func (e *AuditEvent) seal(seq int64, prev string) {
	e.Seq = seq
	e.ID = fmt.Sprintf("%016d", seq)
	e.At = e.At.UTC().Truncate(time.Millisecond)
	e.Day = e.At.Format(time.DateOnly)
	e.PrevHash = prev
	e.Hash = e.digest()
}

type auditHead struct {
	ID     string `bson:"_id"`
	Seq    int64  `bson:"seq"`
	Hash   string `bson:"hash"`
	Bucket string `bson:"bucket"` // the day collection the latest event went into
}

// bucketFor is the day collection for an event: its own day, but never
// earlier than the previous event's, so each day collection holds one
// unbroken run of the chain even if clocks disagree around midnight.
func bucketFor(prev, day string) string {
	if prev > day {
		return prev
	}
	return day
}

// auditDay says which events a day's collection holds.
type auditDay struct {
	Day   string `bson:"_id"`
	First int64  `bson:"first"`
	Last  int64  `bson:"last"`
	Count int64  `bson:"count"`
}

func auditColl(day string) string { return "audit_" + strings.ReplaceAll(day, "-", "") }

// auditMu keeps this process's appends in order; the conditional update of
// the chain head decides between processes.
var auditMu sync.Mutex

// Audit appends an event. The chain head document is the single point of
// decision: an append wins only if the head still has the sequence it read.
func (s *Store) Audit(ctx context.Context, e AuditEvent) error {
	auditMu.Lock()
	defer auditMu.Unlock()
	heads := s.c("counters")
	for attempt := 0; attempt < 20; attempt++ {
		var head auditHead
		err := heads.FindOne(ctx, bson.D{{Key: "_id", Value: "audit"}}).Decode(&head)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return fmt.Errorf("store: audit head: %w", err)
		}
		ev := e
		ev.At = s.now()
		ev.seal(head.Seq+1, head.Hash)
		bucket := bucketFor(head.Bucket, ev.Day)
		won, err := s.moveAuditHead(ctx, head, auditHead{ID: "audit", Seq: ev.Seq, Hash: ev.Hash, Bucket: bucket})
		if err != nil {
			return err
		}
		if !won {
			continue // another process appended first
		}
		if _, err := s.c(auditColl(bucket)).InsertOne(ctx, ev); err != nil {
			// The head moved but the event is missing: verification reports the gap.
			return fmt.Errorf("store: audit insert %d: %w", ev.Seq, err)
		}
		return s.noteAuditDay(ctx, bucket, ev.Seq, ev.Seq, 1)
	}
	return fmt.Errorf("store: audit: %w", ErrConflict)
}

// moveAuditHead moves the chain head from what was read to next, reporting
// false when another writer moved it first.
func (s *Store) moveAuditHead(ctx context.Context, head, next auditHead) (bool, error) {
	heads := s.c("counters")
	if head.ID == "" {
		_, err := heads.InsertOne(ctx, next)
		if isDuplicate(err) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("store: audit head: %w", err)
		}
		return true, nil
	}
	res, err := heads.UpdateOne(ctx, bson.D{{Key: "_id", Value: "audit"}, {Key: "seq", Value: head.Seq}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "seq", Value: next.Seq}, {Key: "hash", Value: next.Hash}, {Key: "bucket", Value: next.Bucket}}}})
	if err != nil {
		return false, fmt.Errorf("store: audit head: %w", err)
	}
	return res.MatchedCount == 1, nil
}

// noteAuditDay records that day holds events first..last (count of them).
func (s *Store) noteAuditDay(ctx context.Context, day string, first, last, count int64) error {
	_, err := s.c("audit_days").UpdateOne(ctx, bson.D{{Key: "_id", Value: day}}, bson.D{
		{Key: "$min", Value: bson.D{{Key: "first", Value: first}}},
		{Key: "$max", Value: bson.D{{Key: "last", Value: last}}},
		{Key: "$inc", Value: bson.D{{Key: "count", Value: count}}},
	}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("store: audit day %s: %w", day, err)
	}
	return nil
}

// auditDays lists the days with events, newest first (a few hundred a year).
func (s *Store) auditDays(ctx context.Context) ([]auditDay, error) {
	cur, err := s.c("audit_days").Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}))
	if err != nil {
		return nil, fmt.Errorf("store: audit days: %w", err)
	}
	var days []auditDay
	if err := cur.All(ctx, &days); err != nil {
		return nil, fmt.Errorf("store: audit days: %w", err)
	}
	return days, nil
}

// AuditFilter narrows ListAudit. Empty fields match everything. Action,
// Actor and Target search one day: Day, or the newest day with events.
type AuditFilter struct {
	Action string
	Actor  string // part of the actor's email
	Target string
	Day    string // YYYY-MM-DD
	Page   int
}

// ListAudit returns a page of events, newest first, and whether more follow.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEvent, bool, error) {
	if f.Page < 1 {
		f.Page = 1
	}
	days, err := s.auditDays(ctx)
	if err != nil || len(days) == 0 {
		return nil, false, err
	}
	filter := bson.D{}
	if f.Action != "" {
		filter = append(filter, bson.E{Key: "action", Value: f.Action})
	}
	if f.Target != "" {
		filter = append(filter, bson.E{Key: "target", Value: f.Target})
	}
	if q := strings.ToLower(strings.TrimSpace(f.Actor)); q != "" {
		filter = append(filter, bson.E{Key: "actor", Value: bson.Regex{Pattern: regexQuote(q)}})
	}
	if f.Day == "" && len(filter) > 0 {
		f.Day = days[0].Day
	}
	if f.Day != "" {
		var evs []AuditEvent
		more, err := s.page(ctx, auditColl(f.Day), filter, bson.D{{Key: "seq", Value: -1}}, f.Page, &evs)
		return evs, more, err
	}
	return s.latestAudit(ctx, days, f.Page)
}

// latestAudit reads one page of the whole log, newest first, touching only
// the days that page falls on.
func (s *Store) latestAudit(ctx context.Context, days []auditDay, page int) ([]AuditEvent, bool, error) {
	skip := int64((page - 1) * PageSize)
	var evs []AuditEvent
	var total int64
	for _, d := range days {
		total += d.Count
	}
	for _, d := range days {
		if len(evs) == PageSize {
			break
		}
		if skip >= d.Count {
			skip -= d.Count
			continue
		}
		cur, err := s.c(auditColl(d.Day)).Find(ctx, bson.D{},
			options.Find().SetSort(bson.D{{Key: "seq", Value: -1}}).SetSkip(skip).SetLimit(int64(PageSize-len(evs))))
		if err != nil {
			return nil, false, fmt.Errorf("store: audit %s: %w", d.Day, err)
		}
		var part []AuditEvent
		if err := cur.All(ctx, &part); err != nil {
			return nil, false, fmt.Errorf("store: audit %s: %w", d.Day, err)
		}
		evs = append(evs, part...)
		skip = 0
	}
	return evs, int64(page*PageSize) < total, nil
}

// AuditBreak describes where the chain does not verify.
type AuditBreak struct {
	Seq    int64
	Reason string
}

// VerifyAudit walks the whole chain in order, day by day, and returns the
// first break, or nil when every event is present and unaltered, with the
// number of events verified.
func (s *Store) VerifyAudit(ctx context.Context) (*AuditBreak, int64, error) {
	days, err := s.auditDays(ctx)
	if err != nil {
		return nil, 0, err
	}
	sort.Slice(days, func(i, j int) bool { return days[i].First < days[j].First })
	var prev string
	var want int64 = 1
	for i := range days {
		cur, err := s.c(auditColl(days[i].Day)).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "seq", Value: 1}}))
		if err != nil {
			return nil, 0, fmt.Errorf("store: verify audit: %w", err)
		}
		for cur.Next(ctx) {
			var ev AuditEvent
			if err := cur.Decode(&ev); err != nil {
				cur.Close(ctx)
				return nil, 0, fmt.Errorf("store: verify audit: %w", err)
			}
			var reason string
			switch {
			case ev.Seq != want:
				reason = "event missing"
			case ev.PrevHash != prev:
				reason = "previous hash does not match"
			case ev.digest() != ev.Hash || ev.ID != fmt.Sprintf("%016d", ev.Seq):
				reason = "event altered"
			}
			if reason != "" {
				cur.Close(ctx)
				at := ev.Seq
				if reason == "event missing" {
					at = want
				}
				return &AuditBreak{Seq: at, Reason: reason}, want - 1, nil
			}
			prev = ev.Hash
			want++
		}
		if err := cur.Err(); err != nil {
			return nil, 0, fmt.Errorf("store: verify audit: %w", err)
		}
		cur.Close(ctx)
	}
	var head auditHead
	err = s.c("counters").FindOne(ctx, bson.D{{Key: "_id", Value: "audit"}}).Decode(&head)
	if err == nil && (head.Seq != want-1 || head.Hash != prev) {
		return &AuditBreak{Seq: want, Reason: "latest events missing"}, want - 1, nil
	}
	return nil, want - 1, nil
}

// AuditHead returns the chain's latest sequence number and hash: 0 and ""
// before the first event.
func (s *Store) AuditHead(ctx context.Context) (int64, string, error) {
	var head auditHead
	err := s.c("counters").FindOne(ctx, bson.D{{Key: "_id", Value: "audit"}}).Decode(&head)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return 0, "", fmt.Errorf("store: audit head: %w", err)
	}
	return head.Seq, head.Hash, nil
}

// AuditEventAt returns event seq. Returns ErrNotFound if it is not stored.
func (s *Store) AuditEventAt(ctx context.Context, seq int64) (*AuditEvent, error) {
	days, err := s.auditDays(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range days {
		if d.First <= seq && seq <= d.Last {
			var ev AuditEvent
			err := s.c(auditColl(d.Day)).FindOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("%016d", seq)}}).Decode(&ev)
			if errors.Is(err, mongo.ErrNoDocuments) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("store: audit event %d: %w", seq, err)
			}
			return &ev, nil
		}
	}
	return nil, fmt.Errorf("store: audit event %d: %w", seq, ErrNotFound)
}

// AuditEventsBetween returns the events with one of actions from from
// (inclusive) to to (exclusive), oldest first, reading only those days.
func (s *Store) AuditEventsBetween(ctx context.Context, from, to time.Time, actions []string) ([]AuditEvent, error) {
	days, err := s.auditDays(ctx)
	if err != nil {
		return nil, err
	}
	first, last := from.UTC().Format(time.DateOnly), to.UTC().Format(time.DateOnly)
	filter := bson.D{{Key: "action", Value: bson.D{{Key: "$in", Value: actions}}},
		{Key: "at", Value: bson.D{{Key: "$gte", Value: from.UTC()}, {Key: "$lt", Value: to.UTC()}}}}
	var evs []AuditEvent
	for _, d := range days {
		if d.Day < first || d.Day > last {
			continue
		}
		cur, err := s.c(auditColl(d.Day)).Find(ctx, filter)
		if err != nil {
			return nil, fmt.Errorf("store: audit %s: %w", d.Day, err)
		}
		var part []AuditEvent
		if err := cur.All(ctx, &part); err != nil {
			return nil, fmt.Errorf("store: audit %s: %w", d.Day, err)
		}
		evs = append(evs, part...)
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].Seq < evs[j].Seq })
	return evs, nil
}
