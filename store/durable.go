package store

import (
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
// fsync after another (docs/performance.md, 6 December 2026).
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
