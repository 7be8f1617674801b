package store

import (
	"context"
	"math"
	"sync"
)

// auditKept is the embedded store's copy in memory of the unfolded audit
// events (AuditEventsCollection): the events it has written after the
// last folded page. The audit pages (ListAudit) read the newest events
// from it instead of with a range find on AuditEventsCollection, which
// FerretDB on SQLite cannot push down (it decodes every unfolded event)
// and which, under load, held the read pool's connections.
//
// It is exact because on the embedded engine the store is the only writer
// of its data directory (embedded_lock_*.go) and every append goes through
// appendAudit under auditQueue.appending:
//
//   - an event is added only once its insert is acknowledged (on disk:
//     durable.go), under the appending lock, in chain order; never before,
//     so the page never shows an event a crash could lose;
//   - a fold removes the events it folded only after it has deleted them
//     from AuditEventsCollection (they are on their pages by then), and
//     keeps the newest AuditPageSize events even if folded (keptFolded);
//   - anything that writes the unfolded events another way drops the copy
//     (ok false): an insert that failed or met a duplicate, PruneAudit,
//     ForgetCopies (tests that rewrite the log behind the store). The next
//     read loads it again (loadAuditKept), under the appending lock so no
//     append slips between the find and the copy; start-up loads it after
//     the repair (repairAuditChain).
//
// So it holds every stored unfolded event, and every event it holds is
// stored as it holds it (perhaps on its page already: the newest folded
// ones, or any a fold folded while the copy was being loaded). A reader takes the events of a range from it and
// reads by _id the pages of whatever it lacks (auditMerge), exactly as a
// read of the stored tail would. Through MONGODB_URI (where several
// processes may append) there is no copy and every read is stored.
type auditKept struct {
	mu  sync.RWMutex
	ok  bool
	evs []AuditEvent // in sequence order
	// gen counts the drops: a load whose find began before a drop (a
	// prune deleting events meanwhile) does not keep what it read.
	gen uint64
}

// auditKeptOn reports whether this store keeps the copy.
func (s *Store) auditKeptOn() bool { return s.embedded != nil }

// keptAdd appends events just acknowledged as stored (under the
// appending lock). A copy not loaded stays not loaded.
func (s *Store) keptAdd(evs []AuditEvent) {
	k := &s.auditQ.kept
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.ok {
		return
	}
	if n := len(k.evs); n > 0 && evs[0].Seq != k.evs[n-1].Seq+1 {
		// Not the next events: something wrote the log another way.
		// Drop the copy; the next read loads it from what is stored.
		k.ok, k.evs = false, nil
		k.gen++
		return
	}
	k.evs = append(k.evs, evs...)
}

// keptDrop forgets the copy: the next read loads it again.
func (s *Store) keptDrop() {
	k := &s.auditQ.kept
	k.mu.Lock()
	k.ok, k.evs = false, nil
	k.gen++
	k.mu.Unlock()
}

// keptFolded removes the events up to through, which a fold has deleted
// from AuditEventsCollection (they are on their pages), but keeps the
// newest AuditPageSize events whatever: the newest page then never reads
// a page, not even the one a fold has just written (which the copy of
// the newest pages, copies.go, has dropped). Those it keeps are stored
// as it keeps them, on their page: only a fold writes a page with events
// it holds (the same events), and a prune drops the copy.
func (s *Store) keptFolded(through int64) {
	k := &s.auditQ.kept
	k.mu.Lock()
	defer k.mu.Unlock()
	if n := len(k.evs); n > 0 {
		through = min(through, k.evs[n-1].Seq-AuditPageSize)
	}
	i := 0
	for i < len(k.evs) && k.evs[i].Seq <= through {
		i++
	}
	if i > 0 {
		k.evs = append([]AuditEvent(nil), k.evs[i:]...)
	}
}

// keptRange returns a copy of the kept events lo..hi, oldest first, and
// false when there is no copy.
func (s *Store) keptRange(lo, hi int64) ([]AuditEvent, bool) {
	k := &s.auditQ.kept
	k.mu.RLock()
	defer k.mu.RUnlock()
	if !k.ok {
		return nil, false
	}
	var out []AuditEvent
	for _, ev := range k.evs {
		if ev.Seq >= lo && ev.Seq <= hi {
			out = append(out, ev)
		}
	}
	return out, true
}

// loadAuditKept reads the unfolded events into the copy, unless it is
// loaded already. The caller holds the appending lock, so no append runs
// between the find and the copy.
func (s *Store) loadAuditKept(ctx context.Context) error {
	if !s.auditKeptOn() {
		return nil
	}
	k := &s.auditQ.kept
	k.mu.RLock()
	ok, gen := k.ok, k.gen
	k.mu.RUnlock()
	if ok {
		return nil
	}
	evs, err := s.auditTail(ctx, 1, math.MaxInt64)
	if err != nil {
		return err
	}
	k.mu.Lock()
	if k.gen == gen { // else dropped meanwhile: what was read may be gone
		k.ok, k.evs = true, evs
	}
	k.mu.Unlock()
	return nil
}

// auditRecent reads events lo..hi for the audit pages (ListAudit): with
// kept (the embedded engine), the unfolded ones from the copy in memory
// (loaded first if it was dropped) and the rest page by page by _id;
// without, a stored read (auditPages), as through MONGODB_URI.
// VerifyAudit, subject access and AuditEventsBetween read what is stored,
// never the copy.
func (s *Store) auditRecent(ctx context.Context, lo, hi int64, copied, kept bool) ([]AuditEvent, error) {
	lo = max(lo, 1)
	if hi < lo {
		return nil, nil
	}
	if !kept || !s.auditKeptOn() {
		return s.auditPages(ctx, lo, hi, copied)
	}
	tail, ok := s.keptRange(lo, hi)
	if !ok {
		s.auditQ.appending.Lock()
		err := s.loadAuditKept(ctx)
		s.auditQ.appending.Unlock()
		if err != nil {
			return nil, err
		}
		if tail, ok = s.keptRange(lo, hi); !ok {
			// Dropped again meanwhile: read what is stored.
			return s.auditPages(ctx, lo, hi, copied)
		}
	}
	return s.auditMerge(ctx, lo, hi, tail, copied)
}
