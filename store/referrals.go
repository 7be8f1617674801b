package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"candour/sealed"
)

// Referrals from partner organisations and anonymous reports from the
// public, both kept in the referrals collection and read by the Counter
// Corruption Unit. What people wrote (the answers, the person of concern,
// a reporter's contact details, every message and note) is sealed with the
// store's Sealer before it is written, bound to the document id and field
// name; only triage fields (kind, category, status, risk, grading,
// assignee, dates) are stored in the clear, so the queue can be sorted and
// filtered without decrypting anything.

// Kinds of referral.
const (
	KindPartner   = "partner"
	KindAnonymous = "anonymous"
)

// Referral statuses, in the order the CCU works through them.
const (
	RefReceived     = "received"
	RefAssessing    = "assessing"
	RefMoreInfo     = "more-information-requested"
	RefReferred     = "referred-for-investigation"
	RefNoFurther    = "no-further-action"
	RefClosed       = "closed"
	RefContentGone  = "content-deleted" // shown for tombstones only
	MaxReferralText = 20000             // characters a field
)

// RefStatuses lists the statuses the CCU can choose.
var RefStatuses = []string{RefReceived, RefAssessing, RefMoreInfo, RefReferred, RefNoFurther, RefClosed}

// RefCategories are the national reporting service's five categories.
var RefCategories = []string{"sexual-purpose", "partner-abuse", "discrimination", "information-for-favours", "personal-advantage"}

// Risk levels, most serious first.
var RefRisks = []string{"urgent", "high", "medium", "low"}

// Grading values (3x5x2).
var (
	SourceGrades   = []string{"1", "2", "3"}
	IntelGrades    = []string{"A", "B", "C", "D", "E"}
	HandlingGrades = []string{"P", "C"}
)

// ReferralContent is everything a partner or reporter answered. It is
// sealed as one field of the document.
type ReferralContent struct {
	Category      string `json:"category"`
	PersonName    string `json:"personName,omitempty"` // name or description
	PersonForce   string `json:"personForce,omitempty"`
	PersonRole    string `json:"personRole,omitempty"`
	CollarNumber  string `json:"collarNumber,omitempty"`
	Station       string `json:"station,omitempty"`
	WhatHappened  string `json:"whatHappened"`
	When          string `json:"when,omitempty"`
	Where         string `json:"where,omitempty"`
	OnDuty        string `json:"onDuty,omitempty"`   // on, off, unknown
	Setting       string `json:"setting,omitempty"`  // online, in-person, both, unknown
	HowKnown      string `json:"howKnown,omitempty"` // disclosure, witnessed, third-hand (partners); happened-to-me, saw-it, told (public)
	VictimConsent string `json:"victimConsent,omitempty"`
	SafeContact   string `json:"safeContact,omitempty"`
	Safeguarding  string `json:"safeguarding,omitempty"`
	Danger        string `json:"danger,omitempty"` // yes, no
}

// ReporterContact is what an anonymous reporter chose to leave, if anything.
type ReporterContact struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
	When  string `json:"when,omitempty"` // when and how it is safe to contact them
}

// Empty reports whether nothing was left.
func (c ReporterContact) Empty() bool { return c == ReporterContact{} }

// Message authors.
const (
	FromCCU      = "ccu"
	FromPartner  = "partner"
	FromReporter = "reporter"
	FromNote     = "note" // a CCU private note: never shown outside the CCU
)

// RefMessage is one message of the two-way conversation, or a private
// note. Messages are appended to the referral's document.
type RefMessage struct {
	ID     string    `bson:"id"`
	From   string    `bson:"from"`
	ByName string    `bson:"byName,omitempty"` // CCU and partner staff; never the anonymous reporter
	At     time.Time `bson:"at"`               // to the day for anonymous reports
	Body   []byte    `bson:"body"`             // sealed
	Text   string    `bson:"-"`                // opened
}

// Referral is one referral or report.
type Referral struct {
	ID          string    `bson:"_id"`
	Ref         string    `bson:"ref"` // CCU-00042, shown to partners and the CCU
	Kind        string    `bson:"kind"`
	PartnerID   string    `bson:"partnerId,omitempty"`
	SubmittedBy string    `bson:"submittedBy,omitempty"` // the partner worker's account
	Category    string    `bson:"category"`
	Danger      bool      `bson:"danger"`     // someone was said to be in immediate danger
	Urgent      bool      `bson:"urgent"`     // flagged urgent: danger, or risk set urgent
	ReceivedAt  time.Time `bson:"receivedAt"` // to the day for anonymous reports
	StatusAt    time.Time `bson:"statusAt"`

	Status       string `bson:"status"`
	Risk         string `bson:"risk,omitempty"`
	Source       string `bson:"source,omitempty"`
	Intel        string `bson:"intel,omitempty"`
	Handling     string `bson:"handling,omitempty"`
	AssigneeID   string `bson:"assigneeId,omitempty"`
	AssigneeName string `bson:"assigneeName,omitempty"`

	SealedContent []byte       `bson:"content,omitempty"`
	SealedContact []byte       `bson:"contact,omitempty"`
	ReceiptHash   string       `bson:"receiptHash,omitempty"` // argon2id of the receipt (anonymous)
	ReturnKey     string       `bson:"returnKey,omitempty"`   // SHA-256 of the reporter's current visit nonce (report_visits.go)
	Blind         []string     `bson:"blind,omitempty"`       // keyed blind index of the person of concern
	Links         []string     `bson:"links,omitempty"`       // confirmed related referrals
	NotLinked     []string     `bson:"notLinked,omitempty"`   // proposals the analyst rejected
	Messages      []RefMessage `bson:"messages,omitempty"`
	AwaitingCCU   bool         `bson:"awaitingCcu"`   // the partner or reporter wrote last
	AwaitingReply bool         `bson:"awaitingReply"` // the CCU asked and has no answer yet
	Version       int          `bson:"version"`
	ContentGone   bool         `bson:"contentGone,omitempty"`
	GoneAt        time.Time    `bson:"goneAt,omitempty"`

	Content ReferralContent `bson:"-"` // opened by OpenReferral
	Contact ReporterContact `bson:"-"`
}

// Graded reports whether the CCU has recorded a full 3x5x2 grading.
func (r *Referral) Graded() bool { return r.Source != "" && r.Intel != "" && r.Handling != "" }

// Grading is the grade as the CCU writes it, like "2/B/P".
func (r *Referral) Grading() string {
	if !r.Graded() {
		return ""
	}
	return r.Source + "/" + r.Intel + "/" + r.Handling
}

// Linked reports whether id is a confirmed related referral.
func (r *Referral) Linked(id string) bool { return slices.Contains(r.Links, id) }

// RefSummary is the part of a referral that lists and the queue read.
// Summaries live in their own collection (referral_index) of small
// documents, so the queue never parses sealed content and messages: on
// the embedded server every query but an exact _id parses the whole
// collection. The referral itself stays the single point of decision; its
// summary is rewritten after every change, idempotently
// (syncReferralIndex repairs one left behind by a crash in between).
type RefSummary struct {
	ID            string    `bson:"_id"`
	Ref           string    `bson:"ref"`
	Kind          string    `bson:"kind"`
	PartnerID     string    `bson:"partnerId,omitempty"`
	Category      string    `bson:"category"`
	Urgent        bool      `bson:"urgent"`
	ReceivedAt    time.Time `bson:"receivedAt"`
	StatusAt      time.Time `bson:"statusAt"`
	Status        string    `bson:"status"`
	Risk          string    `bson:"risk,omitempty"`
	Source        string    `bson:"source,omitempty"`
	Intel         string    `bson:"intel,omitempty"`
	Handling      string    `bson:"handling,omitempty"`
	AssigneeName  string    `bson:"assigneeName,omitempty"`
	Blind         []string  `bson:"blind,omitempty"`
	AwaitingCCU   bool      `bson:"awaitingCcu"`
	AwaitingReply bool      `bson:"awaitingReply"`
	ContentGone   bool      `bson:"contentGone,omitempty"`
	Version       int       `bson:"version"`  // the referral's (assessments and deletion move it)
	Messages      int       `bson:"messages"` // how many messages and notes (they do not move the version)
}

// Summary is r's entry in the index.
func (r *Referral) Summary() RefSummary {
	return RefSummary{ID: r.ID, Ref: r.Ref, Kind: r.Kind, PartnerID: r.PartnerID, Category: r.Category, Urgent: r.Urgent,
		ReceivedAt: r.ReceivedAt, StatusAt: r.StatusAt, Status: r.Status, Risk: r.Risk, Source: r.Source, Intel: r.Intel,
		Handling: r.Handling, AssigneeName: r.AssigneeName, Blind: r.Blind, AwaitingCCU: r.AwaitingCCU,
		AwaitingReply: r.AwaitingReply, ContentGone: r.ContentGone, Version: r.Version, Messages: len(r.Messages)}
}

// Grading is the grade as the CCU writes it, like "2/B/P", or "".
func (r RefSummary) Grading() string {
	if r.Source == "" || r.Intel == "" || r.Handling == "" {
		return ""
	}
	return r.Source + "/" + r.Intel + "/" + r.Handling
}

// putRefSummary rewrites the summary of referral id from the referral.
func (s *Store) putRefSummary(ctx context.Context, id string) error {
	r, err := s.Referral(ctx, id)
	if err != nil {
		return err
	}
	sum := r.Summary()
	res, err := s.c("referral_index").ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, sum)
	if err == nil && res.MatchedCount == 0 {
		if _, err = s.c("referral_index").InsertOne(ctx, sum); isDuplicate(err) {
			err = nil
		}
	}
	if err != nil {
		return fmt.Errorf("store: index referral %s: %w", id, err)
	}
	return s.bumpRefIndex(ctx)
}

// syncReferralIndex rewrites every summary whose version differs from its
// referral's, and returns how many. It reads every referral, so it runs
// in the background job, never on a page; one at a time from a cursor, so
// that the whole collection is never held decoded at once.
func (s *Store) syncReferralIndex(ctx context.Context) (int, error) {
	have, err := s.versionsOf(ctx, "referral_index") // from the database, not the cache: this repairs it
	if err != nil {
		return 0, err
	}
	cur, err := s.r("referrals").Find(ctx, bson.D{}, options.Find().SetBatchSize(repairBatch))
	if err != nil {
		return 0, fmt.Errorf("store: sync referral index: %w", err)
	}
	defer cur.Close(ctx)
	n := 0
	for cur.Next(ctx) {
		var r Referral
		if err := cur.Decode(&r); err != nil {
			return n, fmt.Errorf("store: sync referral index: %w", err)
		}
		if r.Kind == KindSlot {
			continue
		}
		if v, ok := have[r.ID]; ok && v == [2]int{r.Version, len(r.Messages)} {
			continue
		}
		if err := s.putRefSummary(ctx, r.ID); err != nil {
			return n, err
		}
		n++
	}
	if err := cur.Err(); err != nil {
		return n, fmt.Errorf("store: sync referral index: %w", err)
	}
	return n, nil
}

// dbRefSummaries reads every summary from the database, in queue order:
// urgent first, then newest received, then by _id, newest first. Sorted
// here, not by the database: asked to sort, the embedded engine holds
// every summary decoded at once before the first batch.
func (s *Store) dbRefSummaries(ctx context.Context) ([]RefSummary, error) {
	cur, err := s.r("referral_index").Find(ctx, bson.D{}, options.Find().SetBatchSize(repairBatch))
	if err != nil {
		return nil, fmt.Errorf("store: referral index: %w", err)
	}
	rs := []RefSummary{}
	if err := cur.All(ctx, &rs); err != nil {
		return nil, fmt.Errorf("store: referral index: %w", err)
	}
	rs = slices.DeleteFunc(rs, func(r RefSummary) bool { return r.Kind == KindSlot })
	slices.SortFunc(rs, func(a, b RefSummary) int {
		if a.Urgent != b.Urgent {
			if a.Urgent {
				return -1
			}
			return 1
		}
		if c := b.ReceivedAt.Compare(a.ReceivedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return rs, nil
}

// ErrNoKeys is returned when the store has no Sealer: referral content
// cannot be written or read without the field keys.
var ErrNoKeys = errors.New("store: no field encryption keys configured")

// SetSealer gives the store its field-encryption keys.
//
// The copies that hold texts opened with the keys (the advice requests',
// copy_advice.go) are dropped, so that nothing opened with keys the store
// no longer has is served.
func (s *Store) SetSealer(sl *sealed.Sealer) {
	s.sealer = sl
	if s.adviceOpened != nil {
		s.adviceOpened.invalidate("")
		s.adviceAll.invalidate("")
	}
}

// Sealer is the store's field-encryption keys (nil when none are set).
func (s *Store) Sealer() *sealed.Sealer { return s.sealer }

// blindValues are the blind-index entries for a person of concern: the
// collar number, and the name with the force.
func (s *Store) blindValues(c ReferralContent) []string {
	var out []string
	if b := s.sealer.Blind("collar", collarDigits(c.CollarNumber)); b != "" {
		out = append(out, b)
	}
	if b := s.sealer.Blind("name", c.PersonName, c.PersonForce); b != "" {
		out = append(out, b)
	}
	return out
}

// collarDigits keeps a collar number's digits when it has any, so "PC 1234",
// "DC1234" and "1234" are the same shoulder number (forces reuse the digits
// across ranks).
func collarDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return s
	}
	return b.String()
}

func (s *Store) sealJSON(id, field string, v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return s.seal("referrals", id, field, raw)
}

// refBlock is how many reference numbers the embedded server takes from
// the counter at once. One process owns the embedded data, so it hands
// them out in order from memory: a partner referral's number costs no
// round trip except for one referral in refBlock. Every number is still
// taken from the counter once (the counter only moves on), so none is ever
// given twice; the numbers of a block not used when the process stops are
// skipped, never reused. On MongoDB, where several instances share the
// counter, each referral takes its own number (a block per instance would
// put numbers out of the order referrals arrived in).
const refBlock = 20

// refNumbers is the block of reference numbers this process holds.
type refNumbers struct {
	mu         sync.Mutex
	next, last int64 // next..last are this process's, not yet given
}

// nextRef takes the next reference number.
func (s *Store) nextRef(ctx context.Context) (string, error) {
	step := int64(1)
	if s.embedded != nil {
		step = refBlock
	}
	s.refs.mu.Lock()
	defer s.refs.mu.Unlock()
	if s.refs.next == 0 || s.refs.next > s.refs.last {
		var c struct {
			Seq int64 `bson:"seq"`
		}
		err := s.c("counters").FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: "referral-ref"}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "seq", Value: step}}}},
			options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&c)
		if err != nil {
			return "", fmt.Errorf("store: referral reference: %w", err)
		}
		s.refs.next, s.refs.last = c.Seq-step+1, c.Seq
	}
	n := s.refs.next
	s.refs.next++
	return fmt.Sprintf("CCU-%05d", n), nil
}

// anonymousRef is an anonymous report's reference: random, like
// CCU-A7KQ3MZ, so that it says nothing about when the report came in. A
// reference drawn twice fails the unique index (ErrDuplicate), and the
// report is sent again under a new receipt.
func anonymousRef() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	out := []byte("CCU-A")
	for _, x := range b {
		out = append(out, codeAlphabet[int(x)%len(codeAlphabet)])
	}
	return string(out)
}

// undatedID is a random id shaped like an ObjectID (24 hex digits) but
// holding no time: for anything on an anonymous report, which is dated
// only to the day.
func undatedID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return hex.EncodeToString(b)
}

// NewReferral is what a form submits.
type NewReferral struct {
	Kind        string
	ID          string // set for anonymous reports (derived from the receipt); empty makes one
	PartnerID   string
	SubmittedBy string
	ReceiptHash string
	Content     ReferralContent
	Contact     ReporterContact
}

// newReferral is n as received now (Received).
func (s *Store) newReferral(n NewReferral) *Referral { return n.Received(s.now()) }

// Received is n as received at now: status received, awaiting the CCU,
// urgent when the reporter says someone is in danger; an anonymous
// report's time is kept to the day. Its id is n's (empty for a new one);
// its reference, sealed content and blind index are the store's to give
// (CreateReferral). The handlers' fakes use it too, so that they keep the
// store's rule rather than a copy of it.
func (n NewReferral) Received(now time.Time) *Referral {
	now = now.UTC()
	if n.Kind == KindAnonymous {
		now = now.Truncate(24 * time.Hour)
	}
	r := &Referral{ID: n.ID, Kind: n.Kind, PartnerID: n.PartnerID, SubmittedBy: n.SubmittedBy, Category: n.Content.Category,
		Danger: n.Content.Danger == "yes", ReceivedAt: now, StatusAt: now, Status: RefReceived, ReceiptHash: n.ReceiptHash,
		AwaitingCCU: true, Version: 1, Content: n.Content, Contact: n.Contact}
	r.Urgent = r.Danger
	if r.Danger {
		r.Risk = "urgent"
	}
	return r
}

// sealReferral seals n's content and contact under r's id (set before)
// and keeps the blind values of its content for matching.
func (s *Store) sealReferral(r *Referral, n NewReferral) error {
	var err error
	if r.SealedContent, err = s.sealJSON(r.ID, "content", n.Content); err != nil {
		return err
	}
	if !n.Contact.Empty() {
		if r.SealedContact, err = s.sealJSON(r.ID, "contact", n.Contact); err != nil {
			return err
		}
	}
	r.Blind = s.blindValues(n.Content)
	return nil
}

// CreateReferral seals and stores a new referral with status received. An
// anonymous report's time is kept to the day. Returns ErrNoKeys, or
// ErrDuplicate for an id already used (a receipt drawn twice).
func (s *Store) CreateReferral(ctx context.Context, n NewReferral) (*Referral, error) {
	if s.sealer == nil {
		return nil, ErrNoKeys
	}
	r := s.newReferral(n)
	// A partner referral takes over a slot (referral_slots.go), so that
	// its position does not date the anonymous reports around it.
	var slots []string
	if r.ID == "" {
		var err error
		if slots, err = s.freeReferralSlots(ctx); err != nil {
			return nil, err
		}
	}
	var fromSlot bool
	for {
		fromSlot = len(slots) > 0
		switch {
		case fromSlot:
			r.ID, slots = slots[0], slots[1:]
		case n.ID == "":
			r.ID = NewID()
		}
		err := s.sealReferral(r, n)
		if err != nil {
			return nil, err
		}
		if n.Kind == KindAnonymous {
			r.Ref = anonymousRef() // never a number between two partner referrals' (which would date it)
		} else if r.Ref == "" {
			if r.Ref, err = s.nextRef(ctx); err != nil {
				return nil, err
			}
		}
		err = s.placeReferral(ctx, r, fromSlot)
		if errors.Is(err, errSlotTaken) {
			continue
		}
		if err != nil {
			if isDuplicate(err) {
				return nil, fmt.Errorf("store: create referral: %w", ErrDuplicate)
			}
			return nil, fmt.Errorf("store: create referral: %w", err)
		}
		break
	}
	if err := s.placeSummary(ctx, r.Summary(), fromSlot); err != nil {
		return nil, fmt.Errorf("store: index referral: %w", err)
	}
	return r, s.bumpRefIndex(ctx)
}

// Referral returns a referral with its content still sealed (status,
// grading and message metadata only). Returns ErrNotFound.
func (s *Store) Referral(ctx context.Context, id string) (*Referral, error) {
	var r Referral
	if err := s.r("referrals").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&r); err != nil {
		return nil, fmt.Errorf("store: referral %s: %w", id, notFound(err))
	}
	if r.Kind == KindSlot {
		return nil, fmt.Errorf("store: referral %s: %w", id, ErrNotFound)
	}
	return &r, nil
}

// ReferralReceipt is referral id as a receipt's check needs it: its _id,
// kind, receipt hash and whether its content is gone, and nothing else
// (not its sealed content, contact details or messages, which the check
// neither reads nor opens). Returns ErrNotFound as Referral does.
func (s *Store) ReferralReceipt(ctx context.Context, id string) (*Referral, error) {
	var r Referral
	only := bson.D{{Key: "kind", Value: 1}, {Key: "receiptHash", Value: 1}, {Key: "contentGone", Value: 1}}
	if err := s.r("referrals").FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(only)).Decode(&r); err != nil {
		return nil, fmt.Errorf("store: referral %s: %w", id, notFound(err))
	}
	if r.Kind == KindSlot {
		return nil, fmt.Errorf("store: referral %s: %w", id, ErrNotFound)
	}
	return &r, nil
}

// OpenReferral returns a referral with its content, contact details and
// messages decrypted: only the CCU's pages call it, and they audit it.
func (s *Store) OpenReferral(ctx context.Context, id string) (*Referral, error) {
	r, err := s.Referral(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.openContent(r); err != nil {
		return nil, err
	}
	return r, s.OpenMessages(r, true)
}

func (s *Store) openContent(r *Referral) error {
	if s.sealer == nil {
		return ErrNoKeys
	}
	for _, f := range []struct {
		name   string
		sealed []byte
		dst    any
	}{{"content", r.SealedContent, &r.Content}, {"contact", r.SealedContact, &r.Contact}} {
		raw, err := s.sealer.Open(r.ID, f.name, f.sealed)
		if err != nil {
			return fmt.Errorf("store: open referral %s %s: %w", r.ID, f.name, err)
		}
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, f.dst); err != nil {
				return fmt.Errorf("store: open referral %s %s: %w", r.ID, f.name, err)
			}
		}
	}
	return nil
}

// OpenMessages decrypts a referral's messages; with notes false it drops
// the CCU's private notes (for partners and reporters).
func (s *Store) OpenMessages(r *Referral, notes bool) error {
	if s.sealer == nil {
		return ErrNoKeys
	}
	out := r.Messages[:0:0]
	for _, m := range r.Messages {
		if m.From == FromNote && !notes {
			continue
		}
		raw, err := s.sealer.Open(r.ID, "message:"+m.ID, m.Body)
		if err != nil {
			return fmt.Errorf("store: open message %s: %w", m.ID, err)
		}
		m.Text = string(raw)
		out = append(out, m)
	}
	r.Messages = out
	return nil
}

// AddRefMessage appends a sealed message (or private note) to a referral
// and updates who is waiting for whom. A message from the partner or the
// reporter waits for the CCU; a CCU message waits for a reply. Returns
// ErrNotFound, or ErrConflict once the content has been deleted.
func (s *Store) AddRefMessage(ctx context.Context, id, from, byName, text string) error {
	if s.sealer == nil {
		return ErrNoKeys
	}
	r, err := s.Referral(ctx, id)
	if err != nil {
		return err
	}
	at := s.now().UTC()
	mid := NewID()
	if r.Kind == KindAnonymous {
		at = at.Truncate(24 * time.Hour)
		mid = undatedID() // an ObjectID holds its creation time to the second
	}
	m := RefMessage{ID: mid, From: from, ByName: byName, At: at}
	if m.Body, err = s.seal("referrals", id, "message:"+m.ID, []byte(text)); err != nil {
		return err
	}
	set := bson.D{}
	switch from {
	case FromCCU:
		set = bson.D{{Key: "awaitingReply", Value: true}}
	case FromPartner, FromReporter:
		set = bson.D{{Key: "awaitingCcu", Value: true}, {Key: "awaitingReply", Value: false}}
	}
	update := bson.D{{Key: "$push", Value: bson.D{{Key: "messages", Value: m}}}}
	if len(set) > 0 {
		update = append(update, bson.E{Key: "$set", Value: set})
	}
	res, err := s.updateIf(ctx, "referrals", id, Ne("contentGone", true), update)
	if err != nil {
		return fmt.Errorf("store: message on referral %s: %w", id, err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("store: message on referral %s: %w", id, ErrConflict)
	}
	return s.putRefSummary(ctx, id)
}

// Assessment is the CCU's triage of a referral.
type Assessment struct {
	Status, Risk, Source, Intel, Handling string
	AssigneeID, AssigneeName              string
}

// AssessReferral records an assessment, only if the referral is still at
// version (the one the form was made from); a status change moves
// StatusAt, and risk "urgent" flags the referral. It returns the
// referral as it was before. Returns ErrNotFound or ErrConflict.
func (s *Store) AssessReferral(ctx context.Context, id string, version int, a Assessment) (*Referral, error) {
	before, err := s.Referral(ctx, id)
	if err != nil {
		return nil, err
	}
	if before.Version != version || before.ContentGone {
		return before, fmt.Errorf("store: assess referral %s: %w", id, ErrConflict)
	}
	now := s.now().UTC()
	set := bson.D{{Key: "status", Value: a.Status}, {Key: "risk", Value: a.Risk}, {Key: "source", Value: a.Source},
		{Key: "intel", Value: a.Intel}, {Key: "handling", Value: a.Handling}, {Key: "assigneeId", Value: a.AssigneeID},
		{Key: "assigneeName", Value: a.AssigneeName}, {Key: "urgent", Value: a.Risk == "urgent"}, {Key: "awaitingCcu", Value: false},
		{Key: "version", Value: version + 1}}
	if a.Status != before.Status {
		set = append(set, bson.E{Key: "statusAt", Value: now})
	}
	res, err := s.updateIf(ctx, "referrals", id, Eq("version", version),
		bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return before, fmt.Errorf("store: assess referral %s: %w", id, err)
	}
	if res.MatchedCount == 0 {
		return before, fmt.Errorf("store: assess referral %s: %w", id, ErrConflict)
	}
	return before, s.putRefSummary(ctx, id)
}

// ReferralFilter narrows ListReferrals.
type ReferralFilter struct {
	PartnerID string // only this organisation's
	Status    string // one status; "open" for every status before a final one
	Kind      string
	Page      int
}

// ListReferrals returns a page of summaries, urgent first, then newest,
// and whether more follow. It reads the small summaries only, from the
// copy in memory, and looks only as far as the page: a partner's list
// looks only at that partner's summaries (by the copy's index), so its
// cost does not grow with other partners' referrals, nor with the
// partner's own beyond the page (TestPartnerListLooksOnlyAtItsPage).
func (s *Store) ListReferrals(ctx context.Context, f ReferralFilter) ([]RefSummary, bool, error) {
	all, ix, err := s.refIndexed(ctx)
	if err != nil {
		return nil, false, err
	}
	skip := (max(f.Page, 1) - 1) * PageSize
	rs := []RefSummary{}
	more := false
	looked := 0
	take := func(i int) bool { // false: the page is full and one more follows
		looked++
		if !f.match(all[i]) {
			return true
		}
		if skip > 0 {
			skip--
			return true
		}
		if len(rs) == PageSize {
			more = true
			return false
		}
		rs = append(rs, all[i])
		return true
	}
	if f.PartnerID != "" {
		for _, i := range ix.byPartner[f.PartnerID] {
			if !take(i) {
				break
			}
		}
	} else {
		for i := range all {
			if !take(i) {
				break
			}
		}
	}
	s.refsLooked.Add(int64(looked))
	return rs, more, nil
}

// ReferralMatches proposes referrals about the same person of concern: any
// other referral sharing a blind-index value (collar number, or name and
// force), not yet linked and not rejected by the analyst, in queue order.
// It reads the summaries only, and looks only at those sharing a value (by
// the copy's index), so its cost does not grow with the other referrals
// (TestMatchesLookOnlyAtTheSamePerson).
func (s *Store) ReferralMatches(ctx context.Context, r *Referral) ([]RefSummary, error) {
	if len(r.Blind) == 0 {
		return nil, nil
	}
	all, ix, err := s.refIndexed(ctx)
	if err != nil {
		return nil, err
	}
	var at []int
	for _, b := range r.Blind {
		if b != "" {
			at = append(at, ix.byBlind[b]...)
		}
	}
	slices.Sort(at)
	at = slices.Compact(at)
	s.refsLooked.Add(int64(len(at)))
	var out []RefSummary
	for _, i := range at {
		if m := all[i]; m.ID != r.ID && !r.Linked(m.ID) && !slices.Contains(r.NotLinked, m.ID) {
			out = append(out, m)
		}
	}
	return out, nil
}

// LinkReferrals confirms (link true) or rejects a proposed match between
// two referrals. A confirmed link is recorded on both; each write is an
// idempotent $addToSet, so a repeat or a half-done pair repairs itself.
// Returns ErrNotFound.
func (s *Store) LinkReferrals(ctx context.Context, id, other string, link bool) error {
	if _, err := s.Referral(ctx, other); err != nil {
		return err
	}
	field := "links"
	if !link {
		field = "notLinked"
	}
	pairs := [][2]string{{id, other}}
	if link {
		pairs = append(pairs, [2]string{other, id})
	}
	for _, p := range pairs {
		res, err := s.c("referrals").UpdateOne(ctx, bson.D{{Key: "_id", Value: p[0]}},
			bson.D{{Key: "$addToSet", Value: bson.D{{Key: field, Value: p[1]}}}})
		if err != nil {
			return fmt.Errorf("store: link referrals: %w", err)
		}
		if res.MatchedCount == 0 {
			return fmt.Errorf("store: link referral %s: %w", p[0], ErrNotFound)
		}
	}
	return nil
}

// ReferralsByID returns the summaries of these referrals, in the order
// given (one that does not exist is left out), by the copy's index.
func (s *Store) ReferralsByID(ctx context.Context, ids []string) ([]RefSummary, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	all, ix, err := s.refIndexed(ctx)
	if err != nil {
		return nil, err
	}
	var rs []RefSummary
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if i, ok := ix.byID[id]; ok && !seen[id] {
			seen[id] = true
			rs = append(rs, all[i])
		}
	}
	return rs, nil
}

// RetentionRule says to delete the content of referrals of Kind that have
// been in Status for Months.
type RetentionRule struct {
	Kind, Status string
	Months       int
}

// ExpireReferrals deletes the content of every referral a rule covers: the
// answers, contact details, messages, notes, receipt hash and blind index
// go; a tombstone keeps the reference, kind, category, final status,
// grading and dates, so the CCU can still say a referral existed and what
// became of it. Each deletion is one conditional update (the status must
// still be the rule's), and the caller audits the references returned.
func (s *Store) ExpireReferrals(ctx context.Context, rules []RetentionRule) ([]Referral, error) {
	now := s.now().UTC()
	var gone []Referral
	for _, rule := range rules {
		cutoff := now.AddDate(0, -rule.Months, 0)
		all, err := s.refSummaries(ctx)
		if err != nil {
			return gone, err
		}
		var due []RefSummary
		for _, r := range all {
			if r.Kind == rule.Kind && r.Status == rule.Status && r.StatusAt.Before(cutoff) && !r.ContentGone {
				due = append(due, r)
			}
		}
		for _, r := range due {
			res, err := s.updateIf(ctx, "referrals", r.ID, Eq("status", rule.Status).And(Eq("version", r.Version)),
				bson.D{
					{Key: "$unset", Value: bson.D{{Key: "content", Value: ""}, {Key: "contact", Value: ""}, {Key: "messages", Value: ""},
						{Key: "receiptHash", Value: ""}, {Key: "blind", Value: ""}, {Key: "assigneeName", Value: ""}}},
					{Key: "$set", Value: bson.D{{Key: "contentGone", Value: true}, {Key: "goneAt", Value: now}, {Key: "version", Value: r.Version + 1},
						{Key: "awaitingCcu", Value: false}, {Key: "awaitingReply", Value: false}}},
				})
			if err != nil {
				return gone, fmt.Errorf("store: expire referral %s: %w", r.ID, err)
			}
			if res.MatchedCount == 1 {
				if err := s.putRefSummary(ctx, r.ID); err != nil {
					return gone, err
				}
				gone = append(gone, Referral{ID: r.ID, Ref: r.Ref, Kind: r.Kind, Status: r.Status})
			}
		}
	}
	return gone, nil
}

// CountReferrals counts referrals, or only those waiting for the CCU.
func (s *Store) CountReferrals(ctx context.Context, awaitingCCU bool) (int, error) {
	all, err := s.refSummaries(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range all {
		if !awaitingCCU || r.AwaitingCCU {
			n++
		}
	}
	return n, nil
}

// RefCounts is what waits for the Counter Corruption Unit, for its home
// page: referrals not yet assessed, and others where the partner or the
// reporter wrote last.
type RefCounts struct {
	ToAssess, Replies int
}

// ReferralCounts counts what waits for the CCU, from the summaries in memory.
func (s *Store) ReferralCounts(ctx context.Context) (RefCounts, error) {
	all, err := s.refSummaries(ctx)
	if err != nil {
		return RefCounts{}, err
	}
	var n RefCounts
	for _, r := range all {
		switch {
		case r.Status == RefReceived:
			n.ToAssess++
		case r.AwaitingCCU:
			n.Replies++
		}
	}
	return n, nil
}

// QuestionsFor lists an organisation's referrals where the CCU asked a
// question that has no answer yet, from the summaries in memory.
func (s *Store) QuestionsFor(ctx context.Context, partnerID string) ([]RefSummary, error) {
	all, err := s.refSummaries(ctx)
	if err != nil {
		return nil, err
	}
	var out []RefSummary
	for _, r := range all {
		if r.PartnerID == partnerID && r.AwaitingReply && !r.ContentGone {
			out = append(out, r)
		}
	}
	return out, nil
}

// CleanText removes control characters other than new lines and tabs
// (and bidirectional overrides), and normalises line endings: what people
// paste can carry anything.
func CleanText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		// C0 and C1 controls, line and paragraph separators, the byte-order
		// mark and the bidirectional overrides (which can disguise text).
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 || r == 0xfeff ||
			(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			return -1
		}
		return r
	}, s)
}

// Audit actions of referrals.
const (
	AuditRefViewed      = "referral-viewed"
	AuditRefAssessed    = "referral-assessed"
	AuditRefStatus      = "referral-status-changed"
	AuditRefMessage     = "referral-message-sent"
	AuditRefNote        = "referral-note-added"
	AuditRefLinked      = "referral-linked"
	AuditRefSubmitted   = "referral-submitted"
	AuditRefExported    = "referral-exported"
	AuditRefContentGone = "referral-content-deleted"
)

// fieldSealer is the Store's field encryption (an alias, so store.go need
// not import the sealed package).
type fieldSealer = sealed.Sealer

// Anonymous arrivals are told to the CCU mailbox in batches, not as they
// happen: a mail's time would otherwise date the report to the minute.
// NoteAnonymousArrival records that a report or reply arrived (a flag, no
// time); TakeAnonymousNotice, called by a periodic job, takes the flags.
const anonNoticeID = "anonymous-notice"

// NoteAnonymousArrival flags that an anonymous report ("report") or a
// reporter's reply ("reply") is waiting to be announced.
func (s *Store) NoteAnonymousArrival(ctx context.Context, what string) error {
	_, err := s.c("counters").UpdateOne(ctx, bson.D{{Key: "_id", Value: anonNoticeID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: what, Value: true}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("store: note anonymous arrival: %w", err)
	}
	return nil
}

// TakeAnonymousNotice returns and clears the flags: whether reports and
// whether replies arrived since the last call.
func (s *Store) TakeAnonymousNotice(ctx context.Context) (reports, replies bool, err error) {
	var n struct {
		Report bool `bson:"report"`
		Reply  bool `bson:"reply"`
	}
	err = s.c("counters").FindOneAndDelete(ctx, bson.D{{Key: "_id", Value: anonNoticeID}}).Decode(&n)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("store: take anonymous notice: %w", err)
	}
	return n.Report, n.Reply, nil
}
