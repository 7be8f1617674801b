package store

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// A sign-up's booking in the person's diary is written after the sign-up
// has answered, on the embedded server (issue 18: the sign-up row at 50
// members). The seat is the sign-up's one write: the visit's attendees
// and waiting list decide, and the diary is their copy (Diary). Its month
// document was the sign-up's second write, as costly as the seat's (about
// half the CPU of a sign-up, and half its time under the writer lock).
//
// The booking waits in memory (diaryLater) until a writer of its own puts
// it in its month document, one upsert by _id through the writer, all the
// bookings waiting for that document at once: a person who signs up for
// several visits in a row costs one write of their month, not one each.
// Until then every reader of the diary in this process merges what waits
// (readDiaryDocs), so the clash check of the person's next sign-up, their
// home page and their calendar see the booking at once; and every other
// write of a month document first writes what waits for it (settle), so
// a cancel never comes before the booking it cancels. Nobody waits for
// these writes to reach the disk (unsynced): the seat they copy is on disk
// before the sign-up answers. A crash or power cut can lose bookings still
// waiting, as it could lose the booking between the two writes before:
// the repair job puts them back from the visits at its first run after
// start (repairDiaries), and meanwhile the visit's own page, which reads
// the seats, is right. Close writes what waits. On MongoDB, where other
// instances read the documents, the booking is written before the answer,
// as before.

// diaryLater is the bookings waiting to be written into their month
// documents, by the month document's _id.
type diaryLater struct {
	mu      sync.Mutex
	settled *sync.Cond               // a write in flight has finished
	waiting map[string]*laterBooking // not yet taken by a writer
	flying  map[string]*laterBooking // being written
	running bool                     // the writer (writeDiariesLater) runs
	held    bool                     // the writer is not started (tests: HoldDiaryWritesForTest)
}

// laterBooking is what waits for one month document.
type laterBooking struct {
	user, month string
	bookings    map[string]Booking // by visit id
}

func newDiaryLater() *diaryLater {
	q := &diaryLater{waiting: map[string]*laterBooking{}, flying: map[string]*laterBooking{}}
	q.settled = sync.NewCond(&q.mu)
	return q
}

// diaryLaterTimeout bounds one write of a month document by the writer of
// waiting bookings (it waits for the writer lock like any write).
const diaryLaterTimeout = time.Minute

// bookLater is setBooking for a sign-up: on the embedded server the
// booking waits to be written after the answer (above); elsewhere it is
// setBooking. The head's listing of a far month is written first, as
// setBooking writes it.
func (s *Store) bookLater(ctx context.Context, userID string, v *Visit, status string) error {
	if s.embedded == nil {
		return s.setBooking(ctx, userID, v, status)
	}
	month := MonthKey(v.Start)
	if err := s.listMonth(ctx, userID, month, status); err != nil {
		return err
	}
	q := s.later
	q.mu.Lock()
	defer q.mu.Unlock()
	id := diaryMonthID(userID, month)
	w := q.waiting[id]
	if w == nil {
		w = &laterBooking{user: userID, month: month, bookings: map[string]Booking{}}
		q.waiting[id] = w
	}
	w.bookings[v.ID] = Booking{Start: v.Start.UTC(), End: v.End.UTC(), Status: status}
	if !q.running && !q.held {
		q.running = true
		go s.writeDiariesLater()
	}
	return nil
}

// writeDiariesLater writes the waiting bookings, one month document at a
// time (the writer lock is taken for each write, never for them all),
// until none waits.
func (s *Store) writeDiariesLater() {
	q := s.later
	for {
		q.mu.Lock()
		id, w := q.takeAny()
		if w == nil {
			q.running = false
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		ctx, cancel := context.WithTimeout(unsynced(context.Background()), diaryLaterTimeout)
		err := s.writeLater(ctx, id, w)
		cancel()
		if err != nil {
			s.log.Error("store: a diary's bookings could not be written; the repair job writes them from the visits", "diary", id, "err", err)
		}
	}
}

// takeAny takes a waiting document that is not being written (q.mu held),
// waiting for one in flight when only such are left; nil when none waits.
func (q *diaryLater) takeAny() (string, *laterBooking) {
	for len(q.waiting) > 0 {
		for id, w := range q.waiting {
			if q.flying[id] == nil {
				delete(q.waiting, id)
				q.flying[id] = w
				return id, w
			}
		}
		q.settled.Wait()
	}
	return "", nil
}

// writeLater writes w into the month document id and marks it written.
// The copy of the document is kept by the write (upsertByID) before the
// booking stops being merged by readers, so no reader misses it.
func (s *Store) writeLater(ctx context.Context, id string, w *laterBooking) error {
	set := bson.D{{Key: "user", Value: w.user}, {Key: "month", Value: w.month}}
	for _, vid := range slices.Sorted(maps.Keys(w.bookings)) {
		set = append(set, bson.E{Key: "bookings." + vid, Value: w.bookings[vid]})
	}
	err := s.upsertByID(ctx, diariesColl, id, bson.D{{Key: "$set", Value: set}})
	q := s.later
	q.mu.Lock()
	delete(q.flying, id)
	q.settled.Broadcast()
	q.mu.Unlock()
	return err
}

// settle writes what waits for the month document id, and waits for a
// write of it in flight, before another write of it (a cancel, a moved
// visit, a promotion, the pruning, the repair).
func (s *Store) settle(ctx context.Context, id string) error {
	if s.embedded == nil {
		return nil
	}
	q := s.later
	q.mu.Lock()
	for q.flying[id] != nil {
		q.settled.Wait()
	}
	w := q.waiting[id]
	if w == nil {
		q.mu.Unlock()
		return nil
	}
	delete(q.waiting, id)
	q.flying[id] = w
	q.mu.Unlock()
	return s.writeLater(ctx, id, w)
}

// settleDiaries writes every booking waiting when it is called and waits
// for those in flight: before a reader or writer of every diary (the
// pruning, the repair, a copy of the collection) and at Close. Bookings
// of sign-ups made meanwhile are left to the writer.
func (s *Store) settleDiaries(ctx context.Context) error {
	if s.embedded == nil {
		return nil
	}
	q := s.later
	q.mu.Lock()
	ids := slices.Sorted(maps.Keys(q.waiting))
	ids = append(ids, slices.Collect(maps.Keys(q.flying))...)
	q.mu.Unlock()
	for _, id := range ids {
		if err := s.settle(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// laterFor is a copy of what waits (or is being written) for each of the
// month documents ids, taken before they are read: a booking written
// after it is in the document read after it.
func (s *Store) laterFor(ids []string) map[string]*laterBooking {
	if s.embedded == nil {
		return nil
	}
	q := s.later
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.waiting) == 0 && len(q.flying) == 0 {
		return nil
	}
	var out map[string]*laterBooking
	for _, id := range ids {
		for _, w := range []*laterBooking{q.flying[id], q.waiting[id]} { // the waiting are the newer
			if w == nil {
				continue
			}
			if out == nil {
				out = map[string]*laterBooking{}
			}
			if out[id] == nil {
				out[id] = &laterBooking{user: w.user, month: w.month, bookings: map[string]Booking{}}
			}
			maps.Copy(out[id].bookings, w.bookings)
		}
	}
	return out
}

// withLater merges what waited for each document (laterFor) into docs,
// read after it: into the document, or as the document when it was not
// written yet.
func withLater(docs []diaryDoc, later map[string]*laterBooking) []diaryDoc {
	if len(later) == 0 {
		return docs
	}
	for i := range docs {
		if w := later[docs[i].ID]; w != nil {
			b := maps.Clone(docs[i].Bookings)
			if b == nil {
				b = map[string]Booking{}
			}
			maps.Copy(b, w.bookings)
			docs[i].Bookings = b
			delete(later, docs[i].ID)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(later)) {
		w := later[id]
		docs = append(docs, diaryDoc{ID: id, User: w.user, Month: w.month, Bookings: w.bookings})
	}
	return docs
}
