package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
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
	AuditRecoveryUsed   = "recovery-code-used"
	AuditRecoveryIssued = "recovery-codes-issued"
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
	AuditSampleAttached = "panel-sample-attached"
	// Recommendations register.
	AuditRecCreated  = "recommendation-raised"
	AuditRecStatus   = "recommendation-status-changed"
	AuditRecChanged  = "recommendation-changed"
	AuditRecExported = "recommendations-exported"
)

// AuditActions lists the store's actions for filters, built once: an
// action defined in another file is listed here too (the portal adds its
// own visit actions to its list, server/audit_list.go).
var AuditActions = []string{
	AuditSignIn, AuditSignInFailed, AuditLockedOut, AuditSignOut, AuditSignOutAll,
	AuditInvitation, AuditInvitationUsed, AuditPasswordReset, AuditPasswordSet, AuditTOTPEnrolled, AuditRecoveryUsed, AuditRecoveryIssued,
	AuditRoleChange, AuditUserChange, AuditUserCreated, AuditGroupChange, AuditMembership, AuditPartnerChange,
	AuditAuditViewed, AuditDataImported, AuditPublished, AuditSampleDrawn, AuditSampleAttached, AuditSampleCommitted,
	AuditRecCreated, AuditRecStatus, AuditRecChanged, AuditRecExported,
	AuditAccessReviewed, AuditAccessExported, // access_reviews.go
	AuditAccountDeleted,          // account_retention.go
	AuditPruned,                  // audit_retention.go
	AuditRestored, AuditMigrated, // backup.go
	AuditRefViewed, AuditRefAssessed, AuditRefStatus, AuditRefMessage, AuditRefNote, // referrals.go
	AuditRefLinked, AuditRefSubmitted, AuditRefExported, AuditRefContentGone,
	AuditResealed,                               // reseal.go
	AuditConflictDeclared, AuditConflictRemoved, // conflicts.go
	AuditBasisChanged,  // processing_bases.go
	AuditSubjectAccess, // subject_access.go
}

// AuditEvent is one append-only record of who did what to which record.
// Events form a hash chain: each hash covers the event and the previous
// hash, so deleting or editing an event breaks every later link.
//
// Events are kept in one collection, AuditPageSize to a document (see
// AuditCollection), with a small audit_days index of which sequence numbers
// each day holds: every read goes by _id, and a year of events never makes
// a page read more than a day's worth.
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
	Bucket string `bson:"bucket"` // the day the latest event is filed under
	// Pending are the events the head moved over, with their days, until
	// they are known to be on their pages: the head and its events move in
	// one write, so a crash between the head and the pages leaves them
	// here, and whoever comes next (the next append, or the repair at
	// start-up) writes them (see appendAudit).
	Pending     []AuditEvent `bson:"pending,omitempty"`
	PendingDays []string     `bson:"pendingDays,omitempty"`
	// BucketFirst is the first event of Bucket, the day still being
	// written: its range is BucketFirst to Seq, kept here, so an append
	// does not note it in audit_days each time (one write fewer); the
	// append that moves on to a new day notes the day it closes (Closed,
	// carried with the pending events). 0 for a head written before it
	// existed, or by SeedAuditEvents: then every append notes its day, as
	// before, until the next day begins.
	BucketFirst int64     `bson:"bucketFirst,omitempty"`
	Closed      *auditDay `bson:"closed,omitempty"`
}

// openDay is the head's day still being written, when the head holds its
// range (ok false: audit_days holds it).
func (h auditHead) openDay() (auditDay, bool) {
	if h.BucketFirst <= 0 || h.Bucket == "" {
		return auditDay{}, false
	}
	return auditDay{Day: h.Bucket, First: h.BucketFirst, Last: h.Seq}, true
}

// bucketFor is the day an event is filed under: its own day, but never
// earlier than the previous event's, so each day holds one unbroken run of
// the chain even if clocks disagree around midnight.
func bucketFor(prev, day string) string {
	if prev > day {
		return prev
	}
	return day
}

// auditDay says which events a day holds: first to last, an unbroken run
// of the chain (see bucketFor). Both move with $min and $max, so noting a
// day twice (a repair after a crash) changes nothing.
type auditDay struct {
	Day   string `bson:"_id"`
	First int64  `bson:"first"`
	Last  int64  `bson:"last"`
}

// count is how many events the day holds.
func (d auditDay) count() int64 { return d.Last - d.First + 1 }

// AuditCollection holds every audit event, AuditPageSize to a document in
// sequence order: page n (its _id is AuditPageID of its events) holds
// events n×AuditPageSize+1 to (n+1)×AuditPageSize. Every read goes by _id:
// the newest page of the log is at most two documents after the chain head,
// a day's events the pages between the day's first and last (audit_days).
// One collection for the whole log (issue 18), instead of one per day.
const (
	AuditCollection = "audit"
	AuditPageSize   = PageSize
)

// auditPage is one document of AuditCollection.
type auditPage struct {
	ID     string       `bson:"_id"`
	Events []AuditEvent `bson:"events"`
	// Last is the highest sequence number on the page: events are added
	// only above it, so adding them again after a crash adds nothing.
	// (Pages written before it existed lack it until their next event.)
	Last int64 `bson:"last,omitempty"`
}

// AuditPageID is the _id of the document that holds event seq (for tests
// that edit an event as an attacker with database access would).
func AuditPageID(seq int64) string { return fmt.Sprintf("%012d", (seq-1)/AuditPageSize) }

// auditReq is one event waiting to be appended.
type auditReq struct {
	ev   AuditEvent
	done chan error
}

// auditQueue group-commits appends: whoever finds no append running
// appends everything waiting, in arrival order, in one round of writes
// (one head move, one write per page, one per day), while the others wait
// for its answer. The chain is the same as one at a time: each event is
// sealed with the previous event's hash, and the conditional move of the
// chain head still decides between processes.
type auditQueue struct {
	mu      sync.Mutex
	pending []*auditReq
	running bool
	// appending is held while events are linked and written: by the one
	// leader of a group commit, or by SeedAuditEvents.
	appending sync.Mutex
	// settled is the chain head (its seq) whose pending events this
	// process has written onto their pages and days, acknowledged (under
	// appending). The head keeps carrying them until the next append moves
	// it over its own events: that move replaces them, so clearing them is
	// not a write of its own. A head this process did not settle (a crash,
	// or another process) is settled first, as before.
	settled int64
}

// auditBatchMax bounds one group commit.
const auditBatchMax = 200

// Audit appends an event. The chain head document is the single point of
// decision: an append wins only if the head still has the sequence it read.
func (s *Store) Audit(ctx context.Context, e AuditEvent) error {
	req := &auditReq{ev: e, done: make(chan error, 1)}
	q := &s.auditQ
	q.mu.Lock()
	q.pending = append(q.pending, req)
	if q.running {
		q.mu.Unlock()
		select {
		case err := <-req.done:
			return err
		case <-ctx.Done():
			return ctx.Err() // the event may still be appended
		}
	}
	q.running = true
	for len(q.pending) > 0 {
		n := min(len(q.pending), auditBatchMax)
		batch := q.pending[:n:n]
		q.pending = q.pending[n:]
		q.mu.Unlock()
		// Others' events ride on this request: its cancellation must not fail them.
		err := s.appendAudit(context.WithoutCancel(ctx), batch)
		for _, r := range batch {
			r.done <- err
		}
		q.mu.Lock()
	}
	q.running = false
	q.mu.Unlock()
	return <-req.done
}

// appendAudit links the batch onto the chain and writes it.
//
// Crash consistency: the head moves in one conditional write that also
// carries the events it moved over (Pending). Then the events go onto their
// pages and days, and Pending is cleared. A kill -9 anywhere leaves either
// the old head (nothing happened), or the new head with its pending events,
// which the next append (in any process) and the repair at start-up
// (repairAuditChain) write first; every step is idempotent, so writing them
// twice, or by two processes at once, adds each event once.
func (s *Store) appendAudit(ctx context.Context, batch []*auditReq) error {
	s.auditQ.appending.Lock()
	defer s.auditQ.appending.Unlock()
	for {
		next, left, err := s.moveAuditHeadOver(ctx, batch)
		if err != nil {
			return err
		}
		if left != nil {
			// A crash (or another process, still writing) left events
			// behind the head: write them, then try again.
			if err := s.settleAuditHead(ctx, *left); err != nil {
				return err
			}
			continue
		}
		// The events onto their pages and days (but the day still open,
		// whose range the head holds); the head keeps them as pending
		// until the next append replaces them (settled).
		open, _ := next.openDay()
		if err := s.writeAuditEventsBut(ctx, next.Pending, next.PendingDays, next.Closed, open.Day); err != nil {
			return err
		}
		s.auditQ.settled = next.Seq
		return nil
	}
}

// moveAuditHeadOver links the batch onto the chain and moves the head over
// it, carrying the events as pending, in one write. When the head still
// carries pending events of an earlier append it moves nothing and returns
// that head (left), whose events must be written first.
func (s *Store) moveAuditHeadOver(ctx context.Context, batch []*auditReq) (next auditHead, left *auditHead, err error) {
	// One read-modify-write: under the writer lock on the embedded server,
	// a conditional update (seq still the one read) retried on MongoDB when
	// another process appended first.
	err = s.eng.readModifyWrite(ctx, "counters", "audit", func(cur bson.Raw) (Cond, any, error) {
		var head auditHead
		left = nil
		if cur != nil {
			if err := bson.Unmarshal(cur, &head); err != nil {
				return Cond{}, nil, err
			}
		}
		if len(head.Pending) > 0 && head.Seq != s.auditQ.settled {
			left = &head
			return Cond{}, nil, errAuditPending
		}
		next = auditHead{ID: "audit", Seq: head.Seq, Hash: head.Hash, Bucket: head.Bucket, BucketFirst: head.BucketFirst}
		lastOfOld := head.Seq // the last event filed under head.Bucket
		for _, r := range batch {
			ev := r.ev
			ev.At = s.now()
			next.Seq++
			ev.seal(next.Seq, next.Hash)
			b := bucketFor(next.Bucket, ev.Day)
			if b != next.Bucket {
				next.BucketFirst = next.Seq // a new day begins here
			}
			if b == head.Bucket {
				lastOfOld = next.Seq
			}
			next.Hash, next.Bucket = ev.Hash, b
			next.Pending, next.PendingDays = append(next.Pending, ev), append(next.PendingDays, next.Bucket)
		}
		if head.Bucket != "" && next.Bucket != head.Bucket {
			// The day the head held closes: note its whole range.
			first := head.BucketFirst
			if first <= 0 {
				first = lastOfOld // audit_days holds its first already ($min keeps it)
			}
			next.Closed = &auditDay{Day: head.Bucket, First: first, Last: lastOfOld}
		}
		if cur == nil {
			return Cond{}, next, nil
		}
		return Eq("seq", head.Seq), bson.D{{Key: "$set", Value: bson.D{
			{Key: "seq", Value: next.Seq}, {Key: "hash", Value: next.Hash}, {Key: "bucket", Value: next.Bucket},
			{Key: "bucketFirst", Value: next.BucketFirst}, {Key: "closed", Value: next.Closed},
			{Key: "pending", Value: next.Pending}, {Key: "pendingDays", Value: next.PendingDays},
		}}}, nil
	})
	if errors.Is(err, errAuditPending) {
		return next, left, nil
	}
	if err != nil {
		return next, nil, fmt.Errorf("store: audit head: %w", err)
	}
	return next, nil, nil
}

// errAuditPending says the head still carries events not known to be
// written.
var errAuditPending = errors.New("store: audit head has pending events")

// settleAuditHead writes the head's pending events onto their pages and
// days and then clears them from the head (only if the head has not moved
// on since: a later head carries its own).
func (s *Store) settleAuditHead(ctx context.Context, head auditHead) error {
	if len(head.Pending) == 0 {
		return nil
	}
	if len(head.PendingDays) != len(head.Pending) {
		return fmt.Errorf("store: audit head: %d pending events with %d days", len(head.Pending), len(head.PendingDays))
	}
	if err := s.writeAuditEventsBut(ctx, head.Pending, head.PendingDays, head.Closed, ""); err != nil {
		return err
	}
	_, err := s.updateIf(ctx, "counters", "audit", Eq("seq", head.Seq),
		bson.D{{Key: "$unset", Value: bson.D{{Key: "pending", Value: ""}, {Key: "pendingDays", Value: ""}, {Key: "closed", Value: ""}}}})
	if err != nil {
		return fmt.Errorf("store: audit head: %w", err)
	}
	return nil
}

// repairAuditChain writes the events a crash left in the chain head (moved,
// but its events not yet on their pages) and returns how many it carried.
// Start-up runs it (Repair) before the portal answers.
func (s *Store) repairAuditChain(ctx context.Context) (int, error) {
	s.auditQ.appending.Lock()
	defer s.auditQ.appending.Unlock()
	head, err := s.auditHeadNow(ctx)
	if err != nil {
		return 0, err
	}
	if err := s.settleAuditHead(ctx, head); err != nil {
		return 0, err
	}
	return len(head.Pending), nil
}

// writeAuditEvents adds sealed events (in sequence order) to their pages
// and notes them on their days (buckets[i] is evs[i]'s day). Each step is
// idempotent: a page takes events only above its Last (one conditional
// update decides), and a day's note is a $min and a $max.
func (s *Store) writeAuditEvents(ctx context.Context, evs []AuditEvent, buckets []string) error {
	return s.writeAuditEventsBut(ctx, evs, buckets, nil, "")
}

// writeAuditEventsBut is writeAuditEvents that also notes the day closed
// (if any) and does not note the day open ("" notes every day).
func (s *Store) writeAuditEventsBut(ctx context.Context, evs []AuditEvent, buckets []string, closed *auditDay, open string) error {
	for i := 0; i < len(evs); {
		j := i
		for j < len(evs) && AuditPageID(evs[j].Seq) == AuditPageID(evs[i].Seq) {
			j++
		}
		if err := s.addToAuditPage(ctx, evs[i:j]); err != nil {
			return err
		}
		i = j
	}
	if closed != nil {
		if err := s.noteAuditDay(ctx, closed.Day, closed.First, closed.Last); err != nil {
			return err
		}
	}
	for i := 0; i < len(evs); {
		j := i
		for j < len(evs) && buckets[j] == buckets[i] {
			j++
		}
		if buckets[i] != open && (closed == nil || buckets[i] != closed.Day) {
			if err := s.noteAuditDay(ctx, buckets[i], evs[i].Seq, evs[j-1].Seq); err != nil {
				return err
			}
		}
		i = j
	}
	return nil
}

// addToAuditPage adds evs (consecutive events of one page) to their page,
// unless the page already holds them.
func (s *Store) addToAuditPage(ctx context.Context, evs []AuditEvent) error {
	id, first, last := AuditPageID(evs[0].Seq), evs[0].Seq, evs[len(evs)-1].Seq
	for range 3 {
		res, err := s.updateIf(ctx, AuditCollection, id, Or(Exists("last", false), Lt("last", first)), bson.D{
			{Key: "$push", Value: bson.D{{Key: "events", Value: bson.D{{Key: "$each", Value: evs}}}}},
			{Key: "$max", Value: bson.D{{Key: "last", Value: last}}},
		})
		if err != nil {
			return fmt.Errorf("store: audit insert %d: %w", first, err)
		}
		if res.MatchedCount == 1 {
			return nil
		}
		// Either the page holds them already or there is no page yet.
		var pg auditPage
		err = s.c(AuditCollection).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&pg)
		if err == nil {
			if pg.Last >= first {
				return nil
			}
			continue // changed between the two: decide again
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return fmt.Errorf("store: audit page %s: %w", id, err)
		}
		_, err = s.c(AuditCollection).InsertOne(ctx, auditPage{ID: id, Events: evs, Last: last})
		if err == nil {
			return nil
		}
		if !isDuplicate(err) {
			return fmt.Errorf("store: audit insert %d: %w", first, err)
		}
	}
	return fmt.Errorf("store: audit insert %d: %w", first, ErrConflict)
}

// moveAuditHead moves the chain head from what was read to next, reporting
// false when another writer moved it first.
func (s *Store) moveAuditHead(ctx context.Context, head, next auditHead) (bool, error) {
	if head.ID == "" {
		_, err := s.c("counters").InsertOne(ctx, next)
		if isDuplicate(err) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("store: audit head: %w", err)
		}
		return true, nil
	}
	res, err := s.updateIf(ctx, "counters", "audit", Eq("seq", head.Seq),
		bson.D{{Key: "$set", Value: bson.D{{Key: "seq", Value: next.Seq}, {Key: "hash", Value: next.Hash}, {Key: "bucket", Value: next.Bucket},
			{Key: "bucketFirst", Value: next.BucketFirst}}}})
	if err != nil {
		return false, fmt.Errorf("store: audit head: %w", err)
	}
	return res.MatchedCount == 1, nil
}

// noteAuditDay records that day holds events first..last.
func (s *Store) noteAuditDay(ctx context.Context, day string, first, last int64) error {
	_, err := s.c("audit_days").UpdateOne(ctx, bson.D{{Key: "_id", Value: day}}, bson.D{
		{Key: "$min", Value: bson.D{{Key: "first", Value: first}}},
		{Key: "$max", Value: bson.D{{Key: "last", Value: last}}},
	}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("store: audit day %s: %w", day, err)
	}
	return nil
}

// auditDays lists the days with events, newest first (a few hundred a year).
func (s *Store) auditDays(ctx context.Context) ([]auditDay, error) {
	cur, err := s.r("audit_days").Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}))
	if err != nil {
		return nil, fmt.Errorf("store: audit days: %w", err)
	}
	var days []auditDay
	if err := cur.All(ctx, &days); err != nil {
		return nil, fmt.Errorf("store: audit days: %w", err)
	}
	head, err := s.auditHeadNow(ctx)
	if err != nil {
		return nil, err
	}
	if open, ok := head.openDay(); ok {
		// The head holds the open day's range (audit_days may hold part of it).
		days = slices.DeleteFunc(days, func(d auditDay) bool { return d.Day == open.Day })
		days = append([]auditDay{open}, days...)
		sort.Slice(days, func(i, j int) bool { return days[i].Day > days[j].Day })
	}
	return days, nil
}

// auditHeadNow reads the chain head (zero when the log is empty): on the
// embedded server from the copy the appends write through (copies.go).
func (s *Store) auditHeadNow(ctx context.Context) (auditHead, error) {
	var head auditHead
	err := s.findByID(ctx, "counters", "audit", &head)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return head, fmt.Errorf("store: audit head: %w", err)
	}
	return head, nil
}

// auditRange reads events lo..hi (by sequence), oldest first, page by page
// by _id, up to readPoolSize pages at once (a day is about a dozen pages).
// Events missing from the store are simply absent.
func (s *Store) auditRange(ctx context.Context, lo, hi int64) ([]AuditEvent, error) {
	if lo < 1 {
		lo = 1
	}
	if hi < lo {
		return nil, nil
	}
	return s.auditPages(ctx, lo, hi, false)
}

// auditPages is auditRange; with copied, on the embedded server, the pages
// come from the copy of the newest pages the appends write through
// (copies.go), so the newest page of the log costs no round trip.
func (s *Store) auditPages(ctx context.Context, lo, hi int64, copied bool) ([]AuditEvent, error) {
	if lo < 1 {
		lo = 1
	}
	if hi < lo {
		return nil, nil
	}
	cc := s.docs.through(AuditCollection)
	first, last := (lo-1)/AuditPageSize, (hi-1)/AuditPageSize
	pages := make([]auditPage, last-first+1)
	errs := make([]error, len(pages))
	sem := make(chan struct{}, readPoolSize)
	var wg sync.WaitGroup
	for i := range pages {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			p := first + int64(i)
			id := AuditPageID(p*AuditPageSize + 1)
			find := func() (bson.Raw, error) {
				raw, err := s.r(AuditCollection).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
				return bson.Raw(append([]byte(nil), raw...)), err
			}
			var raw bson.Raw
			var err error
			if copied && cc != nil {
				raw, err = s.docs.load(cc, id, find)
			} else {
				raw, err = find()
			}
			if err == nil {
				err = bson.Unmarshal(raw, &pages[i])
			}
			if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
				errs[i] = fmt.Errorf("store: audit page %d: %w", p, err)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var out []AuditEvent
	for _, pg := range pages {
		for _, ev := range pg.Events {
			if ev.Seq >= lo && ev.Seq <= hi {
				out = append(out, ev)
			}
		}
	}
	// Two processes may add to one page in either order.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, nil
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
	head, err := s.auditHeadNow(ctx)
	if err != nil || head.Seq == 0 {
		return nil, false, err
	}
	actor := strings.ToLower(strings.TrimSpace(f.Actor))
	filtered := f.Action != "" || f.Target != "" || actor != ""
	if f.Day == "" && filtered {
		f.Day = head.Bucket
	}
	if f.Day == "" {
		return s.latestAudit(ctx, head, f.Page)
	}
	var day auditDay
	if open, ok := head.openDay(); ok && open.Day == f.Day {
		day = open
	} else {
		err = s.r("audit_days").FindOne(ctx, bson.D{{Key: "_id", Value: f.Day}}).Decode(&day)
	}
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: audit day %s: %w", f.Day, err)
	}
	all, err := s.auditRange(ctx, day.First, day.Last)
	if err != nil {
		return nil, false, err
	}
	var match []AuditEvent
	for i := len(all) - 1; i >= 0; i-- { // newest first
		ev := all[i]
		if f.Action != "" && ev.Action != f.Action || f.Target != "" && ev.Target != f.Target ||
			actor != "" && !strings.Contains(ev.Actor, actor) {
			continue
		}
		match = append(match, ev)
	}
	from := (f.Page - 1) * PageSize
	if from >= len(match) {
		return nil, false, nil
	}
	to := min(from+PageSize, len(match))
	return match[from:to], to < len(match), nil
}

// latestAudit reads one page of the whole log, newest first: the events
// by sequence number below the head, at most two documents by _id.
func (s *Store) latestAudit(ctx context.Context, head auditHead, page int) ([]AuditEvent, bool, error) {
	hi := head.Seq - int64((page-1)*PageSize)
	if hi < 1 {
		return nil, false, nil
	}
	lo := max(1, hi-PageSize+1)
	evs, err := s.auditPages(ctx, lo, hi, page == 1)
	if err != nil {
		return nil, false, err
	}
	slices.Reverse(evs)
	return evs, lo > 1, nil
}

// AuditBreak describes where the chain does not verify.
type AuditBreak struct {
	Seq    int64
	Reason string
}

// VerifyAudit walks the whole chain in order, page by page, and returns
// the first break, or nil when every event is present and unaltered, with
// the number of events verified.
func (s *Store) VerifyAudit(ctx context.Context) (*AuditBreak, int64, error) {
	head, err := s.auditHeadNow(ctx)
	if err != nil {
		return nil, 0, err
	}
	var prev string
	var want int64 = 1
	// After old events were removed, the chain starts from the anchor
	// (audit_retention.go).
	anchor, err := s.AuditAnchorNow(ctx)
	if err != nil {
		return nil, 0, err
	}
	if anchor != nil {
		prev, want = anchor.Hash, anchor.Seq+1
	}
	// Every page from the first event kept up to the head's, and the one
	// after (events written without their head would be there).
	for p := (want - 1) / AuditPageSize; p <= head.Seq/AuditPageSize+1; p++ {
		evs, err := s.auditRange(ctx, max(p*AuditPageSize+1, want), (p+1)*AuditPageSize)
		if err != nil {
			return nil, 0, fmt.Errorf("store: verify audit: %w", err)
		}
		for _, ev := range evs {
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
				at := ev.Seq
				if reason == "event missing" {
					at = want
				}
				return &AuditBreak{Seq: at, Reason: reason}, want - 1, nil
			}
			prev = ev.Hash
			want++
		}
	}
	if head.ID != "" && (head.Seq != want-1 || head.Hash != prev) {
		return &AuditBreak{Seq: want, Reason: "latest events missing"}, want - 1, nil
	}
	return nil, want - 1, nil
}

// AuditEventAt returns event seq. Returns ErrNotFound if it is not stored.
func (s *Store) AuditEventAt(ctx context.Context, seq int64) (*AuditEvent, error) {
	evs, err := s.auditRange(ctx, seq, seq)
	if err != nil {
		return nil, err
	}
	if len(evs) == 0 {
		return nil, fmt.Errorf("store: audit event %d: %w", seq, ErrNotFound)
	}
	return &evs[0], nil
}

// AuditEventsBetween returns the events with one of actions from from
// (inclusive) to to (exclusive), oldest first, reading only those days.
func (s *Store) AuditEventsBetween(ctx context.Context, from, to time.Time, actions []string) ([]AuditEvent, error) {
	days, err := s.auditDays(ctx)
	if err != nil {
		return nil, err
	}
	first, last := from.UTC().Format(time.DateOnly), to.UTC().Format(time.DateOnly)
	var evs []AuditEvent
	for _, d := range days {
		if d.Day < first || d.Day > last {
			continue
		}
		all, err := s.auditRange(ctx, d.First, d.Last)
		if err != nil {
			return nil, err
		}
		for _, ev := range all {
			if !ev.At.Before(from) && ev.At.Before(to) && slices.Contains(actions, ev.Action) {
				evs = append(evs, ev)
			}
		}
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].Seq < evs[j].Seq })
	return slices.CompactFunc(evs, func(a, b AuditEvent) bool { return a.Seq == b.Seq }), nil
}
