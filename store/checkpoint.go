package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"
)

// Checkpoints of the embedded server's write-ahead log, off the writer.
//
// SQLite copies the WAL back into the database file (a checkpoint) by
// itself when a commit leaves the WAL over 1,000 pages: in that commit, on
// the connection that made it. On the embedded server that is the writer
// connection, under the writer lock, and a checkpoint writes every page
// changed since the last one and waits for two fsyncs (the WAL, then the
// database file): every few hundred writes, one write held the lock for
// tens of milliseconds while every other writer queued behind it (make
// bench -profile, sign-up at 50 members, 7 December 2026: 60 ms of CPU in
// the checkpoints' fsyncs in five seconds of one client, all inside
// findAndModify).
//
// So the embedded server runs with wal_autocheckpoint=0 (embedded.go) and
// the store checkpoints on its own SQLite connection to the data file
// (PASSIVE: it copies what it can without waiting for, or stopping,
// readers and writers; SQLite lets a checkpoint run beside them) every
// checkpointEvery while there have been commits, and sooner after
// checkpointCommits of them. A checkpoint still fsyncs the WAL before it
// copies and the database file after (this connection's synchronous is
// FULL), so the file is never corrupt and nothing acknowledged is lost
// (durable.go). The WAL that SQLite reuses from its start once a checkpoint
// has copied all of it stays small; at close FerretDB's last connection
// checkpoints what is left, as before.
const (
	checkpointEvery   = 250 * time.Millisecond
	checkpointCommits = 256
)

type checkpointer struct {
	db   *sql.DB
	log  *slog.Logger
	g    *groupSync
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// startCheckpointer checkpoints the WAL of the SQLite file at path, with
// the commits g counts.
func startCheckpointer(path string, g *groupSync, log *slog.Logger) (*checkpointer, error) {
	q := url.Values{}
	q.Add("mode", "rw") // never create the file: FerretDB makes it with its first collection
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}).String())
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	c := &checkpointer{db: db, log: log, g: g, stop: make(chan struct{}), done: make(chan struct{})}
	g.mu.Lock()
	g.wake = make(chan struct{}, 1)
	g.mu.Unlock()
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	var last uint64
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		case <-c.g.wake:
		}
		c.g.mu.Lock()
		n := c.g.committed
		c.g.mu.Unlock()
		if n == last {
			continue
		}
		if err := c.checkpoint(); err != nil {
			c.log.Debug("store: checkpoint of the write-ahead log", "err", err)
			continue // again at the next tick
		}
		last = n
	}
}

// checkpoint copies what it can of the WAL into the database file.
func (c *checkpointer) checkpoint() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var busy, logged, copied int
	return c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logged, &copied)
}

// close stops the checkpoints (FerretDB checkpoints the rest as it closes).
func (c *checkpointer) close() {
	if c == nil {
		return
	}
	c.halt()
	_ = c.db.Close()
}

// halt stops the checkpoints made on their own (checkpoint still works).
func (c *checkpointer) halt() {
	c.once.Do(func() {
		close(c.stop)
		<-c.done
	})
}
