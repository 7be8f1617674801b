package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"candour/apperr"
)

// VisitPlan is a chair's quarter of unannounced custody visits: random
// pairs of eligible members, each given a location and a week. Its id is
// groupId/quarter, so a quarter is planned once.
type VisitPlan struct {
	ID        string    `bson:"_id"`
	GroupID   string    `bson:"groupId"`
	Quarter   string    `bson:"quarter"`  // "2027-Q1"
	Pairs     []Pair    `bson:"pairs"`    // (the embedded server stores no nested arrays)
	Unpaired  []string  `bson:"unpaired"` // left over from an odd number
	VisitIDs  []string  `bson:"visitIds"`
	CreatedBy string    `bson:"createdBy"`
	CreatedAt time.Time `bson:"createdAt"`
}

// Pair is two members who visit together.
type Pair struct {
	A string `bson:"a"`
	B string `bson:"b"`
}

// Booking status of a pair's visit before they choose its day and time.
const SeatPlanned = "planned"

// ParseQuarter reads "2027-Q1" and returns the quarter's first day (UK time).
func ParseQuarter(q string) (time.Time, bool) {
	y, n, ok := strings.Cut(q, "-Q")
	year, err1 := strconv.Atoi(y)
	num, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || num < 1 || num > 4 || year < 2000 || year > 2100 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(3*(num-1)+1), 1, 0, 0, 0, 0, London), true
}

// QuarterOf names the quarter t is in.
func QuarterOf(t time.Time) string {
	t = t.In(London)
	return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
}

// PreviousQuarter names the quarter before q.
func PreviousQuarter(q string) string {
	start, ok := ParseQuarter(q)
	if !ok {
		return ""
	}
	return QuarterOf(start.AddDate(0, -3, 0))
}

// QuarterWeeks lists the Mondays (00:00 UK time) of the weeks that start
// within the quarter beginning at start and on or after from.
func QuarterWeeks(start, from time.Time) []time.Time {
	end := start.AddDate(0, 3, 0)
	d := start
	for d.Weekday() != time.Monday {
		d = d.AddDate(0, 0, 1)
	}
	var ws []time.Time
	for ; d.Before(end); d = d.AddDate(0, 0, 7) {
		if !d.Before(from) {
			ws = append(ws, d)
		}
	}
	return ws
}

// PairMembers pairs people at random. A pair that was also a pair last
// time (previous) is avoided when any pairing allows it: it tries many
// shuffles and keeps the one with the fewest repeats. With an odd number
// one person is left over.
func PairMembers(people []string, previous []Pair, rng *rand.Rand) (pairs []Pair, left []string) {
	before := map[string]bool{}
	for _, p := range previous {
		before[pairKey(p.A, p.B)] = true
	}
	best, bestRepeats := []string(nil), -1
	order := append([]string{}, people...)
	for range 500 {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		repeats := 0
		for i := 0; i+1 < len(order); i += 2 {
			if before[pairKey(order[i], order[i+1])] {
				repeats++
			}
		}
		if bestRepeats < 0 || repeats < bestRepeats {
			best, bestRepeats = append([]string{}, order...), repeats
		}
		if repeats == 0 {
			break
		}
	}
	for i := 0; i+1 < len(best); i += 2 {
		pairs = append(pairs, Pair{best[i], best[i+1]})
	}
	if len(best)%2 == 1 {
		left = []string{best[len(best)-1]}
	}
	return pairs, left
}

func pairKey(a, b string) string {
	if a > b {
		a, b = b, a
	}
	return a + "|" + b
}

// ErrNoPairs is returned when fewer than two members are eligible.
var ErrNoPairs = apperr.New(apperr.Invalid, "group", "Fewer than two members of this group are eligible")

// PlanQuarter pairs the eligible people at random (avoiding last quarter's
// pairs), gives each pair a location and a week of the quarter still to
// come, and creates one unannounced custody visit per pair. Returns
// ErrDuplicate if the quarter is planned already, ErrNoPairs.
func (s *Store) PlanQuarter(ctx context.Context, groupID, quarter string, eligible, locations []string, minVetting, chairID string, rng *rand.Rand) (*VisitPlan, error) {
	start, ok := ParseQuarter(quarter)
	if !ok {
		return nil, fmt.Errorf("store: plan quarter: bad quarter %q", quarter)
	}
	if len(eligible) < 2 {
		return nil, ErrNoPairs
	}
	weeks := QuarterWeeks(start, s.now())
	if len(weeks) == 0 || len(locations) == 0 {
		return nil, fmt.Errorf("store: plan quarter: no weeks or locations")
	}
	var previous []Pair
	var prev VisitPlan
	err := s.r("visit_plans").FindOne(ctx, bson.D{{Key: "_id", Value: groupID + "/" + PreviousQuarter(quarter)}}).Decode(&prev)
	if err == nil {
		previous = prev.Pairs
	} else if !errors.Is(notFound(err), ErrNotFound) {
		return nil, fmt.Errorf("store: previous plan: %w", err)
	}
	poll, err := s.AvailabilityPollOf(ctx, groupID, quarter)
	if err != nil {
		return nil, err
	}
	// Weeks spread out at random; each pair gets a week both said they
	// can do (availability.go).
	rng.Shuffle(len(weeks), func(i, j int) { weeks[i], weeks[j] = weeks[j], weeks[i] })
	pairs, left, pairWeeks := pairWithinAvailability(eligible, previous, weeks, poll, rng)
	if len(pairs) == 0 {
		return nil, ErrNoPairs
	}
	p := &VisitPlan{ID: groupID + "/" + quarter, GroupID: groupID, Quarter: quarter, Pairs: pairs, Unpaired: left,
		CreatedBy: chairID, CreatedAt: s.now().UTC()}
	if p.Unpaired == nil {
		p.Unpaired = []string{}
	}
	// Locations in turn from a shuffled list.
	locs := append([]string{}, locations...)
	rng.Shuffle(len(locs), func(i, j int) { locs[i], locs[j] = locs[j], locs[i] })
	var visits []*Visit
	for i, pair := range pairs {
		wk := pairWeeks[i]
		v := &Visit{ID: NewID(), Type: VisitCustody, GroupID: groupID, Location: locs[i%len(locs)], Start: wk.UTC(), End: wk.UTC(),
			Capacity: 2, SeatsTaken: 2, MinVetting: minVetting, Attendees: []string{pair.A, pair.B}, Waiting: []string{}, Submitted: []string{},
			Unannounced: true, Week: wk.UTC(), PlanID: p.ID, CreatedBy: chairID, CreatedAt: s.now().UTC(), Version: 1, Rev: 1,
			Notes: "Unannounced visit: agree the day and time with your partner and record it here. Tell nobody else."}
		p.VisitIDs = append(p.VisitIDs, v.ID)
		visits = append(visits, v)
	}
	// The plan document is written first: its unique id decides that the
	// quarter is planned once; the visits follow.
	if _, err := s.c("visit_plans").InsertOne(ctx, p); err != nil {
		if isDuplicate(err) {
			return nil, ErrDuplicate
		}
		return nil, fmt.Errorf("store: create plan: %w", err)
	}
	for _, v := range visits {
		if _, err := s.c("visits").InsertOne(ctx, v); err != nil && !isDuplicate(err) {
			return nil, fmt.Errorf("store: create planned visit: %w", err)
		}
		for _, uid := range v.Attendees {
			if err := s.setBooking(ctx, uid, v, SeatPlanned); err != nil {
				return nil, err
			}
		}
		if err := s.putMonthCopy(ctx, v); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// VisitPlanByID returns a plan. Returns ErrNotFound.
func (s *Store) VisitPlanByID(ctx context.Context, id string) (*VisitPlan, error) {
	var p VisitPlan
	if err := s.r("visit_plans").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&p); err != nil {
		return nil, fmt.Errorf("store: plan %s: %w", id, notFound(err))
	}
	return &p, nil
}
