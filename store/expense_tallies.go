package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// The small documents that keep expenses claims right under concurrency and
// cheap to count (expense_tallies, docs/advisory.md "Expenses claims"):
//
//   - one per person and tax year (id "<userId>/<year the tax year starts>"):
//     the miles the person has claimed in the year (claims not rejected)
//     and each claim's miles and status. A claim takes its place in the
//     year by one conditional single-document write that adds its miles
//     and returns the miles before it (reserveMiles), so two claims made
//     at the same instant are put in an order, each counts the other's
//     miles at most once, and the 45p/25p split is right however they
//     race. The member's home page reads the year's claims by _id.
//   - one named "waiting": the claims waiting for a coordinator's
//     decision (waiting.<claimId>), which the coordinator's home page
//     counts with one read by _id.
//
// Both are built from the claims the first time they are needed (so claims
// made before they existed are counted), and a claim's entries are written
// before the claim itself, so no claim is ever stored uncounted.

const (
	expenseTallies = "expense_tallies"
	claimQueueID   = "waiting"
	// reservationGrace is how long a place in the year may stand without
	// its claim before a new claim for the same visit may take it over (a
	// crash between the two writes): far longer than the two writes take.
	reservationGrace = time.Minute
)

// expenseYear is one person's tax year of claims.
type expenseYear struct {
	ID     string                     `bson:"_id"`
	Miles  int                        `bson:"miles"` // claims not rejected
	Claims map[string]ExpenseYearItem `bson:"claims"`
	// Abandoned marks places whose own write reported a failure (claim id:
	// the place's time): their request has ended, so the next claim for
	// the visit may take the place over at once (abandonReservation).
	Abandoned map[string]time.Time `bson:"abandoned,omitempty"`
}

// abandonedPlaces are the places this process's claims took whose write
// reported a failure, by claim id (the place's time), kept for the grace:
// on the embedded server every claim goes through this process, so the
// next claim for the visit always knows the place is free to take over.
type abandonedPlaces struct {
	mu sync.Mutex
	at map[string]time.Time
}

func (a *abandonedPlaces) add(claimID string, at time.Time, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.at == nil {
		a.at = map[string]time.Time{}
	}
	for id, t := range a.at {
		if now.Sub(t) > reservationGrace {
			delete(a.at, id)
		}
	}
	a.at[claimID] = at
}

func (a *abandonedPlaces) has(claimID string, at time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.at[claimID]
	return ok && t.Equal(at)
}

// placeTime is a place's time as the year document keeps it (BSON dates
// hold milliseconds).
func placeTime(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// abandonReservation records that claim c's own write of its place
// reported a failure, which on MongoDB may still have been applied (a
// write concern error, or the client-side timeout with the write still
// running on the server). The request ends here, so the place, if it is
// there or arrives later, belongs to nobody: the next claim for the visit
// may take it over at once instead of after the grace. It is recorded in
// memory (enough on the embedded server, where one process makes every
// claim) and in the year document ($set, which holds whichever order it and
// a late place arrive in) for another instance on MongoDB. When the second
// write fails too and the next claim goes to another instance, that claim
// is told "already claimed" until the grace has passed, as before.
func (s *Store) abandonReservation(ctx context.Context, c *ExpenseClaim) {
	at := placeTime(c.CreatedAt)
	s.abandoned.add(c.ID, at, s.now())
	id := expenseYearID(c.UserID, TaxYearStart(c.VisitDate))
	_, err := s.c(expenseTallies).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "abandoned." + c.ID, Value: at}}}})
	if err != nil {
		s.log.Warn("store: could not mark a claim's place as abandoned; a new claim for the visit waits for the grace", "claim", c.ID, "err", err)
	}
}

// ExpenseYearItem is one claim as its person's tax year keeps it: enough
// for their home page to say what was decided.
type ExpenseYearItem struct {
	Miles      int       `bson:"miles"`
	Status     string    `bson:"status"`
	VisitLabel string    `bson:"visitLabel"`
	VisitDate  time.Time `bson:"visitDate"`
	At         time.Time `bson:"at"` // when the claim took its place
	DecidedAt  time.Time `bson:"decidedAt,omitempty"`
}

// expenseYearID names the tax year of userID that starts at start.
func expenseYearID(userID string, start time.Time) string {
	return userID + "/" + strconv.Itoa(start.In(London).Year())
}

// reserveMiles gives claim c its place in its person's tax year: its miles
// are added to the year's and the miles claimed before it are returned.
// Duplicate when the year already holds the claim (it was made, or is being
// made at this instant); a place left by a crash longer ago than the grace
// without its claim is taken over.
func (s *Store) reserveMiles(ctx context.Context, c *ExpenseClaim) (int, error) {
	start := TaxYearStart(c.VisitDate)
	id := expenseYearID(c.UserID, start)
	key := "claims." + c.ID
	item := ExpenseYearItem{Miles: c.Miles, Status: ClaimWaiting, VisitLabel: c.VisitLabel, VisitDate: c.VisitDate.UTC(), At: c.CreatedAt}
	update := bson.D{{Key: "$inc", Value: bson.D{{Key: "miles", Value: c.Miles}}}, {Key: "$set", Value: bson.D{{Key: key, Value: item}}}}
	for attempt := 0; ; attempt++ {
		var before expenseYear
		err := s.findAndUpdateIf(ctx, expenseTallies, id, Exists(key, false), update, false).Decode(&before)
		if err == nil && s.reserveFault != nil {
			err = s.reserveFault() // tests: a write that failed after being applied
		}
		if err == nil {
			return before.Miles, nil
		}
		if !errors.Is(err, mongo.ErrNoDocuments) || attempt > 2 {
			return 0, fmt.Errorf("store: count a claim's miles: %w", err)
		}
		var year expenseYear
		err = s.c(expenseTallies).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&year)
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
			if err := s.buildExpenseYear(ctx, id, c.UserID, start); err != nil {
				return 0, err
			}
			continue
		case err != nil:
			return 0, fmt.Errorf("store: count a claim's miles: %w", err)
		}
		old, held := year.Claims[c.ID]
		if !held {
			continue // it was released in between
		}
		abandoned := s.abandoned.has(c.ID, placeTime(old.At)) || year.Abandoned[c.ID].Equal(placeTime(old.At))
		if _, err := s.Claim(ctx, c.ID); !errors.Is(err, ErrNotFound) || s.now().Sub(old.At) < reservationGrace && !abandoned {
			return 0, ErrDuplicate
		}
		if err := s.releaseMiles(ctx, id, c.ID, old); err != nil {
			return 0, err
		}
	}
}

// releaseMiles gives up a place that has no claim (a crash left it, or the
// claim could not be stored), if it is still the one read.
func (s *Store) releaseMiles(ctx context.Context, yearID, claimID string, old ExpenseYearItem) error {
	key := "claims." + claimID
	_, err := s.updateIf(ctx, expenseTallies, yearID, Eq(key+".at", old.At).And(Eq(key+".status", ClaimWaiting)),
		bson.D{{Key: "$inc", Value: bson.D{{Key: "miles", Value: -old.Miles}}}, {Key: "$unset", Value: bson.D{{Key: key, Value: ""}, {Key: "abandoned." + claimID, Value: ""}}}})
	if err != nil {
		return fmt.Errorf("store: release a claim's miles: %w", err)
	}
	return nil
}

// buildExpenseYear makes a person's tax year from their claims stored
// before it existed. Only claims made before this code (or by a build that
// lost the race) can be missing from it, so the first insert wins and a
// second is dropped.
func (s *Store) buildExpenseYear(ctx context.Context, id, userID string, start time.Time) error {
	cs, err := s.claims(ctx, bson.D{{Key: "userId", Value: userID},
		{Key: "visitDate", Value: bson.D{{Key: "$gte", Value: start.UTC()}, {Key: "$lt", Value: start.AddDate(1, 0, 0).UTC()}}}})
	if err != nil {
		return err
	}
	y := expenseYear{ID: id, Claims: map[string]ExpenseYearItem{}}
	for _, c := range cs {
		if c.Status != ClaimRejected {
			y.Miles += c.Miles
		}
		y.Claims[c.ID] = ExpenseYearItem{Miles: c.Miles, Status: c.Status, VisitLabel: c.VisitLabel, VisitDate: c.VisitDate, At: c.CreatedAt, DecidedAt: c.DecidedAt}
	}
	if _, err := s.c(expenseTallies).InsertOne(ctx, y); err != nil && !isDuplicate(err) {
		return fmt.Errorf("store: build a tax year of claims: %w", err)
	}
	return nil
}

// decideInYear records a decision in the claim's tax year: a rejected
// claim's miles stop counting. Idempotent: only a waiting entry changes.
func (s *Store) decideInYear(ctx context.Context, c *ExpenseClaim) error {
	key := "claims." + c.ID
	update := bson.D{{Key: "$set", Value: bson.D{{Key: key + ".status", Value: c.Status}, {Key: key + ".decidedAt", Value: c.DecidedAt}}}}
	if c.Status == ClaimRejected {
		update = append(update, bson.E{Key: "$inc", Value: bson.D{{Key: "miles", Value: -c.Miles}}})
	}
	if _, err := s.updateIf(ctx, expenseTallies, expenseYearID(c.UserID, TaxYearStart(c.VisitDate)), Eq(key+".status", ClaimWaiting), update); err != nil {
		return fmt.Errorf("store: record a decision in the tax year: %w", err)
	}
	return nil
}

// ExpenseYear is userID's claims in the tax year that starts at start
// (TaxYearStart), by claim id: one read by _id, for their home page.
// Empty when they have made none there since the year was first counted.
func (s *Store) ExpenseYear(ctx context.Context, userID string, start time.Time) (map[string]ExpenseYearItem, error) {
	var y expenseYear
	err := s.findByID(ctx, expenseTallies, expenseYearID(userID, start), &y)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, fmt.Errorf("store: tax year of claims: %w", err)
	}
	return y.Claims, nil
}

// claimQueue is the claims waiting for a decision, by id, with when they
// were made.
type claimQueue struct {
	ID      string               `bson:"_id"`
	Waiting map[string]time.Time `bson:"waiting"`
}

// queueClaim adds (or, with add false, removes) a claim in the list of
// claims waiting for a decision.
func (s *Store) queueClaim(ctx context.Context, id string, add bool) error {
	update := bson.D{{Key: "$unset", Value: bson.D{{Key: "waiting." + id, Value: ""}}}}
	if add {
		update = bson.D{{Key: "$set", Value: bson.D{{Key: "waiting." + id, Value: s.now().UTC()}}}}
	}
	for attempt := 0; attempt < 2; attempt++ {
		res, err := s.c(expenseTallies).UpdateOne(ctx, bson.D{{Key: "_id", Value: claimQueueID}}, update)
		if err != nil {
			return fmt.Errorf("store: claims waiting: %w", err)
		}
		if res.MatchedCount == 1 {
			return nil
		}
		if err := s.buildClaimQueue(ctx); err != nil {
			return err
		}
	}
	return nil
}

// buildClaimQueue makes the list of waiting claims from the claims, the
// first time it is needed (every claim made since is added before it is
// stored, so only older ones can be missing).
func (s *Store) buildClaimQueue(ctx context.Context) error {
	cs, err := s.ClaimsWithStatus(ctx, ClaimWaiting)
	if err != nil {
		return err
	}
	q := claimQueue{ID: claimQueueID, Waiting: map[string]time.Time{}}
	for _, c := range cs {
		q.Waiting[c.ID] = c.CreatedAt
	}
	if _, err := s.c(expenseTallies).InsertOne(ctx, q); err != nil && !isDuplicate(err) {
		return fmt.Errorf("store: build the claims waiting: %w", err)
	}
	return nil
}

// ClaimsWaitingCount is how many claims wait for a coordinator's decision:
// one read by _id, for the coordinator's home page.
func (s *Store) ClaimsWaitingCount(ctx context.Context) (int, error) {
	var q claimQueue
	err := s.findByID(ctx, expenseTallies, claimQueueID, &q)
	if errors.Is(err, mongo.ErrNoDocuments) {
		if err := s.buildClaimQueue(ctx); err != nil {
			return 0, err
		}
		err = s.findByID(ctx, expenseTallies, claimQueueID, &q)
	}
	if err != nil {
		return 0, fmt.Errorf("store: claims waiting: %w", err)
	}
	return len(q.Waiting), nil
}

// WaitingClaims lists the claims waiting for a decision, newest visit
// first, and puts the list the home page counts (claimQueue) right against
// them: a crash between a claim's writes can leave an entry for a claim
// never stored, or (between a decision and its removal) one already
// decided. Entries younger than the grace are left alone: their claim may
// be being made. The list is read before the claims, so a claim decided in
// between is not put back.
func (s *Store) WaitingClaims(ctx context.Context) ([]ExpenseClaim, error) {
	var q claimQueue
	qerr := s.r(expenseTallies).FindOne(ctx, bson.D{{Key: "_id", Value: claimQueueID}}).Decode(&q)
	if qerr != nil && !errors.Is(qerr, mongo.ErrNoDocuments) {
		return nil, fmt.Errorf("store: claims waiting: %w", qerr)
	}
	waiting, err := s.ClaimsWithStatus(ctx, ClaimWaiting)
	if err != nil || qerr != nil { // no list yet: the first claim or count builds it
		return waiting, err
	}
	is := map[string]bool{}
	for _, c := range waiting {
		is[c.ID] = true
		if _, ok := q.Waiting[c.ID]; !ok {
			if err := s.queueClaim(ctx, c.ID, true); err != nil {
				return nil, err
			}
		}
	}
	for id, at := range q.Waiting {
		if !is[id] && s.now().Sub(at) > reservationGrace {
			if _, err := s.updateIf(ctx, expenseTallies, claimQueueID, Eq("waiting."+id, at),
				bson.D{{Key: "$unset", Value: bson.D{{Key: "waiting." + id, Value: ""}}}}); err != nil {
				return nil, fmt.Errorf("store: claims waiting: %w", err)
			}
		}
	}
	return waiting, nil
}
