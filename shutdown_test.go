package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"candour/store"
)

// TestSIGTERMDrainsAndReleasesLeases runs a real `candour serve` and sends
// it SIGTERM while a request is in flight (its body half sent): /readyz
// answers 503 at once while pages are still served for the drain delay;
// the request in flight is answered even after the server has stopped
// accepting connections; and once the process has exited, every job lease
// it held is released (so the next instance runs the jobs at once).
func TestSIGTERMDrainsAndReleasesLeases(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildCandour(t)
	dir := t.TempDir()
	key := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("s", 32)))
	p := startCandour(t, bin, []string{"CANDOUR_DATA_DIR=" + dir, "CANDOUR_ADDR=127.0.0.1:0", "CANDOUR_METRICS_ADDR=off",
		"CANDOUR_SEED_DEMO=false", "CANDOUR_SESSION_KEY=" + key, "CANDOUR_ARGON_MEMORY_KIB=64", "CANDOUR_DRAIN_DELAY=2s", "MONGODB_URI="})
	get := func(path string) int {
		res, err := http.Get(p.base + path)
		if err != nil {
			return 0
		}
		res.Body.Close()
		return res.StatusCode
	}
	if s := get("/readyz"); s != http.StatusOK {
		t.Fatalf("/readyz before SIGTERM: %d", s)
	}
	time.Sleep(time.Second) // the jobs take their leases at start

	u, _ := url.Parse(p.base)
	inflight, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer inflight.Close()
	// A sign-in form whose body arrives slowly: the handler is running,
	// reading it, when SIGTERM comes.
	body := "email=someone%40example.org&password=x"
	if _, err := inflight.Write([]byte("POST /sign-in HTTP/1.1\r\nHost: " + u.Host + "\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body[:10])); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the handler has started

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var ready int
	for range 50 {
		if ready = get("/readyz"); ready == http.StatusServiceUnavailable {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ready != http.StatusServiceUnavailable {
		t.Fatalf("/readyz after SIGTERM: %d, want 503", ready)
	}
	if s := get("/"); s != http.StatusOK {
		t.Errorf("a page during the drain delay: %d, want 200", s)
	}
	// Wait until the listener is closed (the drain delay is over), then
	// finish the request that was in flight all along.
	closed := false
	for range 400 {
		c, err := net.DialTimeout("tcp", u.Host, 100*time.Millisecond)
		if err != nil {
			closed = true
			break
		}
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
	if !closed {
		t.Fatal("the server still accepts connections 8 s after SIGTERM")
	}
	if _, err := inflight.Write([]byte(body[10:])); err != nil {
		t.Fatal(err)
	}
	inflight.SetReadDeadline(time.Now().Add(10 * time.Second))
	status, err := bufio.NewReader(inflight).ReadString('\n')
	// Without a form token the answer is a refusal; what matters is that
	// an answer comes, from the application, after the listener closed.
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 403") {
		t.Fatalf("the in-flight request got %q (%v), want the application's 403 (no form token)\n%s", status, err, p.stderr.String())
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("candour serve exited with %v\n%s", err, p.stderr.String())
		}
	case <-time.After(60 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Fatal("candour serve did not stop")
	}

	db := openStore(t, dir)
	defer db.Close(context.Background())
	leases, err := db.Leases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(leases) < 3 {
		t.Fatalf("%d leases recorded, want the jobs' (session-cleanup, mail-cleanup, ...): the test proves nothing", len(leases))
	}
	for _, l := range leases {
		if l.Until.After(time.Now()) {
			t.Errorf("lease %s still held by %s until %s after the process exited", l.ID, l.Holder, l.Until)
		}
	}
}

// TestSIGTERMWhileDecidingStopsPromptly: `candour serve` on the demo
// (seeded by `candour seed demo`, both its surveys closed and not decided
// yet) is sent SIGTERM while the survey-decisions job decides their
// releases, seconds of linear programs: it exits well within the 20 s the
// bench runner and process managers allow, having spent little CPU after
// SIGTERM, and the large release has no decision stored (the job was
// stopped while deciding, not after; the next start decides it).
func TestSIGTERMWhileDecidingStopsPromptly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildCandour(t)
	dir := t.TempDir()
	key := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("s", 32)))
	env := []string{"CANDOUR_DATA_DIR=" + dir, "CANDOUR_ADDR=127.0.0.1:0", "CANDOUR_METRICS_ADDR=off", "CANDOUR_SEED_DEMO=false",
		"CANDOUR_SESSION_KEY=" + key, "CANDOUR_ARGON_MEMORY_KIB=64", "CANDOUR_DRAIN_DELAY=0s", "MONGODB_URI="}
	seed := exec.Command(bin, "seed", "demo")
	seed.Env = append(os.Environ(), env...)
	if out, err := seed.CombinedOutput(); err != nil {
		t.Fatalf("candour seed demo: %v\n%s", err, out)
	}
	// Close the demo's open survey too: its release (the demo-sized one of
	// docs/performance.md) takes seconds of CPU to decide.
	ctx := context.Background()
	db := openStore(t, dir)
	svs, err := db.Surveys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var large *store.Survey
	for i := range svs {
		if svs[i].State(store.Day(db.Now())) == store.SurveyOpen {
			large = &svs[i]
		}
	}
	if large == nil {
		t.Fatal("the demo has no open survey to close")
	}
	if _, err := db.ChangeSurvey(ctx, large.ID, large.Rev, func(sv *store.Survey, _ time.Time) error {
		sv.Closed = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	db.Close(ctx)

	p := startCandour(t, bin, env)
	// The job decides at start. Wait until the process has spent 2 s of
	// CPU more than it had when it was listening (start-up's other jobs
	// take well under a second): the audits of the two releases, 3 to 4 s
	// of CPU, are under way, whatever the machine's load.
	start, err := processCPU(p.cmd.Process.Pid)
	if err != nil {
		t.Skipf("the process's CPU time: %v", err)
	}
	cpu := start
	for deadline := time.Now().Add(3 * time.Minute); cpu < start+2*time.Second; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("candour serve spent only %s of CPU in 3 minutes: is the job deciding?\n%s", cpu-start, p.stderr.String())
		}
		if cpu, err = processCPU(p.cmd.Process.Pid); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	sent := time.Now()
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("candour serve exited with %v\n%s", err, p.stderr.String())
		}
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Fatalf("candour serve did not stop within 20 s of SIGTERM\n%s", p.stderr.String())
	}
	// Wall time means little on a loaded machine; the CPU the process
	// spent after SIGTERM does not depend on the load: stopping costs a
	// fraction of a second, finishing the audit seconds.
	after := p.cmd.ProcessState.UserTime() + p.cmd.ProcessState.SystemTime() - cpu
	t.Logf("candour serve exited %s after SIGTERM, having spent %s of CPU after it", time.Since(sent).Round(time.Millisecond), after.Round(10*time.Millisecond))
	if after > cpuToStop {
		t.Errorf("candour serve spent %s of CPU after SIGTERM, want under %s: the job finished deciding instead of stopping", after.Round(10*time.Millisecond), cpuToStop)
	}

	db = openStore(t, dir)
	defer db.Close(ctx)
	if n, err := db.SurveyDecisionCount(ctx, large.ID, 1); err != nil || n != 0 {
		t.Fatalf("%d decisions stored (%v) for %q: the job had decided it before SIGTERM, so the test proves nothing", n, err, large.Title)
	}
}

// cpuToStop bounds the CPU `candour serve` spends after SIGTERM while its
// survey-decisions job decides: stopping the jobs, the listener and the
// embedded store took 70 to 280 ms; finishing the audit instead, 0.95 to
// 1.3 s more.
const cpuToStop = 600 * time.Millisecond

// processCPU is the CPU time (user and system) a running process has
// spent so far, from /proc (Linux; its clock ticks are 1/100 s).
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The fields after the command's name (in parentheses, which may hold
	// spaces): utime and stime are the 12th and 13th.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

// TestNewerSchemaExits3 starts `candour serve` on a data directory whose
// database a newer release has migrated (a migration this binary does not
// know): it refuses with a message that says what to do and exit status 3,
// and leaves the database as it was.
func TestNewerSchemaExits3(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildCandour(t)
	dir := t.TempDir()
	db := openStore(t, dir)
	ctx := context.Background()
	future := store.SchemaVersion() + 1
	if err := db.RecordMigrationForTest(ctx, future, "from a newer release"); err != nil {
		t.Fatal(err)
	}
	db.Close(ctx)

	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "CANDOUR_DATA_DIR="+dir, "CANDOUR_ADDR=127.0.0.1:0", "CANDOUR_METRICS_ADDR=off",
		"CANDOUR_SEED_DEMO=false", "MONGODB_URI=")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("serve on a newer database: %v, want exit status 3\n%s", err, out)
	}
	want := fmt.Sprintf("its schema is at migration %d, this binary knows migrations up to %d", future, store.SchemaVersion())
	if !strings.Contains(string(out), want) || !strings.Contains(string(out), "run the newer version") {
		t.Errorf("the message does not say %q and what to do:\n%s", want, out)
	}
}
