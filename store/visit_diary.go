package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// A person's visit diary (Diary) is kept in visit_diaries as small
// documents read and written by _id (migration 12, issue 18):
//
//   - one per person per month of bookings, _id "<user id>/<YYYY-MM>" (the
//     UK month the visit starts in), holding that month's bookings by visit
//     id. A sign-up rewrites only its visit's month, however many visits
//     the person has booked: the embedded server decodes and rewrites a
//     whole document on every update, and one document per person that
//     grew by a booking a visit made a sign-up's cost grow with the diary.
//   - the person's head, _id = user id: the calendar feed token's hash
//     (visit_feeds.go) and the months outside the near window that hold
//     bookings (Months).
//
// The near window is the months from 46 days back (bookings that ended
// over 45 days ago are pruned) to two months ahead: readers always read
// those months by _id, so a booking in them needs no listing on the head,
// and a sign-up for a visit in the next months writes one document. A
// booking further ahead, further back, or for an unannounced visit's
// planned pair (kept until the plan goes) first adds its month to the
// head, so a crash between the two writes leaves a listed month without
// the booking (repairDiaries writes it), never a booking nobody reads.
//
// Before migration 12 the head held every booking (Bookings); readers
// still merge them, so a database part-way through the migration reads
// the same.

// diaryDoc is a head or a month document of visit_diaries.
type diaryDoc struct {
	ID       string             `bson:"_id"`
	User     string             `bson:"user,omitempty"`     // month: whose
	Month    string             `bson:"month,omitempty"`    // month: "2026-12"; "" on a head
	Bookings map[string]Booking `bson:"bookings,omitempty"` // month; on a head only before migration 12
	Months   []string           `bson:"months,omitempty"`   // head: months outside the near window with bookings
	FeedHash string             `bson:"feedHash,omitempty"` // head
}

const (
	diariesColl = "visit_diaries"
	// diaryBack and diaryAhead bound the near window (above).
	diaryBack  = 46 * 24 * time.Hour
	diaryAhead = 2
)

// diaryMonthID is the _id of userID's bookings in month ("2026-12").
func diaryMonthID(userID, month string) string { return userID + "/" + month }

// nearMonths are the months every diary read includes at now, oldest first.
func nearMonths(now time.Time) []string {
	from := now.Add(-diaryBack).In(London)
	to := now.In(London)
	last := MonthKey(time.Date(to.Year(), to.Month()+diaryAhead, 1, 12, 0, 0, 0, London))
	var out []string
	for m := time.Date(from.Year(), from.Month(), 1, 12, 0, 0, 0, London); ; m = m.AddDate(0, 1, 0) {
		out = append(out, MonthKey(m))
		if MonthKey(m) == last {
			return out
		}
	}
}

// monthsOf are the months a booking from start to end (at most a day) can
// share time with: those of a day before start to end.
func monthsOf(start, end time.Time) []string {
	a, b := MonthKey(start.Add(-24*time.Hour)), MonthKey(end)
	if a == b {
		return []string{a}
	}
	return []string{a, MonthKey(start), b}
}

// readDiaryDocs reads the documents ids of visit_diaries that exist: by
// _id through the copies on the embedded server (a find by _id each, and
// none once kept), in one find on MongoDB.
func (s *Store) readDiaryDocs(ctx context.Context, ids []string) ([]diaryDoc, error) {
	ids = slices.Compact(ids)
	later := s.laterFor(ids) // before the documents: bookings written since are in them (visit_diary_later.go)
	var out []diaryDoc
	if s.embedded == nil {
		cur, err := s.r(diariesColl).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
		if err != nil {
			return nil, fmt.Errorf("store: diary: %w", err)
		}
		if err := cur.All(ctx, &out); err != nil {
			return nil, fmt.Errorf("store: diary: %w", err)
		}
		return out, nil
	}
	for _, id := range ids {
		var d diaryDoc
		err := s.findByID(ctx, diariesColl, id, &d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("store: diary %s: %w", id, err)
		}
		out = append(out, d)
	}
	return withLater(out, later), nil
}

// diaryDocs reads userID's head and every month that may hold bookings:
// the near window's and those the head lists.
func (s *Store) diaryDocs(ctx context.Context, userID string) ([]diaryDoc, error) {
	near := nearMonths(s.now())
	ids := []string{userID}
	for _, m := range near {
		ids = append(ids, diaryMonthID(userID, m))
	}
	docs, err := s.readDiaryDocs(ctx, ids)
	if err != nil {
		return nil, err
	}
	var more []string
	for _, d := range docs {
		if d.ID != userID {
			continue
		}
		for _, m := range d.Months {
			if !slices.Contains(near, m) {
				more = append(more, diaryMonthID(userID, m))
			}
		}
	}
	if len(more) == 0 {
		return docs, nil
	}
	slices.Sort(more)
	rest, err := s.readDiaryDocs(ctx, more)
	return append(docs, rest...), err
}

// diaryOf merges a person's documents into their Diary: the head's own
// bookings (before migration 12) first, then the months in order.
func diaryOf(userID string, docs []diaryDoc) *Diary {
	d := &Diary{ID: userID, Bookings: map[string]Booking{}}
	slices.SortFunc(docs, func(a, b diaryDoc) int { return strings.Compare(a.Month, b.Month) })
	for _, doc := range docs {
		if doc.Month == "" {
			d.FeedHash = doc.FeedHash
		}
		maps.Copy(d.Bookings, doc.Bookings)
	}
	return d
}

// Diary returns a person's bookings (empty if they have none).
func (s *Store) Diary(ctx context.Context, userID string) (*Diary, error) {
	docs, err := s.diaryDocs(ctx, userID)
	if err != nil {
		return nil, err
	}
	return diaryOf(userID, docs), nil
}

// bookingsAround returns a person's bookings in the months a visit from
// start to end can clash in (the sign-up's check): their head and one or
// two months, by _id, whatever else they have booked.
func (s *Store) bookingsAround(ctx context.Context, userID string, start, end time.Time) (map[string]Booking, error) {
	ids := []string{userID}
	for _, m := range monthsOf(start, end) {
		ids = append(ids, diaryMonthID(userID, m))
	}
	docs, err := s.readDiaryDocs(ctx, ids)
	if err != nil {
		return nil, err
	}
	return diaryOf(userID, docs).Bookings, nil
}

// listedMonth reports whether a booking in month must be listed on the
// head at now: outside the near window, or a planned pair's (kept until
// its plan goes, however old).
func listedMonth(month, status string, now time.Time) bool {
	return status == SeatPlanned || !slices.Contains(nearMonths(now), month)
}

// setBooking writes userID's booking of v into the month v starts in (the
// head first lists that month if readers would not otherwise read it). It
// does not take the booking out of another month: a change of the
// visit's month does that after it (moveBookings).
func (s *Store) setBooking(ctx context.Context, userID string, v *Visit, status string) error {
	month := MonthKey(v.Start)
	if err := s.listMonth(ctx, userID, month, status); err != nil {
		return err
	}
	if err := s.settle(ctx, diaryMonthID(userID, month)); err != nil {
		return fmt.Errorf("store: diary booking: %w", err)
	}
	err := s.upsertByID(ctx, diariesColl, diaryMonthID(userID, month), bson.D{{Key: "$set", Value: bson.D{
		{Key: "user", Value: userID}, {Key: "month", Value: month},
		{Key: "bookings." + v.ID, Value: Booking{Start: v.Start.UTC(), End: v.End.UTC(), Status: status}}}}})
	if err != nil {
		return fmt.Errorf("store: diary booking: %w", err)
	}
	return nil
}

// listMonth lists month on userID's head first when readers would not
// otherwise read a booking with status in it (listedMonth).
func (s *Store) listMonth(ctx context.Context, userID, month, status string) error {
	if listedMonth(month, status, s.now()) && !s.headLists(ctx, userID, month) {
		if err := s.upsertByID(ctx, diariesColl, userID,
			bson.D{{Key: "$addToSet", Value: bson.D{{Key: "months", Value: month}}}}); err != nil {
			return fmt.Errorf("store: diary month: %w", err)
		}
	}
	return nil
}

// headLists reports whether userID's head is known to list month: on the
// embedded server from its copy (no round trip once read); on MongoDB it
// reports false, since the idempotent $addToSet costs the round trip a read
// would.
func (s *Store) headLists(ctx context.Context, userID, month string) bool {
	if s.embedded == nil {
		return false
	}
	docs, err := s.readDiaryDocs(ctx, []string{userID})
	return err == nil && len(docs) == 1 && slices.Contains(docs[0].Months, month)
}

// unsetBooking takes visitID off userID's diary, in every document that
// holds it but the month keep ("": every one).
func (s *Store) unsetBooking(ctx context.Context, userID, visitID, keep string) error {
	docs, err := s.diaryDocs(ctx, userID)
	if err != nil {
		return err
	}
	for _, d := range docs {
		if _, ok := d.Bookings[visitID]; !ok || (keep != "" && d.Month == keep) {
			continue
		}
		if err := s.unsetIn(ctx, d.ID, visitID); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) unsetIn(ctx context.Context, docID, visitID string) error {
	if err := s.settle(ctx, docID); err != nil {
		return fmt.Errorf("store: diary cancel: %w", err)
	}
	_, err := s.c(diariesColl).UpdateOne(ctx, bson.D{{Key: "_id", Value: docID}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "bookings." + visitID, Value: ""}}}})
	if err != nil {
		return fmt.Errorf("store: diary cancel: %w", err)
	}
	return nil
}

// rebook writes userID's booking of v with status and, when v has moved
// from month old (a change of its day), then takes it out of the others.
func (s *Store) rebook(ctx context.Context, userID string, v *Visit, status, old string) error {
	if err := s.setBooking(ctx, userID, v, status); err != nil {
		return err
	}
	if month := MonthKey(v.Start); month != old {
		return s.unsetBooking(ctx, userID, v.ID, month)
	}
	return nil
}

// allDiaryDocs reads every head and month of visit_diaries (the repair
// and the pruning).
func (s *Store) allDiaryDocs(ctx context.Context) ([]diaryDoc, error) {
	cur, err := s.r(diariesColl).Find(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("store: diaries: %w", err)
	}
	var ds []diaryDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, fmt.Errorf("store: diaries: %w", err)
	}
	return ds, nil
}

// PruneDiaries takes bookings that ended before cutoff off every diary, so
// a diary holds a few months, not years (the calendar feed shows 30 days
// back; the visits keep their attendees). Planned pairs' bookings stay. A
// month left with no booking that is wholly before cutoff is taken off its
// head and deleted (no sign-up can add to it again). A periodic job runs
// it; it returns how many bookings it removed.
func (s *Store) PruneDiaries(ctx context.Context, cutoff time.Time) (int, error) {
	if err := s.settleDiaries(ctx); err != nil {
		return 0, fmt.Errorf("store: prune diary: %w", err)
	}
	n := 0
	old := MonthKey(cutoff.Add(-24 * time.Hour))
	// One diary document at a time from a cursor: the job runs at once
	// after start-up, and every head and month of every member held at
	// once was part of the idle memory at ten times a year's data (issue 18).
	err := eachDoc(ctx, s, diariesColl, bson.D{}, nil, func(d *diaryDoc) error {
		unset := bson.D{}
		for id, b := range d.Bookings {
			if b.End.Before(cutoff) && b.Status != SeatPlanned {
				unset = append(unset, bson.E{Key: "bookings." + id, Value: ""})
			}
		}
		if d.Month != "" && d.Month < old && len(unset) == len(d.Bookings) {
			// The head stops listing it first: a crash in between leaves a
			// month nobody reads, which the next run deletes.
			if _, err := s.c(diariesColl).UpdateOne(ctx, bson.D{{Key: "_id", Value: d.User}},
				bson.D{{Key: "$pull", Value: bson.D{{Key: "months", Value: d.Month}}}}); err != nil {
				return err
			}
			if _, err := s.c(diariesColl).DeleteOne(ctx, bson.D{{Key: "_id", Value: d.ID}}); err != nil {
				return err
			}
			n += len(unset)
			return nil
		}
		if len(unset) == 0 {
			return nil
		}
		if _, err := s.c(diariesColl).UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, bson.D{{Key: "$unset", Value: unset}}); err != nil {
			return err
		}
		n += len(unset)
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("store: prune diary: %w", err)
	}
	return n, nil
}

// moveDiariesToMonths is migration 12: each head's bookings move into the
// month documents (and the head lists the months outside the near
// window), then leave the head. Every write is an idempotent $set,
// $addToSet or $unset by _id, and readers merge a head's own bookings, so
// a kill -9 anywhere leaves every diary reading the same and running it
// again finishes the move.
func moveDiariesToMonths(ctx context.Context, s *Store) error {
	return moveDiariesUntil(ctx, s, -1)
}

// moveDiariesUntil is moveDiariesToMonths stopping (as a kill -9 could)
// once unsets heads have lost their bookings; -1 runs it whole.
func moveDiariesUntil(ctx context.Context, s *Store, unsets int) error {
	cur, err := s.r(diariesColl).Find(ctx, bson.D{{Key: "month", Value: bson.D{{Key: "$exists", Value: false}}},
		{Key: "bookings", Value: bson.D{{Key: "$exists", Value: true}}}})
	if err != nil {
		return fmt.Errorf("store: diaries to move: %w", err)
	}
	var heads []diaryDoc
	if err := cur.All(ctx, &heads); err != nil {
		return fmt.Errorf("store: diaries to move: %w", err)
	}
	slices.SortFunc(heads, func(a, b diaryDoc) int { return strings.Compare(a.ID, b.ID) })
	for i, h := range heads {
		if i == unsets {
			return nil
		}
		for _, vid := range slices.Sorted(maps.Keys(h.Bookings)) {
			b := h.Bookings[vid]
			if err := s.setBooking(ctx, h.ID, &Visit{ID: vid, Start: b.Start, End: b.End}, b.Status); err != nil {
				return err
			}
		}
		if _, err := s.c(diariesColl).UpdateOne(ctx, bson.D{{Key: "_id", Value: h.ID}},
			bson.D{{Key: "$unset", Value: bson.D{{Key: "bookings", Value: ""}}}}); err != nil {
			return fmt.Errorf("store: diary %s: %w", h.ID, err)
		}
	}
	return nil
}
