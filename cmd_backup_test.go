package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"candour/store"
)

// TestBackupWhileWritingAndRestore backs up a running embedded store while
// two writers append to the audit log (a hash chain whose head is kept in
// another collection, so a copy taken between two writes would break it),
// then restores the backup into an empty data directory: the restored
// chain verifies from its first event to its head, holds some but not
// necessarily all of the events written, and records the restore.
func TestBackupWhileWritingAndRestore(t *testing.T) {
	ctx := context.Background()
	live := t.TempDir()
	db, err := store.Open(ctx, store.Options{DataDir: live, Database: "candour"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)

	var written atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := db.Audit(ctx, store.AuditEvent{Actor: "system", Action: store.AuditSignIn, Detail: fmt.Sprintf("writer %d event %d", w, i)}); err != nil {
					t.Error(err)
					return
				}
				written.Add(1)
			}
		}()
	}
	waitFor := func(n int64) {
		for written.Load() < n {
			time.Sleep(time.Millisecond)
		}
	}
	waitFor(20) // writes are in flight before the backup starts
	beforeStart := written.Load()
	out := filepath.Join(t.TempDir(), "backup")
	var stdout bytes.Buffer
	err = run(ctx, []string{"backup", out}, testEnv(t, map[string]string{"CANDOUR_DATA_DIR": live}), nil, &stdout, &stdout)
	atBackup := written.Load()
	if err != nil {
		close(stop)
		wg.Wait()
		t.Fatalf("backup: %v (%s)", err, stdout.String())
	}
	waitFor(atBackup + 20) // and go on after it
	close(stop)
	wg.Wait()
	if _, err := os.Stat(filepath.Join(out, "db", "candour.sqlite")); err != nil {
		t.Fatal(err)
	}

	// Restoring over the running store is refused.
	if err := run(ctx, []string{"restore", out}, testEnv(t, map[string]string{"CANDOUR_DATA_DIR": live}), nil, &stdout, &stdout); err == nil || !strings.Contains(err.Error(), "stop it first") {
		t.Fatalf("restore over a running store: %v", err)
	}

	fresh := t.TempDir()
	stdout.Reset()
	if err := run(ctx, []string{"restore", out}, testEnv(t, map[string]string{"CANDOUR_DATA_DIR": fresh}), nil, &stdout, &stdout); err != nil {
		t.Fatalf("restore: %v (%s)", err, stdout.String())
	}
	restored, err := store.Open(ctx, store.Options{DataDir: fresh, Database: "candour"})
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close(ctx)
	brk, n, err := restored.VerifyAudit(ctx)
	if err != nil || brk != nil {
		t.Fatalf("restored chain: break %+v, %v", brk, err)
	}
	// n counts the restore's own event too. The snapshot holds every event
	// counted before the backup began, and none of the 20 or more written
	// after it ended (an event is counted after it is stored, so up to one
	// per writer, 2, may be stored and not yet counted at either moment).
	if got := n - 1; got < beforeStart || got > atBackup+2 {
		t.Fatalf("restored chain holds %d events; %d were counted before the backup began and %d when it ended (%d in all)", got, beforeStart, atBackup, written.Load())
	}
	evs, _, err := restored.ListAudit(ctx, store.AuditFilter{Action: store.AuditRestored})
	if err != nil || len(evs) != 1 || !strings.Contains(evs[0].Detail, fmt.Sprintf("audit chain of %d events intact", n-1)) {
		t.Fatalf("restore event = %+v, %v", evs, err)
	}
}

// TestRestoreRefusesADamagedBackup: a byte changed in a backup file is
// caught by the manifest before anything in the data directory changes.
func TestRestoreRefusesADamagedBackup(t *testing.T) {
	ctx := context.Background()
	live := t.TempDir()
	db, err := store.Open(ctx, store.Options{DataDir: live, Database: "candour"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Audit(ctx, store.AuditEvent{Actor: "system", Action: store.AuditSignIn}); err != nil {
		t.Fatal(err)
	}
	db.Close(ctx)
	out := filepath.Join(t.TempDir(), "backup")
	var stdout bytes.Buffer
	env := testEnv(t, map[string]string{"CANDOUR_DATA_DIR": live})
	if err := run(ctx, []string{"backup", out}, env, nil, &stdout, &stdout); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"backup", out}, env, nil, &stdout, &stdout); err == nil {
		t.Fatal("a second backup into the same directory succeeded")
	}
	path := filepath.Join(out, "db", "candour.sqlite")
	b, _ := os.ReadFile(path)
	b[len(b)/2] ^= 0xff
	os.WriteFile(path, b, 0o600)
	fresh := t.TempDir()
	err = run(ctx, []string{"restore", out}, testEnv(t, map[string]string{"CANDOUR_DATA_DIR": fresh}), nil, &stdout, &stdout)
	if err == nil || !strings.Contains(err.Error(), "does not match the manifest") {
		t.Fatalf("restore of a damaged backup: %v", err)
	}
	if _, err := os.Stat(filepath.Join(fresh, "db")); !os.IsNotExist(err) {
		t.Fatal("the damaged restore touched the data directory")
	}
	if err := run(ctx, []string{"backup", "x"}, testEnv(t, map[string]string{"MONGODB_URI": "mongodb://localhost/"}), nil, &stdout, &stdout); err == nil || !strings.Contains(err.Error(), "mongodump") {
		t.Fatalf("backup with MONGODB_URI: %v", err)
	}
}
