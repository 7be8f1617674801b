// Command bench checks Candour's performance budgets (DESIGN.md, "Data
// design for speed") against the real binary on the embedded store: it
// builds candour, times start-up, seeds a year of one force's data straight
// through the store package, starts the server again, and drives it over
// HTTP with concurrent clients, each with its own cookie jar.
//
// It prints a table of latencies against the budgets and the process's
// memory. Budgets are reported, not asserted: the exit status is 0 unless
// the benchmark itself could not run. Pages that are not built yet answer
// 404 and are marked so rather than failing.
//
// Run it with "make bench" (go run -tags ferretdb_no_postgresql ./bench)
// from the module root. It is a development tool: it never runs in the portal.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// options are the benchmark's knobs; the defaults are what docs/performance.md reports.
type options struct {
	requests int           // requests per page
	maxTime  time.Duration // per page, whichever comes first
	clients  int           // concurrent clients
	members  int           // community members to seed
	audit    int           // audit events to seed
	keep     bool          // keep the temporary directory
	scale    int           // multiply every seeded volume (members, visits, findings, recommendations, referrals, survey responses, audit events)
	dataDir  string        // testdata/: police.uk and Census files to resample
	only     string        // run one row alone ("decide": deciding a survey release)
}

func main() {
	var o options
	flag.IntVar(&o.requests, "requests", 2000, "requests per page")
	flag.DurationVar(&o.maxTime, "max", 10*time.Second, "longest time to spend on one page")
	flag.IntVar(&o.clients, "clients", 20, "concurrent clients")
	flag.IntVar(&o.members, "members", 500, "community members to seed")
	flag.IntVar(&o.audit, "audit", 200000, "audit events to seed")
	flag.IntVar(&o.scale, "scale", 1, "multiply every seeded volume by this (10: 5,000 members, 3,000 visits, 5,000 recommendations, 100,000 survey responses, 2,000 referrals, 2,000,000 audit events)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (binary, data and server log)")
	flag.StringVar(&o.dataDir, "data", "testdata", "directory with the police.uk and Census files to resample")
	flag.StringVar(&o.only, "only", "", `run one row alone: "decide" (deciding a survey release, demo size and 10,000 responses × -scale, no server)`)
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "Usage: go run -tags ferretdb_no_postgresql ./bench [flags]\n\nSeeds a year of one force's data and measures the portal against its budgets.")
		flag.PrintDefaults()
	}
	flag.Parse()
	if o.only != "" {
		if o.only != "decide" {
			fmt.Fprintf(os.Stderr, "bench: -only %q: the one row that runs alone is \"decide\"\n", o.only)
			os.Exit(2)
		}
		if o.scale < 1 {
			o.scale = 1
		}
		if err := decideOnly(o); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	applyScale(&o)
	if o.clients < 1 || o.clients > 200 || o.requests < 1 || o.members < 2*o.clients+(o.clients+1)*signInsPerClient {
		fmt.Fprintf(os.Stderr, "bench: need 1-200 clients, at least 1 request, and at least %d members per client (for distinct sign-ins)\n", signInsPerClient+2)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// run is the whole benchmark: build, cold start, seed, start, load, report.
func run(ctx context.Context, o options) error {
	began := time.Now()
	tmp, err := os.MkdirTemp("", "candour-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		defer fmt.Printf("\nKept %s (binary, data, server.log)\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	r := &report{options: o}

	step("Building candour")
	bin, err := build(ctx, tmp)
	if err != nil {
		return err
	}
	env, err := newServerEnv(tmp)
	if err != nil {
		return err
	}

	step("Cold start on an empty data directory")
	p, err := start(ctx, bin, env)
	if err != nil {
		return err
	}
	r.coldStart = p.ready
	r.coldRSS = p.rss()
	if err := p.stop(); err != nil {
		return err
	}

	step(fmt.Sprintf("Seeding %d members, groups, partners, a year of stop and search and %d audit events", o.members, o.audit))
	seeded, err := seed(ctx, env, o)
	if err != nil {
		return err
	}
	r.seed = seeded

	step("Starting on the seeded data")
	p, err = start(ctx, bin, env)
	if err != nil {
		return err
	}
	defer p.stop()
	r.warmStart = p.ready
	if err := sleep(ctx, 2*time.Second); err != nil { // let start-up garbage settle
		return err
	}
	r.idleRSS = p.rss()
	r.idleHeap, r.idleGoSys = p.goMemory()

	step(fmt.Sprintf("Driving %s with %d clients", p.base, o.clients))
	for _, sc := range scenarios(seeded, o) {
		if err := ctx.Err(); err != nil {
			return err
		}
		res, err := drive(ctx, p.base, sc, seeded, o)
		if err != nil {
			return fmt.Errorf("%s: %w", sc.label, err)
		}
		r.rows = append(r.rows, res)
		fmt.Fprintf(os.Stderr, "  %-46s p95 %8s (1 client %8s)  %s\n", sc.label, ms(res.p(95)), msOrNone(res.single), res.verdict())
	}
	r.loadRSS = p.rss()
	r.peakRSS = p.peakRSS()
	stopped := time.Now()
	if err := p.stop(); err != nil {
		return err
	}
	r.shutdown = time.Since(stopped)

	step(fmt.Sprintf("Importing %d resampled stop-and-search rows with the real binary", importRows))
	imp := benchImport(ctx, bin, tmp, o)
	step(fmt.Sprintf("Importing %d resampled vehicle stops with the real binary", importRows))
	pimp := benchPowerImport(ctx, bin, tmp, o)
	r.total = time.Since(began)
	r.print(os.Stdout)
	printImport(os.Stdout, imp)
	printPowerImport(os.Stdout, pimp)
	return nil
}

func step(s string) { fmt.Fprintf(os.Stderr, "bench: %s…\n", s) }

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// applyScale multiplies the seeded volumes by -scale. The stop-and-search
// records stay a year of one force's (their cost is the import, measured
// on its own); row labels keep the 1× figures.
func applyScale(o *options) {
	if o.scale <= 1 {
		o.scale = 1
		return
	}
	o.members *= o.scale
	o.audit *= o.scale
	benchVisits *= o.scale
	benchPastVisits *= o.scale
	benchFindings *= o.scale
	benchRecommendations *= o.scale
	benchReferrals *= o.scale
	benchSurveyResponses *= o.scale
}
