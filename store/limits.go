package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Limits are rate limits and attempt budgets kept in the store, so that
// they hold across restarts and across several instances on one store.
// Each decision is one conditional update of one document (a plain
// single-document filter), so concurrent requests cannot slip past a
// limit: N requests arriving together cost N of the budget.
//
// Keys are chosen by the caller and must not be a client's address in
// clear (the server keys them with an HMAC). Documents carry an expiry
// and are deleted by SweepLimits, run by a background job.
type limitDoc struct {
	ID      string    `bson:"_id"`
	Account string    `bson:"account,omitempty"` // the account an attempt budget belongs to (to forget them all at a reset)
	N       int       `bson:"n"`                 // requests in the window, or attempts since the budget was last full
	Strikes int       `bson:"strikes"`           // locks so far (attempt budgets)
	Until   time.Time `bson:"until"`             // window end (rate), or locked until (attempt budget)
	Last    time.Time `bson:"last"`              // last attempt (attempt budgets)
	Expires time.Time `bson:"expires"`           // the sweep deletes the document after this
}

const limitsColl = "limits"

// Hit counts one request against key's limit of n a window (a fixed
// window). It reports whether the request may go ahead and, if not, how
// long until the window ends. Requests for one key arriving together in
// one instance are counted together, by one $inc of their number (so a
// crowd behind one address costs one write, not one each); the document's
// count after the $inc decides which of them fit.
func (s *Store) Hit(ctx context.Context, key string, n int, window time.Duration) (bool, time.Duration, error) {
	q := s.hitQueue()
	ch := make(chan hitResult, 1)
	q.mu.Lock()
	g := q.pending[key]
	if g == nil {
		g = &hitGroup{limit: n, window: window}
		q.pending[key] = g
	}
	idx := len(g.waiters)
	g.waiters = append(g.waiters, ch)
	if d, ok := ctx.Deadline(); ok && d.After(g.deadline) {
		g.deadline = d
	}
	if !q.running[key] {
		q.running[key] = true
		go s.flushHits(q, key)
	}
	q.mu.Unlock()
	select {
	case r := <-ch:
		s.onDisk(ctx, r.ticket)
		return idx < r.allowed, r.wait, r.err
	case <-ctx.Done():
		return false, 0, ctx.Err()
	}
}

type hitResult struct {
	allowed int // how many of the group may go ahead, in arrival order
	wait    time.Duration
	err     error
	ticket  uint64 // the count's commit on the embedded server: each of the group waits for it on disk (onDisk)
}

type hitGroup struct {
	limit    int
	window   time.Duration
	waiters  []chan hitResult
	deadline time.Time // the latest of the waiters' deadlines (zero: none has one)
}

// hitCountTimeout is the least time a group's count is given: more when
// one of its waiters waits longer (the server's limiters wait 30 s), so a
// count is not abandoned while a request still waits for it.
const hitCountTimeout = 10 * time.Second

type hitQueue struct {
	mu      sync.Mutex
	pending map[string]*hitGroup
	running map[string]bool
}

func newHitQueue() *hitQueue {
	return &hitQueue{pending: map[string]*hitGroup{}, running: map[string]bool{}}
}

// hitQueue is the store's queue of rate-limit hits (one per open store).
func (s *Store) hitQueue() *hitQueue { return s.hits }

// flushHits counts key's waiting groups one after another.
func (s *Store) flushHits(q *hitQueue, key string) {
	for {
		q.mu.Lock()
		g := q.pending[key]
		if g == nil {
			delete(q.running, key)
			q.mu.Unlock()
			return
		}
		delete(q.pending, key)
		q.mu.Unlock()
		// The count's write does not wait for the disk here: each request
		// of the group waits for it (or, under OneSync, with its own
		// writes), so the next group is counted meanwhile.
		b := &oneSyncBatch{}
		deadline := time.Now().Add(hitCountTimeout)
		if g.deadline.After(deadline) {
			deadline = g.deadline
		}
		ctx, cancel := context.WithDeadline(context.WithValue(context.Background(), oneSyncKey{}, b), deadline)
		r := s.hitN(ctx, key, len(g.waiters), g.limit, g.window)
		cancel()
		r.ticket = b.last()
		for _, ch := range g.waiters {
			ch <- r
		}
	}
}

// hitN counts m requests at once and says how many fit under the limit.
func (s *Store) hitN(ctx context.Context, key string, m, limit int, window time.Duration) hitResult {
	c := s.c(limitsColl)
	for range 5 {
		now := s.now().UTC()
		// A live window: add m, returning the count before it (one
		// findAndUpdateIf: on the embedded store the read and the write by
		// _id under the writer lock, two round trips; on MongoDB one
		// atomic findAndModify). The group's requests are the m after the
		// count before.
		var d limitDoc
		err := s.findAndUpdateIf(ctx, limitsColl, key, Gt("until", now), bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: m}}}}, false).Decode(&d)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return hitResult{err: fmt.Errorf("store: rate limit: %w", err)}
		}
		if err == nil {
			allowed := min(max(limit-d.N, 0), m)
			return hitResult{allowed: allowed, wait: d.Until.Sub(now)}
		}
		// The window is over (or never was): the first to notice starts one.
		until := now.Add(window)
		res, err := s.updateIf(ctx, limitsColl, key, Lte("until", now),
			bson.D{{Key: "$set", Value: bson.D{{Key: "n", Value: m}, {Key: "until", Value: until}, {Key: "expires", Value: until}}}})
		if err != nil {
			return hitResult{err: fmt.Errorf("store: rate limit: %w", err)}
		}
		if res.MatchedCount == 1 {
			return hitResult{allowed: min(m, limit), wait: window}
		}
		if _, err := c.InsertOne(ctx, limitDoc{ID: key, N: m, Until: until, Expires: until}); err == nil {
			return hitResult{allowed: min(m, limit), wait: window}
		} else if !isDuplicate(err) {
			return hitResult{err: fmt.Errorf("store: rate limit: %w", err)}
		}
		// Someone else started it meanwhile: count again.
	}
	return hitResult{wait: time.Second} // contended beyond reason: refuse
}

// AttemptBudget is how many tries a key gets (of a password, a code, a
// receipt) before it is locked, and for how long.
type AttemptBudget struct {
	Free      int           // tries before a lock
	Window    time.Duration // tries older than this (with no lock since) are forgotten
	FirstLock time.Duration // the first lock; each later one lasts twice as long
	MaxLock   time.Duration // ... up to this
}

// Attempt is the decision on one try.
type Attempt struct {
	OK        bool          // the try may be checked
	Wait      time.Duration // if not: how long until the next may be
	LockedNow bool          // this try used up the budget and started a lock (tell the owner once)
	Until     time.Time     // the lock's end
}

// lockFor is the n-th lock's length (n from 0): FirstLock, doubled each
// time, capped at MaxLock.
func (b AttemptBudget) lockFor(n int) time.Duration {
	d := b.FirstLock
	for i := 0; i < n && d < b.MaxLock; i++ {
		d *= 2
	}
	return min(d, b.MaxLock)
}

// TakeAttempt spends one try from key's budget BEFORE the try is checked,
// with one conditional update that both counts and decides: of N tries
// arriving together, at most the budget's remainder are allowed. The try
// that spends the last of the budget is allowed and starts a lock
// (LockedNow: tell the owner once); tries during the lock are refused.
// After a lock one more try is allowed, and if it is wrong too the next
// lock is twice as long; tries are forgotten after Window without a try
// or a lock.
// account (optional) lets ForgetAccountAttempts clear an account's budgets.
func (s *Store) TakeAttempt(ctx context.Context, key, account string, b AttemptBudget) (Attempt, error) {
	c := s.c(limitsColl)
	for range 5 {
		now := s.now().UTC()
		expires := now.Add(max(b.Window, b.MaxLock))
		// Not locked, more than one try left, tried recently: spend one.
		res, err := s.updateIf(ctx, limitsColl, key, Lte("until", now).And(Lt("n", b.Free-1), Gt("last", now.Add(-b.Window))),
			bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}, {Key: "$set", Value: bson.D{{Key: "last", Value: now}, {Key: "expires", Value: expires}}}})
		if err != nil {
			return Attempt{}, fmt.Errorf("store: attempt: %w", err)
		}
		if res.MatchedCount == 1 {
			return Attempt{OK: true}, nil
		}
		var d limitDoc
		err = s.findByID(ctx, limitsColl, key, &d)
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
			_, err := c.InsertOne(ctx, limitDoc{ID: key, Account: account, N: 1, Until: now, Last: now, Expires: expires})
			if err == nil {
				return Attempt{OK: true}, nil
			}
			if !isDuplicate(err) {
				return Attempt{}, fmt.Errorf("store: attempt: %w", err)
			}
			continue
		case err != nil:
			return Attempt{}, fmt.Errorf("store: attempt: %w", err)
		}
		if d.Until.After(now) {
			return Attempt{Wait: d.Until.Sub(now), Until: d.Until}, nil
		}
		if !d.Last.After(now.Add(-b.Window)) && !d.Until.After(now.Add(-b.Window)) {
			// Quiet for a window, and a window since any lock ended:
			// earlier tries are forgotten (not the locks, which the sweep
			// forgets a day after the last).
			res, err := s.updateIf(ctx, limitsColl, key, Eq("n", d.N).And(Eq("last", d.Last), Eq("until", d.Until)),
				bson.D{{Key: "$set", Value: bson.D{{Key: "n", Value: 1}, {Key: "last", Value: now}, {Key: "expires", Value: expires}}}})
			if err != nil {
				return Attempt{}, fmt.Errorf("store: attempt: %w", err)
			}
			if res.MatchedCount == 1 {
				return Attempt{OK: true}, nil
			}
			continue
		}
		if d.N < b.Free-1 {
			continue // changed under us: decide again
		}
		// The last try of the budget: exactly one caller (whose filter
		// still matches what it read) gets it, and starts the lock.
		until := now.Add(b.lockFor(d.Strikes))
		res, err = s.updateIf(ctx, limitsColl, key, Eq("strikes", d.Strikes).And(Eq("until", d.Until), Eq("n", d.N)),
			bson.D{{Key: "$set", Value: bson.D{{Key: "until", Value: until}, {Key: "n", Value: b.Free - 1}, {Key: "last", Value: now},
				{Key: "expires", Value: until.Add(max(b.Window, b.MaxLock))}}}, {Key: "$inc", Value: bson.D{{Key: "strikes", Value: 1}}}})
		if err != nil {
			return Attempt{}, fmt.Errorf("store: attempt: %w", err)
		}
		if res.MatchedCount == 1 {
			return Attempt{OK: true, LockedNow: true, Until: until}, nil
		}
	}
	return Attempt{Wait: time.Second}, nil // contended beyond reason: refuse
}

// ForgetAttempt gives key its whole budget back (a right password or
// receipt). Earlier locks are forgotten too.
func (s *Store) ForgetAttempt(ctx context.Context, key string) error {
	if _, err := s.c(limitsColl).DeleteOne(ctx, bson.D{{Key: "_id", Value: key}}); err != nil {
		return fmt.Errorf("store: forget attempts: %w", err)
	}
	return nil
}

// ForgetAccountAttempts clears every attempt budget of an account (a
// password reset or change by its owner).
func (s *Store) ForgetAccountAttempts(ctx context.Context, account string) error {
	if _, err := s.c(limitsColl).DeleteMany(ctx, bson.D{{Key: "account", Value: account}}); err != nil {
		return fmt.Errorf("store: forget attempts of %s: %w", account, err)
	}
	return nil
}

// SweepLimits deletes limits and budgets that have expired.
func (s *Store) SweepLimits(ctx context.Context) (int64, error) {
	res, err := s.c(limitsColl).DeleteMany(ctx, bson.D{{Key: "expires", Value: bson.D{{Key: "$lt", Value: s.now().UTC()}}}})
	if err != nil {
		return 0, fmt.Errorf("store: sweep limits: %w", err)
	}
	return res.DeletedCount, nil
}
