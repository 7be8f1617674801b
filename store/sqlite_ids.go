package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // the SQLite driver FerretDB itself uses
)

// FerretDB v1.24.2's SQLite backend looks documents up by _id with the
// condition `_ferretdb_sjson->'$._id' = ?` (metadata.IDColumn, used by
// collection.go's Query, UpdateAll and DeleteAll), but the unique index it
// creates on _id is on `_ferretdb_sjson->"_id"` (registry.go,
// indexesCreate). SQLite matches an index to a condition by the text of the
// expression, so FerretDB's own index is never used and every look-up,
// update and delete by _id scans the table.
//
// The store adds an index on the exact expression FerretDB queries, through
// its own SQLite connection to the data file: at start-up for every
// collection, and on the first write to a collection in this process
// (FerretDB creates collections implicitly). It is idempotent (IF NOT
// EXISTS) and invisible to FerretDB (its metadata does not list it); it is
// dropped with the table. TestIDLookupsUseTheIndex checks with EXPLAIN QUERY
// PLAN that finds, updates and deletes by _id use it, so an upgrade of
// FerretDB that changes the expression fails that test.
const (
	ferretDocColumn = "_ferretdb_sjson"
	ferretIDExpr    = ferretDocColumn + "->'$._id'" // metadata.IDColumn
	ferretMetaTable = "_ferretdb_collections"       // name, table_name, settings
	idIndexSuffix   = "_candour_id"
)

// idIndexer keeps FerretDB's _id expression indexed on every collection.
type idIndexer struct {
	db   *sql.DB
	log  *slog.Logger
	mu   sync.Mutex
	done map[string]bool // collections indexed by this process
}

// openIDIndexer opens the SQLite file FerretDB keeps database dbName in.
func openIDIndexer(path string, log *slog.Logger) (*idIndexer, error) {
	q := url.Values{}
	q.Add("mode", "rw") // never create the file: FerretDB makes it with its first collection
	q.Add("_pragma", "busy_timeout(10000)")
	// Its commits (an index built under the writer lock) leave checkpoints
	// to the checkpointer too (checkpoint.go).
	q.Add("_pragma", "wal_autocheckpoint(0)")
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}).String())
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	// Closed when idle: it is needed at start-up and on a collection's first
	// write only, and an open SQLite connection keeps a page cache.
	db.SetMaxIdleConns(0)
	return &idIndexer{db: db, log: log, done: map[string]bool{}}, nil
}

func (x *idIndexer) close() {
	if x != nil && x.db != nil {
		_ = x.db.Close()
	}
}

// tables maps collection names to FerretDB's table names.
func (x *idIndexer) tables(ctx context.Context, only string) (map[string]string, error) {
	q := "SELECT name, table_name FROM " + ferretMetaTable
	var args []any
	if only != "" {
		q += " WHERE name = ?"
		args = append(args, only)
	}
	rows, err := x.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, table string
		if err := rows.Scan(&name, &table); err != nil {
			return nil, err
		}
		out[name] = table
	}
	return out, rows.Err()
}

// ensure indexes the _id expression of one collection (all when coll is
// ""). A collection that does not exist yet is left for its first write.
func (x *idIndexer) ensure(ctx context.Context, coll string) error {
	ts, err := x.tables(ctx, coll)
	if err != nil {
		if isNoSuchTable(err) {
			return nil // no data file or no collection yet: FerretDB makes them on the first write
		}
		return fmt.Errorf("store: list FerretDB tables: %w", err)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	// One transaction for them all: one commit (one sync of the file) at
	// start-up, however many collections there are.
	tx, err := x.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: index _id: %w", err)
	}
	var made []string
	for name, table := range ts {
		if x.done[name] {
			continue
		}
		q := fmt.Sprintf("CREATE INDEX IF NOT EXISTS %q ON %q (%s)", table+idIndexSuffix, table, ferretIDExpr)
		if _, err := tx.ExecContext(ctx, q); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("store: index _id of %s: %w", name, err)
		}
		made = append(made, name)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: index _id: %w", err)
	}
	for _, name := range made {
		x.done[name] = true
	}
	return nil
}

// ensureOnce indexes coll unless this process already has. Called under
// the writer lock after a write; a failure is logged, not returned (the
// write itself succeeded; look-ups are only slower) and retried next time.
func (x *idIndexer) ensureOnce(ctx context.Context, coll string) {
	x.mu.Lock()
	done := x.done[coll]
	x.mu.Unlock()
	if done {
		return
	}
	if err := x.ensure(context.WithoutCancel(ctx), coll); err != nil {
		x.log.Warn("store: could not index _id", "collection", coll, "err", err)
	}
}

// forget is for collections dropped by this process: a later write makes
// them again, without the index.
func (x *idIndexer) forget(coll string) {
	x.mu.Lock()
	delete(x.done, coll)
	x.mu.Unlock()
}

func isNoSuchTable(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "no such table") || strings.Contains(err.Error(), "unable to open database file"))
}
