package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
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
)

// readyBudget is the start-up budget: process start to /readyz answering 200.
const readyBudget = 2 * time.Second

// build compiles the portal as make does, into dir.
func build(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "candour")
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "ferretdb_no_postgresql,candourrelease", "-o", bin, ".")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build (run the benchmark from the module root): %w", err)
	}
	return bin, nil
}

// serverEnv is how every start of the server is configured: development,
// the embedded store in a temporary data directory, no demo data, and a
// session key the benchmark knows so that it can mint cookies for seeded
// sessions.
type serverEnv struct {
	dir        string // temporary directory: data/ and server.log
	dataDir    string
	sessionKey []byte
}

func newServerEnv(dir string) (*serverEnv, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return &serverEnv{dir: dir, dataDir: filepath.Join(dir, "data"), sessionKey: key}, nil
}

// vars is the child's environment: ours, without any CANDOUR_* or
// MONGODB_URI inherited from the shell (CI sets MONGODB_URI; the budgets
// are for the embedded store).
func (e *serverEnv) vars(addr string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "CANDOUR_") || strings.HasPrefix(kv, "MONGODB_URI=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"CANDOUR_ENV=development",
		"CANDOUR_ADDR="+addr,
		// a free port: another portal on this machine may hold the default 9464
		"CANDOUR_METRICS_ADDR=127.0.0.1:0",
		"CANDOUR_DATA_DIR="+e.dataDir,
		"CANDOUR_SEED_DEMO=false",
		"CANDOUR_SESSION_KEY="+base64.StdEncoding.EncodeToString(e.sessionKey),
		"CANDOUR_REPORTS_PER_HOUR=1000000",        // the referral rows send thousands of reports from each client
		"CANDOUR_SURVEY_POSTS_PER_MINUTE=1000000", // every client dials from 127.0.0.1
	)
}

// proc is a running "candour serve".
type proc struct {
	cmd   *exec.Cmd
	base  string        // http://127.0.0.1:port
	ready time.Duration // process start to the first 200 from /readyz
	log   *os.File
	done  chan error
}

// start runs "candour serve" on a free port and waits for /readyz.
func start(ctx context.Context, bin string, env *serverEnv) (*proc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	log, err := os.OpenFile(filepath.Join(env.dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = env.vars(addr)
	cmd.Stdout, cmd.Stderr = log, log
	p := &proc{cmd: cmd, base: "http://" + addr, log: log, done: make(chan error, 1)}
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
	resp, err := http.Get(p.base + "/metrics")
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
