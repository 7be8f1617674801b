package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"candour/apperr"
	"candour/tz"
	"candour/words"
)

// Visit types.
const (
	VisitCustody      = "custody"
	VisitStopSearch   = "stop-search" // stop-and-search and body-worn video review panel
	VisitUseOfForce   = "use-of-force"
	VisitIntelligence = "intelligence"
	VisitControlRoom  = "control-room"
	VisitTraining     = "training"
	VisitOther        = "other"
)

// VisitTypes lists the types in the order forms show them.
var VisitTypes = []string{VisitCustody, VisitStopSearch, VisitUseOfForce, VisitIntelligence, VisitControlRoom, VisitTraining, VisitOther}

// ReviewsRecords reports whether findings of this type are one entry per
// record reviewed (stop and search, BWV and use-of-force panels).
func ReviewsRecords(visitType string) bool {
	return visitType == VisitStopSearch || visitType == VisitUseOfForce
}

// Visit is one scheduled scrutiny visit or review session. Seats are
// decided on this one document: SeatsTaken only moves with a conditional
// update that also changes Attendees, so it never exceeds Capacity.
type Visit struct {
	ID         string    `bson:"_id"`
	Type       string    `bson:"type"`
	GroupID    string    `bson:"groupId"`
	Location   string    `bson:"location"`
	Start      time.Time `bson:"start"`
	End        time.Time `bson:"end"`
	Capacity   int       `bson:"capacity"`
	SeatsTaken int       `bson:"seatsTaken"`
	MinVetting string    `bson:"minVetting"`
	Training   string    `bson:"training,omitempty"` // the training kind people need to sign up (TrainingKinds), or ""
	Notes      string    `bson:"notes"`
	Attendees  []string  `bson:"attendees"` // user ids, in the order they got a seat
	Waiting    []string  `bson:"waiting"`   // user ids, first come first served
	// Unannounced custody visits: a planned pair (Attendees) gets a week;
	// only the pair and the group's chairs ever see Start and End.
	Unannounced bool      `bson:"unannounced"`
	Week        time.Time `bson:"week,omitempty"` // Monday 00:00 UK time of the given week
	TimeSet     bool      `bson:"timeSet"`        // the pair has chosen the day and time
	PlanID      string    `bson:"planId,omitempty"`
	// Findings: who has submitted theirs, the chair's sign-off, and whose
	// findings the force has answered. The calendar's month copies keep
	// these too (visit_months.go), so home pages can say what waits.
	Submitted []string `bson:"submitted"`
	Answered  []string `bson:"answered,omitempty"`
	// A record-review panel's sample of police.uk records to review
	// (powers.go), attached by a chair or coordinator.
	SampleID    string    `bson:"sampleId,omitempty"`
	SignedOff   bool      `bson:"signedOff"`
	SignedOffBy string    `bson:"signedOffBy,omitempty"`
	SignedOffAt time.Time `bson:"signedOffAt,omitempty"`
	CreatedBy   string    `bson:"createdBy"`
	CreatedAt   time.Time `bson:"createdAt"`
	Version     int       `bson:"version"` // moved on by edits: a stale edit form is refused
	Rev         int       `bson:"rev"`     // moved on by every write: decides the month copy (visit_months.go)
}

// Attending reports whether userID has a seat.
func (v *Visit) Attending(userID string) bool { return slices.Contains(v.Attendees, userID) }

// WaitingPlace is userID's place on the waiting list (1 is next), or 0.
func (v *Visit) WaitingPlace(userID string) int {
	for i, id := range v.Waiting {
		if id == userID {
			return i + 1
		}
	}
	return 0
}

// Full reports whether every seat is taken.
func (v *Visit) Full() bool { return v.SeatsTaken >= v.Capacity }

// Past reports whether the visit has started at now. An unannounced visit
// whose pair has not chosen the day counts as started once its week is over.
func (v *Visit) Past(now time.Time) bool {
	if v.Unannounced && !v.TimeSet {
		return !now.Before(v.Week.AddDate(0, 0, 7))
	}
	return !now.Before(v.Start)
}

// HasSubmitted reports whether userID has submitted findings.
func (v *Visit) HasSubmitted(userID string) bool { return slices.Contains(v.Submitted, userID) }

// Overlaps reports whether [start, end) meets the visit's time.
func (v *Visit) Overlaps(start, end time.Time) bool {
	return start.Before(v.End) && v.Start.Before(end)
}

// Check applies the scheduling rules; isNew also refuses a start in the
// past. It returns nil or every broken rule at once, each an apperr.Invalid
// naming its field (apperr.All lists them).
func (v *Visit) Check(now time.Time, isNew bool) error {
	var ps []*apperr.Error
	if !v.End.After(v.Start) {
		ps = append(ps, apperr.New(apperr.Invalid, "end", "The end must be after the start"))
	} else if v.End.Sub(v.Start) > 24*time.Hour {
		ps = append(ps, apperr.New(apperr.Invalid, "end", "A visit must end within 24 hours of its start"))
	}
	if isNew && v.Start.Before(now) {
		ps = append(ps, apperr.New(apperr.Invalid, "start", "The start must be in the future"))
	}
	switch {
	case v.Capacity < 1:
		ps = append(ps, apperr.New(apperr.Invalid, "capacity", "Enter at least 1 place"))
	case v.Capacity > 100:
		ps = append(ps, apperr.New(apperr.Invalid, "capacity", "Enter 100 places or fewer"))
	case v.Capacity < v.SeatsTaken:
		ps = append(ps, apperr.Invalidf("capacity", "%d people are already booked: the number of places cannot be fewer than that", v.SeatsTaken))
	}
	return apperr.Join(ps...)
}

// Visit errors.
var (
	ErrAlreadySignedUp  = apperr.New(apperr.Conflict, "", "You are already signed up for this visit")
	ErrNotSignedUp      = apperr.New(apperr.Conflict, "", "You were not signed up for this visit")
	ErrCapacityBelow    = apperr.New(apperr.Conflict, "capacity", "More people are booked than the number of places")
	ErrVisitClosed      = apperr.New(apperr.Conflict, "", "This visit has already started, so sign-up has closed.")
	errSignUpContention = errors.New("sign-up did not settle")
)

// ineligible says, in words for the person, why they cannot sign up: an
// apperr.Invalid on the visit page's "sign-up" section.
func ineligible(format string, args ...any) error {
	return apperr.Invalidf("sign-up", format, args...)
}

// Sign-up outcomes.
const (
	SeatConfirmed = "confirmed"
	SeatWaiting   = "waiting"
)

// Booking is one entry in a person's diary.
type Booking struct {
	Start  time.Time `bson:"start"`
	End    time.Time `bson:"end"`
	Status string    `bson:"status"` // SeatConfirmed or SeatWaiting
}

// Diary is one person's bookings, keyed by visit id, so that eligibility,
// the home page and the calendar feed read a few small documents by _id
// instead of searching the visits. It is a copy: the visit's Attendees and
// Waiting decide, and every write of it is an idempotent follow-up of the
// visit's own update. It is stored as one document per person per month of
// bookings (visit_diary.go).
type Diary struct {
	ID       string
	Bookings map[string]Booking
	FeedHash string // sha256 of the calendar feed token
}

// CreateVisit inserts a visit after checking the rules. Returns the
// broken rules (Check's error: nothing is stored then).
func (s *Store) CreateVisit(ctx context.Context, v *Visit) error {
	if v.ID == "" {
		v.ID = NewID()
	}
	if err := v.Check(s.now(), true); err != nil {
		return err
	}
	v.CreatedAt = s.now().UTC()
	v.Version, v.Rev = 1, 1
	if v.Attendees == nil {
		v.Attendees = []string{}
	}
	v.SeatsTaken = len(v.Attendees)
	v.Waiting, v.Submitted = []string{}, []string{}
	if _, err := s.c("visits").InsertOne(ctx, v); err != nil {
		return fmt.Errorf("store: create visit: %w", err)
	}
	for _, id := range v.Attendees {
		if err := s.setBooking(ctx, id, v, SeatConfirmed); err != nil {
			return err
		}
	}
	return s.putMonthCopy(ctx, v)
}

// Visit returns one visit. Returns ErrNotFound.
func (s *Store) Visit(ctx context.Context, id string) (*Visit, error) {
	var v Visit
	if err := s.findByID(ctx, "visits", id, &v); err != nil {
		return nil, fmt.Errorf("store: visit %s: %w", id, notFound(err))
	}
	return &v, nil
}

// VisitChange is what an edit may change.
type VisitChange struct {
	Type, Location, MinVetting, Notes string
	Training                          string // the training kind needed to sign up, or ""
	Start, End                        time.Time
	Capacity                          int
}

// UpdateVisit changes a visit made from version. The update is decided by
// one conditional write: it fails with ErrConflict if the visit changed
// meanwhile, and with ErrCapacityBelow if more people are booked than the
// new capacity. Raising capacity promotes people from the waiting list;
// their ids are returned.
func (s *Store) UpdateVisit(ctx context.Context, id string, version int, ch VisitChange) ([]string, error) {
	before, err := s.Visit(ctx, id)
	if err != nil {
		return nil, err
	}
	res, err := s.rescheduleVisit(ctx, id, Eq("version", version).And(Lte("seatsTaken", ch.Capacity)), bson.D{
		{Key: "$set", Value: bson.D{{Key: "type", Value: ch.Type}, {Key: "location", Value: ch.Location}, {Key: "minVetting", Value: ch.MinVetting}, {Key: "training", Value: ch.Training},
			{Key: "notes", Value: ch.Notes}, {Key: "start", Value: ch.Start.UTC()}, {Key: "end", Value: ch.End.UTC()}, {Key: "capacity", Value: ch.Capacity}}},
		{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}},
	})
	if err != nil {
		return nil, fmt.Errorf("store: update visit: %w", err)
	}
	if res.MatchedCount == 0 {
		v, err := s.Visit(ctx, id)
		if err != nil {
			return nil, err
		}
		if v.Version != version {
			return nil, ErrConflict
		}
		return nil, ErrCapacityBelow
	}
	v, err := s.Visit(ctx, id)
	if err != nil {
		return nil, err
	}
	if old := MonthKey(before.CalendarDay()); old != MonthKey(v.CalendarDay()) {
		if err := s.dropMonthCopy(ctx, old, id); err != nil {
			return nil, err
		}
	}
	for _, uid := range append(append([]string{}, v.Attendees...), v.Waiting...) {
		st := SeatConfirmed
		if !v.Attending(uid) {
			st = SeatWaiting
		}
		if err := s.rebook(ctx, uid, v, st, MonthKey(before.Start)); err != nil {
			return nil, err
		}
	}
	return s.PromoteWaiting(ctx, id)
}

// Eligible is the one row-level check of a sign-up (the policy table says
// which roles may sign up at all): that the person with memberships ms is
// not already on v (ErrAlreadySignedUp), and may sign up for it at now: a
// member of its group, vetted to its level until it ends, and with no
// overlapping booking. A refusal is an apperr.Invalid on the field
// "sign-up" whose message says why, for the person.
func (s *Store) Eligible(ctx context.Context, v *Visit, userID string, ms []Membership, now time.Time) error {
	if v.Attending(userID) || v.WaitingPlace(userID) > 0 {
		return ErrAlreadySignedUp
	}
	if v.Unannounced {
		return ineligible("Unannounced visits are planned in pairs by the chair: there is nothing to sign up for.")
	}
	if v.Past(now) {
		return ineligible("This visit has already started, so sign-up has closed.")
	}
	var m *Membership
	for i := range ms {
		if ms[i].GroupID == v.GroupID {
			m = &ms[i]
		}
	}
	if m == nil {
		return ineligible("This visit is for members of another group.")
	}
	if VettingRank(m.VettingLevel) < VettingRank(v.MinVetting) {
		return ineligible("This visit needs vetting to %s or higher, and your vetting is %s. Contact your engagement coordinator about vetting.", v.MinVetting, m.VettingLevel)
	}
	if !m.VettingExpires.IsZero() && m.VettingExpires.Before(v.End) {
		return ineligible("Your vetting expires on %s, before this visit. Contact your engagement coordinator to renew it.",
			m.VettingExpires.In(London).Format("2 January 2006"))
	}
	if v.Training != "" {
		why, err := s.trainingRefusal(ctx, userID, v.Training, v.End)
		if err != nil {
			return err
		}
		if why != "" {
			return ineligible("%s", why)
		}
	}
	bs, err := s.bookingsAround(ctx, userID, v.Start, v.End)
	if err != nil {
		return err
	}
	for id, b := range bs {
		if id != v.ID && b.Start.Before(v.End) && v.Start.Before(b.End) {
			other, err := s.Visit(ctx, id)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if other.Attending(userID) || other.WaitingPlace(userID) > 0 {
				return ineligible("You are already booked on a visit at the same time: %s at %s, %s.",
					words.VisitType(other.Type), other.Location, other.Start.In(London).Format("2 January 2006 at 3:04pm"))
			}
		}
	}
	return nil
}

// SignUp gives userID a seat on visit id, or a place on the waiting list
// when every seat is taken. One conditional update decides the seat
// (seatsTaken below capacity and the person not already on the visit), so
// concurrent sign-ups never overbook. It is the sign-up's one write on the
// embedded server: the booking in the person's diary is written after it
// returns, and read from memory until then (visit_diary_later.go). Returns SeatConfirmed or
// SeatWaiting, ErrAlreadySignedUp, ErrNotFound, or Eligible's refusal.
func (s *Store) SignUp(ctx context.Context, id, userID string, ms []Membership) (string, error) {
	v, err := s.Visit(ctx, id)
	if err != nil {
		return "", err
	}
	if err := s.Eligible(ctx, v, userID, ms, s.now()); err != nil {
		return "", err
	}
	notOnIt := Ne("attendees", userID).And(Ne("waiting", userID))
	for range 20 {
		if v.SeatsTaken < v.Capacity {
			seat := Eq("capacity", v.Capacity).And(Lt("seatsTaken", v.Capacity), notOnIt)
			res, err := s.updateIf(ctx, "visits", id, seat, bson.D{
				{Key: "$inc", Value: bson.D{{Key: "seatsTaken", Value: 1}}},
				{Key: "$push", Value: bson.D{{Key: "attendees", Value: userID}}},
			})
			if err != nil {
				return "", fmt.Errorf("store: sign up: %w", err)
			}
			if res.ModifiedCount == 1 {
				return SeatConfirmed, s.bookLater(ctx, userID, v, SeatConfirmed)
			}
		} else {
			res, err := s.updateIf(ctx, "visits", id, notOnIt, bson.D{{Key: "$push", Value: bson.D{{Key: "waiting", Value: userID}}}})
			if err != nil {
				return "", fmt.Errorf("store: join waiting list: %w", err)
			}
			if res.ModifiedCount == 1 {
				if err := s.bookLater(ctx, userID, v, SeatWaiting); err != nil {
					return "", err
				}
				// A seat may have been freed between the read and this write.
				promoted, err := s.PromoteWaiting(ctx, id)
				if err != nil {
					return "", err
				}
				if slices.Contains(promoted, userID) {
					return SeatConfirmed, nil
				}
				return SeatWaiting, nil
			}
		}
		// Lost a race, or capacity changed: read again and retry.
		if v, err = s.Visit(ctx, id); err != nil {
			return "", err
		}
		if v.Attending(userID) || v.WaitingPlace(userID) > 0 {
			return "", ErrAlreadySignedUp
		}
	}
	return "", errSignUpContention
}

// CancelSignUp takes userID off visit id (seat or waiting list) and
// promotes the next people waiting into freed seats. It returns the
// promoted user ids, so they can be told. Returns ErrNotSignedUp.
func (s *Store) CancelSignUp(ctx context.Context, id, userID string) ([]string, error) {
	res, err := s.updateIf(ctx, "visits", id, Eq("attendees", userID), bson.D{
		{Key: "$pull", Value: bson.D{{Key: "attendees", Value: userID}}},
		{Key: "$inc", Value: bson.D{{Key: "seatsTaken", Value: -1}}},
	})
	if err != nil {
		return nil, fmt.Errorf("store: cancel seat: %w", err)
	}
	if res.ModifiedCount == 0 {
		res, err = s.updateIf(ctx, "visits", id, Eq("waiting", userID),
			bson.D{{Key: "$pull", Value: bson.D{{Key: "waiting", Value: userID}}}})
		if err != nil {
			return nil, fmt.Errorf("store: leave waiting list: %w", err)
		}
		if res.ModifiedCount == 0 {
			return nil, ErrNotSignedUp
		}
	}
	if err := s.unsetBooking(ctx, userID, id, ""); err != nil {
		return nil, err
	}
	return s.PromoteWaiting(ctx, id)
}

// PromoteWaiting moves the first people waiting into free seats, one
// conditional update each (the person still first in line is checked by
// their still being on the list and the seat count by the filter), so
// it is safe to run concurrently and again after a crash. It returns the
// ids promoted by this call.
func (s *Store) PromoteWaiting(ctx context.Context, id string) ([]string, error) {
	var promoted []string
	for range 100 {
		v, err := s.Visit(ctx, id)
		if err != nil {
			return promoted, err
		}
		// Once a visit has started nobody moves up: the people waiting did
		// not go (and a seat would let them write findings).
		if v.Full() || len(v.Waiting) == 0 || v.Past(s.now()) {
			return promoted, nil
		}
		next := v.Waiting[0]
		res, err := s.updateIf(ctx, "visits", id, Eq("capacity", v.Capacity).And(Gt("start", s.now().UTC()),
			Lt("seatsTaken", v.Capacity), Eq("waiting", next), Ne("attendees", next),
		), bson.D{
			{Key: "$pull", Value: bson.D{{Key: "waiting", Value: next}}},
			{Key: "$push", Value: bson.D{{Key: "attendees", Value: next}}},
			{Key: "$inc", Value: bson.D{{Key: "seatsTaken", Value: 1}}},
		})
		if err != nil {
			return promoted, fmt.Errorf("store: promote from waiting list: %w", err)
		}
		if res.ModifiedCount == 1 {
			promoted = append(promoted, next)
			if err := s.setBooking(ctx, next, v, SeatConfirmed); err != nil {
				return promoted, err
			}
		}
	}
	return promoted, errSignUpContention
}

// VisitFilter selects visits for the calendar.
type VisitFilter struct {
	GroupIDs []string  // nil: every group
	Type     string    // "": every type
	From, To time.Time // start (or, for unannounced visits, week) within [From, To); zero: open
}

// Visits returns the calendar's visits matching f, by calendar day. It
// reads the month documents (visit_months.go) from From's month to To's
// (or twelve months on), which hold schedules without seats: read a visit
// by id for those. From is required; AllVisits reads every visit in full.
func (s *Store) Visits(ctx context.Context, f VisitFilter) ([]Visit, error) {
	if f.From.IsZero() {
		return nil, errors.New("store: visits: the calendar needs a From day (AllVisits reads every visit)")
	}
	last := f.From.AddDate(1, 0, 0)
	if !f.To.IsZero() {
		last = f.To.Add(-time.Nanosecond)
	}
	// From a week earlier: an unannounced visit is filed under its week's
	// Monday, which can fall in the month before From while its week (and
	// so its place in the list) goes on; pickVisits keeps what f selects.
	first := f.From.AddDate(0, 0, -7)
	var vs []Visit
	var err error
	if f.GroupIDs != nil {
		// A member's calendar or next visits: their groups' copies only,
		// and none that starts over a week before From (a visit lasts at
		// most a day, Check; an unannounced one is in view for its week),
		// which pickVisits would drop, so that the list costs the same
		// however many visits went before (issue 18). The months end where
		// visitsInMonths's would.
		l := last.In(London)
		vs, err = s.groupCopiesBetween(ctx, f.GroupIDs, first, time.Date(l.Year(), l.Month()+1, 1, 0, 0, 0, 0, London))
	} else {
		vs, err = s.visitsInMonths(ctx, first, last)
	}
	if err != nil {
		return nil, err
	}
	return pickVisits(vs, f), nil
}

// AllVisits returns every visit in full, seats included, by calendar day:
// the staff's CSV export of the calendar.
func (s *Store) AllVisits(ctx context.Context) ([]Visit, error) {
	vs, err := s.scanVisits(ctx, bson.D{})
	if err != nil {
		return nil, err
	}
	return pickVisits(vs, VisitFilter{}), nil
}

// pickVisits keeps the visits that f selects, by calendar day.
func pickVisits(vs []Visit, f VisitFilter) []Visit {
	out := vs[:0]
	for _, v := range vs {
		at, end := v.CalendarDay(), v.End
		if v.Unannounced {
			// Its day is secret: it stays in view until its week is over,
			// so a list that drops past visits does not tell which day it was.
			end = v.Week.AddDate(0, 0, 7)
		}
		switch {
		case f.GroupIDs != nil && !slices.Contains(f.GroupIDs, v.GroupID), f.Type != "" && v.Type != f.Type:
		case !f.From.IsZero() && end.Before(f.From) && at.Before(f.From), !f.To.IsZero() && !at.Before(f.To):
		default:
			out = append(out, v)
		}
	}
	// By calendar day (an unannounced visit by its week), never by a secret
	// start: the order of a list or an export must not tell the day either.
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].CalendarDay().Equal(out[j].CalendarDay()) {
			return out[i].CalendarDay().Before(out[j].CalendarDay())
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// scanVisits reads the visits matching filter from the collection itself.
func (s *Store) scanVisits(ctx context.Context, filter bson.D) ([]Visit, error) {
	cur, err := s.r("visits").Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "start", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("store: visits: %w", err)
	}
	var vs []Visit
	if err := cur.All(ctx, &vs); err != nil {
		return nil, fmt.Errorf("store: visits: %w", err)
	}
	return vs, nil
}

// everyVisit reads every visit in no particular order, for the repairs
// that rebuild the diaries and the calendar's months from them: without a
// sort the embedded engine streams the visits a batch at a time, where a
// sort makes it hold every visit decoded at once in its own form (about
// 16–24 MB of the heap at a year's visits, issue 18's idle memory).
func (s *Store) everyVisit(ctx context.Context) ([]Visit, error) {
	cur, err := s.r("visits").Find(ctx, bson.D{}, options.Find().SetBatchSize(repairBatch))
	if err != nil {
		return nil, fmt.Errorf("store: visits: %w", err)
	}
	var vs []Visit
	if err := cur.All(ctx, &vs); err != nil {
		return nil, fmt.Errorf("store: visits: %w", err)
	}
	return vs, nil
}

// CalendarDay is where the calendar shows a visit: its start, or for an
// unannounced visit the Monday of its week (its day is secret).
func (v *Visit) CalendarDay() time.Time {
	if v.Unannounced {
		return v.Week
	}
	return v.Start
}

// VisitsByID reads visits by id, one _id read each (a person's bookings).
func (s *Store) VisitsByID(ctx context.Context, ids []string) ([]Visit, error) {
	var vs []Visit
	for _, id := range ids {
		v, err := s.Visit(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		vs = append(vs, *v)
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].Start.Before(vs[j].Start) })
	return vs, nil
}

// SignOffVisit records the chair's sign-off of a visit's findings.
// Returns ErrConflict if it is signed off already.
func (s *Store) SignOffVisit(ctx context.Context, id, chairName string) error {
	res, err := s.rescheduleVisit(ctx, id, Eq("signedOff", false), bson.D{
		{Key: "$set", Value: bson.D{{Key: "signedOff", Value: true}, {Key: "signedOffBy", Value: chairName}, {Key: "signedOffAt", Value: s.now().UTC()}}},
		{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}},
	})
	if err != nil {
		return fmt.Errorf("store: sign off visit: %w", err)
	}
	if res.MatchedCount == 0 {
		return ErrConflict
	}
	return nil
}

// SetVisitTime records the day and time an unannounced pair chose, within
// their week.
func (s *Store) SetVisitTime(ctx context.Context, id string, start, end time.Time) error {
	v, err := s.Visit(ctx, id)
	if err != nil {
		return err
	}
	_, err = s.rescheduleVisit(ctx, id, Cond{}, bson.D{
		{Key: "$set", Value: bson.D{{Key: "start", Value: start.UTC()}, {Key: "end", Value: end.UTC()}, {Key: "timeSet", Value: true}}},
		{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}},
	})
	if err != nil {
		return fmt.Errorf("store: set visit time: %w", err)
	}
	old := MonthKey(v.Start)
	v.Start, v.End = start, end
	for _, uid := range v.Attendees {
		if err := s.rebook(ctx, uid, v, SeatConfirmed, old); err != nil {
			return err
		}
	}
	return nil
}

// London is the force's time zone.
var London = tz.London

// VisitsStartingBetween returns the visits starting in [from, to), for the
// reminder job.
func (s *Store) VisitsStartingBetween(ctx context.Context, from, to time.Time) ([]Visit, error) {
	cur, err := s.r("visits").Find(ctx, bson.D{{Key: "start", Value: bson.D{{Key: "$gte", Value: from.UTC()}, {Key: "$lt", Value: to.UTC()}}}},
		options.Find().SetSort(bson.D{{Key: "start", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("store: visits between: %w", err)
	}
	var vs []Visit
	if err := cur.All(ctx, &vs); err != nil {
		return nil, fmt.Errorf("store: visits between: %w", err)
	}
	return vs, nil
}

// asRecorded checks v (every rule but the one refusing a past date) and
// gives it what a recorded visit starts with: an id, its seats taken by its
// attendees, a creation time, version and revision 1, and empty lists.
func (s *Store) asRecorded(v *Visit) error {
	if v.ID == "" {
		v.ID = NewID()
	}
	v.SeatsTaken = len(v.Attendees)
	if err := v.Check(s.now(), false); err != nil {
		return err
	}
	if v.CreatedAt.IsZero() {
		v.CreatedAt = s.now().UTC()
	}
	v.Version, v.Rev = 1, 1
	if v.Attendees == nil {
		v.Attendees = []string{}
	}
	if v.Waiting == nil {
		v.Waiting = []string{}
	}
	if v.Submitted == nil {
		v.Submitted = []string{}
	}
	return nil
}

// RecordVisit stores a visit that has already happened (demo data and
// imports of earlier calendars), with its attendees: the rules apply except
// the one refusing a date in the past.
func (s *Store) RecordVisit(ctx context.Context, v *Visit) error {
	if err := s.asRecorded(v); err != nil {
		return err
	}
	if _, err := s.c("visits").InsertOne(ctx, v); err != nil {
		return fmt.Errorf("store: record visit: %w", err)
	}
	for _, id := range v.Attendees {
		if err := s.setBooking(ctx, id, v, SeatConfirmed); err != nil {
			return err
		}
	}
	return s.putMonthCopy(ctx, v)
}
