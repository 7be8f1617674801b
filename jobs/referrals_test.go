package jobs

import (
	"bytes"
	"context"
	"strings"
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
	t.Parallel()
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

// TestAnonymousNoticesAreBatched: anonymous arrivals are announced in one
// mail by the periodic job, never at the moment they happen.
func TestAnonymousNoticesAreBatched(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	for _, u := range []*store.User{
		{Email: "ccu1@example.org", Name: "One", Role: store.RoleCCU, Status: store.StatusActive},
		{Email: "ccu2@example.org", Name: "Two", Role: store.RoleCCU, Status: store.StatusDisabled},
		{Email: "admin@example.org", Name: "Admin", Role: store.RoleAdmin, Status: store.StatusActive},
	} {
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	cfg := config.Config{BaseURL: "https://candour.example", ForceName: "Dorset Police"}
	if n, err := sendAnonymousNotices(ctx, cfg, db); n != 0 || err != nil {
		t.Fatalf("nothing arrived: %d queued (%v)", n, err)
	}
	for _, what := range []string{"report", "report", "reply"} {
		if err := db.NoteAnonymousArrival(ctx, what); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := sendAnonymousNotices(ctx, cfg, db); n != 1 || err != nil {
		t.Fatalf("queued %d (%v), want 1 (the one active CCU account)", n, err)
	}
	mail, _ := db.RecentMail(ctx, 10)
	if len(mail) != 1 || mail[0].To != "ccu1@example.org" || mail[0].Subject != "New anonymous reports and replies are waiting" ||
		!strings.Contains(mail[0].Body, "https://candour.example/ccu") {
		t.Fatalf("mail = %+v", mail)
	}
	if n, _ := sendAnonymousNotices(ctx, cfg, db); n != 0 {
		t.Fatalf("the next run queued %d again", n)
	}
	cfg.CCUMailbox = "ccu-intel@police.example"
	db.NoteAnonymousArrival(ctx, "reply")
	if n, _ := sendAnonymousNotices(ctx, cfg, db); n != 1 {
		t.Fatalf("with a mailbox: %d queued", n)
	}
	if mail, _ := db.RecentMail(ctx, 10); mail[0].To != "ccu-intel@police.example" || mail[0].Subject != "Replies to anonymous reports are waiting" {
		t.Fatalf("mailbox mail = %+v", mail[0])
	}
}
