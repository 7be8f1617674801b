package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"candour/store"
)

// readyBudget is the start-up budget: process start to /readyz answering 200.
const readyBudget = 2 * time.Second

// build compiles the portal as make does (the release build, without the
// test hooks), into dir, with one tag more: candourbench, which publishes
// the store's command counts live on the metrics listener instead of as
// the hourly snapshot (server/metrics_live.go), so that the report can
// print round trips per request. No other build uses that tag.
func build(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "candour")
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "ferretdb_no_postgresql,candourrelease,candourbench", "-o", bin, ".")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build (run the benchmark from the module root): %w", err)
	}
	return bin, nil
}

// serverEnv is how every start of the server is configured: development,
// no demo data, a session key the benchmark knows so that it can mint
// cookies for seeded sessions, and the store: the embedded store in a
// temporary data directory, or (uri set) a fresh database on the server at
// uri. The data directory holds the development keys either way.
type serverEnv struct {
	dir        string // temporary directory: data/ and server.log
	dataDir    string
	sessionKey []byte
	uri        string // MONGODB_URI for the server and the seeding; "" for the embedded store
	database   string // the database (a fresh one per run on a server at uri)
}

func newServerEnv(dir, uri string) (*serverEnv, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	e := &serverEnv{dir: dir, dataDir: filepath.Join(dir, "data"), sessionKey: key, uri: uri, database: "candour"}
	if uri != "" {
		// A database of its own, so that a shared server's other databases
		// are never touched (it is dropped at the end: dropDatabase).
		e.database = "candour_bench_" + hex.EncodeToString(key[:4])
	}
	return e, nil
}

// storeOptions opens the store the server runs on, for seeding.
func (e *serverEnv) storeOptions() store.Options {
	return store.Options{URI: e.uri, Database: e.database, DataDir: e.dataDir}
}

// engine names the store in the report.
func (e *serverEnv) engine() string {
	if e.uri == "" {
		return "embedded, in process"
	}
	return "through MONGODB_URI"
}

// vars is the child's environment: ours, without any CANDOUR_* or
// MONGODB_URI inherited from the shell, then the benchmark's own (the
// store is the one this run measures).
func (e *serverEnv) vars(addr, metricsAddr string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "CANDOUR_") || strings.HasPrefix(kv, "MONGODB_URI=") {
			continue
		}
		env = append(env, kv)
	}
	if e.uri != "" {
		env = append(env, "MONGODB_URI="+e.uri, "CANDOUR_DATABASE="+e.database)
	}
	return append(env,
		"CANDOUR_ENV=development",
		"CANDOUR_ADDR="+addr,
		"CANDOUR_METRICS_ADDR="+metricsAddr, // a free port of its own: the default may be taken by another server
		"CANDOUR_DATA_DIR="+e.dataDir,
		"CANDOUR_SEED_DEMO=false",
		"CANDOUR_SESSION_KEY="+base64.StdEncoding.EncodeToString(e.sessionKey),
		"CANDOUR_REPORTS_PER_HOUR=1000000",        // the referral rows send thousands of reports from each client
		"CANDOUR_SURVEY_POSTS_PER_MINUTE=1000000", // every client dials from 127.0.0.1
	)
}

// proc is a running "candour serve".
type proc struct {
	cmd     *exec.Cmd
	base    string        // http://127.0.0.1:port
	metrics string        // the metrics listener, http://127.0.0.1:port
	ready   time.Duration // process start to the first 200 from /readyz
	log     *os.File
	done    chan error
}

// start runs "candour serve" on a free port and waits for /readyz.
func start(ctx context.Context, bin string, env *serverEnv) (*proc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	maddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	log, err := os.OpenFile(filepath.Join(env.dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = env.vars(addr, maddr)
	cmd.Stdout, cmd.Stderr = log, log
	p := &proc{cmd: cmd, base: "http://" + addr, metrics: "http://" + maddr, log: log, done: make(chan error, 1)}
	began := time.Now()
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() { p.done <- cmd.Wait() }()

	client := &http.Client{Timeout: 2 * time.Second}
	deadline := began.Add(60 * time.Second)
	for {
		resp, err := client.Get(p.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				p.ready = time.Since(began)
				return p, nil
			}
		}
		select {
		case err := <-p.done:
			log.Close()
			return nil, fmt.Errorf("candour serve exited before it was ready (%v): see %s", err, log.Name())
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, errors.New("candour serve was not ready within a minute")
		}
	}
}

// stop sends SIGTERM, as an orchestrator would, and waits for the graceful
// shutdown (killing after 20 seconds). Calling it again does nothing.
func (p *proc) stop() error {
	if p.done == nil {
		return nil
	}
	defer p.log.Close()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done = nil
		if err != nil {
			return fmt.Errorf("candour serve stopped with %v: see %s", err, p.log.Name())
		}
		return nil
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		p.done = nil
		return fmt.Errorf("candour serve did not stop within 20 s of SIGTERM")
	}
}

// rss is the resident set size now, in bytes (VmRSS), or 0 where /proc is missing.
func (p *proc) rss() int64 { return p.status("VmRSS:") }

// peakRSS is the highest resident set size so far (VmHWM).
func (p *proc) peakRSS() int64 { return p.status("VmHWM:") }

func (p *proc) status(field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// freeAddr finds a free port on the loopback interface.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// goMemory reads the Go runtime's own figures from /metrics: heap in use,
// and all memory the runtime has taken from the system.
func (p *proc) goMemory() (heap, sys int64) {
	resp, err := http.Get(p.metrics + "/metrics")
	if err != nil {
		return 0, 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		f, _ := strconv.ParseFloat(value, 64)
		switch name {
		case "go_memstats_heap_inuse_bytes":
			heap = int64(f)
		case "go_memstats_sys_bytes":
			sys = int64(f)
		}
	}
	return heap, sys
}

// devstore is the embedded engine served over TCP by a process of its own
// (store/devstore, as make test-mongo starts it): the stand-in for MongoDB
// where none can run.
type devstore struct {
	cmd  *exec.Cmd
	uri  string
	done chan error
	in   interface{ Close() error } // its standard input: closing it stops it
}

// startDevstore builds store/devstore into dir and runs it on a free
// loopback port with its files in dir/devstore-data, and reads the URI it prints.
func startDevstore(ctx context.Context, dir string) (*devstore, error) {
	bin := filepath.Join(dir, "devstore")
	b := exec.CommandContext(ctx, "go", "build", "-tags", "ferretdb_no_postgresql", "-o", bin, "./store/devstore")
	b.Stdout, b.Stderr = os.Stderr, os.Stderr
	if err := b.Run(); err != nil {
		return nil, fmt.Errorf("go build ./store/devstore: %w", err)
	}
	log, err := os.OpenFile(filepath.Join(dir, "devstore.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-dir", filepath.Join(dir, "devstore-data"), "-stdin")
	cmd.Stderr = log
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	d := &devstore{cmd: cmd, in: in, done: make(chan error, 1)}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if uri, ok := strings.CutPrefix(sc.Text(), "MONGODB_URI="); ok {
				line <- uri
			}
		}
		d.done <- cmd.Wait()
	}()
	select {
	case d.uri = <-line:
		return d, nil
	case err := <-d.done:
		return nil, fmt.Errorf("devstore exited before it listened (%v): see %s", err, log.Name())
	case <-time.After(30 * time.Second):
		d.stop()
		return nil, errors.New("devstore printed no URI within 30 s")
	case <-ctx.Done():
		d.stop()
		return nil, ctx.Err()
	}
}

// stop closes devstore's standard input (it stops) and waits, killing it
// after 10 seconds.
func (d *devstore) stop() {
	_ = d.in.Close()
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(10 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.done
	}
}
