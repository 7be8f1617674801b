package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// AvailabilityPoll is a group's poll before a quarter's unannounced visits
// are paired: each member says which weeks they can do. One document per
// group and quarter (id "group/quarter"), each answer its own field
// (answers.<userId>), so answers never overwrite each other and the
// pairing reads the poll by _id.
type AvailabilityPoll struct {
	ID      string                        `bson:"_id"`
	Answers map[string]AvailabilityAnswer `bson:"answers"`
}

// AvailabilityAnswer is one member's answer: the Mondays (UK dates,
// "2027-01-04") of the weeks they can do; none means no week.
type AvailabilityAnswer struct {
	Weeks []string  `bson:"weeks"`
	At    time.Time `bson:"at"`
}

// WeekKey names a week by its Monday's UK date.
func WeekKey(monday time.Time) string { return monday.In(London).Format(time.DateOnly) }

// CanDo reports whether userID can do the week starting monday. Someone
// who has not answered is taken to be free any week (the chair sees who
// has not answered before pairing).
func (p *AvailabilityPoll) CanDo(userID string, monday time.Time) bool {
	a, ok := p.Answers[userID]
	return !ok || slices.Contains(a.Weeks, WeekKey(monday))
}

// SetAvailability records userID's answer for groupID's quarter. Returns
// ErrDuplicate once the quarter has been paired: the poll is closed.
func (s *Store) SetAvailability(ctx context.Context, groupID, quarter, userID string, weeks []string) error {
	if _, err := s.VisitPlanByID(ctx, groupID+"/"+quarter); err == nil {
		return ErrDuplicate
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	if weeks == nil {
		weeks = []string{}
	}
	_, err := s.c("availability_polls").UpdateOne(ctx, bson.D{{Key: "_id", Value: groupID + "/" + quarter}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "answers." + userID, Value: AvailabilityAnswer{Weeks: weeks, At: s.now().UTC()}}}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("store: set availability: %w", err)
	}
	return nil
}

// AvailabilityPollOf returns a group's poll for a quarter (empty if nobody
// has answered).
func (s *Store) AvailabilityPollOf(ctx context.Context, groupID, quarter string) (*AvailabilityPoll, error) {
	p := AvailabilityPoll{ID: groupID + "/" + quarter}
	err := s.r("availability_polls").FindOne(ctx, bson.D{{Key: "_id", Value: p.ID}}).Decode(&p)
	if err != nil && !errors.Is(notFound(err), ErrNotFound) {
		return nil, fmt.Errorf("store: availability poll: %w", err)
	}
	if p.Answers == nil {
		p.Answers = map[string]AvailabilityAnswer{}
	}
	return &p, nil
}

// weeksForPairs gives each pair a week of weeks (shuffled already) that
// both of its members can do, a different week for each pair while there
// are enough. ok is false if some pair has no week in common.
func weeksForPairs(pairs []Pair, weeks []time.Time, poll *AvailabilityPoll) (out []time.Time, ok bool) {
	used := map[int]bool{}
	for _, p := range pairs {
		both := func(i int) bool { return poll.CanDo(p.A, weeks[i]) && poll.CanDo(p.B, weeks[i]) }
		pick := -1
		for i := range weeks { // an unused week first
			if !used[i] && both(i) {
				pick = i
				break
			}
		}
		for i := range weeks { // else any week both can do
			if pick < 0 && both(i) {
				pick = i
			}
		}
		if pick < 0 {
			return nil, false
		}
		used[pick] = true
		out = append(out, weeks[pick])
	}
	return out, true
}

// pairWithinAvailability pairs people so that every pair has a week both
// can do: people who can do none of weeks are left out first, then up to
// 200 pairings are tried. If none fits, the last one is kept and each pair
// without a common week is left out too, so nobody is ever given a week
// they said they cannot do.
func pairWithinAvailability(people []string, previous []Pair, weeks []time.Time, poll *AvailabilityPoll, rng *rand.Rand) (pairs []Pair, left []string, when []time.Time) {
	var able []string
	for _, id := range people {
		if slices.ContainsFunc(weeks, func(w time.Time) bool { return poll.CanDo(id, w) }) {
			able = append(able, id)
		} else {
			left = append(left, id)
		}
	}
	var ps []Pair
	var l []string
	for range 200 {
		ps, l = PairMembers(able, previous, rng)
		if ws, ok := weeksForPairs(ps, weeks, poll); ok {
			return ps, append(left, l...), ws
		}
	}
	left = append(left, l...)
	for _, p := range ps {
		if _, ok := weeksForPairs(append(slices.Clone(pairs), p), weeks, poll); ok {
			pairs = append(pairs, p)
		} else {
			left = append(left, p.A, p.B)
		}
	}
	when, _ = weeksForPairs(pairs, weeks, poll)
	return pairs, left, when
}
