package store

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// What a crash can leave half done, and what puts it right.
//
// One document is the unit of atomicity, so every invariant is decided by
// one conditional single-document update and the rest are copies written
// after it. A kill -9 between the two leaves a copy behind; each copy has
// a repair that rebuilds it from what decided, idempotently:
//
//   - the audit chain: an append inserts its events (one document each)
//     and then moves the head over them; repairAuditChain carries the head
//     over stored events that follow it, writes onto their pages the
//     events a head of the old layout still carried, and folds full pages
//     of events (audit.go);
//   - visit seats: SeatsTaken and Attendees move in one update of the
//     visit, so they cannot disagree; the diaries (each person's copy of
//     their bookings) by repairDiaries; the calendar's month copies by
//     repairVisitMonths; the panel tallies by repairPanelTallies;
//   - recommendation and referral summaries: syncRecommendationIndex and
//     syncReferralIndex;
//   - group summaries and the memberships on accounts: repairGroupCopies;
//   - survey tallies: repairCounts (survey_counting.go).
//
// Repair is the one door to all of them. The steps fall in two parts:
//
//   - RepairAtStart, before the portal answers: the steps that protect
//     acknowledged data or figures a page reads from the copy with nothing
//     else to check it against: the audit chain's events beyond its
//     head (an acknowledged action's audit event), the panel tallies (the figures on
//     a panel's page) and survey responses stored but not counted (the
//     results' counts). And the group summaries and memberships on
//     accounts: the membership copy on an account decides who may sign up
//     for a visit, and access is never decided from a copy a crash may
//     have left stale. Each reads the same whatever the data: the head
//     document, the batches not yet counted, and for the panel tallies and
//     the group copies only what the marks of changes cut off by a crash
//     name (copy_marks.go); rebuilding them from every submitted finding,
//     membership and account took start-up to 21–27 s on ten times a
//     year's data under load, and is Repair's (TestStartUpReadsTheSameWhateverTheData).
//     And the issue counts of custody reports saved before the counts
//     existed (custody_repair.go): the scheme manager's home page reads
//     them with nothing to check them against; it reads only the
//     submitted reports without them, none once done.
//   - the copies' repairs (copySteps), only through Repair, which the
//     lease-guarded repair job runs at once after start-up and hourly
//     after that (jobs/repair.go): the diaries, the calendar's
//     months, the recommendation and referral summaries. These read whole
//     collections (every visit, every account, every membership), which
//     made start-up take seconds on a year of data; a crash can leave at
//     most the one change it interrupted behind in them, and only until
//     the job's first run, seconds after start (docs/store.md, "Copies
//     behind one door", says why that wait is safe).
//
// Repair runs both, in that order (the hourly job, candour backup), with
// the panel tallies and the group copies rebuilt in full.

// Repaired is what a Repair put right.
type Repaired struct {
	// Fixed counts what each repair put right, by what it repairs; a
	// repair that found nothing wrong is not listed.
	Fixed map[string]int
	// RetryIn is how long until a survey batch that another instance is
	// still counting has its lease end (0: none); run Repair again then.
	RetryIn time.Duration
}

type repairStep struct {
	name string
	fn   func(context.Context, *Repaired) (int, error)
}

// startSteps are RepairAtStart's steps, copySteps the copies', in order.
var (
	startSteps = []string{"audit chain events", "visit panel tallies", "survey responses counted",
		"group summaries and memberships on accounts", "custody report issue counts"}
	copySteps = []string{
		"visit diaries", "visit calendar months", "recommendation summaries",
		"referral summaries",
	}
)

// StartRepairSteps names RepairAtStart's steps, in order (for tests).
func StartRepairSteps() []string { return slices.Clone(startSteps) }

// steps binds the step names to this store's repairs. With full, the
// panel tallies and the group copies are rebuilt from every submitted
// finding and every membership (Repair); without, only those a mark names
// (RepairAtStart: copy_marks.go), so that start-up reads the same whatever
// the data.
func (s *Store) steps(names []string, full bool) []repairStep {
	all := map[string]func(context.Context, *Repaired) (int, error){
		"audit chain events": func(ctx context.Context, _ *Repaired) (int, error) { return s.repairAuditChain(ctx) },
		"visit panel tallies": func(ctx context.Context, _ *Repaired) (int, error) {
			if !full {
				return s.repairMarkedPanelTallies(ctx)
			}
			return s.fullRepair(ctx, markPanelTally, s.repairPanelTallies)
		},
		"survey responses counted": func(ctx context.Context, done *Repaired) (int, error) {
			n, wait, err := s.repairCounts(ctx)
			done.RetryIn = wait
			return n, err
		},
		"visit diaries":            func(ctx context.Context, _ *Repaired) (int, error) { return s.repairDiaries(ctx) },
		"visit calendar months":    func(ctx context.Context, _ *Repaired) (int, error) { return s.repairVisitMonths(ctx) },
		"recommendation summaries": func(ctx context.Context, _ *Repaired) (int, error) { return s.syncRecommendationIndex(ctx) },
		"referral summaries":       func(ctx context.Context, _ *Repaired) (int, error) { return s.syncReferralIndex(ctx) },
		"group summaries and memberships on accounts": func(ctx context.Context, _ *Repaired) (int, error) {
			if !full {
				return s.repairMarkedMemberships(ctx)
			}
			return s.fullRepair(ctx, markMemberships, s.repairGroupCopies)
		},
		"custody report issue counts": func(ctx context.Context, _ *Repaired) (int, error) {
			return s.repairCustodyIssueCounts(ctx)
		},
	}
	out := make([]repairStep, len(names))
	for i, n := range names {
		out[i] = repairStep{n, all[n]}
	}
	return out
}

// RepairAtStart runs the steps that must be done before the portal answers
// (above) and returns what each put right.
func (s *Store) RepairAtStart(ctx context.Context) (Repaired, error) {
	done := Repaired{Fixed: map[string]int{}}
	err := s.runRepairs(ctx, s.steps(startSteps, false), &done)
	return done, err
}

// Repair runs every repair, RepairAtStart's then the copies', and
// returns what each put right. Every repair is idempotent, and safe while
// the portal runs and on several instances at once.
func (s *Store) Repair(ctx context.Context) (Repaired, error) {
	done := Repaired{Fixed: map[string]int{}}
	err := s.runRepairs(ctx, s.steps(append(slices.Clone(startSteps), copySteps...), true), &done)
	return done, err
}

func (s *Store) runRepairs(ctx context.Context, steps []repairStep, done *Repaired) error {
	for _, r := range steps {
		n, err := r.fn(ctx, done)
		if err != nil {
			return fmt.Errorf("store: repair %s: %w", r.name, err)
		}
		if n > 0 {
			done.Fixed[r.name] = n
		}
	}
	return nil
}

// repairDiaries makes each person's diary agree with the visits' seats
// and waiting lists (announced visits that ended less than 45 days ago;
// planned pairs for unannounced visits are left to the plans): each
// booking in its visit's month (visit_diary.go), that month listed on the
// head where readers need it, and nowhere else. It returns how many
// bookings it put right.
func (s *Store) repairDiaries(ctx context.Context) (int, error) {
	now := s.now()
	cutoff := now.AddDate(0, 0, -45)
	if err := s.settleDiaries(ctx); err != nil { // bookings of sign-ups still to be written (visit_diary_later.go)
		return 0, err
	}
	vs, err := s.everyVisit(ctx)
	if err != nil {
		return 0, err
	}
	ds, err := s.allDiaryDocs(ctx)
	if err != nil {
		return 0, err
	}
	docs := map[string]diaryDoc{}
	for _, d := range ds {
		docs[d.ID] = d
	}
	visits := map[string]*Visit{}
	fixed := 0
	for i := range vs {
		v := &vs[i]
		visits[v.ID] = v
		if v.Unannounced || v.End.Before(cutoff) {
			continue
		}
		month := MonthKey(v.Start)
		for status, users := range map[string][]string{SeatConfirmed: v.Attendees, SeatWaiting: v.Waiting} {
			for _, uid := range users {
				b, ok := docs[diaryMonthID(uid, month)].Bookings[v.ID]
				listed := !listedMonth(month, status, now) || slices.Contains(docs[uid].Months, month)
				if ok && listed && b.Status == status && b.Start.Equal(v.Start.UTC()) && b.End.Equal(v.End.UTC()) {
					continue
				}
				if err := s.setBooking(ctx, uid, v, status); err != nil {
					return fixed, err
				}
				fixed++
			}
		}
	}
	for _, d := range ds {
		uid := d.User
		if d.Month == "" {
			uid = d.ID // a head's own bookings, before migration 12
		}
		for vid, b := range d.Bookings {
			if b.Status != SeatConfirmed && b.Status != SeatWaiting {
				continue
			}
			v := visits[vid]
			if v != nil && (v.Unannounced || v.End.Before(cutoff) ||
				(d.Month == MonthKey(v.Start) && (slices.Contains(v.Attendees, uid) || slices.Contains(v.Waiting, uid)))) {
				continue
			}
			if err := s.unsetIn(ctx, d.ID, vid); err != nil {
				return fixed, err
			}
			fixed++
		}
	}
	return fixed, nil
}
