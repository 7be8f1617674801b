package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// settleMax is how long the benchmark waits at most for the background
// jobs' first runs after start-up. At ten times the data, on a shared
// machine (7 December 2026), the server was idle 162 s after ready, with
// 47 s of CPU since its start.
const settleMax = 5 * time.Minute

// startUpWork is what the server did on its own after start-up, before the
// rows: the background jobs' first runs (the repair, the retention jobs,
// the diaries' prune read whole collections). The report gives it, so that
// waiting for it hides nothing: it is the cost a restart puts beside the
// first minutes' requests.
type startUpWork struct {
	took    time.Duration // from ready to the last busy moment seen
	cpu     time.Duration // the server's CPU time from its start to then
	settled bool          // false: the rows were timed beside it
}

func (w startUpWork) String() string {
	if !w.settled {
		return fmt.Sprintf("still busy %s after ready (%s of CPU since start): the rows were timed beside it", ms(w.took), ms(w.cpu))
	}
	return fmt.Sprintf("settled %s after ready, %s of CPU since start", ms(w.took), ms(w.cpu))
}

// waitSettled waits until the server has been idle for a second: no
// thread running, waiting to run or on the disk, no store command sent,
// and under 5 % of a core used. Each alone is not enough: the count of
// store commands stands still through one long command (a FerretDB scan
// of a large collection is one command until its first batch is full),
// and on a shared machine a busy server may get so little CPU that its
// CPU time hardly moves; its threads are then runnable, not asleep.
// readyAt is when the server first answered /readyz.
func waitSettled(ctx context.Context, p *proc, readyAt time.Time, max time.Duration) startUpWork {
	const tick, quiet, idleCPU = 250 * time.Millisecond, time.Second, 50 * time.Millisecond
	pid := p.cmd.Process.Pid
	began := time.Now()
	last, cmds, cpuStill := began, storeCommands(ctx, p.metrics), cpuTime(pid)
	still := time.Duration(0)
	for still < quiet && time.Since(began) < max {
		if err := sleep(ctx, tick); err != nil {
			break
		}
		busy := busyThreads(pid) > 0 // before the scrape, which wakes the server
		n, cpu := storeCommands(ctx, p.metrics), cpuTime(pid)
		if busy || n != cmds || n < 0 || cpu-cpuStill > idleCPU {
			last, cmds, still, cpuStill = time.Now(), n, 0, cpu
			continue
		}
		still += tick
	}
	return startUpWork{took: last.Sub(readyAt), cpu: cpuTime(pid), settled: still >= quiet}
}

// busyThreads is how many of pid's threads are running, waiting to run
// (R) or waiting on the disk (D).
func busyThreads(pid int) int {
	stats, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	n := 0
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 || i+2 >= len(s) {
			continue
		}
		if st := s[i+2]; st == 'R' || st == 'D' {
			n++
		}
	}
	return n
}
