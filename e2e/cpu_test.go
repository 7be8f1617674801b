package e2e

import (
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"
)

// cpuEnv names the file that a run writes its CPU table to: each test's
// CPU (user + system) counting Chromium's processes, which /usr/bin/time
// around the test binary does not (they are the browser's and its
// zygote's children, never reaped by the binary), and Chromium's CPU by
// kind of process. Unset, nothing is measured.
//
//	CANDOUR_E2E=required CANDOUR_E2E_CPU=/tmp/e2e-cpu.txt go test -tags ferretdb_no_postgresql -count=1 ./e2e/
const cpuEnv = "CANDOUR_E2E_CPU"

// clockTicks is the unit of /proc/<pid>/stat's CPU times (USER_HZ, 100 on
// every Linux the suite runs on).
const clockTicks = 100

// meter measures the suite's CPU when cpuEnv is set (startMeter), or is nil.
var meter *cpuMeter

// cpuMeter reads the CPU of the test binary and of every process under it
// from /proc twice a second, and at each test's start, so that a process
// that exits (a renderer, say) keeps the CPU it had used when last read.
// The tests run one after another, so a test's CPU is the whole tree's
// CPU from its start to the next test's start.
type cpuMeter struct {
	path string
	stop chan struct{}
	done chan struct{}

	mu      sync.Mutex
	procs   map[procID]procCPU // every process seen, by pid and start time
	inside  map[int]string     // the tree's live processes (pid → kind)
	outside map[int]bool       // live processes not in the tree
	test    string             // the test running
	start   int64              // the tree's CPU (ticks) when it started
	began   time.Time
	rows    []cpuRow
}

type procID struct {
	pid   int
	start string // its start time, since pids are reused
}

type procCPU struct {
	kind  string // "test binary", "browser", "renderer", "gpu-process", ...
	ticks int64  // user + system
}

type cpuRow struct {
	test  string
	ticks int64
	wall  time.Duration
}

// startMeter starts measuring when cpuEnv is set.
func startMeter() {
	path := os.Getenv(cpuEnv)
	if path == "" {
		return
	}
	m := &cpuMeter{path: path, stop: make(chan struct{}), done: make(chan struct{}),
		procs: map[procID]procCPU{}, inside: map[int]string{}, outside: map[int]bool{}, test: "(the browser's start)", began: time.Now()}
	go func() {
		defer close(m.done)
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-m.stop:
				return
			case <-tick.C:
				m.mu.Lock()
				m.read()
				m.mu.Unlock()
			}
		}
	}()
	meter = m
}

// markTest notes that t's top-level test is running, if the meter is on.
func markTest(t *testing.T) {
	if meter == nil {
		return
	}
	name, _, _ := strings.Cut(t.Name(), "/")
	meter.mu.Lock()
	defer meter.mu.Unlock()
	if name != meter.test {
		meter.next(name)
	}
}

// next closes the running test's row, starts name's and writes the table
// so far (a run stopped part-way still leaves it). Called with mu.
func (m *cpuMeter) next(name string) {
	total := m.read()
	m.rows = append(m.rows, cpuRow{test: m.test, ticks: total - m.start, wall: time.Since(m.began)})
	m.test, m.start, m.began = name, total, time.Now()
	m.write()
}

// finish closes the last test's row and writes the table (before the
// browser stops: its processes' CPU goes with them).
func (m *cpuMeter) finish() {
	close(m.stop)
	<-m.done
	m.mu.Lock()
	defer m.mu.Unlock()
	m.next("")
}

// write writes the table of the tests so far to m.path. Called with mu.
func (m *cpuMeter) write() {
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 0, 8, 2, ' ', tabwriter.AlignRight)
	var sum int64
	fmt.Fprintln(w, "test\tCPU (s)\twall (s)\t")
	rows := slices.SortedFunc(slices.Values(m.rows), func(a, b cpuRow) int { return cmp.Compare(b.ticks, a.ticks) })
	for _, r := range rows {
		sum += r.ticks
		fmt.Fprintf(w, "%s\t%.1f\t%.1f\t\n", r.test, seconds(r.ticks), r.wall.Seconds())
	}
	fmt.Fprintf(w, "all\t%.1f\t\t\n\nprocess\tCPU (s)\tprocesses\t\n", seconds(sum))
	kinds := map[string]int64{}
	count := map[string]int{}
	for _, p := range m.procs {
		kinds[p.kind] += p.ticks
		count[p.kind]++
	}
	for _, k := range slices.SortedFunc(maps.Keys(kinds), func(a, b string) int { return cmp.Compare(kinds[b], kinds[a]) }) {
		fmt.Fprintf(w, "%s\t%.1f\t%d\t\n", k, seconds(kinds[k]), count[k])
	}
	w.Flush()
	if err := os.WriteFile(m.path, b.Bytes(), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %s: %v\n", cpuEnv, err)
	}
}

func seconds(ticks int64) float64 { return float64(ticks) / clockTicks }

// read takes the CPU of the test binary and every process under it, and
// returns the CPU of every process seen so far. Only the tree's processes
// are read each time: others are read once, to learn they are not in it,
// so that the meter itself costs little of the CPU it measures. Called
// with mu.
func (m *cpuMeter) read() int64 {
	dir, err := os.ReadDir("/proc")
	if err != nil {
		return m.sum()
	}
	stats := map[int]procStat{} // this reading's, but for those outside
	for _, e := range dir {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || m.outside[pid] {
			continue
		}
		if st, ok := readStat(pid); ok {
			stats[pid] = st
		}
	}
	self := os.Getpid()
	var inTree func(pid int) bool
	inTree = func(pid int) bool {
		if _, ok := m.inside[pid]; ok || pid == self {
			return true
		}
		st, ok := stats[pid]
		return ok && !m.outside[pid] && st.parent > 1 && inTree(st.parent)
	}
	for pid, st := range stats {
		if !inTree(pid) {
			m.outside[pid] = true
			continue
		}
		// Named each time: a process forked by Chromium's zygote shows
		// the zygote's command line until it rewrites its own, and one
		// that has exited (a zombie) shows none.
		kind := processKind(pid, self)
		if kind == "other" && m.procs[st.id].kind != "" {
			kind = m.procs[st.id].kind
		}
		m.inside[pid] = kind
		m.procs[st.id] = procCPU{kind: kind, ticks: st.ticks}
	}
	// Forget the pids that are gone: they may be used again.
	for pid := range m.inside {
		if _, ok := stats[pid]; !ok {
			delete(m.inside, pid)
		}
	}
	live := map[string]bool{}
	for _, e := range dir {
		live[e.Name()] = true
	}
	for pid := range m.outside {
		if !live[strconv.Itoa(pid)] {
			delete(m.outside, pid)
		}
	}
	return m.sum()
}

// sum is the CPU of every process seen so far. Called with mu.
func (m *cpuMeter) sum() int64 {
	var total int64
	for _, p := range m.procs {
		total += p.ticks
	}
	return total
}

type procStat struct {
	id     procID
	parent int
	ticks  int64 // user + system
}

// readStat reads /proc/<pid>/stat.
func readStat(pid int) (procStat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	// pid (comm) state ppid ... utime(14) stime(15) ... starttime(22);
	// comm may hold spaces and parentheses, so split after its last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, false
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3, the state
	if len(f) < 20 {
		return procStat{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return procStat{id: procID{pid, f[19]}, parent: ppid, ticks: utime + stime}, true
}

// processKind names a process by Chromium's --type (and a utility's
// --utility-sub-type); the browser process has none.
func processKind(pid, self int) string {
	if pid == self {
		return "test binary"
	}
	cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	kind, sub := "", ""
	// Chromium rewrites a child's command line as one string, spaces
	// between its arguments.
	args := strings.FieldsFunc(string(cmd), func(r rune) bool { return r == 0 || r == ' ' })
	for _, arg := range args {
		if v, ok := strings.CutPrefix(arg, "--type="); ok {
			kind = v
		}
		if v, ok := strings.CutPrefix(arg, "--utility-sub-type="); ok {
			sub = " " + v
		}
	}
	if kind == "" {
		if strings.Contains(string(cmd), "chromium") {
			return "browser"
		}
		if len(args) == 0 {
			return "other"
		}
		return "other: " + filepath.Base(args[0])
	}
	return kind + sub
}
