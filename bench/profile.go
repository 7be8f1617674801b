package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// profileTime is how long -profile drives one client while the server
// takes its CPU profile of a row.
const profileTime = 5 * time.Second

// cpuTime is the server process's CPU time so far (user and system, every
// thread), from /proc/PID/stat; 0 where it cannot be read. Its resolution
// is the clock tick (10 ms), so it is read around a whole run, not a request.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces: count from after its ")".
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0
	}
	const ticks = 100 // USER_HZ, 100 on Linux
	return time.Duration(utime+stime) * time.Second / ticks
}

// selfCPU is this process's CPU time so far (user and system).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var notInName = regexp.MustCompile(`[^a-z0-9]+`)

// fetch saves the metrics listener's /debug/pprof/<what> to path.
func fetch(ctx context.Context, metrics, what, path string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", metrics+"/debug/pprof/"+what, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s/debug/pprof/%s: %s (is this the benchmark's build?)", metrics, what, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// profileRow drives one client for profileTime while the server (the
// benchmark's build serves /debug/pprof on its metrics listener,
// cli/profile_bench.go) takes a CPU profile and a profile of what it
// allocates meanwhile, and writes them to dir/<row>.pprof and
// dir/<row>.allocs.pprof. It returns the requests made while profiling, so
// that a profile's total divided by them is the cost of one request. Then
// it drives the row with every client (-clients) for profileTime more
// while the server records where its goroutines waited (dir/<row>.block.pprof)
// and which locks they contended for (dir/<row>.mutex.pprof): what one
// client alone never shows. The two windows are apart so that recording
// every blocking event does not weigh on the CPU profile. Last, a third
// window with every client again takes a CPU profile (dir/<row>.clients.pprof):
// where the row's throughput goes under load. A row with clients of its own
// (the survey's 50 respondents) is driven with those, as drive does.
func profileRow(ctx context.Context, base, metrics, dir string, sc scenario, sd *seeded, o options) (int, string, error) {
	name := strings.Trim(notInName.ReplaceAllString(strings.ToLower(sc.label), "-"), "-")
	path := filepath.Join(dir, name+".pprof")
	clients := o.clients
	if sc.clients > 0 {
		clients = sc.clients // as drive runs the row (the survey's 50 respondents)
	}
	n, err := profileWindow(ctx, metrics, map[string]string{"profile": path, "allocs": filepath.Join(dir, name+".allocs.pprof")},
		func() (*series, error) {
			return load(ctx, base, sc, sd, o.clients, 1, 1<<30, profileTime-100*time.Millisecond, 0)
		})
	if err != nil {
		return 0, "", err
	}
	_, err = profileWindow(ctx, metrics, map[string]string{"block": filepath.Join(dir, name+".block.pprof"), "mutex": filepath.Join(dir, name+".mutex.pprof")},
		func() (*series, error) {
			return load(ctx, base, sc, sd, 0, clients, 1<<30, profileTime-100*time.Millisecond, 0)
		})
	if err != nil {
		return 0, "", err
	}
	// And the CPU under every client: where a row's throughput goes (the
	// survey submissions at 50 respondents), which one client alone does
	// not show (batching, queues, the collector under load).
	under := filepath.Join(dir, name+".clients.pprof")
	m, err := profileWindow(ctx, metrics, map[string]string{"profile": under},
		func() (*series, error) {
			return load(ctx, base, sc, sd, 0, clients, 1<<30, profileTime-100*time.Millisecond, 0)
		})
	if err != nil {
		return 0, "", err
	}
	fmt.Fprintf(os.Stderr, "    profile of %d requests, %d clients: %s\n", m, clients, under)
	return n, path, nil
}

// profileWindow takes the profiles named (what to save where) over
// profileTime while drive runs, and returns the requests drive made.
func profileWindow(ctx context.Context, metrics string, profiles map[string]string, drive func() (*series, error)) (int, error) {
	secs := fmt.Sprint(int(profileTime / time.Second))
	got := make(chan error, len(profiles))
	for what, path := range profiles {
		go func() { got <- fetch(ctx, metrics, what+"?seconds="+secs, path) }()
	}
	// The profiles start when their requests arrive; leave them a moment.
	if err := sleep(ctx, 50*time.Millisecond); err != nil {
		return 0, err
	}
	s, err := drive()
	for range profiles {
		if ferr := <-got; err == nil {
			err = ferr
		}
	}
	if err != nil {
		return 0, err
	}
	return s.n, nil
}

// profileSelf starts a CPU profile of the benchmark's own process (the
// work it times itself while seeding, such as the critical-incident
// notification), written to path when the returned stop is called.
func profileSelf(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
