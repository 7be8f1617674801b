package store

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"sync"
)

// Group commit of the embedded server's writes to disk.
//
// FerretDB runs each command as its own SQLite transaction, in WAL mode.
// With SQLite's default synchronous=FULL every commit waits for an fsync of
// the WAL (2.4 ms on the benchmark machine's disk; an update by _id took
// 3.4 ms, of which the fsync was most), and it waited holding the writer
// lock: every form POST's writes, from every client, queued behind one
// fsync after another (docs/performance-history.md, 6 December 2026).
//
// So the embedded server runs with synchronous=NORMAL (embedded.go): a
// commit writes its WAL frames without an fsync, and SQLite still syncs the
// WAL before each checkpoint and the database file after it, so the file is
// never corrupt. The durability that NORMAL alone would give up (a commit
// lost to a power cut after it was reported done) is given back here: when
// a write releases the writer lock it takes a ticket, and it returns only
// once an fsync of the WAL file that began after its commit has finished.
// One fsync covers every commit before it began, so twenty writers waiting
// share one or two fsyncs instead of queueing for twenty, and none of them
// waits while holding the lock. A request is answered only after its
// writes are on disk, as before.
//
// Residual (docs/security.md): another request may read a committed write
// in the moment before its fsync finishes; a power cut in that moment
// loses the write, whose own request had not been answered.
type groupSync struct {
	path string             // the WAL file (<database>.sqlite-wal)
	sync func(string) error // fsyncFile; tests count the calls
	log  *slog.Logger

	mu        sync.Mutex
	done      *sync.Cond
	committed uint64 // tickets given: commits so far
	synced    uint64 // every commit up to this one is on disk
	running   bool   // an fsync is under way
	fsyncs    uint64 // fsyncs begun (for tests: DiskState)
	// wake asks the checkpointer (checkpoint.go) for a checkpoint every
	// checkpointCommits commits; nil when there is none.
	wake chan struct{}
}

func newGroupSync(walPath string, log *slog.Logger) *groupSync {
	g := &groupSync{path: walPath, sync: fsyncFile, log: log}
	g.done = sync.NewCond(&g.mu)
	return g
}

// commit takes the ticket of a write that has just committed (the caller
// still holds the writer lock, so tickets follow the commits' order).
func (g *groupSync) commit() uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.committed++
	if g.wake != nil && g.committed%checkpointCommits == 0 {
		select {
		case g.wake <- struct{}{}:
		default: // one is asked for already
		}
	}
	return g.committed
}

// wait returns once ticket's commit is on disk: after an fsync that began
// after it. The first waiter to find no fsync running starts one, covering
// every ticket given so far; the others wait for it and, if their ticket
// came after it began, for the next.
func (g *groupSync) wait(ticket uint64) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.synced < ticket {
		if g.running {
			g.done.Wait()
			continue
		}
		g.running = true
		g.fsyncs++
		covers := g.committed
		g.mu.Unlock()
		err := g.sync(g.path)
		g.mu.Lock()
		g.running = false
		if err != nil {
			g.done.Broadcast()
			g.log.Error("store: fsync of the write-ahead log failed: writes may not be on disk", "file", g.path, "err", err)
			return err
		}
		g.synced = max(g.synced, covers)
		g.done.Broadcast()
	}
	return nil
}

// fsyncFile flushes path to disk (any descriptor of a file flushes the
// file). A WAL file that is not there has nothing to flush: SQLite removes
// it only once everything in it is checkpointed into the database file
// (and synced).
func fsyncFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// OneSync returns ctx for a request whose writes share one wait for the
// disk, and that wait. On the embedded server each write under the
// returned context commits without waiting for its fsync (it only takes
// its ticket), and wait returns once one fsync that began after the last of
// them has finished: a request with four writes waits once, not four times
// one after another. The caller must call wait before it answers (the
// server does so before the first byte of the answer: server/one_sync.go),
// so a request is still answered only once its writes are on disk. A
// write that the request made and then failed on is waited for too (it
// costs nothing more). On MongoDB, and on the engine through a URI, writes
// are acknowledged with their write concern and wait does nothing. An
// attempt budget the request changed (TakeAttempt, ForgetAttempt) is
// written by wait, before its fsync (limits_attempts.go).
//
// What changes is only when the request's own writes wait: another
// request may read one of them a little longer before it is on disk (the
// residual in docs/security.md, "Crash consistency"), and a power cut in
// that moment loses it, along with the request's later writes (SQLite's
// WAL keeps a prefix of the commits), whose answer had not been sent.
func (s *Store) OneSync(ctx context.Context) (context.Context, func()) {
	if s.w == nil || s.w.disk == nil {
		return ctx, func() {}
	}
	b := &oneSyncBatch{}
	disk := s.w.disk
	return context.WithValue(ctx, oneSyncKey{}, b), func() {
		if es := b.kept(); len(es) > 0 {
			s.keepAttempts(ctx, b, es) // the tries it counted (limits_attempts.go)
		}
		if t := b.last(); t > 0 {
			_ = disk.wait(t) // a failure is logged (groupSync.wait): the writes are done, and the caller cannot undo them
		}
	}
}

// onDisk returns once the commit with ticket is on disk, or, under
// OneSync, leaves it to the request's one wait. Ticket 0 is nothing to
// wait for (no write, or no group commit).
func (s *Store) onDisk(ctx context.Context, ticket uint64) {
	if ticket == 0 || s.w == nil || s.w.disk == nil {
		return
	}
	if b, _ := ctx.Value(oneSyncKey{}).(*oneSyncBatch); b != nil {
		b.note(ticket)
		return
	}
	_ = s.w.disk.wait(ticket) // a failure is logged (groupSync.wait)
}

type oneSyncKey struct{}

// ownSync is ctx without its request's OneSync: writes under it wait for
// the disk themselves. For a write made for other requests as well (the
// audit's group commit carries their events): under one request's OneSync
// it would leave their wait to that request's answer, and they would
// answer before their events are on disk.
func ownSync(ctx context.Context) context.Context {
	if ctx.Value(oneSyncKey{}) == nil {
		return ctx
	}
	return context.WithValue(ctx, oneSyncKey{}, (*oneSyncBatch)(nil))
}

// oneSyncBatch is the last ticket of a request's writes (OneSync), and
// the attempt budgets it changed, written at its wait.
type oneSyncBatch struct {
	mu     sync.Mutex
	ticket uint64
	tries  []*attemptEntry
}

func (b *oneSyncBatch) keep(e *attemptEntry) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tries = append(b.tries, e)
}

func (b *oneSyncBatch) kept() []*attemptEntry {
	b.mu.Lock()
	defer b.mu.Unlock()
	es := b.tries
	b.tries = nil
	return es
}

func (b *oneSyncBatch) note(t uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ticket = max(b.ticket, t)
}

func (b *oneSyncBatch) last() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ticket
}
