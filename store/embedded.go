//go:build !candour_no_embedded

package store

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// embedded is FerretDB with its SQLite backend, running in this process and
// listening on a Unix socket in a private (0700) directory: it has no
// authentication, so nothing else on the machine may reach it.
type embedded struct {
	uri    string
	dbDir  string // FerretDB's SQLite files: one <database>.sqlite each
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
	tmp    string // socket directory to remove on stop, when made under the temporary directory
	unlock func() // releases the data directory's lock (embedded_lock_unix.go)
}

// ferretNew is held while FerretDB makes a server: ferretdb.New sets a
// package variable of FerretDB's on every call (version.Get().Package),
// so two stores opening at once in one process (the store's tests run in
// parallel) would race on it.
var ferretNew sync.Mutex

// newFerretDB is ferretdb.New, one call at a time.
func newFerretDB(c *ferretdb.Config) (*ferretdb.FerretDB, error) {
	ferretNew.Lock()
	defer ferretNew.Unlock()
	return ferretdb.New(c)
}

func startEmbedded(ctx context.Context, dataDir string, log *slog.Logger) (*embedded, error) {
	if dataDir == "" {
		return nil, fmt.Errorf("store: embedded server needs a data directory (CANDOUR_DATA_DIR)")
	}
	dbDir := filepath.Join(dataDir, "db")
	if err := os.MkdirAll(dbDir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create %s: %w", dbDir, err)
	}
	unlock, err := lockDataDir(dbDir)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			unlock()
		}
	}()
	sockDir, tmp, err := socketDir(dataDir)
	if err != nil {
		return nil, err
	}
	sock := filepath.Join(sockDir, "ferretdb.sock")
	_ = os.Remove(sock) // left behind by a crash

	abs, err := filepath.Abs(dbDir)
	if err != nil {
		return nil, err
	}
	f, err := newFerretDB(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{Unix: sock},
		Handler:   "sqlite",
		SQLiteURL: ferretSQLiteURL(abs),
		Logger:    slog.New(&quietHandler{next: log.Handler()}),
	})
	if err != nil {
		return nil, fmt.Errorf("store: start embedded server: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e := &embedded{cancel: cancel, done: make(chan struct{}), dbDir: abs, unlock: unlock}
	if tmp {
		e.tmp = sockDir
	}
	go func() {
		defer close(e.done)
		_ = f.Run(runCtx)
	}()
	e.uri = "mongodb://" + url.PathEscape(sock) + "/"
	ok = true
	return e, nil
}

// ferretSQLiteURL is the SQLite URL the embedded server opens dbDir's files
// with: FerretDB adds its own pragmas (busy_timeout, journal_mode=WAL,
// auto_vacuum) and keeps these.
//   - synchronous=NORMAL: commits do not fsync the WAL; the writer's group
//     commit does, outside its lock (durable.go).
//   - wal_autocheckpoint=0: no commit checkpoints the WAL under the writer
//     lock; the store's checkpointer does, beside the writer (checkpoint.go).
//   - temp_store=MEMORY: statement journals in memory a kilobyte at a time.
//     FerretDB runs every update and delete in a transaction, so SQLite
//     keeps a statement journal for each; with temp files allowed it opens
//     that journal as a 64 KiB in-memory chunk, which the Go SQLite's
//     allocator maps and unmaps with a system call each, on every write
//     (a third of the SQLite work of a sign-up's two writes; issue 18).
//     Only where rollbacks of one statement are kept changes: what a
//     commit writes, and when, stays as it was.
func ferretSQLiteURL(dbDir string) string {
	q := "_pragma=synchronous(normal)&_pragma=wal_autocheckpoint(0)&_pragma=temp_store(memory)"
	return (&url.URL{Scheme: "file", Path: dbDir + "/", RawQuery: q}).String()
}

// socketDir makes a private directory for the socket under the data dir, or
// under the system temporary directory when that path would be too long for a
// Unix socket (108 bytes on Linux).
func socketDir(dataDir string) (dir string, tmp bool, err error) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return "", false, err
	}
	dir = filepath.Join(abs, "run")
	if len(dir)+len("/ferretdb.sock") >= 100 {
		dir, err = os.MkdirTemp("", "candour-") // MkdirTemp makes it 0700
		return dir, true, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", false, fmt.Errorf("store: create %s: %w", dir, err)
	}
	return dir, false, os.Chmod(dir, 0o700)
}

// file is the SQLite file FerretDB keeps database name in (pool.go:
// filenameExtension).
func (e *embedded) file(name string) string { return filepath.Join(e.dbDir, name+".sqlite") }

func (e *embedded) stop() {
	e.once.Do(func() {
		e.cancel()
		<-e.done
		if e.tmp != "" {
			_ = os.RemoveAll(e.tmp)
		}
		e.unlock()
	})
}

// quietHandler passes the embedded server's logs at INFO and above, and
// demotes its multi-line "Response header/message" warnings to DEBUG: they
// contain document contents.
//
// Its WithAttrs and WithGroup are lazy: the embedded server makes a logger
// With attributes for every SQL statement it runs (fsql), almost none of
// which ever logs at INFO, and the text and JSON handlers format the
// attributes at once (5% of the CPU of a page that appends an audit
// event, make bench -profile, 6 December 2026). They are applied, in
// order, only when a record is passed on.
type quietHandler struct {
	next slog.Handler
	with []func(slog.Handler) slog.Handler // WithAttrs and WithGroup calls, oldest first
}

func (h *quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelInfo && h.next.Enabled(ctx, l)
}

func (h *quietHandler) Handle(ctx context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "Response header") || strings.Contains(r.Message, "Response message") ||
		strings.HasPrefix(r.Message, "Connection ") {
		return nil // demoted to DEBUG, which is never shown: they hold document contents or are per-connection noise
	}
	if r.Level < slog.LevelInfo {
		return nil
	}
	r.AddAttrs(slog.String("component", "ferretdb"))
	next := h.next
	for _, f := range h.with {
		next = f(next)
	}
	return next.Handle(ctx, r)
}

// WithAttrs keeps a (a handler owns the slice it is given: slog.Handler).
func (h *quietHandler) WithAttrs(a []slog.Attr) slog.Handler {
	if len(a) == 0 {
		return h
	}
	return h.then(func(next slog.Handler) slog.Handler { return next.WithAttrs(a) })
}

func (h *quietHandler) WithGroup(n string) slog.Handler {
	if n == "" {
		return h
	}
	return h.then(func(next slog.Handler) slog.Handler { return next.WithGroup(n) })
}

func (h *quietHandler) then(f func(slog.Handler) slog.Handler) *quietHandler {
	return &quietHandler{next: h.next, with: append(slices.Clip(h.with), f)}
}
