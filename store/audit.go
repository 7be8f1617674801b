package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
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
)

// AuditActions lists the actions for filters.
var AuditActions = []string{
	AuditSignIn, AuditSignInFailed, AuditLockedOut, AuditSignOut, AuditSignOutAll,
	AuditInvitation, AuditInvitationUsed, AuditPasswordReset, AuditPasswordSet, AuditTOTPEnrolled,
	AuditRoleChange, AuditUserChange, AuditUserCreated, AuditGroupChange, AuditMembership, AuditPartnerChange,
	AuditAuditViewed, AuditDataImported, AuditPublished,
}

// AuditEvent is one append-only record of who did what to which record.
// Events form a hash chain: each hash covers the event and the previous
// hash, so deleting or editing an event breaks every later link.
type AuditEvent struct {
	Seq      int64     `bson:"_id"`
	At       time.Time `bson:"at"`
	Day      string    `bson:"day"` // YYYY-MM-DD, for filtering
	ActorID  string    `bson:"actorId,omitempty"`
	Actor    string    `bson:"actor,omitempty"` // email at the time, or "system"
	Action   string    `bson:"action"`
	Target   string    `bson:"target,omitempty"` // the record acted on, e.g. "user:64f…"
	Detail   string    `bson:"detail,omitempty"`
	PrevHash string    `bson:"prevHash"`
	Hash     string    `bson:"hash"`
}

// digest is the event's hash over its content and the previous hash.
func (e *AuditEvent) digest() string {
	h := sha256.New()
	for _, f := range []string{
		strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano), e.ActorID, e.Actor,
		e.Action, e.Target, e.Detail, e.PrevHash,
	} {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

type auditHead struct {
	ID   string `bson:"_id"`
	Seq  int64  `bson:"seq"`
	Hash string `bson:"hash"`
}

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
		ev.Seq = head.Seq + 1
		ev.At = s.now().UTC().Truncate(time.Millisecond)
		ev.Day = ev.At.Format(time.DateOnly)
		ev.PrevHash = head.Hash
		ev.Hash = ev.digest()
		if head.Seq == 0 && head.ID == "" {
			_, err = heads.InsertOne(ctx, auditHead{ID: "audit", Seq: 1, Hash: ev.Hash})
			if isDuplicate(err) {
				continue
			}
		} else {
			var res *mongo.UpdateResult
			res, err = heads.UpdateOne(ctx, bson.D{{Key: "_id", Value: "audit"}, {Key: "seq", Value: head.Seq}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "seq", Value: ev.Seq}, {Key: "hash", Value: ev.Hash}}}})
			if err == nil && res.MatchedCount == 0 {
				continue // another process appended first
			}
		}
		if err != nil {
			return fmt.Errorf("store: audit head: %w", err)
		}
		if _, err := s.c("audit").InsertOne(ctx, ev); err != nil {
			// The head moved but the event is missing: verification reports the gap.
			return fmt.Errorf("store: audit insert %d: %w", ev.Seq, err)
		}
		return nil
	}
	return fmt.Errorf("store: audit: %w", ErrConflict)
}

// AuditFilter narrows ListAudit. Empty fields match everything.
type AuditFilter struct {
	Action string
	Actor  string // part of the actor's email
	Target string
	Day    string // YYYY-MM-DD
	Page   int
}

func (f AuditFilter) empty() bool {
	return f.Action == "" && f.Actor == "" && f.Target == "" && f.Day == ""
}

// ListAudit returns a page of events, newest first, and whether more follow.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEvent, bool, error) {
	if f.Page < 1 {
		f.Page = 1
	}
	if f.empty() {
		return s.latestAudit(ctx, f.Page)
	}
	filter := bson.D{}
	if f.Action != "" {
		filter = append(filter, bson.E{Key: "action", Value: f.Action})
	}
	if f.Day != "" {
		filter = append(filter, bson.E{Key: "day", Value: f.Day})
	}
	if f.Target != "" {
		filter = append(filter, bson.E{Key: "target", Value: f.Target})
	}
	if q := strings.ToLower(strings.TrimSpace(f.Actor)); q != "" {
		filter = append(filter, bson.E{Key: "actor", Value: bson.Regex{Pattern: regexQuote(q)}})
	}
	var evs []AuditEvent
	more, err := s.page(ctx, "audit", filter, bson.D{{Key: "_id", Value: -1}}, f.Page, &evs)
	return evs, more, err
}

// latestAudit reads the newest events by _id from the chain head, which
// stays fast however long the log grows (the embedded server scans for
// anything but an _id match).
func (s *Store) latestAudit(ctx context.Context, page int) ([]AuditEvent, bool, error) {
	var head auditHead
	err := s.c("counters").FindOne(ctx, bson.D{{Key: "_id", Value: "audit"}}).Decode(&head)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: audit head: %w", err)
	}
	top := head.Seq - int64((page-1)*PageSize)
	var evs []AuditEvent
	for seq := top; seq > 0 && seq > top-PageSize; seq-- {
		var ev AuditEvent
		err := s.c("audit").FindOne(ctx, bson.D{{Key: "_id", Value: seq}}).Decode(&ev)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue // a gap; VerifyAudit reports it
		}
		if err != nil {
			return nil, false, fmt.Errorf("store: audit %d: %w", seq, err)
		}
		evs = append(evs, ev)
	}
	return evs, top-PageSize > 0, nil
}

// AuditBreak describes where the chain does not verify.
type AuditBreak struct {
	Seq    int64
	Reason string
}

// VerifyAudit walks the whole chain in order and returns the first break, or
// nil when every event is present and unaltered.
func (s *Store) VerifyAudit(ctx context.Context) (*AuditBreak, int64, error) {
	cur, err := s.c("audit").Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, 0, fmt.Errorf("store: verify audit: %w", err)
	}
	defer cur.Close(ctx)
	var prev string
	var want int64 = 1
	for cur.Next(ctx) {
		var ev AuditEvent
		if err := cur.Decode(&ev); err != nil {
			return nil, 0, fmt.Errorf("store: verify audit: %w", err)
		}
		switch {
		case ev.Seq != want:
			return &AuditBreak{Seq: want, Reason: "event missing"}, want - 1, nil
		case ev.PrevHash != prev:
			return &AuditBreak{Seq: ev.Seq, Reason: "previous hash does not match"}, want - 1, nil
		case ev.digest() != ev.Hash:
			return &AuditBreak{Seq: ev.Seq, Reason: "event altered"}, want - 1, nil
		}
		prev = ev.Hash
		want++
	}
	if err := cur.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: verify audit: %w", err)
	}
	var head auditHead
	err = s.c("counters").FindOne(ctx, bson.D{{Key: "_id", Value: "audit"}}).Decode(&head)
	if err == nil && (head.Seq != want-1 || head.Hash != prev) {
		return &AuditBreak{Seq: want, Reason: "latest events missing"}, want - 1, nil
	}
	return nil, want - 1, nil
}
