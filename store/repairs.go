package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// What a crash can leave half done, and what puts it right.
//
// One document is the unit of atomicity, so every invariant is decided by
// one conditional single-document update and the rest are copies written
// after it. A kill -9 between the two leaves a copy behind; each copy has
// a repair that rebuilds it from what decided, idempotently:
//
//   - the audit chain: the head moves together with the events it moved
//     over (pending in the head document); repairAuditChain writes what a
//     crash left there onto the pages (audit.go);
//   - visit seats: SeatsTaken and Attendees move in one update of the
//     visit, so they cannot disagree; the diaries (each person's copy of
//     their bookings) by repairDiaries; the calendar's month copies by
//     repairVisitMonths; the panel tallies by repairPanelTallies;
//   - recommendation and referral summaries: syncRecommendationIndex and
//     syncReferralIndex;
//   - group summaries and the memberships on accounts: repairGroupCopies;
//   - survey tallies: repairCounts (survey_counting.go).
//
// Repair is the one door to all of them: start-up runs it before the
// portal answers (jobs.RepairAtStart), and one job under a lease runs it
// hourly (a store error, not only a crash, can leave a copy behind).

// Repaired is what a Repair put right.
type Repaired struct {
	// Fixed counts what each repair put right, by what it repairs; a
	// repair that found nothing wrong is not listed.
	Fixed map[string]int
	// RetryIn is how long until a survey batch that another instance is
	// still counting has its lease end (0: none); run Repair again then.
	RetryIn time.Duration
}

// Repair runs every repair, in the order above, and returns what each put
// right. Every repair is idempotent, and safe while the portal runs and on
// several instances at once. The copies' repairs read whole collections:
// run it at start-up and from a job, never on a page.
func (s *Store) Repair(ctx context.Context) (Repaired, error) {
	done := Repaired{Fixed: map[string]int{}}
	for _, r := range []struct {
		name string
		fn   func(context.Context) (int, error)
	}{
		{"audit chain events", s.repairAuditChain},
		{"visit diaries", s.repairDiaries},
		{"visit calendar months", s.repairVisitMonths},
		{"visit panel tallies", s.repairPanelTallies},
		{"recommendation summaries", s.syncRecommendationIndex},
		{"referral summaries", s.syncReferralIndex},
		{"group summaries and memberships on accounts", s.repairGroupCopies},
		{"survey responses counted", func(ctx context.Context) (int, error) {
			n, wait, err := s.repairCounts(ctx)
			done.RetryIn = wait
			return n, err
		}},
	} {
		n, err := r.fn(ctx)
		if err != nil {
			return done, fmt.Errorf("store: repair %s: %w", r.name, err)
		}
		if n > 0 {
			done.Fixed[r.name] = n
		}
	}
	return done, nil
}

// repairDiaries makes each person's diary agree with the visits' seats
// and waiting lists (announced visits that ended less than 45 days ago;
// planned pairs for unannounced visits are left to the plans). It returns
// how many bookings it put right.
func (s *Store) repairDiaries(ctx context.Context) (int, error) {
	cutoff := s.now().AddDate(0, 0, -45)
	vs, err := s.scanVisits(ctx, bson.D{})
	if err != nil {
		return 0, err
	}
	cur, err := s.c("visit_diaries").Find(ctx, bson.D{})
	if err != nil {
		return 0, fmt.Errorf("store: diaries: %w", err)
	}
	var ds []Diary
	if err := cur.All(ctx, &ds); err != nil {
		return 0, fmt.Errorf("store: diaries: %w", err)
	}
	have := map[string]map[string]Booking{}
	for _, d := range ds {
		have[d.ID] = d.Bookings
	}
	visits := map[string]*Visit{}
	fixed := 0
	for i := range vs {
		v := &vs[i]
		visits[v.ID] = v
		if v.Unannounced || v.End.Before(cutoff) {
			continue
		}
		for status, users := range map[string][]string{SeatConfirmed: v.Attendees, SeatWaiting: v.Waiting} {
			for _, uid := range users {
				b, ok := have[uid][v.ID]
				if ok && b.Status == status && b.Start.Equal(v.Start.UTC()) && b.End.Equal(v.End.UTC()) {
					continue
				}
				if err := s.setBooking(ctx, uid, v, status); err != nil {
					return fixed, err
				}
				fixed++
			}
		}
	}
	for uid, bs := range have {
		for vid, b := range bs {
			if b.Status != SeatConfirmed && b.Status != SeatWaiting {
				continue
			}
			v := visits[vid]
			if v != nil && (v.Unannounced || v.End.Before(cutoff) || slices.Contains(v.Attendees, uid) || slices.Contains(v.Waiting, uid)) {
				continue
			}
			if err := s.unsetBooking(ctx, uid, vid); err != nil {
				return fixed, err
			}
			fixed++
		}
	}
	return fixed, nil
}
