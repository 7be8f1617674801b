package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
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

	// A committed draw (PlanQuarterFrom): the SHA-256 commitment to the
	// seed and the inputs, recorded in the audit log before the draw; the
	// inputs as one text; and the seed, shown only after RevealAfter (the
	// end of the last planned week), when no visit's week is secret any
	// more.
	Commitment  string    `bson:"commitment,omitempty"`
	Inputs      string    `bson:"inputs,omitempty"`
	Seed        string    `bson:"seed,omitempty"`
	RevealAfter time.Time `bson:"revealAfter,omitempty"`
}

// Revealed reports whether the plan's seed may be shown at now.
func (p *VisitPlan) Revealed(now time.Time) bool {
	return p.Seed != "" && !p.RevealAfter.IsZero() && now.After(p.RevealAfter)
}

// PlanInputs is everything a quarter's draw depends on besides the seed:
// the group and quarter, the eligible members in the order given, the
// suites, the weeks still to come and last quarter's pairs. Text is all of
// it as one exact text, one item a line, for the commitment.
type PlanInputs struct {
	GroupID, Quarter, MinVetting string
	Eligible, Locations          []string
	Weeks                        []time.Time
	Previous                     []Pair
	Availability                 *AvailabilityPoll // the members' answers (availability.go)
	Text                         string
}

// PlanInputsFor works out the inputs of a quarter's draw now. Returns
// ErrNoPairs.
func (s *Store) PlanInputsFor(ctx context.Context, groupID, quarter string, eligible, locations []string, minVetting string) (*PlanInputs, error) {
	start, ok := ParseQuarter(quarter)
	if !ok {
		return nil, fmt.Errorf("store: plan quarter: bad quarter %q", quarter)
	}
	if len(eligible) < 2 {
		return nil, ErrNoPairs
	}
	in := &PlanInputs{GroupID: groupID, Quarter: quarter, MinVetting: minVetting, Eligible: append([]string{}, eligible...),
		Locations: append([]string{}, locations...), Weeks: QuarterWeeks(start, s.now())}
	if len(in.Weeks) == 0 || len(locations) == 0 {
		return nil, fmt.Errorf("store: plan quarter: no weeks or locations")
	}
	var prev VisitPlan
	err := s.r("visit_plans").FindOne(ctx, bson.D{{Key: "_id", Value: groupID + "/" + PreviousQuarter(quarter)}}).Decode(&prev)
	if err == nil {
		in.Previous = prev.Pairs
	} else if !errors.Is(notFound(err), ErrNotFound) {
		return nil, fmt.Errorf("store: previous plan: %w", err)
	}
	if in.Availability, err = s.AvailabilityPollOf(ctx, groupID, quarter); err != nil {
		return nil, err
	}
	var weeks, previous []string
	for _, w := range in.Weeks {
		weeks = append(weeks, w.In(London).Format("2006-01-02"))
	}
	for _, p := range in.Previous {
		previous = append(previous, p.A+"+"+p.B)
	}
	in.Text = strings.Join([]string{"group=" + groupID, "quarter=" + quarter, "vetting=" + minVetting,
		"eligible=" + strings.Join(in.Eligible, ","), "locations=" + strings.Join(in.Locations, "|"),
		"weeks=" + strings.Join(weeks, ","), "previous=" + strings.Join(previous, ","),
		"availability=" + availabilityText(in.Availability)}, "\n")
	return in, nil
}

// ParsePlanInputs reads the inputs back from their text (PlanInputs.Text),
// so that anyone with a plan's revealed seed can draw it again.
func ParsePlanInputs(text string) (*PlanInputs, error) {
	in := &PlanInputs{Text: text, Availability: &AvailabilityPoll{Answers: map[string]AvailabilityAnswer{}}}
	list := func(v, sep string) []string {
		if v == "" {
			return nil
		}
		return strings.Split(v, sep)
	}
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("store: plan inputs: %q is not key=value", line)
		}
		switch k {
		case "group":
			in.GroupID = v
		case "quarter":
			in.Quarter = v
		case "vetting":
			in.MinVetting = v
		case "eligible":
			in.Eligible = list(v, ",")
		case "locations":
			in.Locations = list(v, "|")
		case "weeks":
			for _, d := range list(v, ",") {
				w, err := time.ParseInLocation("2006-01-02", d, London)
				if err != nil {
					return nil, fmt.Errorf("store: plan inputs: week %q", d)
				}
				in.Weeks = append(in.Weeks, w)
			}
		case "previous":
			for _, p := range list(v, ",") {
				a, b, _ := strings.Cut(p, "+")
				in.Previous = append(in.Previous, Pair{A: a, B: b})
			}
		case "availability":
			for _, a := range list(v, ";") {
				id, ws, _ := strings.Cut(a, ":")
				in.Availability.Answers[id] = AvailabilityAnswer{Weeks: append([]string{}, list(ws, ",")...)}
			}
		}
	}
	return in, nil
}

// PlannedVisit is one pair's draw: its suite and week.
type PlannedVisit struct {
	Pair     Pair
	Location string
	Week     time.Time
}

// DrawPlan is the draw itself, from the inputs and a random number
// generator: the pairs (PairMembers), then the weeks shuffled and the
// suites shuffled, each pair taking the next of each in turn. The same
// inputs and a generator seeded the same way give the same plan: a test,
// or anyone with the revealed seed, can draw it again.
func DrawPlan(in *PlanInputs, rng *rand.Rand) ([]PlannedVisit, []string) {
	weeks := append([]time.Time{}, in.Weeks...)
	rng.Shuffle(len(weeks), func(i, j int) { weeks[i], weeks[j] = weeks[j], weeks[i] })
	poll := in.Availability
	if poll == nil {
		poll = &AvailabilityPoll{}
	}
	// Each pair gets a week both said they can do (availability.go).
	pairs, left, pairWeeks := pairWithinAvailability(in.Eligible, in.Previous, weeks, poll, rng)
	locs := append([]string{}, in.Locations...)
	rng.Shuffle(len(locs), func(i, j int) { locs[i], locs[j] = locs[j], locs[i] })
	var out []PlannedVisit
	for i, p := range pairs {
		out = append(out, PlannedVisit{Pair: p, Location: locs[i%len(locs)], Week: pairWeeks[i]})
	}
	return out, left
}

// availabilityText is a poll's answers as one line of the inputs' text:
// "id:week,week;id:" sorted by id (an empty list: no week).
func availabilityText(p *AvailabilityPoll) string {
	if p == nil {
		return ""
	}
	var out []string
	for id, a := range p.Answers {
		out = append(out, id+":"+strings.Join(a.Weeks, ","))
	}
	sort.Strings(out)
	return strings.Join(out, ";")
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
	in, err := s.PlanInputsFor(ctx, groupID, quarter, eligible, locations, minVetting)
	if err != nil {
		return nil, err
	}
	return s.PlanQuarterFrom(ctx, in, chairID, rng, "", "")
}

// PlanQuarterFrom is PlanQuarter from inputs worked out (and committed to)
// beforehand, drawn with rng; commitment and seed, when given, are kept on
// the plan (the seed is shown only after the last planned week).
func (s *Store) PlanQuarterFrom(ctx context.Context, in *PlanInputs, chairID string, rng *rand.Rand, commitment, seed string) (*VisitPlan, error) {
	groupID, quarter := in.GroupID, in.Quarter
	drawn, left := DrawPlan(in, rng)
	if len(drawn) == 0 {
		return nil, ErrNoPairs
	}
	p := &VisitPlan{ID: groupID + "/" + quarter, GroupID: groupID, Quarter: quarter, Unpaired: left,
		CreatedBy: chairID, CreatedAt: s.now().UTC(), Commitment: commitment, Seed: seed}
	if commitment != "" {
		p.Inputs = in.Text
	}
	if p.Unpaired == nil {
		p.Unpaired = []string{}
	}
	var visits []*Visit
	for _, d := range drawn {
		wk := d.Week
		p.Pairs = append(p.Pairs, d.Pair)
		if end := wk.AddDate(0, 0, 7).UTC(); seed != "" && end.After(p.RevealAfter) {
			p.RevealAfter = end
		}
		v := &Visit{ID: NewID(), Type: VisitCustody, GroupID: groupID, Location: d.Location, Start: wk.UTC(), End: wk.UTC(),
			Capacity: 2, SeatsTaken: 2, MinVetting: in.MinVetting, Attendees: []string{d.Pair.A, d.Pair.B}, Waiting: []string{}, Submitted: []string{},
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
