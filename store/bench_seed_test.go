package store_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"

	"candour/store"
	"candour/store/storetest"
)

// Bulk-seeded events join the chain as if Audit had appended them one by
// one: the chain verifies across the seams, and the newest page reads them.
func TestSeedAuditEventsKeepsTheChain(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx := context.Background()
	if err := s.Audit(ctx, store.AuditEvent{Actor: "system", Action: store.AuditUserCreated}); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 1, 9, 0, 0, 123456789, time.UTC)
	// Past two batches' boundaries (batches of 2 pages of 50 events here,
	// not the seeding's 100: the same code, 256 events rather than the
	// 5,120 that crossing one batch of 5,000 took, which the chain's
	// verifications read whole): the head moves on between batches. 20
	// minutes apart, the events span four days, as the 5,120 a minute
	// apart did.
	const n = 256
	err := s.SeedAuditEventsInBatchesForTest(ctx, n, 2, func(i int) store.AuditEvent {
		return store.AuditEvent{At: start.Add(time.Duration(i) * 20 * time.Minute), Actor: "member@example.org",
			Action: store.AuditSignIn, Target: "user:1"}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Audit(ctx, store.AuditEvent{Actor: "system", Action: store.AuditSignOut}); err != nil {
		t.Fatal(err)
	}
	brk, m, err := s.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if brk != nil {
		t.Fatalf("chain breaks at %d: %s", brk.Seq, brk.Reason)
	}
	if got, want := m, int64(n+2); got != want {
		t.Fatalf("verified %d events, want %d", got, want)
	}
	evs, more, err := s.ListAudit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != store.PageSize || !more {
		t.Fatalf("newest page: %d events, more=%v; want %d and more", len(evs), more, store.PageSize)
	}
	if got, want := evs[1].Seq, int64(n+1); got != want {
		t.Fatalf("second newest seq=%d, want %d", got, want)
	}
	if got, want := evs[1].Day, "2026-01-04"; got != want { // i=255: 1 January 09:00 + 85h
		t.Fatalf("day=%q, want %q", got, want)
	}

	if err := s.TamperAuditForTest(ctx, 150); err != nil { // in the second batch
		t.Fatal(err)
	}
	if brk, _, _ := s.VerifyAudit(ctx); brk == nil || brk.Seq != 150 {
		t.Fatalf("tampering with a seeded event: break=%v, want at 150", brk)
	}
}

// Bulk-seeded memberships leave the documents PutMembership would: the
// same account copies and group summaries as one-by-one puts into another
// store, and nothing for the repair of those copies to put right.
func TestSeedMembershipsLeavesWhatPutMembershipWould(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	joined := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	build := func(s *store.Store) ([]*store.User, []*store.Group, []*store.Membership) {
		var us []*store.User
		for i, name := range []string{"Ann Chair", "Bob Member", "Cat Member"} {
			u := &store.User{ID: fmt.Sprintf("u%d", i), Email: fmt.Sprintf("u%d@example.org", i), Name: name, Role: store.RoleMember, Status: store.StatusActive}
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			us = append(us, u)
		}
		var gs []*store.Group
		for i := range 2 {
			g := &store.Group{ID: fmt.Sprintf("g%d", i), Name: fmt.Sprintf("Group %d", i), Kind: store.GroupPanel}
			if err := s.CreateGroup(ctx, g); err != nil {
				t.Fatal(err)
			}
			gs = append(gs, g)
		}
		// Ann chairs group 0 and is in group 1; Bob is in both; Cat in
		// group 1 with vetting that expires.
		ms := []*store.Membership{
			{GroupID: "g0", UserID: "u0", Chair: true, VettingLevel: store.VettingLevels[0], JoinedAt: joined},
			{GroupID: "g1", UserID: "u0", VettingLevel: store.VettingLevels[0], JoinedAt: joined.Add(time.Hour)},
			{GroupID: "g1", UserID: "u1", VettingLevel: store.VettingLevels[0], JoinedAt: joined.Add(2 * time.Hour)},
			{GroupID: "g0", UserID: "u1", VettingLevel: store.VettingLevels[0], JoinedAt: joined.Add(3 * time.Hour)},
			{GroupID: "g1", UserID: "u2", VettingLevel: store.VettingLevels[0], JoinedAt: joined.Add(4 * time.Hour), VettingExpires: joined.AddDate(1, 0, 0)},
		}
		return us, gs, ms
	}
	one, bulk := storetest.Open(t), storetest.Open(t)
	_, _, ms := build(one)
	for _, m := range ms {
		if err := one.PutMembership(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	_, _, ms = build(bulk)
	if err := bulk.SeedMemberships(ctx, ms); err != nil {
		t.Fatal(err)
	}
	if n, err := bulk.RepairGroupCopies(ctx); err != nil || n != 0 {
		t.Fatalf("repair after seeding rewrote %d copies (err %v), want 0", n, err)
	}
	for _, id := range []string{"u0", "u1", "u2"} {
		want, err := one.UserMemberships(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := bulk.UserMemberships(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("user %s memberships:\n got %+v\nwant %+v", id, got, want)
		}
	}
	// By hand: g0 has Ann (chair) and Bob, g1 has Ann, Bob and Cat, one
	// expiry (Cat's).
	for _, c := range []struct {
		id     string
		n      int
		chairs []string
		exp    int
	}{{"g0", 2, []string{"Ann Chair"}, 0}, {"g1", 3, []string{}, 1}} {
		want, err := one.Group(ctx, c.id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := bulk.Group(ctx, c.id)
		if err != nil {
			t.Fatal(err)
		}
		if got.MemberCount != c.n || !reflect.DeepEqual(got.ChairNames, c.chairs) || len(got.VettingExpiries) != c.exp {
			t.Errorf("group %s: %d members, chairs %q, %d expiries; want %d, %q, %d", c.id, got.MemberCount, got.ChairNames, len(got.VettingExpiries), c.n, c.chairs, c.exp)
		}
		got.CreatedAt, want.CreatedAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("group %s summary:\n got %+v\nwant %+v", c.id, got, want)
		}
	}
}

// Bulk-seeded visits and findings leave the documents RecordVisit and
// SaveFinding(submit) one by one would: the same visits (seats, who
// submitted, revisions), findings, diaries, month copies, panel tallies and
// months' version in another store, and nothing for the repairs to put right.
func TestSeedVisitsLeavesWhatRecordVisitAndSaveFindingWould(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	build := func() ([]*store.Visit, []*store.Finding) {
		at := func(month time.Month, day int) time.Time { return time.Date(2026, month, day, 18, 0, 0, 0, time.UTC) }
		vs := []*store.Visit{
			// Two panel sessions in March (one month document), three attendees each.
			{ID: "v1", Type: store.VisitStopSearch, GroupID: "panel", Location: "Hub", Start: at(3, 2), End: at(3, 2).Add(2 * time.Hour), Capacity: 6, MinVetting: "none", Attendees: []string{"u1", "u2", "u3"}, CreatedAt: at(2, 1)},
			{ID: "v2", Type: store.VisitStopSearch, GroupID: "panel", Location: "Hub", Start: at(3, 20), End: at(3, 20).Add(2 * time.Hour), Capacity: 6, MinVetting: "none", Attendees: []string{"u2", "u4"}},
			// Another kind of visit, in April, one attendee.
			{ID: "v3", Type: store.VisitCustody, GroupID: "iag", Location: "Custody suite", Start: at(4, 8), End: at(4, 8).Add(time.Hour), Capacity: 2, MinVetting: "none", Attendees: []string{"u1"}, Notes: "Bring ID."},
			// A visit to come, nobody on it yet.
			{ID: "v4", Type: store.VisitStopSearch, GroupID: "panel", Location: "Hub", Start: at(7, 1), End: at(7, 1).Add(2 * time.Hour), Capacity: 10, MinVetting: "none"},
		}
		rev := func(visit, user string, recs int, grounds string) *store.Finding {
			var v *store.Visit
			for _, x := range vs {
				if x.ID == visit {
					v = x
				}
			}
			f := &store.Finding{VisitID: v.ID, GroupID: v.GroupID, VisitType: v.Type, VisitStart: v.Start, UserID: user, AuthorName: "Member " + user}
			for _, key := range store.SectionsFor(v.Type) {
				f.Sections = append(f.Sections, store.FindingSection{Key: key, RAG: store.RAGRatings[0], Comment: "Seen."})
			}
			for r := range recs {
				f.Records = append(f.Records, store.RecordReview{Reference: fmt.Sprintf("%s-%s-%d", visit, user, r), Date: v.Start.AddDate(0, -1, 0),
					SelfEthnicity: []string{"White: Irish", "Not stated"}[r%2], Grounds: grounds, RAG: store.RAGRatings[r%3]})
			}
			return f
		}
		// v1: two findings (two records each, one judged without grounds);
		// v2: one with three records; v3: one with no records (no tally).
		return vs, []*store.Finding{rev("v1", "u1", 2, "no"), rev("v1", "u3", 2, "yes"), rev("v2", "u4", 3, "yes"), rev("v3", "u1", 0, "")}
	}
	one, bulk := storetest.Open(t), storetest.Open(t)
	for _, s := range []*store.Store{one, bulk} {
		s.SetClock(func() time.Time { return now })
	}
	vs, fs := build()
	for _, v := range vs {
		if err := one.RecordVisit(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range fs {
		if err := one.SaveFinding(ctx, f, 0, true); err != nil {
			t.Fatal(err)
		}
	}
	vs, fs = build()
	if err := bulk.SeedVisits(ctx, vs, fs); err != nil {
		t.Fatal(err)
	}
	for _, coll := range []string{"visits", "findings", "visit_diaries", "visit_months", "panel_tallies"} {
		want, got := storetest.Docs(t, one, coll), storetest.Docs(t, bulk, coll)
		if len(want) == 0 {
			t.Fatalf("%s: the one-by-one path left nothing to compare", coll)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", coll, got, want)
		}
	}
	// By hand: v1 took two findings (rev 1+2), v2 one, v3 one, v4 none;
	// the panel's March tally is 2+2+3 = 7 records, 2 judged without grounds.
	if v, err := bulk.Visit(ctx, "v1"); err != nil || v.Rev != 3 || !reflect.DeepEqual(v.Submitted, []string{"u1", "u3"}) || v.SeatsTaken != 3 {
		t.Errorf("v1: %+v (err %v); want rev 3, submitted u1 and u3, 3 seats taken", v, err)
	}
	if tl, err := bulk.PanelTallyOf(ctx, "panel"); err != nil || tl.Months["2026-03"].Records != 7 || tl.Months["2026-03"].NoGrounds != 2 {
		t.Errorf("panel tally: %+v (err %v); want 7 records in 2026-03, 2 without grounds", tl, err)
	}
	for name, repair := range map[string]func(context.Context) (int, error){
		"visit months": bulk.RepairVisitMonths, "panel tallies": bulk.RepairPanelTallies, "diaries": bulk.RepairDiaries,
	} {
		if n, err := repair(ctx); err != nil || n != 0 {
			t.Errorf("repair of %s after seeding put right %d (err %v), want 0", name, n, err)
		}
	}
	wantV, gotV := storetest.Docs(t, one, "counters")["visit_months"], storetest.Docs(t, bulk, "counters")["visit_months"]
	if gotV == nil || wantV == nil {
		t.Errorf("months' version: one by one %v, seeded %v; want both moved on", wantV, gotV)
	}
}

// Bulk-seeded audit events are the documents Audit appending them one by
// one would leave: the same pages (sealed the same, across page and day
// boundaries), the same closed days, and the newest page reads the same.
func TestSeedAuditEventsLeavesWhatAuditWould(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	one, bulk := storetest.Open(t), storetest.Open(t)
	var now time.Time
	one.SetClock(func() time.Time { return now })
	start := time.Date(2026, 1, 1, 20, 0, 0, 0, time.UTC)
	// 130 events, 5 minutes apart: pages of 50 (three pages) and two days.
	gen := func(i int) store.AuditEvent {
		return store.AuditEvent{At: start.Add(time.Duration(i) * 5 * time.Minute), ActorID: fmt.Sprint("u", i%7), Actor: fmt.Sprintf("u%d@example.org", i%7),
			Action: []string{store.AuditSignIn, store.AuditSignOut, store.AuditRoleChange}[i%3], Target: fmt.Sprint("user:", i%5), Detail: fmt.Sprint("detail ", i%2)}
	}
	const n = 130
	for i := range n {
		e := gen(i)
		now = e.At
		if err := one.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := bulk.SeedAuditEvents(ctx, n, gen); err != nil {
		t.Fatal(err)
	}
	// An append stores its own event and full pages are folded in the
	// background; the seeding writes every event on its page. Folded, the
	// one-by-one log holds the same pages.
	if err := one.FoldAuditForTest(ctx); err != nil {
		t.Fatal(err)
	}
	want, got := storetest.Docs(t, one, store.AuditCollection), storetest.Docs(t, bulk, store.AuditCollection)
	if len(want) != 3 { // by hand: 130 events, 50 to a page
		t.Fatalf("one by one: %d pages, want 3", len(want))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("audit pages:\n got %v\nwant %v", got, want)
	}
	// The first day (1 January, 20:00 to 23:55: 48 events) is closed in
	// both; the open day is noted by the seeding and held by the head of
	// the one-by-one log, so only closed days are compared.
	wantDays, gotDays := storetest.Docs(t, one, "audit_days"), storetest.Docs(t, bulk, "audit_days")
	if d := wantDays["2026-01-01"]; !reflect.DeepEqual(gotDays["2026-01-01"], d) || d == nil {
		t.Errorf("closed day: got %v, want %v", gotDays["2026-01-01"], d)
	}
	for _, s := range []*store.Store{one, bulk} {
		if brk, m, err := s.VerifyAudit(ctx); err != nil || brk != nil || m != n {
			t.Fatalf("verify: break %v, %d events, err %v; want none, %d", brk, m, err, n)
		}
	}
	we, _, err := one.ListAudit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	ge, _, err := bulk.ListAudit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ge, we) {
		t.Errorf("newest page differs:\n got %v\nwant %v", ge, we)
	}
}

// Bulk-seeded referrals leave what CreateReferral, AddRefMessage and
// AssessReferral one after another would: the same referrals once opened
// (content, messages, who waits for whom, grading, version, times), the
// same fields stored, the same summaries and reference counter, and nothing
// for the index's repair to put right. Ids, anonymous references and
// sealed bytes are random on both paths and are left out.
func TestSeedReferralsLeavesWhatTheRealPathWould(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 4, 9, 14, 30, 0, 0, time.UTC)
	sl := storetest.Sealer(t)
	one, bulk := storetest.Open(t), storetest.Open(t)
	for _, s := range []*store.Store{one, bulk} {
		s.SetClock(func() time.Time { return now })
		s.SetSealer(sl)
	}
	danger := sampleContent("Officer Danger")
	danger.Danger = "yes"
	in := []store.SeedReferral{
		{New: store.NewReferral{Kind: store.KindPartner, PartnerID: "p1", SubmittedBy: "w1", Content: sampleContent("Officer One")},
			Messages: []store.SeedMessage{{store.FromCCU, "Analyst", "A question."}, {store.FromPartner, "Worker", "An answer."}, {store.FromNote, "Analyst", "A note."}},
			Assess:   &store.Assessment{Status: store.RefAssessing, Risk: "medium", Source: "2", Intel: "C", Handling: "P", AssigneeID: "a1", AssigneeName: "Analyst"}},
		{New: store.NewReferral{Kind: store.KindAnonymous, ID: "anonymous-1", ReceiptHash: "hash", Content: sampleContent("Officer Two")},
			Messages: []store.SeedMessage{{store.FromCCU, "Analyst", "Can you tell us more?"}, {store.FromReporter, "", "Yes."}}},
		// The CCU wrote last: it waits for a reply.
		{New: store.NewReferral{Kind: store.KindPartner, PartnerID: "p1", SubmittedBy: "w1", Content: danger},
			Messages: []store.SeedMessage{{store.FromCCU, "Analyst", "Is everyone safe?"}}},
		{New: store.NewReferral{Kind: store.KindPartner, PartnerID: "p2", SubmittedBy: "w2", Content: sampleContent("Officer Three")},
			Assess: &store.Assessment{Status: store.RefReceived, Risk: "urgent"}},
	}
	var want []string
	for _, x := range in {
		r, err := one.CreateReferral(ctx, x.New)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range x.Messages {
			if err := one.AddRefMessage(ctx, r.ID, m.From, m.ByName, m.Text); err != nil {
				t.Fatal(err)
			}
		}
		if x.Assess != nil {
			if _, err := one.AssessReferral(ctx, r.ID, 1, *x.Assess); err != nil {
				t.Fatal(err)
			}
		}
		want = append(want, r.ID)
	}
	// As the benchmark's cold start leaves it: the repair job filled the
	// slot pool. The seeding empties it (none is taken out of turn).
	if _, err := bulk.TopUpReferralSlots(ctx, true); err != nil {
		t.Fatal(err)
	}
	got, err := bulk.SeedReferrals(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || got[1] != "anonymous-1" {
		t.Fatalf("seeded ids %v, want %d with anonymous-1 second", got, len(want))
	}
	opened := func(s *store.Store, id string) *store.Referral {
		r, err := s.OpenReferral(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		r.ID, r.SealedContent, r.SealedContact = "", nil, nil
		if r.Kind == store.KindAnonymous {
			r.Ref = ""
		}
		for i := range r.Messages {
			r.Messages[i].ID, r.Messages[i].Body = "", nil
		}
		return r
	}
	wantDocs, gotDocs := storetest.Docs(t, one, "referrals"), storetest.Docs(t, bulk, "referrals")
	wantSums, gotSums := storetest.Docs(t, one, "referral_index"), storetest.Docs(t, bulk, "referral_index")
	fields := func(doc any) []string {
		var ks []string
		for k := range doc.(map[string]any) {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return ks
	}
	summary := func(doc any, kind string) any {
		d := doc.(map[string]any)
		delete(d, "_id")
		if kind == store.KindAnonymous {
			delete(d, "ref")
		}
		return d
	}
	for i := range want {
		w, g := opened(one, want[i]), opened(bulk, got[i])
		if !reflect.DeepEqual(g, w) {
			t.Errorf("referral %d opened:\n got %+v\nwant %+v", i, g, w)
		}
		if a, b := fields(gotDocs[got[i]]), fields(wantDocs[want[i]]); !reflect.DeepEqual(a, b) {
			t.Errorf("referral %d stores fields %v, want %v", i, a, b)
		}
		if a, b := summary(gotSums[got[i]], in[i].New.Kind), summary(wantSums[want[i]], in[i].New.Kind); !reflect.DeepEqual(a, b) {
			t.Errorf("referral %d summary:\n got %v\nwant %v", i, a, b)
		}
	}
	// By hand: three partner referrals, CCU-00001 to CCU-00003 in order.
	if r, err := bulk.Referral(ctx, got[3]); err != nil || r.Ref != "CCU-00003" || !r.Urgent || r.Version != 2 {
		t.Errorf("fourth referral: %+v (err %v); want CCU-00003, urgent, version 2", r, err)
	}
	if r, err := bulk.Referral(ctx, got[2]); err != nil || !r.AwaitingReply || !r.AwaitingCCU || r.Risk != "urgent" {
		t.Errorf("third referral: %+v (err %v); want awaiting a reply and the CCU, risk urgent (danger)", r, err)
	}
	// The seeding takes exactly the numbers it gives (3); the real path on
	// the embedded engine takes them from the counter a block at a time
	// (referrals.go, refBlock), so its counter may stand ahead, never behind.
	a, b := storetest.Docs(t, bulk, "counters")["referral-ref"], storetest.Docs(t, one, "counters")["referral-ref"]
	if seq, _ := a.(map[string]any); seq == nil || fmt.Sprint(seq["seq"]) != "3" || b == nil {
		t.Errorf("reference counter %v (the real path's %v), want seq 3", a, b)
	}
	if docs := storetest.Docs(t, bulk, "referrals"); len(docs) != len(in) {
		t.Errorf("seeded store holds %d referrals and slots, want the %d referrals alone", len(docs), len(in))
	}
	if n, err := bulk.SyncReferralIndex(ctx); err != nil || n != 0 {
		t.Errorf("index repair after seeding rewrote %d (err %v), want 0", n, err)
	}
}
