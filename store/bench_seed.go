//go:build !candourrelease

package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// seedAuditPages is how many whole pages of audit events (AuditPageSize
// each) SeedAuditEvents writes before it moves the chain head on.
const seedAuditPages = 100

// SeedAuditEvents appends n events made by gen(i) (i from 0) to the audit
// log in bulk, for the benchmark (make bench) and tests that need a year of
// history; the portal itself only ever appends with Audit.
//
// The events join the hash chain exactly as Audit would link them: each gets
// the next sequence number and the previous event's hash, and the chain head
// moves on after every batch (up to a boundary of seedAuditPages pages), so
// VerifyAudit passes at any point. Pages above the head are inserted whole.
// gen sets who, what and when (At, truncated to milliseconds as stored);
// Seq, Day and the hashes are filled here. The events go straight onto
// their pages (AuditCollection), as a fold would leave them. Returns ErrConflict if another
// process appends while a batch is being written.
func (s *Store) SeedAuditEvents(ctx context.Context, n int, gen func(i int) AuditEvent) error {
	return s.seedAuditEventsInBatches(ctx, n, seedAuditPages, gen)
}

// seedAuditEventsInBatches is SeedAuditEvents moving the chain head on
// every pages whole pages (a test crosses a batch's boundary with
// hundreds of events rather than thousands).
func (s *Store) seedAuditEventsInBatches(ctx context.Context, n, pages int, gen func(i int) AuditEvent) error {
	s.auditQ.appending.Lock()
	defer s.auditQ.appending.Unlock()
	head, err := s.auditHeadNow(ctx)
	if err != nil {
		return fmt.Errorf("store: seed audit: %w", err)
	}
	if err := s.settleAuditHead(ctx, head); err != nil {
		return fmt.Errorf("store: seed audit: %w", err)
	}
	if _, err := s.rollAuditForward(ctx); err != nil {
		return fmt.Errorf("store: seed audit: %w", err)
	}
	if head, err = s.auditHeadNow(ctx); err != nil {
		return fmt.Errorf("store: seed audit: %w", err)
	}
	head.Pending, head.PendingDays = nil, nil
	for i := 0; i < n; {
		seq, hash, bucket, bucketFirst := head.Seq, head.Hash, head.Bucket, head.BucketFirst
		var evs []AuditEvent
		var buckets []string
		// Up to a page boundary: every page but the first is new.
		for ; i < n && (len(evs) == 0 || seq%int64(AuditPageSize*pages) != 0); i++ {
			ev := gen(i)
			seq++
			ev.seal(seq, hash)
			hash = ev.Hash
			if b := bucketFor(bucket, ev.Day); b != bucket {
				bucket, bucketFirst = b, seq
			}
			evs, buckets = append(evs, ev), append(buckets, bucket)
		}
		if err := s.seedAuditEvents(ctx, evs, buckets); err != nil {
			return fmt.Errorf("store: seed audit: %w", err)
		}
		// Move the head only once the batch is in.
		// Every day is noted in full, the open one too; the head holds
		// the open day's range as an append would leave it.
		next := auditHead{ID: "audit", Seq: seq, Hash: hash, Bucket: bucket, BucketFirst: bucketFirst}
		won, err := s.moveAuditHead(ctx, head, next)
		if err != nil {
			return err
		}
		if !won {
			return fmt.Errorf("store: seed audit: %w", ErrConflict)
		}
		head = next
		s.auditQ.folded.Store(max(s.auditQ.folded.Load(), seq)) // on their pages already
	}
	return nil
}

// seedAuditEvents is writeAuditEventsBut for events above the chain head in
// bulk: the first page may hold events already (it takes the first ones as
// an append would), every later page is new and is inserted whole, many
// at a time, instead of a conditional update, a read and an insert each.
func (s *Store) seedAuditEvents(ctx context.Context, evs []AuditEvent, buckets []string) error {
	var pages []any
	for i := 0; i < len(evs); {
		j := i
		for j < len(evs) && AuditPageID(evs[j].Seq) == AuditPageID(evs[i].Seq) {
			j++
		}
		if (evs[i].Seq-1)%AuditPageSize != 0 {
			if err := s.addToAuditPage(ctx, evs[i:j]); err != nil {
				return err
			}
		} else {
			pages = append(pages, auditPage{ID: AuditPageID(evs[i].Seq), Events: evs[i:j], Last: evs[j-1].Seq})
		}
		i = j
	}
	for start := 0; start < len(pages); start += seedAuditPages {
		if _, err := s.c(AuditCollection).InsertMany(ctx, pages[start:min(start+seedAuditPages, len(pages))]); err != nil {
			return fmt.Errorf("store: seed audit pages: %w", err)
		}
	}
	for i := 0; i < len(evs); {
		j := i
		for j < len(evs) && buckets[j] == buckets[i] {
			j++
		}
		if err := s.noteAuditDay(ctx, buckets[i], evs[i].Seq, evs[j-1].Seq); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// SeedMemberships puts every membership in ms, for the benchmark: the same
// documents PutMembership would leave (the memberships, each account's copy
// of its memberships, each group's summary), written in bulk. PutMembership
// re-reads the user's and the group's memberships after every put, which on
// the embedded engine scans the collection each time (38 s for 1,004 at 1×,
// minutes at 10×); here each account's copy is made in Go from ms and
// written by _id, and each group's summary is recounted once. The
// memberships must be new (an existing one is an error) and their users'
// other memberships, if any, are not in the copy: seed each user's
// memberships in one call.
func (s *Store) SeedMemberships(ctx context.Context, ms []*Membership) error {
	var docs []any
	byUser := map[string][]Membership{}
	var users, groups []string
	seenGroup := map[string]bool{}
	for _, m := range ms {
		m.ID = membershipID(m.GroupID, m.UserID)
		if m.JoinedAt.IsZero() {
			m.JoinedAt = s.now().UTC()
		}
		// As stored (and read back by memberships): to the millisecond.
		m.JoinedAt = m.JoinedAt.Truncate(time.Millisecond)
		m.VettingExpires = m.VettingExpires.Truncate(time.Millisecond)
		docs = append(docs, m)
		if _, ok := byUser[m.UserID]; !ok {
			users = append(users, m.UserID)
		}
		byUser[m.UserID] = append(byUser[m.UserID], *m)
		if !seenGroup[m.GroupID] {
			seenGroup[m.GroupID] = true
			groups = append(groups, m.GroupID)
		}
	}
	for start := 0; start < len(docs); start += seedBatch {
		if _, err := s.c("memberships").InsertMany(ctx, docs[start:min(start+seedBatch, len(docs))]); err != nil {
			return fmt.Errorf("store: seed memberships: %w", err)
		}
	}
	for _, u := range users {
		own := byUser[u]
		sort.SliceStable(own, func(i, j int) bool { return own[i].JoinedAt.Before(own[j].JoinedAt) })
		_, err := s.c("users").UpdateOne(ctx, bson.D{{Key: "_id", Value: u}}, bson.D{{Key: "$set", Value: bson.D{{Key: "memberships", Value: own}}}})
		if err != nil {
			return fmt.Errorf("store: seed memberships: copy to user %s: %w", u, err)
		}
	}
	for _, g := range groups {
		if err := s.syncGroupSummary(ctx, g); err != nil {
			return err
		}
	}
	return nil
}

// SeedVisits stores visits and submitted findings for the benchmark: the
// same documents as RecordVisit for each visit (in order) and then
// SaveFinding(f, 0, true) for each finding (in order) would leave, written
// in bulk. One by one, each visit is a write of the visit, one per
// attendee's diary, and a rewrite of its month's document, and each
// finding four more (45 s for 300 and 300 at 1× on a busy machine); here
// the visits, findings, diaries, month copies and panel tallies are made in
// Go and inserted many at a time, and the months' version moves once.
//
// Every visit passes the rules RecordVisit applies; each finding's visit
// must be among vs. Nothing they write may exist yet: no visit, finding,
// month document or panel tally with the same _id, and no diary for an
// attendee (a clash is an error, after the batches before it were written).
func (s *Store) SeedVisits(ctx context.Context, vs []*Visit, fs []*Finding) error {
	now := s.now().UTC()
	byID := map[string]*Visit{}
	for _, v := range vs {
		if err := s.asRecorded(v); err != nil {
			return err
		}
		byID[v.ID] = v
	}
	byGroup := map[string][]Finding{}
	var groups []string
	for _, f := range fs {
		v := byID[f.VisitID]
		if v == nil {
			return fmt.Errorf("store: seed visits: finding for visit %s, which is not seeded", f.VisitID)
		}
		f.ID = FindingID(f.VisitID, f.UserID)
		f.UpdatedAt, f.CreatedAt, f.SubmittedAt = now, now, now
		f.Status, f.Version = FindingSubmitted, 1
		if f.Sections == nil {
			f.Sections = []FindingSection{}
		}
		if f.Records == nil {
			f.Records = []RecordReview{}
		}
		// As SaveFinding's $addToSet and $inc of rev.
		if !slices.Contains(v.Submitted, f.UserID) {
			v.Submitted = append(v.Submitted, f.UserID)
		}
		v.Rev++
		if _, ok := byGroup[f.GroupID]; !ok {
			groups = append(groups, f.GroupID)
		}
		byGroup[f.GroupID] = append(byGroup[f.GroupID], *f)
	}
	var visits, findings, diaries, months, tallies []any
	// The diaries as setBooking leaves them: a document per person and
	// month, and a head listing the months readers would not otherwise
	// read (visit_diary.go).
	diary := map[string]*diaryDoc{}
	var diaryIDs []string
	put := func(id string, d *diaryDoc) *diaryDoc {
		if diary[id] == nil {
			diary[id] = d
			diaryIDs = append(diaryIDs, id)
		}
		return diary[id]
	}
	month := map[string]*visitMonth{}
	var monthKeys []string
	for _, v := range vs {
		visits = append(visits, v)
		for _, uid := range v.Attendees {
			m := MonthKey(v.Start)
			if listedMonth(m, SeatConfirmed, s.now()) {
				h := put(uid, &diaryDoc{ID: uid})
				if !slices.Contains(h.Months, m) {
					h.Months = append(h.Months, m)
				}
			}
			d := put(diaryMonthID(uid, m), &diaryDoc{ID: diaryMonthID(uid, m), User: uid, Month: m, Bookings: map[string]Booking{}})
			d.Bookings[v.ID] = Booking{Start: v.Start.UTC(), End: v.End.UTC(), Status: SeatConfirmed}
		}
		key := MonthKey(v.CalendarDay())
		m := month[key]
		if m == nil {
			m = &visitMonth{ID: key, Visits: map[string]Visit{}}
			month[key] = m
			monthKeys = append(monthKeys, key)
		}
		m.Visits[v.ID] = scheduleOf(*v)
	}
	for _, f := range fs {
		findings = append(findings, f)
	}
	for _, id := range diaryIDs {
		diaries = append(diaries, diary[id])
	}
	for _, k := range monthKeys {
		months = append(months, month[k])
	}
	for _, g := range groups {
		// addToTally's $inc writes only what a finding counts: a group
		// whose findings count no records has no tally.
		t := TallyOf(g, byGroup[g])
		doc := bson.D{{Key: "_id", Value: g}}
		for _, part := range []struct {
			key    string
			counts map[string]TrendCount
		}{{"months", t.Months}, {"ethnicity", t.Ethnicity}, {"forceMonths", t.ForceMonths}, {"forceEthnicity", t.ForceEthnicity}} {
			if len(part.counts) > 0 {
				doc = append(doc, bson.E{Key: part.key, Value: part.counts})
			}
		}
		if len(doc) > 1 {
			tallies = append(tallies, doc)
		}
	}
	for _, w := range []struct {
		coll string
		docs []any
	}{{"visits", visits}, {"findings", findings}, {"visit_diaries", diaries}, {"visit_months", months}, {"panel_tallies", tallies}} {
		for start := 0; start < len(w.docs); start += seedBatch {
			if _, err := s.c(w.coll).InsertMany(ctx, w.docs[start:min(start+seedBatch, len(w.docs))]); err != nil {
				return fmt.Errorf("store: seed visits: %s: %w", w.coll, err)
			}
		}
	}
	if len(months) == 0 {
		return nil
	}
	return s.bumpVisitMonths(ctx)
}

// SeedReferral is one referral for SeedReferrals: what CreateReferral is
// given, the messages AddRefMessage then adds (in order), and an
// assessment AssessReferral then makes at version 1 (nil: none).
type SeedReferral struct {
	New      NewReferral
	Messages []SeedMessage
	Assess   *Assessment
}

// SeedMessage is one AddRefMessage of a SeedReferral.
type SeedMessage struct{ From, ByName, Text string }

// SeedReferrals stores referrals for the benchmark, with their messages
// and assessments: the documents CreateReferral, AddRefMessage and
// AssessReferral one after another would leave (sealed the same way,
// with partner references from the same counter), written in bulk, and
// returns their ids in order. One by one, a referral with three messages
// and an assessment is about twenty round trips, each message and the
// assessment re-reading the referral and rewriting its summary; here the
// referrals and their summaries are made in Go and inserted many at a
// time. As CreateReferral when no slot is free (referral_slots.go): free
// slots are deleted first (a benchmark's store only).
func (s *Store) SeedReferrals(ctx context.Context, in []SeedReferral) ([]string, error) {
	if s.sealer == nil {
		return nil, ErrNoKeys
	}
	if free, err := s.freeReferralSlots(ctx); err != nil {
		return nil, err
	} else if len(free) > 0 {
		// The benchmark's cold start ran the repair job, which filled the
		// pool; the seeded referrals go in as CreateReferral's with none
		// free, so the pool is emptied first (the next start's repair job
		// fills it again, as after a restart with no slot left).
		for _, coll := range []string{"referrals", "referral_index"} {
			if _, err := s.c(coll).DeleteMany(ctx, bson.D{{Key: "kind", Value: KindSlot}}); err != nil {
				return nil, fmt.Errorf("store: seed referrals: empty the slot pool: %w", err)
			}
		}
		if s.embedded != nil {
			s.freeSlots.invalidate("")
		}
	}
	partners := 0
	for _, x := range in {
		if x.New.Kind != KindAnonymous {
			partners++
		}
	}
	var refs int64
	if partners > 0 {
		// Take the partner referrals' numbers at once, as nextRef would one by one.
		var c struct {
			Seq int64 `bson:"seq"`
		}
		err := s.c("counters").FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: "referral-ref"}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "seq", Value: partners}}}},
			options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&c)
		if err != nil {
			return nil, fmt.Errorf("store: seed referrals: reference: %w", err)
		}
		refs = c.Seq - int64(partners)
	}
	ids := make([]string, len(in))
	var docs, sums []any
	for i, x := range in {
		n := x.New
		r := s.newReferral(n)
		if r.ID == "" {
			r.ID = NewID()
		}
		err := s.sealReferral(r, n)
		if err != nil {
			return nil, err
		}
		if n.Kind == KindAnonymous {
			r.Ref = anonymousRef()
		} else {
			refs++
			r.Ref = fmt.Sprintf("CCU-%05d", refs)
		}
		for _, msg := range x.Messages {
			at, mid := s.now().UTC(), NewID()
			if r.Kind == KindAnonymous {
				at, mid = at.Truncate(24*time.Hour), undatedID()
			}
			m := RefMessage{ID: mid, From: msg.From, ByName: msg.ByName, At: at}
			if m.Body, err = s.seal("referrals", r.ID, "message:"+m.ID, []byte(msg.Text)); err != nil {
				return nil, err
			}
			r.Messages = append(r.Messages, m)
			switch msg.From {
			case FromCCU:
				r.AwaitingReply = true
			case FromPartner, FromReporter:
				r.AwaitingCCU, r.AwaitingReply = true, false
			}
		}
		if a := x.Assess; a != nil {
			if a.Status != r.Status {
				r.StatusAt = s.now().UTC()
			}
			r.Status, r.Risk, r.Source, r.Intel, r.Handling = a.Status, a.Risk, a.Source, a.Intel, a.Handling
			r.AssigneeID, r.AssigneeName, r.Urgent, r.AwaitingCCU = a.AssigneeID, a.AssigneeName, a.Risk == "urgent", false
			r.Version++
		}
		ids[i] = r.ID
		var doc any = r
		if x.Assess != nil {
			// AssessReferral $sets every grading field, empty or not:
			// store them as it does (the struct leaves empty ones out).
			raw, err := bson.Marshal(r)
			if err != nil {
				return nil, err
			}
			var d bson.D
			if err := bson.Unmarshal(raw, &d); err != nil {
				return nil, err
			}
			for _, e := range []bson.E{{Key: "risk", Value: r.Risk}, {Key: "source", Value: r.Source}, {Key: "intel", Value: r.Intel},
				{Key: "handling", Value: r.Handling}, {Key: "assigneeId", Value: r.AssigneeID}, {Key: "assigneeName", Value: r.AssigneeName}} {
				if !slices.ContainsFunc(d, func(f bson.E) bool { return f.Key == e.Key }) {
					d = append(d, e)
				}
			}
			doc = d
		}
		docs, sums = append(docs, doc), append(sums, r.Summary())
	}
	for _, w := range []struct {
		coll string
		docs []any
	}{{"referrals", docs}, {"referral_index", sums}} {
		for start := 0; start < len(w.docs); start += seedBatch {
			if _, err := s.c(w.coll).InsertMany(ctx, w.docs[start:min(start+seedBatch, len(w.docs))]); err != nil {
				if isDuplicate(err) {
					err = ErrDuplicate
				}
				return nil, fmt.Errorf("store: seed referrals: %s: %w", w.coll, err)
			}
		}
	}
	return ids, s.bumpRefIndex(ctx)
}
