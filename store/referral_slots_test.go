package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"candour/store"
	"candour/store/storetest"
)

// physicalOrder reads a collection's ids in the order the database keeps
// them (no sort), as someone with a copy of the database would.
func physicalOrder(t *testing.T, s *store.Store, coll string) []string {
	t.Helper()
	cur, err := s.RawDatabase().Collection(coll).Find(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(context.Background(), &docs); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids
}

// TestPhysicalOrderDoesNotDateAnAnonymousReport: a partner referral made
// AFTER an anonymous report takes a slot written before it, so in the
// database's own order it sits before the report (in referrals and in
// the summaries alike): the report is no longer between two exactly-timed
// partner referrals. Slots are never shown nor opened.
func TestPhysicalOrderDoesNotDateAnAnonymousReport(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	if n, err := s.TopUpReferralSlots(ctx, false); err != nil || n != store.ReferralSlotPool {
		t.Fatalf("top-up: %d, %v; want %d", n, err, store.ReferralSlotPool)
	}
	if n, _ := s.TopUpReferralSlots(ctx, false); n != 0 {
		t.Fatalf("a full pool was topped up by %d", n)
	}
	before, err := s.CreateReferral(ctx, store.NewReferral{Kind: store.KindPartner, PartnerID: "p1", SubmittedBy: "u1", Content: sampleContent("P1")})
	if err != nil {
		t.Fatal(err)
	}
	anon, err := s.CreateReferral(ctx, store.NewReferral{Kind: store.KindAnonymous, ID: "anon-report", Content: sampleContent("A1")})
	if err != nil {
		t.Fatal(err)
	}
	after, err := s.CreateReferral(ctx, store.NewReferral{Kind: store.KindPartner, PartnerID: "p1", SubmittedBy: "u1", Content: sampleContent("P2")})
	if err != nil {
		t.Fatal(err)
	}
	for _, coll := range []string{"referrals", "referral_index"} {
		order := physicalOrder(t, s, coll)
		ia, ib, ic := slices.Index(order, before.ID), slices.Index(order, anon.ID), slices.Index(order, after.ID)
		if ia < 0 || ib < 0 || ic < 0 {
			t.Fatalf("%s: missing a referral: %v", coll, order)
		}
		if ia > ib || ic > ib {
			t.Fatalf("%s: the partner referrals sit at %d and %d, the anonymous report at %d: its position dates it", coll, ia, ic, ib)
		}
	}
	list, _, err := s.ListReferrals(ctx, store.ReferralFilter{})
	if err != nil || len(list) != 3 {
		t.Fatalf("the queue shows %d referrals (err %v), want 3 and no slot", len(list), err)
	}
	free := 0
	for _, id := range physicalOrder(t, s, "referrals") {
		if id == before.ID || id == anon.ID || id == after.ID {
			continue
		}
		free++
		if _, err := s.Referral(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a slot opens as a referral: %v", err)
		}
	}
	if free != store.ReferralSlotPool-2 {
		t.Fatalf("%d free slots, want %d", free, store.ReferralSlotPool-2)
	}
	if n, err := s.SyncReferralIndex(ctx); err != nil || n != 0 {
		t.Fatalf("sync after slots: %d, %v", n, err)
	}
	got, err := s.OpenReferral(ctx, after.ID)
	if err != nil || got.Content.WhatHappened != "WhatP2" {
		t.Fatalf("the partner referral in its slot: %+v, %v", got, err)
	}
}
