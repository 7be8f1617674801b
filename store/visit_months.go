package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The calendar reads months, not the visits collection: visit_months has
// one document per month (id "2026-11", UK time) holding a copy of each
// visit shown in it, keyed by visit id. The embedded server scans a whole
// collection for any query but {_id: value}, so a month page reads one
// small document instead of every visit. A copy holds the schedule (type,
// group, place, times, capacity, and an unannounced visit's pair) and
// where its findings stand (who submitted, the sign-off, who was answered:
// the home pages count what waits from them), not the seats: sign-ups
// change only the visit and the person's diary, so they stay cheap. Every schedule change moves the visit's revision on (rev)
// and then sets the copy only if the copy is older, so concurrent writers
// never leave a stale one; repairVisitMonths puts right what a crash left.
//
// Each instance keeps every month in memory, tagged with a version that
// every change to a month document moves on (a counter document, as for the
// recommendation summaries), so a calendar page costs one small read of
// the counter until the schedule changes. Sign-ups do not change it.

type visitMonth struct {
	ID     string           `bson:"_id"`
	Visits map[string]Visit `bson:"visits"`
	// shown is the copies shown in this month (not those a move left
	// behind), by calendar day and id: worked out once when the months
	// are read (dbMonths), not on every page.
	shown []Visit `bson:"-"`
}

// MonthKey names the calendar month t falls in.
func MonthKey(t time.Time) string { return t.In(London).Format("2006-01") }

// rescheduleVisit applies a schedule change to visit id if it meets cond,
// moves its revision on and refreshes its month copy.
func (s *Store) rescheduleVisit(ctx context.Context, id string, cond Cond, update bson.D) (*mongo.UpdateResult, error) {
	hasInc := false
	for i, e := range update {
		if e.Key == "$inc" {
			update[i].Value = append(append(bson.D{}, e.Value.(bson.D)...), bson.E{Key: "rev", Value: 1})
			hasInc = true
		}
	}
	if !hasInc {
		update = append(update, bson.E{Key: "$inc", Value: bson.D{{Key: "rev", Value: 1}}})
	}
	res, err := s.updateIf(ctx, "visits", id, cond, update)
	if err != nil || res.ModifiedCount == 0 {
		return res, err
	}
	return res, s.syncVisitMonth(ctx, id)
}

// syncVisitMonth copies the visit onto its month's document unless a copy
// at least as new is there.
func (s *Store) syncVisitMonth(ctx context.Context, id string) error {
	v, err := s.Visit(ctx, id)
	if err != nil {
		return err
	}
	return s.putMonthCopy(ctx, v)
}

// scheduleOf is the part of a visit its month copy holds.
func scheduleOf(v Visit) Visit {
	if !v.Unannounced {
		v.Attendees = nil
	}
	v.Waiting, v.SeatsTaken = nil, 0
	v.SignedOffBy, v.SignedOffAt = "", time.Time{}
	v.Notes, v.CreatedBy, v.CreatedAt = "", "", time.Time{}
	return v
}

func (s *Store) putMonthCopy(ctx context.Context, full *Visit) error {
	v := scheduleOf(*full)
	key, field := MonthKey(v.CalendarDay()), "visits."+v.ID
	for range 3 {
		res, err := s.updateIf(ctx, "visit_months", key, Or(Exists(field, false), Lt(field+".rev", v.Rev)),
			bson.D{{Key: "$set", Value: bson.D{{Key: field, Value: v}}}})
		if err != nil {
			return fmt.Errorf("store: visit month %s: %w", key, err)
		}
		if res.MatchedCount == 1 {
			return s.bumpVisitMonths(ctx)
		}
		// No month document yet, or a newer copy is there already.
		_, err = s.c("visit_months").InsertOne(ctx, visitMonth{ID: key, Visits: map[string]Visit{v.ID: v}})
		if err == nil {
			return s.bumpVisitMonths(ctx)
		}
		if !isDuplicate(err) {
			return fmt.Errorf("store: visit month %s: %w", key, err)
		}
		var m visitMonth
		if err := s.r("visit_months").FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&m); err != nil {
			return fmt.Errorf("store: visit month %s: %w", key, err)
		}
		if c, ok := m.Visits[v.ID]; ok && c.Rev >= v.Rev {
			return nil
		}
	}
	return fmt.Errorf("store: visit month %s: copy of %s did not settle", key, v.ID)
}

// dropMonthCopy removes a visit's copy from a month it has left.
func (s *Store) dropMonthCopy(ctx context.Context, month, id string) error {
	_, err := s.c("visit_months").UpdateOne(ctx, bson.D{{Key: "_id", Value: month}}, bson.D{{Key: "$unset", Value: bson.D{{Key: "visits." + id, Value: ""}}}})
	if err != nil {
		return fmt.Errorf("store: visit month %s: %w", month, err)
	}
	return s.bumpVisitMonths(ctx)
}

const visitMonthsCounter = "visit_months"

// bumpVisitMonths moves the months' version on after a change.
func (s *Store) bumpVisitMonths(ctx context.Context) error {
	_, err := s.c("counters").UpdateOne(ctx, bson.D{{Key: "_id", Value: visitMonthsCounter}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "v", Value: 1}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("store: visit months version: %w", err)
	}
	return nil
}

// months returns every month document, from memory when none has changed
// since they were read (a counted copy: copies.go).
func (s *Store) months(ctx context.Context) (map[string]visitMonth, error) {
	return s.monthsCp.get(ctx, s)
}

// dbMonths reads every month document.
func (s *Store) dbMonths(ctx context.Context) (map[string]visitMonth, error) {
	cur, err := s.r("visit_months").Find(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("store: visit months: %w", err)
	}
	var all []visitMonth
	if err := cur.All(ctx, &all); err != nil {
		return nil, fmt.Errorf("store: visit months: %w", err)
	}
	months := make(map[string]visitMonth, len(all))
	for _, m := range all {
		for _, v := range m.Visits {
			if MonthKey(v.CalendarDay()) == m.ID { // a copy left behind by a move is ignored
				m.shown = append(m.shown, v)
			}
		}
		slices.SortFunc(m.shown, byCalendarDay)
		months[m.ID] = m
	}
	return months, nil
}

// byCalendarDay orders visits by calendar day, then by id.
func byCalendarDay(a, b Visit) int {
	if c := a.CalendarDay().Compare(b.CalendarDay()); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// visitsInMonths returns the copies (schedules, without seats) of the
// visits shown in the months from first to last (inclusive), by calendar
// day. The slice is the caller's; the visits in it share the cache's
// arrays, which nobody changes.
func (s *Store) visitsInMonths(ctx context.Context, first, last time.Time) ([]Visit, error) {
	months, err := s.months(ctx)
	if err != nil {
		return nil, err
	}
	// Each month's visits are sorted already and every one falls in its
	// month, so the months one after the other are in order.
	var shown [][]Visit
	n := 0
	for m := time.Date(first.In(London).Year(), first.In(London).Month(), 1, 0, 0, 0, 0, London); !m.After(last); m = m.AddDate(0, 1, 0) {
		if doc, ok := months[MonthKey(m)]; ok {
			shown = append(shown, doc.shown)
			n += len(doc.shown)
		}
	}
	s.visitsLooked.Add(int64(n))
	vs := make([]Visit, 0, n)
	for _, month := range shown {
		vs = append(vs, month...)
	}
	return vs, nil
}

// repairVisitMonths makes every month document agree with the visits
// (a periodic job runs it: it reads the whole visits collection). It
// returns how many copies it put right.
func (s *Store) repairVisitMonths(ctx context.Context) (int, error) {
	all, err := s.everyVisit(ctx)
	if err != nil {
		return 0, err
	}
	byID := map[string]Visit{}
	for _, v := range all {
		byID[v.ID] = v
	}
	cur, err := s.r("visit_months").Find(ctx, bson.D{})
	if err != nil {
		return 0, fmt.Errorf("store: visit months: %w", err)
	}
	var months []visitMonth
	if err := cur.All(ctx, &months); err != nil {
		return 0, fmt.Errorf("store: visit months: %w", err)
	}
	fixed := 0
	have := map[string]int{} // visit id → rev of its copy in the right month
	for _, m := range months {
		for id, c := range m.Visits {
			v, ok := byID[id]
			if !ok || MonthKey(v.CalendarDay()) != m.ID {
				if err := s.dropMonthCopy(ctx, m.ID, id); err != nil {
					return fixed, err
				}
				fixed++
				continue
			}
			have[id] = c.Rev
		}
	}
	for _, v := range all {
		if rev, ok := have[v.ID]; !ok || rev < v.Rev {
			if err := s.putMonthCopy(ctx, &v); err != nil {
				return fixed, err
			}
			fixed++
		}
	}
	return fixed, nil
}

// Schedules returns the calendar copies (schedules, without seats) of the
// visits with these ids, by calendar day, from memory (see months).
func (s *Store) Schedules(ctx context.Context, ids []string) ([]Visit, error) {
	v, err := s.monthViewsNow(ctx)
	if err != nil {
		return nil, err
	}
	var vs []Visit
	for _, id := range ids {
		if i, ok := v.byID[id]; ok {
			vs = append(vs, v.shown[i])
		}
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].CalendarDay().Before(vs[j].CalendarDay()) })
	return vs, nil
}
