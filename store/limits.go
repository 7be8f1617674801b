package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Limits are rate limits and attempt budgets kept in the store, so that
// they hold across restarts and across several instances on one store.
// Each decision is one conditional update of one document (a plain
// single-document filter), so concurrent requests cannot slip past a
// limit: N requests arriving together cost N of the budget. (On the
// embedded server, which one process owns, a rate limit's window is
// counted in memory and saved to the store every second: hitInMemory.)
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

	// On the embedded server, the windows counted in memory (hitInMemory),
	// by key; unsaved are those not yet written to the store.
	windows map[string]*hitWindow
	unsaved map[string]bool
	saving  bool          // saveHits is running
	closed  chan struct{} // closed by Close: saveHits stops
	saver   sync.WaitGroup
	saveMu  sync.Mutex // one saveWindows at a time
}

// hitWindow is a rate limit's window counted in memory: n requests until
// until.
type hitWindow struct {
	n     int
	until time.Time
}

func newHitQueue() *hitQueue {
	return &hitQueue{pending: map[string]*hitGroup{}, running: map[string]bool{},
		windows: map[string]*hitWindow{}, unsaved: map[string]bool{}, closed: make(chan struct{})}
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
		var r hitResult
		if s.embedded != nil {
			r = s.hitInMemory(ctx, key, len(g.waiters), g.limit, g.window)
		} else {
			r = s.hitN(ctx, key, len(g.waiters), g.limit, g.window)
		}
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

// On the embedded server one process owns the store (its data directory
// is locked while it is open), so nothing but this process counts a key:
// a window is counted in memory, exactly (one key's groups are counted one
// after another, by flushHits), and written to the store by saveHits at
// most once every hitSaveEvery, and at Close. A restart starts from the
// window last saved: a crash forgets at most the last hitSaveEvery's
// requests, where the write of each group (a findAndModify of one document
// all the key's requests share, a tenth of a survey submission's CPU
// under load) cost every group. On MongoDB, where other instances count
// the same keys, each group is still counted in the store (hitN).

// hitSaveEvery is how often the windows counted in memory are written.
const hitSaveEvery = time.Second

// hitInMemory is hitN on the embedded server: key's window from memory (or,
// the first time in this process, as the store holds it), m more requests
// counted in it, and how many of them fit under the limit. The caller is
// key's only counter at this moment (flushHits).
func (s *Store) hitInMemory(ctx context.Context, key string, m, limit int, window time.Duration) hitResult {
	q := s.hitQueue()
	q.mu.Lock()
	w := q.windows[key]
	q.mu.Unlock()
	if w == nil {
		var d limitDoc
		err := s.r(limitsColl).FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return hitResult{err: fmt.Errorf("store: rate limit: %w", err)}
		}
		w = &hitWindow{n: d.N, until: d.Until}
	}
	now := s.now().UTC()
	q.mu.Lock()
	defer q.mu.Unlock()
	q.windows[key] = w
	if !w.until.After(now) { // the window is over (or never was): a new one
		w.n, w.until = 0, now.Add(window)
	}
	before := w.n
	w.n += m
	q.unsaved[key] = true
	if !q.saving {
		select {
		case <-q.closed: // closing: Close saves it
		default:
			q.saving = true
			q.saver.Add(1)
			go s.saveHits(q)
		}
	}
	return hitResult{allowed: min(max(limit-before, 0), m), wait: w.until.Sub(now)}
}

// saveHits writes the windows counted in memory every hitSaveEvery while
// any is unsaved, until Close.
func (s *Store) saveHits(q *hitQueue) {
	defer q.saver.Done()
	for {
		select {
		case <-q.closed:
			q.mu.Lock()
			q.saving = false
			q.mu.Unlock()
			return
		case <-time.After(hitSaveEvery):
		}
		// Background work, not any request's: a test's trace of what a
		// request sends leaves it out (untraced).
		ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), untraced{}, true), hitCountTimeout)
		s.saveWindows(ctx)
		cancel()
		q.mu.Lock()
		if len(q.unsaved) == 0 {
			q.saving = false
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
	}
}

// saveWindows writes the unsaved windows counted in memory to the store
// (one upsert each, in one bulk write) and forgets the windows that have
// ended and are saved. A window whose write failed stays unsaved, for the
// next time. One save at a time, so that an older count is never written
// over a newer one.
func (s *Store) saveWindows(ctx context.Context) {
	q := s.hitQueue()
	q.saveMu.Lock()
	defer q.saveMu.Unlock()
	q.mu.Lock()
	now := s.now().UTC()
	for key, w := range q.windows {
		if !w.until.After(now) && !q.unsaved[key] {
			delete(q.windows, key) // read again if it comes back
		}
	}
	keys := make([]string, 0, len(q.unsaved))
	models := make([]mongo.WriteModel, 0, len(q.unsaved))
	for key := range q.unsaved {
		w := q.windows[key]
		keys = append(keys, key)
		models = append(models, mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: key}}).SetUpsert(true).
			SetUpdate(bson.D{{Key: "$set", Value: bson.D{{Key: "n", Value: w.n}, {Key: "until", Value: w.until}, {Key: "expires", Value: w.until}}}}))
	}
	clear(q.unsaved)
	q.mu.Unlock()
	if len(models) == 0 {
		return
	}
	if _, err := s.c(limitsColl).BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false)); err != nil {
		s.log.Warn("rate limits counted in memory not saved; trying again", "keys", len(keys), "err", err)
		q.mu.Lock()
		for _, key := range keys {
			q.unsaved[key] = true
		}
		q.mu.Unlock()
	}
}

// stopHits stops saveHits and saves what is left: Close calls it.
func (s *Store) stopHits(ctx context.Context) {
	q := s.hitQueue()
	q.mu.Lock()
	select {
	case <-q.closed:
	default:
		close(q.closed)
	}
	q.mu.Unlock()
	q.saver.Wait()
	s.saveWindows(ctx)
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
//
// On the embedded server the try is decided in memory and written before
// it returns, or under OneSync before the request's answer
// (limits_attempts.go).
func (s *Store) TakeAttempt(ctx context.Context, key, account string, b AttemptBudget) (Attempt, error) {
	if s.embedded != nil {
		return s.takeAttemptInMemory(ctx, key, account, b)
	}
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
	if s.embedded != nil {
		return s.forgetAttemptInMemory(ctx, key)
	}
	if _, err := s.c(limitsColl).DeleteOne(ctx, bson.D{{Key: "_id", Value: key}}); err != nil {
		return fmt.Errorf("store: forget attempts: %w", err)
	}
	return nil
}

// ForgetAccountAttempts clears every attempt budget of an account (a
// password reset or change by its owner).
func (s *Store) ForgetAccountAttempts(ctx context.Context, account string) error {
	if s.embedded != nil {
		s.forgetAccountInMemory(account)
	}
	if _, err := s.c(limitsColl).DeleteMany(ctx, bson.D{{Key: "account", Value: account}}); err != nil {
		return fmt.Errorf("store: forget attempts of %s: %w", account, err)
	}
	return nil
}

// SweepLimits deletes limits and budgets that have expired.
func (s *Store) SweepLimits(ctx context.Context) (int64, error) {
	s.saveWindows(ctx) // what memory counted, in the store first
	if s.embedded != nil {
		s.saveAttempts(ctx)
	}
	res, err := s.c(limitsColl).DeleteMany(ctx, bson.D{{Key: "expires", Value: bson.D{{Key: "$lt", Value: s.now().UTC()}}}})
	if err != nil {
		return 0, fmt.Errorf("store: sweep limits: %w", err)
	}
	return res.DeletedCount, nil
}
