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

// On the embedded server one process owns the store (its data directory is
// locked while it is open), so an attempt budget is decided in memory,
// exactly: one key's tries one after another, under its entry's lock, from
// the budget as the store held it when the key was first tried in this
// process (a restart starts from what was written). Each decision that
// spends a try is written to the store before that try's answer leaves:
// at once (TakeAttempt outside OneSync, as sign-in calls it), or, for a
// request under OneSync (the receipt's return), with the request's one
// wait for the disk, just before it answers. A budget given back before
// then (a right receipt: ForgetAttempt) leaves nothing to write when the
// store held none for the key, which is the returning reporter's case:
// before 8 December 2026 each return inserted the budget (after two reads)
// and deleted it again, two writes through the one writer.
//
// What a crash loses: tries counted in memory whose write was not yet on
// disk. The answer to each of them had not been sent (it waits for the
// write and its fsync), so a guesser learns nothing from a try that a
// crash forgets, as before, when the try was written before the check. If
// a write fails (the store's disk), the try stays counted here and its
// answer goes; the key's next write, the sweep or Close writes it, and a
// crash before then forgets it. On MongoDB, where other instances decide
// the same keys, each try is still one conditional update (TakeAttempt).

// attemptBudgets are the budgets decided in memory, by key.
type attemptBudgets struct {
	mu   sync.Mutex
	keys map[string]*attemptEntry
}

// attemptEntry is one key's budget in memory. Its lock orders the key's
// decisions and writes.
type attemptEntry struct {
	mu     sync.Mutex
	key    string
	gone   bool     // dropped from the map by the sweep: look the key up again
	loaded bool     // d is the store's (read once) or this process's own
	d      limitDoc // the budget as it stands; d.ID == "": none
	stored bool     // the store holds a document for the key
	dirty  bool     // d is not what the store holds
	ticket uint64   // the commit of its last write, which each try it carried waits for
}

func newAttemptBudgets() *attemptBudgets {
	return &attemptBudgets{keys: map[string]*attemptEntry{}}
}

// lockedEntry is key's entry, locked (loaded or not).
func (a *attemptBudgets) lockedEntry(key string) *attemptEntry {
	for {
		a.mu.Lock()
		e := a.keys[key]
		if e == nil {
			e = &attemptEntry{key: key}
			a.keys[key] = e
		}
		a.mu.Unlock()
		e.mu.Lock()
		if !e.gone {
			return e
		}
		e.mu.Unlock()
	}
}

// loadAttempt reads e's budget from the store the first time (e locked).
func (s *Store) loadAttempt(ctx context.Context, e *attemptEntry) error {
	if e.loaded {
		return nil
	}
	var d limitDoc
	err := s.r(limitsColl).FindOne(ctx, bson.D{{Key: "_id", Value: e.key}}).Decode(&d)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		d = limitDoc{}
	case err != nil:
		return err
	}
	e.d, e.stored, e.loaded = d, d.ID != "", true
	return nil
}

// decide is TakeAttempt's decision on one try against the budget d (ID ""
// when there is none), as its conditional updates make it on MongoDB: the
// budget afterwards and the decision. A refused try changes nothing. A
// budget past its expiry is none (the sweep would have deleted it).
func (b AttemptBudget) decide(d limitDoc, key, account string, now time.Time) (limitDoc, Attempt) {
	expires := now.Add(max(b.Window, b.MaxLock))
	recent := now.Add(-b.Window)
	switch {
	case d.ID == "" || d.Expires.Before(now):
		return limitDoc{ID: key, Account: account, N: 1, Until: now, Last: now, Expires: expires}, Attempt{OK: true}
	case d.Until.After(now):
		return d, Attempt{Wait: d.Until.Sub(now), Until: d.Until}
	case d.N < b.Free-1 && d.Last.After(recent):
		d.N, d.Last, d.Expires = d.N+1, now, expires
		return d, Attempt{OK: true}
	case !d.Last.After(recent) && !d.Until.After(recent):
		// Quiet for a window, and a window since any lock ended: earlier
		// tries are forgotten, not the locks.
		d.N, d.Last, d.Expires = 1, now, expires
		return d, Attempt{OK: true}
	case d.N < b.Free-1:
		// Tries left but neither recent nor quiet (no budget reaches this:
		// a lock leaves Free-1 until it is quiet): TakeAttempt's updates
		// find no match and it refuses, as here.
		return d, Attempt{Wait: time.Second}
	}
	until := now.Add(b.lockFor(d.Strikes))
	d.N, d.Last, d.Until, d.Strikes, d.Expires = b.Free-1, now, until, d.Strikes+1, until.Add(max(b.Window, b.MaxLock))
	return d, Attempt{OK: true, LockedNow: true, Until: until}
}

// takeAttemptInMemory is TakeAttempt on the embedded server.
func (s *Store) takeAttemptInMemory(ctx context.Context, key, account string, b AttemptBudget) (Attempt, error) {
	e := s.attempts.lockedEntry(key)
	if err := s.loadAttempt(ctx, e); err != nil {
		e.mu.Unlock()
		return Attempt{}, fmt.Errorf("store: attempt: %w", err)
	}
	d, a := b.decide(e.d, key, account, s.now().UTC())
	if a.OK {
		e.d, e.dirty = d, true
	}
	return a, s.settleAttempt(ctx, e)
}

// forgetAttemptInMemory is ForgetAttempt on the embedded server: the
// budget is deleted from the store only if the store holds one.
func (s *Store) forgetAttemptInMemory(ctx context.Context, key string) error {
	e := s.attempts.lockedEntry(key)
	if !e.loaded {
		e.loaded, e.stored = true, true // not read in this process: delete it to be sure
	}
	e.d, e.dirty = limitDoc{}, e.stored
	if err := s.settleAttempt(ctx, e); err != nil {
		return fmt.Errorf("store: forget attempts: %w", err)
	}
	return nil
}

// settleAttempt unlocks e, written to the store before ctx's answer: under
// OneSync at the request's wait (OneSync calls keepAttempts), otherwise
// now, returning once it is on disk.
func (s *Store) settleAttempt(ctx context.Context, e *attemptEntry) error {
	if b, _ := ctx.Value(oneSyncKey{}).(*oneSyncBatch); b != nil {
		b.keep(e)
		e.mu.Unlock()
		return nil
	}
	err := s.writeAttempt(ctx, e)
	t := e.ticket
	e.mu.Unlock()
	if err != nil {
		return err
	}
	s.onDisk(ctx, t)
	return nil
}

// keepAttempts writes the budgets a request under OneSync changed and
// notes in b the commits that carry them, before the request's wait.
func (s *Store) keepAttempts(ctx context.Context, b *oneSyncBatch, es []*attemptEntry) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hitCountTimeout)
	defer cancel()
	for _, e := range es {
		e.mu.Lock()
		if err := s.writeAttempt(ctx, e); err != nil {
			s.log.Warn("attempt budget not written; it stays counted in memory", "err", err)
		}
		b.note(e.ticket)
		e.mu.Unlock()
	}
}

// writeAttempt writes e's budget if it changed (e locked): the whole
// document by _id, or its deletion.
func (s *Store) writeAttempt(ctx context.Context, e *attemptEntry) error {
	if !e.dirty {
		return nil
	}
	b := &oneSyncBatch{} // its commit's ticket, waited for by each try it carries
	wctx := context.WithValue(ctx, oneSyncKey{}, b)
	var err error
	if e.d.ID == "" {
		_, err = s.c(limitsColl).DeleteOne(wctx, bson.D{{Key: "_id", Value: e.key}})
	} else {
		_, err = s.c(limitsColl).ReplaceOne(wctx, bson.D{{Key: "_id", Value: e.key}}, e.d, options.Replace().SetUpsert(true))
	}
	if err != nil {
		return err
	}
	e.stored, e.dirty, e.ticket = e.d.ID != "", false, max(e.ticket, b.last())
	return nil
}

// forgetAccountInMemory gives back the budgets of account held in memory
// (ForgetAccountAttempts then deletes the stored ones).
func (s *Store) forgetAccountInMemory(account string) {
	s.attempts.mu.Lock()
	es := make([]*attemptEntry, 0, len(s.attempts.keys))
	for _, e := range s.attempts.keys {
		es = append(es, e)
	}
	s.attempts.mu.Unlock()
	for _, e := range es {
		e.mu.Lock()
		if e.d.ID != "" && e.d.Account == account {
			e.d, e.dirty = limitDoc{}, e.stored
		}
		e.mu.Unlock()
	}
}

// saveAttempts writes every budget left unwritten (a write that failed)
// and drops from memory those that are none or past their expiry, and
// written: a key tried again is read again. A key busy at that moment is
// left for the next time. SweepLimits and Close call it.
func (s *Store) saveAttempts(ctx context.Context) {
	now := s.now().UTC()
	a := s.attempts
	a.mu.Lock()
	es := make([]*attemptEntry, 0, len(a.keys))
	for _, e := range a.keys {
		es = append(es, e)
	}
	a.mu.Unlock()
	for _, e := range es {
		e.mu.Lock()
		if err := s.writeAttempt(ctx, e); err != nil {
			s.log.Warn("attempt budget not written; trying again at the next sweep", "err", err)
		}
		e.mu.Unlock()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for key, e := range a.keys {
		if !e.mu.TryLock() {
			continue
		}
		if !e.dirty && (e.d.ID == "" || e.d.Expires.Before(now)) {
			e.gone = true
			delete(a.keys, key)
		}
		e.mu.Unlock()
	}
}
