package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// rssBudget is the idle memory budget.
const rssBudget = 100 << 20

// report is everything the benchmark prints.
type report struct {
	options
	seed                      *seeded
	coldStart, warmStart      time.Duration
	coldRSS, idleRSS, loadRSS int64
	idleHeap, idleGoSys       int64 // Go heap in use and all Go runtime memory, at idle
	peakRSS                   int64
	shutdown, total           time.Duration
	startUp                   startUpWork // the jobs' first runs, waited for before the rows
	rows                      []*result
	engine                    string        // which store (serverEnv.engine)
	where                     string        // for a run through MONGODB_URI: what served it
	adviceNotify              time.Duration // the critical-incident notification (advice.go), this run's
	adviceMessages            int
}

// print writes the report as Markdown, ready for docs/performance.md.
func (r *report) print(w io.Writer) {
	sd := r.seed
	fmt.Fprintf(w, "\n## Candour benchmark, %s\n\n", time.Now().Format("2 January 2006 15:04 MST"))
	r.printHeader(w)
	fmt.Fprintf(w, "Data: %d accounts (%d community members and chairs), %d groups with %d memberships, %d partner organisations, "+
		"%d stop-and-search records over 12 months, %d audit events over a year. Seeded in %.1f s (audit events %.1f s). "+
		"One argon2id hash at the default cost (best of three): %s.\n\n",
		sd.users, r.members, sd.groups, sd.memberships, sd.partners, sd.stopSearch, sd.auditEvents,
		sd.took.Seconds(), sd.auditTook.Seconds(), ms(sd.hashTook))

	fmt.Fprintf(w, "Latency with %d concurrent clients (the result is judged on its p95), and p95 with one client alone (%d requests or %s), which shows a page's own cost without queueing; round trips are the store commands per request in the single-client run (the server's live count on the metrics listener, which only the benchmark's build publishes):\n\n",
		r.clients, singleRequests, singleMaxTime)
	t := &table{header: []string{"request", "requests", "p50", "p95", "p99", "req/s", "status codes", "p50, 1 client", "p95, 1 client", "round trips / req", "budget (p95)", "result"}}
	for _, res := range r.rows {
		budget := "reported only"
		if res.sc.budget > 0 {
			budget = "< " + ms(res.sc.budget)
		}
		t.add(res.sc.label, fmt.Sprint(res.n), ms(res.p(50)), ms(res.p(95)), ms(res.p(99)),
			fmt.Sprintf("%.0f", res.throughput()), res.codeText(), p50OrNone(res.single), msOrNone(res.single), fmt.Sprintf("%.1f", res.roundTrips), budget, res.verdict())
	}
	t.print(w)
	for _, res := range r.rows {
		if res.note != "" {
			fmt.Fprintf(w, "- %s: %s\n", res.sc.label, res.note)
		}
		if s := res.statusNote(); s != "" {
			fmt.Fprintf(w, "- %s: %s\n", res.sc.label, s)
		}
	}
	for _, res := range r.rows {
		if strings.HasPrefix(res.sc.label, "POST /s/:id/check") && res.rawInserts > 0 {
			ratio := res.throughput() / res.rawInserts
			fmt.Fprintf(w, "\nSurvey submissions at %d respondents: %.0f a second; response-sized inserts through the store's writer alone (its lock and its group commit to disk), %d at once into the responses' collection, in the server's process just before the row: %.0f a second; ratio %.0f%% (budget ≥ 50%%): %s. CPU of the server: %s a submission under load, %s a raw insert. (The raw rate as first measured, while seeding, in the benchmark's process with no server: %.0f a second, %s of CPU an insert; ratio %.0f%%.)\n",
				res.clients, res.throughput(), surveyRespondents, res.rawInserts, 100*ratio, pass(ratio >= 0.5), msFine(res.cpuLoaded), msFine(res.rawInsertCPU),
				sd.rawInserts, msFine(sd.rawInsertCPU), 100*res.throughput()/max(sd.rawInserts, 1))
		}
	}

	fmt.Fprintln(w)
	t = &table{header: []string{"measure", "value", "budget", "result"}}
	t.add("start-up, empty data directory (process start → /readyz 200)", ms(r.coldStart), "< 2 s", pass(r.coldStart <= readyBudget))
	t.add("start-up, seeded data directory", ms(r.warmStart), "< 2 s", pass(r.warmStart <= readyBudget))
	t.add("RSS idle, empty data directory", mb(r.coldRSS), "< 100 MB", pass(r.coldRSS <= rssBudget))
	t.add("RSS idle, seeded (2 s after ready)", mb(r.idleRSS), "< 100 MB", pass(r.idleRSS <= rssBudget))
	t.add("… of which Go heap in use / all Go runtime memory", mb(r.idleHeap)+" / "+mb(r.idleGoSys), "", "")
	t.add("background work after start-up (the jobs' first runs), waited for before the rows", r.startUp.String(), "", "")
	t.add("RSS after the load", mb(r.loadRSS), "", "")
	t.add("peak RSS during the load (VmHWM)", mb(r.peakRSS), "", "")
	t.add("graceful stop after SIGTERM", ms(r.shutdown), "< 10 s", pass(r.shutdown <= 10*time.Second))
	t.add(fmt.Sprintf("critical-incident advice: %d members' messages queued (%d mail and text, worst of three)", benchAdviceNotify, r.adviceMessages),
		ms(r.adviceNotify), "< 1 s", pass(r.adviceNotify <= notifyBudget))
	t.print(w)

	fmt.Fprintln(w, "\nSingle store calls on the seeded data, in the benchmark process (best of three):")
	fmt.Fprintln(w)
	t = &table{header: []string{"store call", "time"}}
	for _, p := range sd.probes {
		t.add(p.what, probeTime(p))
	}
	t.print(w)
	fmt.Fprintf(w, "\nWhole benchmark: %.0f s.\n", r.total.Seconds())
}

// printHeader is the machine, the load average and the run's shape.
func (r *report) printHeader(w io.Writer) {
	fmt.Fprintf(w, "%s/%s, %d CPUs, %s; load average at the end %s; %s; %d concurrent clients; up to %d requests or %s a page; volumes ×%d.\n\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), loadAverage(), r.engine, r.clients, r.requests, r.maxTime, r.scale)
}

// loadAverage is /proc/loadavg's three figures (the machine may be shared:
// compare figures within one run), or "n/a".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "n/a"
}

func probeTime(p probe) string {
	if p.took < 0 {
		return fmt.Sprintf("over %s (stopped)", ms(probeTimeout))
	}
	return ms(p.took)
}

// printPair is the report of a -mongo run: every row on the embedded store
// in process beside the same row through MONGODB_URI, in one table. The
// two runs are one after the other on the same machine: compare within
// the table, not with other days' figures.
func printPair(w io.Writer, a, b *report) {
	sd := a.seed
	fmt.Fprintf(w, "\n## Candour benchmark, two engines, %s\n\n", time.Now().Format("2 January 2006 15:04 MST"))
	a.engine = "embedded store in process, then the same through " + b.where
	a.printHeader(w)
	fmt.Fprintf(w, "Data (each run seeds its own, the same): %d accounts, %d groups, %d stop-and-search records, %d audit events. "+
		"Seeded in %.1f s in process, %.1f s through the URI. One argon2id hash (best of three): %s, then %s.\n\n",
		sd.users, sd.groups, sd.stopSearch, sd.auditEvents, sd.took.Seconds(), b.seed.took.Seconds(), ms(sd.hashTook), ms(b.seed.hashTook))
	fmt.Fprintf(w, "p95 with %d concurrent clients and p50 with one client, in process and through the URI:\n\n", a.clients)
	t := &table{header: []string{"request", "p95 in process", "p95 URI", "p50 1 client in process", "p50 1 client URI", "status codes URI", "budget (p95)", "result in process", "result URI"}}
	other := map[string]*result{}
	for _, res := range b.rows {
		other[res.sc.label] = res
	}
	for _, res := range a.rows {
		budget := "reported only"
		if res.sc.budget > 0 {
			budget = "< " + ms(res.sc.budget)
		}
		o := other[res.sc.label]
		if o == nil {
			t.add(res.sc.label, ms(res.p(95)), "—", p50OrNone(res.single), "—", "—", budget, res.verdict(), "not run")
			continue
		}
		t.add(res.sc.label, ms(res.p(95)), ms(o.p(95)), p50OrNone(res.single), p50OrNone(o.single),
			o.codeText(), budget, res.verdict(), o.verdict())
	}
	t.print(w)
	for _, r := range []*report{a, b} {
		for _, res := range r.rows {
			if res.note != "" {
				fmt.Fprintf(w, "- %s (%s): %s\n", res.sc.label, r.engine, res.note)
			}
		}
	}

	fmt.Fprintln(w)
	t = &table{header: []string{"measure", "in process", "through the URI", "budget"}}
	t.add("start-up, empty store (process start → /readyz 200)", ms(a.coldStart), ms(b.coldStart), "< 2 s")
	t.add("start-up, seeded store", ms(a.warmStart), ms(b.warmStart), "< 2 s")
	t.add("RSS idle, seeded (2 s after ready; through the URI the database's memory is another process's)", mb(a.idleRSS), mb(b.idleRSS), "< 100 MB")
	t.add("peak RSS during the load (VmHWM)", mb(a.peakRSS), mb(b.peakRSS), "")
	t.add("background work after start-up (the jobs' first runs), waited for before the rows", a.startUp.String(), b.startUp.String(), "")
	t.add("graceful stop after SIGTERM", ms(a.shutdown), ms(b.shutdown), "< 10 s")
	t.add(fmt.Sprintf("critical-incident advice: %d members' messages queued", benchAdviceNotify), ms(a.adviceNotify), ms(b.adviceNotify), "< 1 s")
	t.add("survey-response-sized inserts straight through the driver, a second", fmt.Sprintf("%.0f", sd.rawInserts), fmt.Sprintf("%.0f", b.seed.rawInserts), "")
	t.print(w)

	fmt.Fprintln(w, "\nSingle store calls on the seeded data, in the benchmark process (best of three):")
	fmt.Fprintln(w)
	t = &table{header: []string{"store call", "in process", "through the URI"}}
	for i, p := range sd.probes {
		u := "—"
		if i < len(b.seed.probes) && b.seed.probes[i].what == p.what {
			u = probeTime(b.seed.probes[i])
		}
		t.add(p.what, probeTime(p), u)
	}
	t.print(w)
	fmt.Fprintf(w, "\nWhole benchmark: %.0f s.\n", a.total.Seconds())
}

func pass(ok bool) string {
	if ok {
		return "PASS"
	}
	return "OVER"
}

func ms(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.0f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

// msFine is d in milliseconds to two places (a CPU time per request).
func msFine(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

// msOrNone is a series' p95, or a dash when it made no requests.
func msOrNone(s *series) string {
	if s.n == 0 {
		return "—"
	}
	return ms(s.p(95))
}

func mb(b int64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f MB", float64(b)/(1<<20))
}

// table is a Markdown table with padded columns, readable in a terminal too.
type table struct {
	header []string
	rows   [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) print(w io.Writer) {
	width := make([]int, len(t.header))
	for _, row := range append([][]string{t.header}, t.rows...) {
		for i, c := range row {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range cells {
			b.WriteString(" " + c + strings.Repeat(" ", width[i]-len([]rune(c))) + " |")
		}
		fmt.Fprintln(w, b.String())
	}
	line(t.header)
	sep := make([]string, len(width))
	for i, n := range width {
		sep[i] = strings.Repeat("-", n)
	}
	line(sep)
	for _, row := range t.rows {
		line(row)
	}
}

// p50OrNone is the single-client median (the figure compared across -scale).
func p50OrNone(s *series) string {
	if s == nil || s.n == 0 {
		return "—"
	}
	return ms(s.p(50))
}

// scaleBudget is the most a page's single-client p50 may grow from 1× to
// -scale's volumes (issue 18: "cost flat with data").
const scaleBudget = 1.5

// printScale is the -scale report: each row's single-client p50 at 1× and
// at the run's scale, and their ratio. A row whose page shows all of
// something that grows with the data (scenario.showsAll: the open data's
// every published recommendation) is not judged: its result says it shows
// that many times more, and what. Other rows that show more at the larger
// scale (a month of the calendar) are judged too: read their label.
func printScale(w io.Writer, one, big *report) {
	fmt.Fprintf(w, "\nSingle-client p50 at 1× and at %d× the volumes (both runs in this process, one after the other; 1× seeded %d members and %d audit events, %d× %d and %d), and the ratio (budget ≤ %.1f× for a page that shows the same amount of data):\n\n",
		big.scale, one.members, one.audit, big.scale, big.members, big.audit, scaleBudget)
	// The server's CPU a request (one client) beside it: on a shared
	// machine the wall time mostly measures the others' load, the CPU
	// time much less.
	t := &table{header: []string{"request", "p50 1 client, 1×", fmt.Sprintf("p50 1 client, %d×", big.scale), "ratio", "result",
		"CPU a request, 1×", fmt.Sprintf("CPU a request, %d×", big.scale), "CPU ratio"}}
	at1 := map[string]*result{}
	for _, res := range one.rows {
		at1[res.sc.label] = res
	}
	for _, res := range big.rows {
		o := at1[res.sc.label]
		if o == nil || o.single == nil || o.single.n == 0 || res.single == nil || res.single.n == 0 {
			t.add(res.sc.label, "—", p50OrNone(res.single), "—", "not measured", "—", ms(res.cpu), "—")
			continue
		}
		a, b := o.single.p(50), res.single.p(50)
		ratio := float64(b) / float64(max(a, time.Microsecond))
		verdict := "PASS"
		switch {
		case res.sc.showsAll != "":
			verdict = fmt.Sprintf("shows %d× more (%s): not judged", big.scale, res.sc.showsAll)
		case ratio > scaleBudget:
			verdict = "OVER"
		}
		cpuRatio := "—"
		if o.cpu > 0 && res.cpu > 0 {
			cpuRatio = fmt.Sprintf("%.2f×", float64(res.cpu)/float64(o.cpu))
		}
		t.add(res.sc.label, ms(a), ms(b), fmt.Sprintf("%.2f×", ratio), verdict, ms(o.cpu), ms(res.cpu), cpuRatio)
	}
	t.print(w)
	t = &table{header: []string{"measure", "1×", fmt.Sprintf("%d×", big.scale), "budget"}}
	t.add("start-up, seeded data directory", ms(one.warmStart), ms(big.warmStart), "< 2 s")
	t.add("RSS idle, seeded (2 s after ready)", mb(one.idleRSS), mb(big.idleRSS), "< 100 MB")
	t.add("background work after start-up (the jobs' first runs), waited for before the rows", one.startUp.String(), big.startUp.String(), "")
	t.add("seeding", fmt.Sprintf("%.0f s", one.seed.took.Seconds()), fmt.Sprintf("%.0f s", big.seed.took.Seconds()), "")
	fmt.Fprintln(w)
	t.print(w)
}
