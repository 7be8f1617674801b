package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"candour/store"
)

// TestHelperPortalWriter is not a test: run by TestBackupWhileWritingAndRestore
// as a separate process, it opens the embedded store in
// CANDOUR_TEST_WRITER_DIR as the portal would and appends audit events from
// two goroutines, printing the count every 10 events (and "COUNT n" for
// each line it reads), until its standard input closes; then it prints
// "WROTE n" and closes the store.
func TestHelperPortalWriter(t *testing.T) {
	dir := os.Getenv("CANDOUR_TEST_WRITER_DIR")
	if dir == "" {
		t.Skip("helper process for TestBackupWhileWritingAndRestore")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DataDir: dir, Database: "candour"})
	if err != nil {
		t.Fatal(err)
	}
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
					fmt.Println("ERROR", err)
					return
				}
				if n := written.Add(1); n%10 == 0 {
					fmt.Println(n)
				}
			}
		}()
	}
	// "?" asks for the count now; the end of standard input stops the writers.
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		fmt.Println("COUNT", written.Load())
	}
	close(stop)
	wg.Wait()
	fmt.Println("WROTE", written.Load())
	db.Close(ctx)
}

// TestBackupWhileWritingAndRestore backs up an embedded store while another
// process (the portal's stand-in) appends to its audit log from two
// goroutines: a hash chain whose head is kept in another collection, so a
// copy taken between two writes would break it. Restoring the backup into an
// empty data directory gives a chain that verifies from its first event to
// its head and holds every event written before the backup began and fewer
// than were written in all.
func TestBackupWhileWritingAndRestore(t *testing.T) {
	ctx := context.Background()
	live := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperPortalWriter$")
	cmd.Env = append(os.Environ(), "CANDOUR_TEST_WRITER_DIR="+live)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); _ = cmd.Wait() }()
	counts := make(chan int64, 1000)
	asked := make(chan int64, 1)
	final := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if n, err := strconv.ParseInt(line, 10, 64); err == nil {
				select {
				case counts <- n:
				default: // nobody is waiting for it
				}
			} else if c, ok := strings.CutPrefix(line, "COUNT "); ok {
				n, _ := strconv.ParseInt(c, 10, 64)
				asked <- n
			} else {
				final <- line
			}
		}
		close(counts)
	}()
	waitFor := func(min int64) int64 {
		for n := range counts {
			if n >= min {
				return n
			}
		}
		t.Fatalf("the writer stopped: %s", <-final)
		return 0
	}
	ask := func() int64 {
		io.WriteString(stdin, "?\n")
		return <-asked
	}
	waitFor(50) // writes are in flight before the backup starts
	beforeStart := ask()

	out := filepath.Join(t.TempDir(), "backup")
	var stdoutBuf bytes.Buffer
	if err := Run(ctx, []string{"backup", out}, testEnv(t, map[string]string{"CANDOUR_DATA_DIR": live}), nil, &stdoutBuf, &stdoutBuf); err != nil {
		t.Fatalf("backup: %v (%s)", err, stdoutBuf.String())
	}
	afterBackup := ask()
	// Restoring over the running store is refused.
	if err := Run(ctx, []string{"restore", out}, testEnv(t, map[string]string{"CANDOUR_DATA_DIR": live}), nil, &stdoutBuf, &stdoutBuf); err == nil || !strings.Contains(err.Error(), "stop it first") {
		t.Fatalf("restore over a running store: %v", err)
	}
	waitFor(afterBackup + 50) // and the writes go on after it
	stdin.Close()
	var total int64
	if _, err := fmt.Sscanf(<-final, "WROTE %d", &total); err != nil {
		t.Fatal(err)
	}

	fresh := t.TempDir()
	stdoutBuf.Reset()
	if err := Run(ctx, []string{"restore", out}, testEnv(t, map[string]string{"CANDOUR_DATA_DIR": fresh}), nil, &stdoutBuf, &stdoutBuf); err != nil {
		t.Fatalf("restore: %v (%s)", err, stdoutBuf.String())
	}
	restored, err := store.Open(ctx, store.Options{DataDir: fresh, Database: "candour"})
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close(ctx)
	// The restore's own event went after the head. Every event before the
	// head verifies; an event being written when the backup was taken (the
	// head had moved, the event was not yet stored) is missing just before
	// the restore's event: at most one per writing process, here one.
	head, err := restored.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	brk, n, err := restored.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snapshot := head - 1 // the events the backup held, the half-written one included
	if brk != nil && !(brk.Reason == "event missing" && brk.Seq == snapshot && n == snapshot-1) {
		t.Fatalf("restored chain: break %+v after %d events, head %d; want intact, or only the last event before the restore's missing", brk, n, head)
	}
	// The snapshot holds every event counted before the backup began, and
	// no more than were stored when it ended (an event is counted just after
	// it is stored, so up to one per writer, 2, may be stored and not yet
	// counted); 50 or more came after.
	if snapshot < beforeStart || snapshot > afterBackup+2 || snapshot >= total {
		t.Fatalf("restored chain holds %d events; %d were counted before the backup began, %d after it ended, %d in all", snapshot, beforeStart, afterBackup, total)
	}
	evs, _, err := restored.ListAudit(ctx, store.AuditFilter{Action: store.AuditRestored})
	want := fmt.Sprintf("audit chain of %d events intact", snapshot)
	if brk != nil {
		want = fmt.Sprintf("audit chain intact to event %d; events %d to %d were being written", snapshot-1, snapshot, snapshot)
	}
	if err != nil || len(evs) != 1 || !strings.Contains(evs[0].Detail, want) {
		t.Fatalf("restore event = %+v, %v; want %q", evs, err, want)
	}
	t.Logf("backup held %d events (%d before it began, %d when it ended, %d in all); half-written: %v", snapshot, beforeStart, afterBackup, total, brk != nil)
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
	if err := Run(ctx, []string{"backup", out}, env, nil, &stdout, &stdout); err != nil {
		t.Fatal(err)
	}
	if err := Run(ctx, []string{"backup", out}, env, nil, &stdout, &stdout); err == nil {
		t.Fatal("a second backup into the same directory succeeded")
	}
	path := filepath.Join(out, "db", "candour.sqlite")
	b, _ := os.ReadFile(path)
	b[len(b)/2] ^= 0xff
	os.WriteFile(path, b, 0o600)
	fresh := t.TempDir()
	err = Run(ctx, []string{"restore", out}, testEnv(t, map[string]string{"CANDOUR_DATA_DIR": fresh}), nil, &stdout, &stdout)
	if err == nil || !strings.Contains(err.Error(), "does not match the manifest") {
		t.Fatalf("restore of a damaged backup: %v", err)
	}
	if _, err := os.Stat(filepath.Join(fresh, "db")); !os.IsNotExist(err) {
		t.Fatal("the damaged restore touched the data directory")
	}
	if err := Run(ctx, []string{"backup", "x"}, testEnv(t, map[string]string{"MONGODB_URI": "mongodb://localhost/"}), nil, &stdout, &stdout); err == nil || !strings.Contains(err.Error(), "mongodump") {
		t.Fatalf("backup with MONGODB_URI: %v", err)
	}
}
