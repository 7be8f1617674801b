package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Physical order must not date an anonymous report. An anonymous report
// keeps only the day it came, but a database keeps documents in the order
// they were written (SQLite's rowid, MongoDB's record id), and a partner
// referral beside it carries an exact time (its audit event, its
// received time). So partner referrals are not inserted when they arrive:
// each takes over a slot, an empty document written earlier, at a time
// unrelated to it, by a job that tops the pool up once a day at a random
// hour; the takeover is an update in place (one conditional replace that
// matches only while the document is still a slot), which keeps the
// slot's position. Anonymous reports are inserted when they come. So what
// sits physically around an anonymous report is slots and other
// anonymous reports, written at times that say no more than the day.
// Summaries in referral_index are placed the same way.
//
// Residual: with MongoDB, the oplog records every write with its time
// for as long as it is kept (hours to days); only a database
// administrator can read it. See docs/security.md.

// KindSlot marks a slot document: never shown, never counted.
const KindSlot = "slot"

// ReferralSlotPool is how many free slots the job keeps.
const ReferralSlotPool = 20

type referralSlot struct {
	ID   string `bson:"_id"`
	Kind string `bson:"kind"`
	Ref  string `bson:"ref"` // unique, like a referral's
}

// freeReferralSlots returns the free slots' ids in random order (on the
// embedded server from the copy, copy_referrals.go).
func (s *Store) freeReferralSlots(ctx context.Context) ([]string, error) {
	if s.embedded == nil {
		return s.queryFreeSlots(ctx)
	}
	ids, err := s.freeSlots.load("", anyVersion, func() ([]string, error) { return s.queryFreeSlots(ctx) })
	if err != nil {
		return nil, err
	}
	ids = slices.Clone(ids)
	rand.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	return ids, nil
}

// queryFreeSlots reads the free slots' ids in random order. On the
// embedded server the slots read are kept in the referrals' copy
// (referralsCached), so that a takeover decides on the slot without
// reading it again under the writer lock.
func (s *Store) queryFreeSlots(ctx context.Context) ([]string, error) {
	cp := s.docs.through("referrals")
	var gen uint64
	if cp != nil {
		gen = cp.begin() // a write of referrals meanwhile keeps none of them
	}
	cur, err := s.r("referrals").Find(ctx, bson.D{{Key: "kind", Value: KindSlot}})
	if err != nil {
		return nil, fmt.Errorf("store: referral slots: %w", err)
	}
	defer cur.Close(ctx)
	var ids []string
	for cur.Next(ctx) {
		var sl referralSlot
		if err := cur.Decode(&sl); err != nil {
			return nil, fmt.Errorf("store: referral slots: %w", err)
		}
		ids = append(ids, sl.ID)
		if cp != nil {
			cp.put(sl.ID, anyVersion, bson.Raw(append([]byte(nil), cur.Current...)), gen)
		}
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("store: referral slots: %w", err)
	}
	rand.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	return ids, nil
}

// TopUpReferralSlots writes free slots until there are ReferralSlotPool,
// and returns how many it wrote. Unless always, it does so only when
// fewer than a quarter are left.
func (s *Store) TopUpReferralSlots(ctx context.Context, always bool) (int, error) {
	free, err := s.freeReferralSlots(ctx)
	if err != nil {
		return 0, err
	}
	if !always && len(free) >= ReferralSlotPool/4 {
		return 0, nil
	}
	n := ReferralSlotPool - len(free)
	for range n {
		id := NewID()
		if _, err := s.c("referrals").InsertOne(ctx, referralSlot{ID: id, Kind: KindSlot, Ref: "slot-" + id}); err != nil {
			return 0, fmt.Errorf("store: referral slot: %w", err)
		}
		if _, err := s.c("referral_index").InsertOne(ctx, referralSlot{ID: id, Kind: KindSlot, Ref: "slot-" + id}); err != nil && !isDuplicate(err) {
			return 0, fmt.Errorf("store: referral slot: %w", err)
		}
		s.slotFreed(id)
	}
	return max(n, 0), nil
}

// slotFreed puts a slot just written into the copy of the free list (if
// the copy is loaded; an insert of referrals does not drop it:
// copy_referrals.go), so that the next partner referral takes it without
// reading every referral again. Dropping the list here made the first
// referral after each top-up find the free slots by a query on kind, which
// the embedded engine answers by decoding every referral: 2.6 s of CPU on
// that request with 2,000 referrals (make bench -scale 10, 8 December
// 2026). The writer kept the slot's document (referralsCached), so its
// takeover reads nothing either.
func (s *Store) slotFreed(id string) {
	if s.embedded == nil {
		return
	}
	s.freeSlots.edit("", func(ids []string) []string {
		if slices.Contains(ids, id) { // a read of the list since the insert found it
			return ids
		}
		return append(slices.Clone(ids), id)
	})
}

// slotTaken takes a slot out of the copy of the free list: one that a
// takeover found taken already. The writer's hook takes each slot out when
// its document is written; this covers a slot put back in the list by
// slotFreed after a read of the list that found it and a takeover in
// between, so that it is tried once, not by every referral after.
func (s *Store) slotTaken(id string) {
	if s.embedded == nil {
		return
	}
	s.freeSlots.edit("", func(ids []string) []string {
		return slices.DeleteFunc(slices.Clone(ids), func(x string) bool { return x == id })
	})
}

// errSlotTaken: another referral took the slot first.
var errSlotTaken = errors.New("store: referral slot taken")

// placeReferral writes a new referral r: into its slot when it has one
// (fromSlot), else as a new document. The takeover is a conditional
// replace (replaceIf, kind still a slot): on the embedded server the slot
// is read by _id under the writer lock (from the referrals' copy, which
// holds the free slots: referralsCached) and replaced by _id, in place; a
// filter with the kind beside the _id made FerretDB decode every referral
// while holding the writer, so that partner referrals went one at a time
// (docs/performance-history.md, 6 December 2026).
func (s *Store) placeReferral(ctx context.Context, r *Referral, fromSlot bool) error {
	if !fromSlot {
		_, err := s.c("referrals").InsertOne(ctx, r)
		return err
	}
	res, err := s.replaceIf(ctx, "referrals", r.ID, Eq("kind", KindSlot), r)
	if err != nil {
		return err
	}
	if res.MatchedCount == 0 {
		s.slotTaken(r.ID)
		return errSlotTaken
	}
	return nil
}

// placeSummary writes a new referral's summary: over its slot's when the
// referral took a slot, else as a new document. Only the referral that won
// the slot's takeover (placeReferral's conditional replace) writes the
// slot's summary, so the summary is replaced by _id alone (on the embedded
// server one write, without reading it first); a slot written without a
// summary gets one inserted. A referral that did not take a slot has an id
// no slot has (a new one, or one derived from a receipt), so there is
// nothing to replace and the insert is the one round trip.
func (s *Store) placeSummary(ctx context.Context, sum RefSummary, fromSlot bool) error {
	if fromSlot {
		res, err := s.c("referral_index").ReplaceOne(ctx, bson.D{{Key: "_id", Value: sum.ID}}, sum)
		if err != nil || res.MatchedCount == 1 {
			return err
		}
	}
	_, err := s.c("referral_index").InsertOne(ctx, sum)
	return err
}
