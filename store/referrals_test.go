package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"candour/sealed"
	"candour/store"
	"candour/store/storetest"
)

func sampleContent(marker string) store.ReferralContent {
	return store.ReferralContent{Category: "sexual-purpose", PersonName: "Name" + marker, PersonForce: "Dorset Police",
		PersonRole: "Role" + marker, CollarNumber: "PC 77" + marker, Station: "Station" + marker, WhatHappened: "What" + marker,
		When: "When" + marker, Where: "Where" + marker, OnDuty: "on", Setting: "in-person", HowKnown: "disclosure",
		VictimConsent: "yes", SafeContact: "Safe" + marker, Safeguarding: "Guard" + marker, Danger: "no"}
}

func TestReferralContentIsSealedInTheDatabase(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx := context.Background()
	r, err := s.CreateReferral(ctx, store.NewReferral{Kind: store.KindAnonymous, ID: "anon1", Content: sampleContent("ZQX1"),
		Contact: store.ReporterContact{Name: "ContactZQX1", Email: "zqx1@example.org", Phone: "07700900123", When: "EveningsZQX1"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddRefMessage(ctx, r.ID, store.FromReporter, "", "ReplyZQX1"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddRefMessage(ctx, r.ID, store.FromNote, "Analyst", "NoteZQX1"); err != nil {
		t.Fatal(err)
	}
	dump := storetest.RawDump(t, s)
	for _, m := range []string{"NameZQX1", "RoleZQX1", "77ZQX1", "StationZQX1", "WhatZQX1", "WhenZQX1", "WhereZQX1", "SafeZQX1",
		"GuardZQX1", "ContactZQX1", "zqx1@example.org", "07700900123", "EveningsZQX1", "ReplyZQX1", "NoteZQX1"} {
		if bytes.Contains(dump, []byte(m)) {
			t.Errorf("raw database contains %q", m)
		}
	}
	got, err := s.OpenReferral(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Content.WhatHappened != "WhatZQX1" || got.Contact.Phone != "07700900123" || len(got.Messages) != 2 || got.Messages[1].Text != "NoteZQX1" {
		t.Fatalf("opened referral = %+v", got)
	}
	if !got.ReceivedAt.Equal(got.ReceivedAt.Truncate(24*time.Hour)) || !got.Messages[0].At.Equal(got.Messages[0].At.Truncate(24*time.Hour)) {
		t.Fatalf("anonymous times are not to the day: %v %v", got.ReceivedAt, got.Messages[0].At)
	}
	// Partners and reporters never get the private notes.
	plain, _ := s.Referral(ctx, r.ID)
	if err := s.OpenMessages(plain, false); err != nil || len(plain.Messages) != 1 || plain.Messages[0].From != store.FromReporter {
		t.Fatalf("messages without notes = %+v, %v", plain.Messages, err)
	}
}

func TestKeyRotationKeepsOldReferralsReadable(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx := context.Background()
	ks, _ := sealed.NewKeyset()
	blind := bytes.Repeat([]byte("k"), 32)
	old, _ := sealed.New(ks, blind)
	s.SetSealer(old)
	before, err := s.CreateReferral(ctx, store.NewReferral{Kind: store.KindPartner, PartnerID: "p1", Content: sampleContent("old")})
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := sealed.Rotate(ks)
	if err != nil {
		t.Fatal(err)
	}
	sl, _ := sealed.New(rotated, blind)
	s.SetSealer(sl)
	after, err := s.CreateReferral(ctx, store.NewReferral{Kind: store.KindPartner, PartnerID: "p1", Content: sampleContent("new")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id, want string
		key      uint32
	}{{before.ID, "Whatold", old.PrimaryKeyID()}, {after.ID, "Whatnew", sl.PrimaryKeyID()}} {
		r, err := s.OpenReferral(ctx, tc.id)
		if err != nil || r.Content.WhatHappened != tc.want {
			t.Fatalf("open %s after rotation = %q, %v", tc.id, r.Content.WhatHappened, err)
		}
		if got := sealed.KeyID(r.SealedContent); got != tc.key {
			t.Errorf("%s sealed with key %d, want %d", tc.want, got, tc.key)
		}
	}
	// The same collar number (77) is still matched after rotation: the blind-index key did not change.
	m, err := s.ReferralMatches(ctx, after)
	if err != nil || len(m) != 1 || m[0].ID != before.ID {
		t.Fatalf("matches = %v, %v; want the referral sealed before rotation", m, err)
	}
}

func TestReferralMatchesAndLinks(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx := context.Background()
	mk := func(name, force, collar string) *store.Referral {
		c := sampleContent("x")
		c.PersonName, c.PersonForce, c.CollarNumber = name, force, collar
		r, err := s.CreateReferral(ctx, store.NewReferral{Kind: store.KindPartner, PartnerID: "p", Content: c})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a := mk("John Smith", "Dorset Police", "1234")
	b := mk("john  smith", "DORSET police", "")        // same name and force
	c := mk("Someone else", "Dorset Police", "PC1234") // same collar number
	mk("John Smith", "Devon and Cornwall Police", "9") // same name, other force: no match
	got, err := s.ReferralMatches(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, r := range got {
		ids[r.ID] = true
	}
	if len(got) != 2 || !ids[b.ID] || !ids[c.ID] {
		t.Fatalf("matches of a = %v, want b and c", ids)
	}
	if err := s.LinkReferrals(ctx, a.ID, b.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := s.LinkReferrals(ctx, a.ID, c.ID, false); err != nil {
		t.Fatal(err)
	}
	a2, _ := s.Referral(ctx, a.ID)
	b2, _ := s.Referral(ctx, b.ID)
	if !a2.Linked(b.ID) || !b2.Linked(a.ID) || a2.Linked(c.ID) {
		t.Fatalf("links: a=%v b=%v", a2.Links, b2.Links)
	}
	if got, _ := s.ReferralMatches(ctx, a2); len(got) != 0 {
		t.Fatalf("after confirming and rejecting, matches = %d, want 0", len(got))
	}
	if err := s.LinkReferrals(ctx, a.ID, "missing", true); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("link to a missing referral: %v", err)
	}
}

func TestAssessIsConditionalOnVersion(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx := context.Background()
	r, _ := s.CreateReferral(ctx, store.NewReferral{Kind: store.KindPartner, PartnerID: "p", Content: sampleContent("v")})
	a := store.Assessment{Status: store.RefAssessing, Risk: "urgent", Source: "2", Intel: "B", Handling: "P"}
	if _, err := s.AssessReferral(ctx, r.ID, 1, a); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AssessReferral(ctx, r.ID, 1, a); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale assessment: err = %v, want ErrConflict", err)
	}
	got, _ := s.Referral(ctx, r.ID)
	if !got.Urgent || got.Grading() != "2/B/P" || got.Version != 2 {
		t.Fatalf("after assessment: urgent=%v grading=%q version=%d", got.Urgent, got.Grading(), got.Version)
	}
}

func TestRetentionDeletesContentAndKeepsATombstone(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx := context.Background()
	start := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	now := start
	s.SetClock(func() time.Time { return now })
	mk := func(kind, status string) *store.Referral {
		r, err := s.CreateReferral(ctx, store.NewReferral{Kind: kind, PartnerID: "p", Content: sampleContent("RETAIN" + kind + status)})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AddRefMessage(ctx, r.ID, store.FromCCU, "Analyst", "MsgRETAIN"+kind+status); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AssessReferral(ctx, r.ID, 1, store.Assessment{Status: status, Risk: "low"}); err != nil {
			t.Fatal(err)
		}
		return r
	}
	anonNFA := mk(store.KindAnonymous, store.RefNoFurther)
	partnerNFA := mk(store.KindPartner, store.RefNoFurther)
	anonOpen := mk(store.KindAnonymous, store.RefAssessing)
	rules := []store.RetentionRule{{Kind: store.KindAnonymous, Status: store.RefNoFurther, Months: 12}, {Kind: store.KindPartner, Status: store.RefNoFurther, Months: 24}}

	now = start.AddDate(0, 11, 27) // not yet 12 months
	if gone, err := s.ExpireReferrals(ctx, rules); err != nil || len(gone) != 0 {
		t.Fatalf("before 12 months: gone=%v err=%v", gone, err)
	}
	now = start.AddDate(1, 0, 1)
	gone, err := s.ExpireReferrals(ctx, rules)
	if err != nil || len(gone) != 1 || gone[0].ID != anonNFA.ID {
		t.Fatalf("after 12 months: gone=%v err=%v, want only the anonymous NFA report", gone, err)
	}
	if again, _ := s.ExpireReferrals(ctx, rules); len(again) != 0 {
		t.Fatalf("second run deleted %d again", len(again))
	}
	tomb, err := s.Referral(ctx, anonNFA.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !tomb.ContentGone || tomb.Ref != anonNFA.Ref || tomb.Status != store.RefNoFurther || len(tomb.SealedContent) != 0 || len(tomb.Messages) != 0 || len(tomb.Blind) != 0 {
		t.Fatalf("tombstone = %+v", tomb)
	}
	for _, id := range []string{partnerNFA.ID, anonOpen.ID} {
		if r, _ := s.OpenReferral(ctx, id); r == nil || r.ContentGone || r.Content.WhatHappened == "" {
			t.Fatalf("referral %s lost its content too early", id)
		}
	}
	if err := s.AddRefMessage(ctx, anonNFA.ID, store.FromReporter, "", "late"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("message on a tombstone: %v, want ErrConflict", err)
	}
}

func TestCleanText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"a\x00b\x1bc", "abc"}, {"line\r\nnext", "line\nnext"}, {"tab\there", "tab\there"}, {"\u202egnp.exe", "gnp.exe"}, {"café – ok", "café – ok"},
	} {
		if got := store.CleanText(tc.in); got != tc.want {
			t.Errorf("CleanText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestReferralIndexIsRepaired(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx := context.Background()
	r, _ := s.CreateReferral(ctx, store.NewReferral{Kind: store.KindPartner, PartnerID: "p", Content: sampleContent("i")})
	// A crash between a change and its summary: the summary is deleted by hand.
	if _, err := s.RawDatabase().Collection("referral_index").DeleteOne(ctx, map[string]string{"_id": r.ID}); err != nil {
		t.Fatal(err)
	}
	if rs, _, _ := s.ListReferrals(ctx, store.ReferralFilter{}); len(rs) != 0 {
		t.Fatalf("queue = %d, want 0 before repair", len(rs))
	}
	if n, err := s.SyncReferralIndex(ctx); n != 1 || err != nil {
		t.Fatalf("repaired %d (%v), want 1", n, err)
	}
	if n, _ := s.SyncReferralIndex(ctx); n != 0 {
		t.Fatalf("second repair rewrote %d", n)
	}
	if err := s.AddRefMessage(ctx, r.ID, store.FromPartner, "w", "more"); err != nil {
		t.Fatal(err)
	}
	rs, _, _ := s.ListReferrals(ctx, store.ReferralFilter{PartnerID: "p"})
	if len(rs) != 1 || !rs[0].AwaitingCCU || rs[0].Messages != 1 || rs[0].Ref != r.Ref {
		t.Fatalf("summary = %+v", rs)
	}
}

// TestPartnerListLooksOnlyAtItsPage: a partner's list of referrals is
// drawn from the summaries' copy by the copy's index of each partner's, and
// only as far as the page (issue 18: at ten times the data GET /referrals
// went from 0.6 to 1.4 ms, filtering every partner's summaries). Counted in
// summaries looked at, which no load changes: partner A's 60 referrals are
// pages of 50 and 10; page 1 looks at 51 (the 51st says more follow), page
// 2 at all 60 (it skips 50); after 500 referrals of partner B and 40
// anonymous reports the pages, and what they look at, are the same.
func TestPartnerListLooksOnlyAtItsPage(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx := context.Background()
	seed := func(partner string, n int) []string {
		t.Helper()
		in := make([]store.SeedReferral, n)
		for i := range in {
			kind := store.KindPartner
			if partner == "" {
				kind = store.KindAnonymous
			}
			in[i] = store.SeedReferral{New: store.NewReferral{Kind: kind, PartnerID: partner, SubmittedBy: "worker-" + partner, Content: sampleContent(fmt.Sprint(i))}}
		}
		ids, err := s.SeedReferrals(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	mine := seed("partner-a", 60)
	// All received at the same moment and none urgent: the queue's order
	// is by _id, newest first.
	slices.Sort(mine)
	slices.Reverse(mine)
	check := func(when string) {
		t.Helper()
		for _, c := range []struct {
			page   int
			want   []string
			more   bool
			looked int64
		}{{1, mine[:50], true, 51}, {2, mine[50:], false, 60}} {
			before := s.RefsLookedForTest()
			rs, more, err := s.ListReferrals(ctx, store.ReferralFilter{PartnerID: "partner-a", Page: c.page})
			if err != nil {
				t.Fatal(err)
			}
			got := make([]string, len(rs))
			for i, r := range rs {
				got[i] = r.ID
			}
			if !slices.Equal(got, c.want) || more != c.more {
				t.Errorf("%s, page %d: %d referrals (more %v), want %d (more %v) in queue order", when, c.page, len(got), more, len(c.want), c.more)
			}
			if looked := s.RefsLookedForTest() - before; looked != c.looked {
				t.Errorf("%s, page %d: looked at %d summaries, want %d", when, c.page, looked, c.looked)
			}
		}
	}
	check("partner A alone")
	seed("partner-b", 500)
	seed("", 40)
	check("with partner B's 500 and 40 anonymous reports")
	// The CCU's queue still sees everyone's: 600 referrals, page 12 the last.
	rs, more, err := s.ListReferrals(ctx, store.ReferralFilter{Page: 12})
	if err != nil || len(rs) != 50 || more {
		t.Errorf("the CCU's page 12: %d referrals, more %v (%v), want 50 and no more", len(rs), more, err)
	}
}

// TestReferralReceiptReadsOnlyTheCheck: a receipt's check reads a report's
// kind, receipt hash and whether its content is gone, and nothing of what
// it holds (its sealed content, contact details and messages); a report
// that does not exist, and a slot, are ErrNotFound as for Referral.
func TestReferralReceiptReadsOnlyTheCheck(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	r, err := s.CreateReferral(ctx, store.NewReferral{Kind: store.KindAnonymous, ID: "anon-receipt", ReceiptHash: "$argon2id$hash", Content: sampleContent("RCP"),
		Contact: store.ReporterContact{Name: "ContactRCP"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddRefMessage(ctx, r.ID, store.FromReporter, "", "ReplyRCP"); err != nil {
		t.Fatal(err)
	}
	got, err := s.ReferralReceipt(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := store.Referral{ID: r.ID, Kind: store.KindAnonymous, ReceiptHash: "$argon2id$hash"}
	if fmt.Sprintf("%+v", *got) != fmt.Sprintf("%+v", want) {
		t.Errorf("ReferralReceipt = %+v, want %+v", *got, want)
	}
	if _, err := s.ReferralReceipt(ctx, "no-such-report"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown report: %v, want ErrNotFound", err)
	}
	if _, err := s.TopUpReferralSlots(ctx, true); err != nil {
		t.Fatal(err)
	}
	// A find, not a distinct: FerretDB's distinct refuses the maxTimeMS
	// the driver adds through MONGODB_URI (make test-mongo).
	var slot struct {
		ID string `bson:"_id"`
	}
	if err := s.RawDatabase().Collection("referrals").FindOne(ctx, map[string]any{"kind": store.KindSlot}).Decode(&slot); err != nil {
		t.Fatalf("no slot to read: %v", err)
	}
	if _, err := s.ReferralReceipt(ctx, slot.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a slot: %v, want ErrNotFound", err)
	}
}

// TestMatchesLookOnlyAtTheSamePerson: a referral's matches are found by the
// copy's index of blind values, so ReferralMatches looks at the summaries
// about the same person only (four here, its own included), however many
// referrals are about other people, and proposes the other three in queue
// order. Before 8 December 2026 it looked at every summary, and the CCU's
// view of a referral cost more with every referral in the queue.
func TestMatchesLookOnlyAtTheSamePerson(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx := context.Background()
	seed := func(markers ...string) []string {
		t.Helper()
		in := make([]store.SeedReferral, len(markers))
		for i, m := range markers {
			in[i] = store.SeedReferral{New: store.NewReferral{Kind: store.KindPartner, PartnerID: "p", SubmittedBy: "w", Content: sampleContent(m)}}
		}
		ids, err := s.SeedReferrals(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	others := func(from, n int) []string {
		ms := make([]string, n)
		for i := range ms {
			ms[i] = fmt.Sprint("other", from+i)
		}
		return ms
	}
	same := seed("same", "same", "same", "same")
	seed(others(0, 20)...)
	check := func(when string) {
		t.Helper()
		r, err := s.Referral(ctx, same[0])
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for page, more := 1, true; more; page++ {
			var queue []store.RefSummary
			if queue, more, err = s.ListReferrals(ctx, store.ReferralFilter{Page: page}); err != nil {
				t.Fatal(err)
			}
			for _, q := range queue {
				if q.ID != same[0] && slices.Contains(same, q.ID) {
					want = append(want, q.ID)
				}
			}
		}
		before := s.RefsLookedForTest()
		m, err := s.ReferralMatches(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]string, len(m))
		for i, x := range m {
			got[i] = x.ID
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: matches %v, want %v (the same person's other referrals, in queue order)", when, got, want)
		}
		if looked := s.RefsLookedForTest() - before; looked != 4 {
			t.Errorf("%s: looked at %d summaries, want 4 (the same person's)", when, looked)
		}
	}
	check("beside 20 others")
	seed(others(20, 200)...)
	check("beside 220 others")
}
