package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"candour/config"
	"candour/server"
	"candour/store"
)

// backupCmd is "candour backup DIR": a consistent copy of the embedded
// store, taken while the portal runs (SQLite's VACUUM INTO through a
// connection of its own; see store/backup.go). MongoDB is backed up with
// mongodump --oplog (docs/operations.md).
func backupCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("backup", "Usage: candour backup [--include-dev-keys] DIR\n\nCopies the embedded store in CANDOUR_DATA_DIR into DIR (new or empty), consistently,\nwhile the portal runs. For MongoDB use mongodump --oplog: see docs/operations.md.", stderr)
	keys := fs.Bool("include-dev-keys", false, "also copy the development keys kept in the data directory (session.key, field.keyset, blind.key); keep such a backup as secret as the keys")
	if done, err := parse(fs, args); done {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"backup: give one directory to write the backup to"}
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return usageError{err.Error()}
	}
	if cfg.MongoURI != "" {
		return usageError{"backup: MONGODB_URI is set; back MongoDB up with mongodump --oplog (docs/operations.md, Backups)"}
	}
	var extra []string
	if *keys {
		extra = []string{"session.key", "field.keyset", "blind.key"}
	}
	m, err := store.BackupEmbedded(ctx, cfg.DataDir, fs.Arg(0), server.Build.Version, extra...)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Backed up %d files from %s to %s at %s.\n", len(m.Files), cfg.DataDir, fs.Arg(0), m.Taken.Format(time.RFC3339))
	if !*keys {
		fmt.Fprintln(stdout, "The keys are not in it: keep CANDOUR_FIELD_KEYSET and CANDOUR_BLIND_INDEX_KEY safe apart from it.")
	}
	return nil
}

// maxInFlightAudit is how many audit events an online backup may catch
// half-written: one per process appending (the portal and a command).
const maxInFlightAudit = 2

// restoreCmd is "candour restore DIR": puts a backup back into
// CANDOUR_DATA_DIR while the portal is stopped, then opens the store,
// checks the audit chain and records the restore in the audit log.
func restoreCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("restore", "Usage: candour restore DIR\n\nPuts a backup made by \"candour backup\" into CANDOUR_DATA_DIR. Stop the portal first;\nthe store it replaces is kept beside it (db.before-restore-TIME).", stderr)
	if done, err := parse(fs, args); done {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"restore: give the backup directory"}
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return usageError{err.Error()}
	}
	if cfg.MongoURI != "" {
		return usageError{"restore: MONGODB_URI is set; restore MongoDB with mongorestore --oplogReplay (docs/operations.md, Backups)"}
	}
	aside, err := store.RestoreEmbedded(ctx, fs.Arg(0), cfg.DataDir)
	if err != nil {
		return err
	}
	if aside != "" {
		fmt.Fprintf(stdout, "The store that was there is kept in %s.\n", aside)
	}
	_, _, db, err := open(ctx, getenv, io.Discard)
	if err != nil {
		return fmt.Errorf("restore: the restored store does not open: %w", err)
	}
	defer db.Close(context.Background())
	// The chain's head carries the events it moved over until they are on
	// their pages, so a backup that caught an append half-way holds them:
	// write them out before checking (with the copies), as start-up would.
	if _, err := db.Repair(ctx); err != nil {
		return fmt.Errorf("restore: finish the audit events the backup caught half-written: %w", err)
	}
	brk, n, err := db.VerifyAudit(ctx)
	if err != nil {
		return fmt.Errorf("restore: check the audit chain: %w", err)
	}
	head, err := db.AuditHead(ctx)
	if err != nil {
		return err
	}
	// An online backup is a consistent copy of the database. An audit
	// append moves the head together with its events, so the repair above
	// has written out any it caught half-way. A head still ahead of the
	// last event (a store written before that design) is reported as in
	// flight: one such event per process writing is expected; more, or a
	// break anywhere else, is not.
	inFlight := brk != nil && brk.Reason == "latest events missing" && head-n <= maxInFlightAudit
	detail := fmt.Sprintf("restored from %s; audit chain of %d events intact", fs.Arg(0), n)
	switch {
	case inFlight:
		detail = fmt.Sprintf("restored from %s; audit chain intact to event %d; events %d to %d were being written when the backup was taken and are not in it",
			fs.Arg(0), n, n+1, head)
	case brk != nil:
		detail = fmt.Sprintf("restored from %s; audit chain broken at event %d (%s)", fs.Arg(0), brk.Seq, brk.Reason)
	}
	if err := db.Audit(ctx, store.AuditEvent{Actor: "system", Action: store.AuditRestored, Target: "store", Detail: detail}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Restored %s into %s: %s.\n", fs.Arg(0), cfg.DataDir, detail)
	if brk != nil && !inFlight {
		return fmt.Errorf("restore: the audit chain is broken at event %d (%s)", brk.Seq, brk.Reason)
	}
	return nil
}
