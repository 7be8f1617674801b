package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
// An event is appended as a document of its own (AuditEventsCollection)
// and later folded, AuditPageSize to a document, into AuditCollection, with
// a small audit_days index of which sequence numbers each day holds: every
// read goes by _id, and a year of events never makes a page read more than
// a day's worth.
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
	// Pending, PendingDays and Closed are the old layout's (before each
	// event had its own document): the head carried the events it moved
	// over until they were on their pages. A head still carrying them
	// after an upgrade has them written by the repair at start-up, or by
	// the next append (settleAuditHead); nothing writes them any more.
	Pending     []AuditEvent `bson:"pending,omitempty"`
	PendingDays []string     `bson:"pendingDays,omitempty"`
	// BucketFirst is the first event of Bucket, the day still being
	// written: its range is BucketFirst to Seq, kept here, so an append
	// does not note it in audit_days; the append that moves on to a new
	// day notes the day it closes, before it moves the head. 0 for a head
	// written before it existed: the next append looks it up in audit_days
	// (which every append noted then) and keeps it from then on.
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

// AuditCollection holds the folded audit events, AuditPageSize to a
// document in sequence order: page n (its _id is AuditPageID of its events)
// holds events n×AuditPageSize+1 to (n+1)×AuditPageSize. An append never
// writes a page: it inserts its events one document each into
// AuditEventsCollection, and a background fold (foldAudit) writes full
// pages from there. Every read goes by _id: a day's events are the pages
// between the day's first and last (audit_days) plus the unfolded events.
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

// AuditEventsCollection holds the events not yet folded into pages, one
// document per event, its _id the event's zero-padded sequence number
// (AuditEvent.ID), so they sort by _id in chain order. An append inserts
// its group commit's events here in one write and moves the chain head in
// one more: it never reads or rewrites another event. A background fold
// (foldAudit) later copies full pages of them into AuditCollection and
// deletes them, so this collection stays a page or two long: reading it
// whole (one find, a scan of a few dozen small documents on the embedded
// engine, the _id index on MongoDB) is how reads find the newest events.
const AuditEventsCollection = "audit_events"

// auditReq is one event waiting to be appended.
type auditReq struct {
	ev   AuditEvent
	done chan error
}

// auditQueue group-commits appends: whoever finds no append running
// appends everything waiting, in arrival order, in one round of writes
// (one insert of the events, one move of the head), while the others wait
// for its answer. The chain is the same as one at a time: each event is
// sealed with the previous event's hash, and the events' unique _ids (their
// sequence numbers) and the conditional move of the head decide between
// processes.
type auditQueue struct {
	mu      sync.Mutex
	pending []*auditReq
	running bool
	// appending is held while events are linked and written: by the one
	// leader of a group commit, by the repair, or by SeedAuditEvents.
	appending sync.Mutex
	// folding is set while a fold runs (one at a time in a process);
	// folded is the highest event this process knows is on a page.
	folding atomic.Bool
	folded  atomic.Int64
	folds   sync.WaitGroup
	// kept is the embedded store's copy of the unfolded events, which the
	// audit pages read (audit_tail.go).
	kept auditKept
}

// auditBatchMax bounds one group commit.
const auditBatchMax = 200

// Audit appends an event. It returns once the event is stored and the chain
// head has moved over it.
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
		// Others' events ride on this request: its cancellation must not
		// fail them, and its OneSync must not answer for them (ownSync).
		err := s.appendAudit(ownSync(context.WithoutCancel(ctx)), batch)
		for _, r := range batch {
			r.done <- err
		}
		q.mu.Lock()
	}
	q.running = false
	q.mu.Unlock()
	return <-req.done
}

// appendAudit links the batch onto the chain and writes it: the events
// first, in one ordered insert, then the head, in one conditional write
// (two round trips on either engine; the head is read from the in-process
// copy on the embedded server, and once more on MongoDB).
//
// Crash consistency: a kill -9 before the insert leaves nothing; during an
// ordered insert, a run of events that follows the head; after it, events
// that follow the head but that it has not moved over. Start-up (Repair:
// repairAuditChain) and the next append in any process (its insert meets
// the first of them as a duplicate _id) carry the head over every stored
// event that chains from it (rollAuditForward), so the chain verifies
// without anyone doing anything, and an event is acknowledged only once it
// is stored and the head is over it. A power cut: the insert is waited for
// on disk (the group commit, durable.go) and the head's move is not (it
// would be a second fsync wait in every batch); a head move lost that way
// is put right at start-up in the same way.
func (s *Store) appendAudit(ctx context.Context, batch []*auditReq) error {
	s.auditQ.appending.Lock()
	defer s.auditQ.appending.Unlock()
	evs := make([]AuditEvent, len(batch))
	for i, r := range batch {
		evs[i] = r.ev
	}
	for range 100 {
		head, err := s.auditHeadNow(ctx)
		if err != nil {
			return err
		}
		if len(head.Pending) > 0 {
			// A head written before events had their own documents,
			// still carrying a crash's events: onto their pages first.
			if err := s.settleAuditHead(ctx, head); err != nil {
				return err
			}
			continue
		}
		sealed := make([]AuditEvent, len(evs))
		prev := head.Hash
		docs := make([]any, len(evs))
		for i := range evs {
			sealed[i] = evs[i]
			sealed[i].At = s.now()
			sealed[i].seal(head.Seq+int64(i)+1, prev)
			prev = sealed[i].Hash
			docs[i] = &sealed[i]
		}
		_, err = s.c(AuditEventsCollection).InsertMany(ctx, docs)
		if err != nil {
			// Perhaps some of them are stored (an ordered insert stops
			// part way): the copy in memory is loaded again from what is.
			s.keptDrop()
		}
		if isDuplicate(err) {
			// Another process appended at these numbers first, or a crash
			// left events the head has not moved over: carry the head over
			// what is stored, keep those of ours that are (an ordered insert
			// may stop part way), and link the rest after.
			if _, err := s.rollAuditForward(ctx); err != nil {
				return err
			}
			n, err := s.storedPrefix(ctx, sealed)
			if err != nil {
				return err
			}
			if evs = evs[n:]; len(evs) == 0 {
				return nil
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("store: audit insert %d: %w", sealed[0].Seq, err)
		}
		// Acknowledged, so stored: the audit pages may show them now, from
		// the copy in memory (audit_tail.go), before the head has moved
		// (a page shows events up to the head it read).
		s.keptAdd(sealed)
		// The events are on disk; the head's move need not wait for its
		// own fsync (a power cut that loses it is put right at start-up).
		if err := s.advanceAuditHead(unsynced(ctx), sealed); err != nil {
			return err
		}
		s.maybeFoldAudit(sealed[len(sealed)-1].Seq)
		return nil
	}
	return fmt.Errorf("store: audit append: %w", ErrConflict)
}

// storedPrefix is how many of sealed, from the first, are stored as sealed
// (each read by _id).
func (s *Store) storedPrefix(ctx context.Context, sealed []AuditEvent) (int, error) {
	for i, ev := range sealed {
		var got AuditEvent
		err := s.c(AuditEventsCollection).FindOne(ctx, bson.D{{Key: "_id", Value: ev.ID}}).Decode(&got)
		if errors.Is(err, mongo.ErrNoDocuments) || err == nil && got.Hash != ev.Hash {
			return i, nil
		}
		if err != nil {
			return 0, fmt.Errorf("store: audit event %d: %w", ev.Seq, err)
		}
	}
	return len(sealed), nil
}

// advanceAuditHead moves the chain head over evs (stored, in sequence
// order, following the head or partly behind it already): the days it
// closes are noted in audit_days first (idempotent $min and $max), then the
// head moves in one conditional write, again if another process moved it
// meanwhile. A head already over them all is left as it is.
func (s *Store) advanceAuditHead(ctx context.Context, evs []AuditEvent) error {
	for range 1000 {
		head, err := s.auditHeadNow(ctx)
		if err != nil {
			return err
		}
		i := 0
		for i < len(evs) && evs[i].Seq <= head.Seq {
			i++
		}
		rest := evs[i:]
		if len(rest) == 0 {
			return nil
		}
		if rest[0].Seq != head.Seq+1 || rest[0].PrevHash != head.Hash {
			return fmt.Errorf("store: audit head %d: event %d does not follow it", head.Seq, rest[0].Seq)
		}
		next := auditHead{ID: "audit", Seq: head.Seq, Hash: head.Hash, Bucket: head.Bucket, BucketFirst: head.BucketFirst}
		if next.Bucket != "" && next.BucketFirst == 0 {
			// A head written before it held its day's range: audit_days
			// noted every append then, so the day's first is there.
			var d auditDay
			err := s.r("audit_days").FindOne(ctx, bson.D{{Key: "_id", Value: next.Bucket}}).Decode(&d)
			if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
				return fmt.Errorf("store: audit day %s: %w", next.Bucket, err)
			}
			next.BucketFirst = max(1, min(d.First, next.Seq))
			if d.First == 0 {
				next.BucketFirst = max(1, next.Seq)
			}
		}
		for _, ev := range rest {
			if b := bucketFor(next.Bucket, ev.Day); b != next.Bucket {
				if next.Bucket != "" {
					if err := s.noteAuditDay(ctx, next.Bucket, next.BucketFirst, ev.Seq-1); err != nil {
						return err
					}
				}
				next.Bucket, next.BucketFirst = b, ev.Seq
			}
			next.Seq, next.Hash = ev.Seq, ev.Hash
		}
		if head.ID == "" {
			_, err := s.c("counters").InsertOne(ctx, next)
			if isDuplicate(err) {
				continue
			}
			if err != nil {
				return fmt.Errorf("store: audit head: %w", err)
			}
			return nil
		}
		res, err := s.updateIf(ctx, "counters", "audit", Eq("seq", head.Seq), bson.D{{Key: "$set", Value: bson.D{
			{Key: "seq", Value: next.Seq}, {Key: "hash", Value: next.Hash}, {Key: "bucket", Value: next.Bucket},
			{Key: "bucketFirst", Value: next.BucketFirst},
		}}})
		if err != nil {
			return fmt.Errorf("store: audit head: %w", err)
		}
		if res.MatchedCount == 1 {
			return nil
		}
	}
	return fmt.Errorf("store: audit head: %w", ErrConflict)
}

// rollAuditForward carries the head over the stored events that follow it
// (a crash between an append's insert and its head move, or another
// process's append in between) and returns how many.
func (s *Store) rollAuditForward(ctx context.Context) (int, error) {
	head, err := s.auditHeadNow(ctx)
	if err != nil {
		return 0, err
	}
	tail, err := s.auditTail(ctx, head.Seq+1, math.MaxInt64)
	if err != nil {
		return 0, err
	}
	prev, want := head.Hash, head.Seq+1
	n := 0
	for n < len(tail) && tail[n].Seq == want && tail[n].PrevHash == prev && tail[n].digest() == tail[n].Hash {
		prev, want = tail[n].Hash, want+1
		n++
	}
	if n == 0 {
		return 0, nil
	}
	return n, s.advanceAuditHead(ctx, tail[:n])
}

// auditTail reads the unfolded events lo..hi, oldest first: one find on
// AuditEventsCollection, which holds a page or two of events (foldAudit).
func (s *Store) auditTail(ctx context.Context, lo, hi int64) ([]AuditEvent, error) {
	if hi < lo {
		return nil, nil
	}
	f := bson.D{{Key: "$gte", Value: auditEventID(lo)}}
	if hi < math.MaxInt64 {
		f = append(f, bson.E{Key: "$lte", Value: auditEventID(hi)})
	}
	cur, err := s.r(AuditEventsCollection).Find(ctx, bson.D{{Key: "_id", Value: f}}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("store: audit events: %w", err)
	}
	var evs []AuditEvent
	if err := cur.All(ctx, &evs); err != nil {
		return nil, fmt.Errorf("store: audit events: %w", err)
	}
	return evs, nil
}

// auditEventID is the _id of event seq (AuditEvent.ID).
func auditEventID(seq int64) string { return fmt.Sprintf("%016d", max(seq, 0)) }

// auditFoldAt is how many unfolded events set off a fold: two pages, so a
// fold always has a full page to write and the events left are under one.
const auditFoldAt = 2 * AuditPageSize

// maybeFoldAudit starts a fold in the background when a page's worth or
// more of events this process appended may be waiting (upto is the head),
// unless one is running. The request that set it off does not wait for it.
func (s *Store) maybeFoldAudit(upto int64) {
	q := &s.auditQ
	if upto-q.folded.Load() < auditFoldAt || !q.folding.CompareAndSwap(false, true) {
		return
	}
	q.folds.Add(1)
	go func() {
		defer q.folds.Done()
		defer q.folding.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.foldAudit(ctx, upto, true); err != nil {
			s.log.Warn("store: audit fold; the next append tries again", "err", err)
		}
	}()
}

// foldAudit moves the unfolded events up to upto (at most the head) onto
// their pages in AuditCollection: each page is written whole, with the
// events it already held (a page of the old layout, or of an earlier
// partial fold), and only then are its events deleted from
// AuditEventsCollection. With full, only full pages are written (the
// background fold); without, the last partial page too (tests that edit
// stored events as an attacker would).
//
// It needs no lock: it touches only events the head is over, which never
// change. A kill -9 between the page and the delete leaves an event in both
// places, which reads take once (by sequence number) and the next fold
// deletes; two folds at once write the same pages. Readers read the unfolded
// events first and the pages after (auditMerge), so an event being folded
// is always in one or the other.
func (s *Store) foldAudit(ctx context.Context, upto int64, full bool) error {
	tail, err := s.auditTail(ctx, 1, upto)
	if err != nil {
		return err
	}
	// through: every event up to it is on a page, as far as this fold knows.
	through := upto
	var lastFolded int64
	for i := 0; i < len(tail); {
		p := (tail[i].Seq - 1) / AuditPageSize
		j := i
		for j < len(tail) && (tail[j].Seq-1)/AuditPageSize == p {
			j++
		}
		id := AuditPageID(p*AuditPageSize + 1)
		var pg auditPage
		err := s.r(AuditCollection).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&pg)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return fmt.Errorf("store: audit fold %s: %w", id, err)
		}
		bySeq := map[int64]AuditEvent{}
		for _, ev := range pg.Events {
			bySeq[ev.Seq] = ev
		}
		for _, ev := range tail[i:j] {
			bySeq[ev.Seq] = ev
		}
		if full && len(bySeq) < AuditPageSize {
			through = p * AuditPageSize
			break
		}
		evs := make([]AuditEvent, 0, len(bySeq))
		for _, ev := range bySeq {
			evs = append(evs, ev)
		}
		slices.SortFunc(evs, func(a, b AuditEvent) int { return cmp.Compare(a.Seq, b.Seq) })
		pg = auditPage{ID: id, Events: evs, Last: evs[len(evs)-1].Seq}
		replace := func() error {
			_, err := s.c(AuditCollection).ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, pg, options.Replace().SetUpsert(true))
			return err
		}
		err = replace()
		if isDuplicate(err) {
			// Another instance's fold inserted the page between this
			// upsert's look and its insert (MongoDB does not retry an
			// upsert that loses that race). A full page is the same 50
			// events whoever folds it, so replacing it now is safe.
			err = replace()
		}
		if err != nil {
			return fmt.Errorf("store: audit fold %s: %w", id, err)
		}
		lastFolded = tail[j-1].Seq
		i = j
	}
	if lastFolded > 0 {
		if _, err := s.c(AuditEventsCollection).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$lte", Value: auditEventID(lastFolded)}}}}); err != nil {
			return fmt.Errorf("store: audit fold: %w", err)
		}
		// Deleted, and on their pages: out of the copy in memory too.
		s.keptFolded(lastFolded)
	}
	if through > s.auditQ.folded.Load() {
		s.auditQ.folded.Store(through)
	}
	return nil
}

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

// repairAuditChain puts right what a crash left of an append, and returns
// how many events it carried: the head over the stored events that follow
// it (rollAuditForward), and, for a head of the old layout, the events it
// still carried onto their pages (settleAuditHead). Start-up runs it
// (Repair) before the portal answers.
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
	settled := len(head.Pending)
	n, err := s.rollAuditForward(ctx)
	if err != nil {
		return 0, err
	}
	// Full pages of unfolded events onto their pages now (a fold stopped
	// part way, or never started), so this process knows where folding
	// stands and the appends' background folds start from there.
	if head, err = s.auditHeadNow(ctx); err != nil {
		return 0, err
	}
	if err := s.foldAudit(ctx, head.Seq, true); err != nil {
		return 0, err
	}
	// The unfolded events left, into the copy the audit pages read
	// (audit_tail.go), from what is stored now.
	s.keptDrop()
	if err := s.loadAuditKept(ctx); err != nil {
		return 0, err
	}
	return settled + n, nil
}

// writeAuditEventsBut adds sealed events (in sequence order) to their
// pages and notes them on their days (buckets[i] is evs[i]'s day), also
// noting the day closed (if any) and not the day open ("" notes every
// day). Each step is idempotent: a page takes events only above its Last
// (one conditional update decides), and a day's note is a $min and a $max.
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

// auditRange reads events lo..hi (by sequence), oldest first: the unfolded
// ones in one find, the rest page by page by _id. Events missing from the
// store are simply absent.
func (s *Store) auditRange(ctx context.Context, lo, hi int64) ([]AuditEvent, error) {
	return s.auditPages(ctx, lo, hi, false)
}

// auditPages is auditRange; with copied, on the embedded server, the pages
// come from the copy of the newest pages (copies.go).
func (s *Store) auditPages(ctx context.Context, lo, hi int64, copied bool) ([]AuditEvent, error) {
	lo = max(lo, 1)
	if hi < lo {
		return nil, nil
	}
	// The unfolded events first, then the pages: an event a fold moves
	// meanwhile is in one or the other (foldAudit).
	tail, err := s.auditTail(ctx, lo, hi)
	if err != nil {
		return nil, err
	}
	return s.auditMerge(ctx, lo, hi, tail, copied)
}

// auditMerge reads the pages of lo..hi that hold events not in tail (the
// unfolded events, read before), up to readPoolSize pages at once, and
// returns those events with tail's, each once, oldest first.
func (s *Store) auditMerge(ctx context.Context, lo, hi int64, tail []AuditEvent, copied bool) ([]AuditEvent, error) {
	have := make(map[int64]bool, len(tail))
	for _, ev := range tail {
		have[ev.Seq] = true
	}
	var need []int64 // pages
	for p := (lo - 1) / AuditPageSize; p <= (hi-1)/AuditPageSize; p++ {
		for seq := max(lo, p*AuditPageSize+1); seq <= min(hi, (p+1)*AuditPageSize); seq++ {
			if !have[seq] {
				need = append(need, p)
				break
			}
		}
	}
	cc := s.docs.through(AuditCollection)
	pages := make([]auditPage, len(need))
	errs := make([]error, len(need))
	sem := make(chan struct{}, readPoolSize)
	var wg sync.WaitGroup
	for i, p := range need {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
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
	out := slices.Clone(tail)
	for _, pg := range pages {
		for _, ev := range pg.Events {
			if ev.Seq >= lo && ev.Seq <= hi && !have[ev.Seq] {
				have[ev.Seq] = true
				out = append(out, ev)
			}
		}
	}
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
	return s.listAudit(ctx, f, s.auditKeptOn())
}

// listAudit is ListAudit, reading the unfolded events from the copy in
// memory (audit_tail.go) when kept, else with a find of what is stored.
func (s *Store) listAudit(ctx context.Context, f AuditFilter, kept bool) ([]AuditEvent, bool, error) {
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
		return s.latestAudit(ctx, head, f.Page, kept)
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
	all, err := s.auditRecent(ctx, day.First, day.Last, false, kept)
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
func (s *Store) latestAudit(ctx context.Context, head auditHead, page int, kept bool) ([]AuditEvent, bool, error) {
	hi := head.Seq - int64((page-1)*PageSize)
	if hi < 1 {
		return nil, false, nil
	}
	lo := max(1, hi-PageSize+1)
	evs, err := s.auditRecent(ctx, lo, hi, page == 1, kept)
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
// the number of events verified. Events stored beyond the head (an append
// between its insert and its head move) are not yet on the chain and are
// not walked.
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
	// The unfolded events once, then every page from the first event kept
	// up to the head's.
	tail, err := s.auditTail(ctx, want, head.Seq)
	if err != nil {
		return nil, 0, fmt.Errorf("store: verify audit: %w", err)
	}
	for p := (want - 1) / AuditPageSize; p <= (head.Seq-1)/AuditPageSize; p++ {
		lo, hi := max(p*AuditPageSize+1, want), min((p+1)*AuditPageSize, head.Seq)
		if hi < lo {
			continue
		}
		var inPage []AuditEvent
		for _, ev := range tail {
			if ev.Seq >= lo && ev.Seq <= hi {
				inPage = append(inPage, ev)
			}
		}
		evs, err := s.auditMerge(ctx, lo, hi, inPage, false)
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
