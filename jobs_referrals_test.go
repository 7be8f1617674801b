package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"candour/config"
	"candour/store"
	"candour/store/storetest"
)

// TestReferralRetention: with the clock moved on, anonymous reports closed
// with no further action lose their content after 12 months (the default
// rules), leaving an audited tombstone; others keep theirs.
func TestReferralRetention(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
	db.SetClock(func() time.Time { return now })
	mk := func(kind, status, marker string) *store.Referral {
		r, err := db.CreateReferral(ctx, store.NewReferral{Kind: kind, ID: "", PartnerID: "p",
			Content: store.ReferralContent{Category: "partner-abuse", WhatHappened: marker, CollarNumber: "123"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AssessReferral(ctx, r.ID, 1, store.Assessment{Status: status}); err != nil {
			t.Fatal(err)
		}
		return r
	}
	anonNFA := mk(store.KindAnonymous, store.RefNoFurther, "anon-nfa")
	mk(store.KindPartner, store.RefNoFurther, "partner-nfa")    // kept 24 months
	mk(store.KindAnonymous, store.RefReferred, "anon-referred") // never deleted

	now = now.AddDate(0, 12, -1)
	if n, err := expireReferrals(ctx, cfg, db); n != 0 || err != nil {
		t.Fatalf("a day short of 12 months: %d deleted (%v)", n, err)
	}
	now = now.AddDate(0, 0, 2)
	if n, err := expireReferrals(ctx, cfg, db); n != 1 || err != nil {
		t.Fatalf("after 12 months: %d deleted (%v), want 1", n, err)
	}
	if n, _ := expireReferrals(ctx, cfg, db); n != 0 {
		t.Fatalf("the next run deleted %d more", n)
	}
	evs, _, err := db.ListAudit(ctx, store.AuditFilter{Action: store.AuditRefContentGone})
	if err != nil || len(evs) != 1 || evs[0].Actor != "system" || evs[0].Target != "referral:"+anonNFA.ID || evs[0].Detail != anonNFA.Ref+" (anonymous, no-further-action)" {
		t.Fatalf("audit = %+v (%v)", evs, err)
	}
	dump := storetest.RawDump(t, db)
	if bytes.Contains(dump, []byte("anon-nfa")) {
		t.Fatal("deleted content is still in the database")
	}
	tomb, _ := db.Referral(ctx, anonNFA.ID)
	if !tomb.ContentGone || tomb.Ref == "" || tomb.Category != "partner-abuse" || len(tomb.SealedContent) != 0 {
		t.Fatalf("tombstone = %+v", tomb)
	}
	for _, tc := range []struct {
		spec string
		ok   bool
	}{{"anonymous:closed=6", true}, {"none", true}, {"anonymous:received=1", false}, {"public:closed=1", false}, {"anonymous:closed=0", false}} {
		_, err := config.ParseRetention(tc.spec)
		if (err == nil) != tc.ok {
			t.Errorf("ParseRetention(%q) err = %v", tc.spec, err)
		}
	}
}
