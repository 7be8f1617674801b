package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

type index struct {
	coll   string
	name   string
	keys   bson.D
	unique bool
	sparse bool
}

// indexes lists every index by name. Only single, compound, multikey and
// unique (sparse when the field is optional) kinds: the embedded server
// supports no others.
var indexes = []index{
	{coll: "users", name: "email_unique", keys: bson.D{{Key: "email", Value: 1}}, unique: true},
	{coll: "users", name: "role_name", keys: bson.D{{Key: "role", Value: 1}, {Key: "nameLower", Value: 1}}},
	{coll: "users", name: "name", keys: bson.D{{Key: "nameLower", Value: 1}}},
	{coll: "users", name: "partner", keys: bson.D{{Key: "partnerId", Value: 1}, {Key: "nameLower", Value: 1}}},
	{coll: "sessions", name: "user", keys: bson.D{{Key: "userId", Value: 1}}},
	{coll: "sessions", name: "expires", keys: bson.D{{Key: "expiresAt", Value: 1}}},
	{coll: "groups", name: "name_unique", keys: bson.D{{Key: "name", Value: 1}}, unique: true},
	{coll: "memberships", name: "group", keys: bson.D{{Key: "groupId", Value: 1}}},
	{coll: "memberships", name: "user", keys: bson.D{{Key: "userId", Value: 1}}},
	{coll: "partners", name: "name_unique", keys: bson.D{{Key: "nameLower", Value: 1}}, unique: true},
	{coll: "power_months", name: "kind_force_month", keys: bson.D{{Key: "kind", Value: 1}, {Key: "force", Value: 1}, {Key: "month", Value: 1}}},
	{coll: "outbox", name: "due", keys: bson.D{{Key: "status", Value: 1}, {Key: "nextAttempt", Value: 1}}},
	{coll: "recommendation_index", name: "raised", keys: bson.D{{Key: "raisedAt", Value: -1}, {Key: "_id", Value: -1}}},
	{coll: "outbox", name: "created", keys: bson.D{{Key: "createdAt", Value: -1}}},
	// Scrutiny visits (store/visits.go, store/findings.go).
	{coll: "visits", name: "start", keys: bson.D{{Key: "start", Value: 1}}},
	{coll: "findings", name: "status_type", keys: bson.D{{Key: "status", Value: 1}, {Key: "visitType", Value: 1}}},
	{coll: "bwv_viewings", name: "visit", keys: bson.D{{Key: "visitId", Value: 1}, {Key: "viewedAt", Value: 1}}},

	// Group meetings (store/meetings.go): by start, for the list and the feeds.
	{coll: "meetings", name: "start", keys: bson.D{{Key: "start", Value: 1}}},

	// Custody visit reports (store/custody_reports.go): by arrival, for the
	// scheme manager's list and the quarterly return.
	{coll: "custody_reports", name: "arrived", keys: bson.D{{Key: "arrived", Value: -1}}},

	// Referrals (store/referrals.go): unique references; on the summaries, the
	// queue's order, a partner's own and the blind index.
	{coll: "referrals", name: "ref_unique", keys: bson.D{{Key: "ref", Value: 1}}, unique: true},
	{coll: "referral_index", name: "queue", keys: bson.D{{Key: "urgent", Value: -1}, {Key: "receivedAt", Value: -1}, {Key: "_id", Value: -1}}},
	{coll: "referral_index", name: "partner", keys: bson.D{{Key: "partnerId", Value: 1}, {Key: "receivedAt", Value: -1}}},
	{coll: "referral_index", name: "blind", keys: bson.D{{Key: "blind", Value: 1}}},

	// Surveys: responses and invitation codes by survey (exports, recounts, code counts).
	{coll: "survey_responses", name: "survey", keys: bson.D{{Key: "surveyId", Value: 1}}},
	{coll: "survey_codes", name: "survey_used", keys: bson.D{{Key: "surveyId", Value: 1}, {Key: "used", Value: 1}}},
	// (The counters and the free-text answers' pages are read by _id.)
}

// EnsureIndexes creates the named indexes; it is idempotent and runs at start-up.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	for _, ix := range indexes {
		o := options.Index().SetName(ix.name)
		if ix.unique {
			o.SetUnique(true)
		}
		if ix.sparse {
			o.SetSparse(true)
		}
		_, err := s.c(ix.coll).Indexes().CreateOne(ctx, mongo.IndexModel{Keys: ix.keys, Options: o})
		if err != nil {
			return fmt.Errorf("store: ensure index %s.%s: %w", ix.coll, ix.name, err)
		}
	}
	if s.w.ids != nil {
		// Every collection there is, including those FerretDB makes on
		// their first write (and, in a store not yet migrated, the old
		// per-day, per-survey and per-import ones).
		if err := s.w.ids.ensure(ctx, ""); err != nil {
			return err
		}
	}
	return nil
}

// A migration changes stored data once; applied ones are recorded in the
// migrations collection by number. Append only; never renumber.
type migration struct {
	n    int
	name string
	run  func(ctx context.Context, s *Store) error
}

var migrations = []migration{
	{n: 1, name: "initial schema", run: func(context.Context, *Store) error { return nil }},
	{n: 2, name: "copy memberships onto accounts", run: func(ctx context.Context, s *Store) error {
		all, err := s.memberships(ctx, bson.D{})
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, m := range all {
			if !seen[m.UserID] {
				seen[m.UserID] = true
				if err := s.syncUserMemberships(ctx, m.UserID); err != nil {
					return err
				}
			}
		}
		return nil
	}},
	{n: 3, name: "member counts and chairs on groups", run: func(ctx context.Context, s *Store) error {
		gs, err := s.Groups(ctx)
		if err != nil {
			return err
		}
		for _, g := range gs {
			if err := s.syncGroupSummary(ctx, g.ID); err != nil {
				return err
			}
		}
		return nil
	}},
	{n: 4, name: "one collection for audit events", run: migrateAuditToOneCollection},
	{n: 5, name: "vetting expiries on groups", run: func(ctx context.Context, s *Store) error {
		gs, err := s.Groups(ctx)
		if err != nil {
			return err
		}
		for _, g := range gs {
			if err := s.syncGroupSummary(ctx, g.ID); err != nil {
				return err
			}
		}
		return nil
	}},
	{n: 6, name: "findings state on the calendar's copies, and who was answered", run: func(ctx context.Context, s *Store) error {
		var answered []Finding
		if err := s.findAll(ctx, "findings", bson.D{{Key: "response", Value: bson.D{{Key: "$gt", Value: ""}}}}, &answered); err != nil {
			return err
		}
		for _, f := range answered {
			if _, err := s.c("visits").UpdateOne(ctx, bson.D{{Key: "_id", Value: f.VisitID}},
				bson.D{{Key: "$addToSet", Value: bson.D{{Key: "answered", Value: f.UserID}}}}); err != nil {
				return err
			}
		}
		vs, err := s.scanVisits(ctx, bson.D{})
		if err != nil {
			return err
		}
		for _, v := range vs {
			if len(v.Submitted) > 0 || v.SignedOff {
				if _, err := s.rescheduleVisit(ctx, v.ID, Cond{}, bson.D{}); err != nil {
					return err
				}
			}
		}
		return nil
	}},
	{n: 7, name: "recommendation summaries say when wording awaits the chair", run: func(ctx context.Context, s *Store) error {
		full, err := s.ExportRecommendations(ctx)
		if err != nil {
			return err
		}
		for i := range full {
			if err := s.putRecSummary(ctx, &full[i]); err != nil {
				return err
			}
		}
		return nil
	}},
	{n: 8, name: "one collection for survey counters, one for free-text answers", run: mergeSurveyCollections},
	{n: 9, name: "one collection for every import's records", run: mergeImportCollections},
	{n: 10, name: "free-text answers in pages read by _id", run: pageLegacyTexts},
	{n: 11, name: "the people an advice request asked in a document of their own", run: moveAdviceAsked},
	{n: 12, name: "visit diaries in a document per person per month", run: moveDiariesToMonths},
	{n: 13, name: "a mark for each survey version with a stored decision", run: markDecidedVersions},
}

// legacyAuditColl is where migration 4 finds a day's events: one collection
// per day until issue 18.
func legacyAuditColl(day string) string { return "audit_" + strings.ReplaceAll(day, "-", "") }

// migrateAuditToOneCollection moves every day's events, in sequence order,
// into the pages of AuditCollection, then drops the day collections. Each
// page is written whole (a replace, merged with what the page already
// holds), so running it again after a crash, even one among the drops,
// writes the same pages; the day collections go only once every page is in.
func migrateAuditToOneCollection(ctx context.Context, s *Store) error {
	days, err := s.auditDays(ctx)
	if err != nil {
		return err
	}
	slices.SortFunc(days, func(a, b auditDay) int { return cmp.Compare(a.First, b.First) })
	var pg auditPage
	flush := func() error {
		if len(pg.Events) == 0 {
			return nil
		}
		var had auditPage
		err := s.r(AuditCollection).FindOne(ctx, bson.D{{Key: "_id", Value: pg.ID}}).Decode(&had)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return err
		}
		for _, ev := range had.Events {
			if !slices.ContainsFunc(pg.Events, func(e AuditEvent) bool { return e.Seq == ev.Seq }) {
				pg.Events = append(pg.Events, ev)
			}
		}
		slices.SortFunc(pg.Events, func(a, b AuditEvent) int { return cmp.Compare(a.Seq, b.Seq) })
		pg.Last = pg.Events[len(pg.Events)-1].Seq
		_, err = s.c(AuditCollection).ReplaceOne(ctx, bson.D{{Key: "_id", Value: pg.ID}}, pg, options.Replace().SetUpsert(true))
		pg = auditPage{}
		return err
	}
	for _, d := range days {
		cur, err := s.r(legacyAuditColl(d.Day)).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "seq", Value: 1}}))
		if err != nil {
			return err
		}
		for cur.Next(ctx) {
			var ev AuditEvent
			if err := cur.Decode(&ev); err != nil {
				cur.Close(ctx)
				return err
			}
			if id := AuditPageID(ev.Seq); id != pg.ID {
				if err := flush(); err != nil {
					cur.Close(ctx)
					return err
				}
				pg.ID = id
			}
			pg.Events = append(pg.Events, ev)
		}
		err = cur.Err()
		cur.Close(ctx)
		if err != nil {
			return err
		}
	}
	if err := flush(); err != nil {
		return err
	}
	for _, d := range days {
		if err := s.c(legacyAuditColl(d.Day)).Drop(ctx); err != nil {
			return err
		}
	}
	return nil
}

// migrate runs the migrations not yet recorded, calling renew (which keeps
// the migrations lease, schema.go) before each.
func (s *Store) migrate(ctx context.Context, renew func() error) error {
	for _, m := range migrations {
		err := s.r("migrations").FindOne(ctx, bson.D{{Key: "_id", Value: m.n}}).Err()
		if err == nil {
			continue
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return fmt.Errorf("store: migrations: %w", err)
		}
		if err := renew(); err != nil {
			return err
		}
		if err := m.run(ctx, s); err != nil {
			return fmt.Errorf("store: migration %d (%s): %w", m.n, m.name, err)
		}
		_, err = s.c("migrations").InsertOne(ctx, bson.D{{Key: "_id", Value: m.n}, {Key: "name", Value: m.name}, {Key: "appliedAt", Value: time.Now().UTC()}})
		if err != nil && !isDuplicate(err) {
			return fmt.Errorf("store: record migration %d: %w", m.n, err)
		}
	}
	return nil
}
