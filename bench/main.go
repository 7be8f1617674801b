// Command bench checks Candour's performance budgets (DESIGN.md, "Data
// design for speed") against the real binary on the embedded store: it
// builds candour, times start-up, seeds a year of one force's data straight
// through the store package, starts the server again, and drives it over
// HTTP with concurrent clients, each with its own cookie jar.
//
// It prints a table of latencies against the budgets and the process's
// memory. The rows' budgets are reported, not asserted. The judged checks
// (budgets.go: costs that must not grow with the data, such as a home
// page's bytes allocated a request at ten times the visits) run first and
// fail the run: the exit status is 0 unless one of them is over or the
// benchmark itself could not run. Pages that are not built yet answer 404
// and are marked so rather than failing.
//
// Run it with "make bench" (go run -tags ferretdb_no_postgresql ./bench)
// from the module root. It is a development tool: it never runs in the portal.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"syscall"
	"time"

	"candour/store"
)

// options are the benchmark's knobs; the defaults are what docs/performance.md reports.
type options struct {
	requests int            // requests per page
	maxTime  time.Duration  // per page, whichever comes first
	clients  int            // concurrent clients
	members  int            // community members to seed
	audit    int            // audit events to seed
	keep     bool           // keep the temporary directory
	scale    int            // multiply every seeded volume (members, visits, findings, recommendations, referrals, survey responses, audit events)
	dataDir  string         // testdata/: police.uk and Census files to resample
	only     string         // run some rows alone ("decide": deciding a survey release; "advice": the advice rows)
	mongo    bool           // also run every row through MONGODB_URI
	uri      string         // that server; "" starts store/devstore
	imports  bool           // run the million-row import rows
	rows     *regexp.Regexp // run only the rows whose label matches (nil: every row)
	profile  string         // write a CPU and allocation profile of each row (one client), and block and mutex profiles (-clients), into this directory
}

func main() {
	var o options
	flag.IntVar(&o.requests, "requests", 2000, "requests per page")
	flag.DurationVar(&o.maxTime, "max", 10*time.Second, "longest time to spend on one page")
	flag.IntVar(&o.clients, "clients", 20, "concurrent clients")
	flag.IntVar(&o.members, "members", 500, "community members to seed")
	flag.IntVar(&o.audit, "audit", 200000, "audit events to seed")
	flag.IntVar(&o.scale, "scale", 1, "multiply every seeded volume by this (10: 5,000 members, 3,000 visits, 5,000 recommendations, 100,000 survey responses, 2,000 referrals, 2,000,000 audit events); above 1, every row runs at 1× first and the report gives each row's single-client p50 at both and their ratio")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (binary, data and server log)")
	flag.StringVar(&o.dataDir, "data", "testdata", "directory with the police.uk and Census files to resample")
	flag.StringVar(&o.only, "only", "", `run some rows alone: "decide" (deciding a survey release, demo size and 10,000 responses × -scale, no server), "advice" (a year of data seeded, then only the advice request page and answer POST at -clients, and the notification of 200 members) or "budgets" (the judged checks alone, budgets.go; -rows picks among them too)`)
	// MONGODB_URI is read here and taken out of the environment, so that
	// no child (the server, the imports) inherits it by accident: each run
	// passes the store it measures (serverEnv.vars).
	uri := os.Getenv("MONGODB_URI")
	os.Unsetenv("MONGODB_URI")
	flag.BoolVar(&o.mongo, "mongo", uri != "", "also run every row through MONGODB_URI, reported beside the embedded store's figures (the default when MONGODB_URI is set; unset, the embedded engine is started as a separate process on TCP, store/devstore)")
	flag.StringVar(&o.uri, "uri", uri, "the server for -mongo (default: MONGODB_URI)")
	flag.StringVar(&o.profile, "profile", "", "after each row, drive it with one client for 5 s while the server takes a CPU profile and one of its allocations, written to DIR/<row>.pprof and DIR/<row>.allocs.pprof (go tool pprof), then with -clients clients for 5 s more while it records where goroutines blocked and which locks they contended for (DIR/<row>.block.pprof, DIR/<row>.mutex.pprof), then a CPU profile with every client for 5 s more (DIR/<row>.clients.pprof), and a heap profile 2 s after start-up (DIR/idle.heap.pprof); the row's lines then say how many requests each CPU profile holds. Seeding writes the benchmark's own CPU profile of the critical-incident notification (DIR/advice-notify.pprof). With -scale above 1 the 1× run's profiles go in DIR/1x")
	flag.BoolVar(&o.imports, "imports", true, "also time the million-row imports (embedded store)")
	rows := flag.String("rows", "", "run only the rows whose label matches this regular expression (e.g. 'sign-up|/admin/audit')")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "Usage: go run -tags ferretdb_no_postgresql ./bench [flags]\n\nSeeds a year of one force's data and measures the portal against its budgets.")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *rows != "" {
		re, err := regexp.Compile(*rows)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: -rows: %v\n", err)
			os.Exit(2)
		}
		o.rows = re
	}
	if o.only == "advice" {
		// The advice rows on a year of data: the whole seeding (the budget
		// is "with a year of data"), then only the advice rows and the
		// notification of 200 members; no imports, no other rows.
		o.imports = false
	} else if o.only == "budgets" {
		if err := budgetsOnly(o); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	} else if o.only != "" {
		if o.only != "decide" {
			fmt.Fprintf(os.Stderr, "bench: -only %q: the rows that run alone are \"decide\", \"advice\" and \"budgets\"\n", o.only)
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
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "uri" && o.uri != "" {
			o.mongo = true // a server named on the command line is for measuring
		}
	})
	if o.scale < 1 {
		o.scale = 1
	}
	base = volumes{members: o.members, audit: o.audit, visits: benchVisits, pastVisits: benchPastVisits, findings: benchFindings,
		recommendations: benchRecommendations, referrals: benchReferrals, surveyResponses: benchSurveyResponses}
	applyScale(&o, o.scale)
	if o.clients < 1 || o.clients > 200 || o.requests < 1 || base.members < 2*o.clients+(o.clients+1)*signInsPerClient {
		fmt.Fprintf(os.Stderr, "bench: need 1-200 clients, at least 1 request, and at least %d members per client (for distinct sign-ins)\n", signInsPerClient+2)
		os.Exit(2)
	}
	if o.profile != "" {
		if err := os.MkdirAll(o.profile, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "bench: -profile:", err)
			os.Exit(2)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// run is the whole benchmark: build, then for each store (the embedded
// store in process; with -mongo, then a server through MONGODB_URI) cold
// start, seed, start, load; then the imports and the report.
func run(ctx context.Context, o options) error {
	began := time.Now()
	tmp, err := os.MkdirTemp("", "candour-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		defer fmt.Printf("\nKept %s (binary, data, server logs)\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}

	// The judged checks first, while no server runs beside this process.
	budgets := runBudgets(ctx, o, tmp)
	if err := ctx.Err(); err != nil {
		return err
	}

	step("Building candour")
	bin, err := build(ctx, tmp)
	if err != nil {
		return err
	}
	var one *report
	if o.scale > 1 {
		// The same rows at 1× first, for the single-client p50 ratio.
		o1 := o
		applyScale(&o1, 1)
		if o.profile != "" {
			// The 1× profiles apart, so that the 10× run's do not overwrite them.
			o1.profile = filepath.Join(o.profile, "1x")
			if err := os.MkdirAll(o1.profile, 0o755); err != nil {
				return err
			}
		}
		step("The embedded store, in process, at 1× the volumes (for the ratios)")
		if one, err = runEngine(ctx, o1, bin, filepath.Join(tmp, "embedded-1x"), ""); err != nil {
			return err
		}
		applyScale(&o, o.scale)
	}
	step(fmt.Sprintf("The embedded store, in process, at %d× the volumes", o.scale))
	r, err := runEngine(ctx, o, bin, filepath.Join(tmp, "embedded"), "")
	if err != nil {
		return err
	}
	var remote *report
	if o.mongo {
		uri, where := o.uri, "MONGODB_URI ("+hostOf(o.uri)+")"
		if uri == "" {
			step("Starting the embedded engine as a separate process on TCP (store/devstore)")
			d, err := startDevstore(ctx, tmp)
			if err != nil {
				return err
			}
			defer d.stop()
			uri, where = d.uri, "the embedded engine as a separate process on TCP (store/devstore), through MONGODB_URI"
		}
		step("The same rows through " + where)
		if remote, err = runEngine(ctx, o, bin, filepath.Join(tmp, "uri"), uri); err != nil {
			return err
		}
		remote.where = where
	}

	imp := importResult{skipped: "-imports=false"}
	pimp := []powerImportResult{{title: "powers/ datasets'", skipped: "-imports=false"}}
	if o.imports {
		step(fmt.Sprintf("Importing %d resampled stop-and-search rows with the real binary", importRows))
		imp = benchImport(ctx, bin, tmp, o)
		step(fmt.Sprintf("Importing %d resampled vehicle stops and missing person episodes with the real binary", importRows))
		pimp = benchPowerImports(ctx, bin, tmp, o)
	}
	r.total = time.Since(began)
	if remote == nil {
		r.print(os.Stdout)
	} else {
		printPair(os.Stdout, r, remote)
	}
	if one != nil {
		printScale(os.Stdout, one, r)
	}
	printImport(os.Stdout, imp)
	printPowerImports(os.Stdout, pimp)
	printBudgets(os.Stdout, budgets)
	return budgetsFailed(budgets)
}

// budgetsOnly runs the judged checks alone (-only budgets) and prints them.
func budgetsOnly(o options) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tmp, err := os.MkdirTemp("", "candour-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	rs := runBudgets(ctx, o, tmp)
	printBudgets(os.Stdout, rs)
	return budgetsFailed(rs)
}

// runEngine measures one store: cold start on an empty store, seeding, a
// start on the seeded data and every row. uri "" is the embedded store in
// dir/data; otherwise a fresh database on the server at uri, dropped at
// the end.
func runEngine(ctx context.Context, o options, bin, dir, uri string) (*report, error) {
	// What one run's seeding hands its rows: never a previous run's.
	adviceBench.openID, adviceBench.sessions, adviceBench.notify, adviceBench.messages = "", nil, 0, 0
	refBench.ccu, refBench.partner, refBench.openID, refBench.receipts, refBench.workerID, refBench.key = nil, nil, "", nil, "", nil
	visitBench.showID, visitBench.future, visitBench.sessions, visitBench.groupID = "", nil, nil, ""

	r := &report{options: o}
	env, err := newServerEnv(dir, uri)
	if err != nil {
		return nil, err
	}
	r.engine = env.engine()
	if uri != "" {
		defer dropDatabase(env)
	}

	step("Cold start on an empty store")
	p, err := start(ctx, bin, env)
	if err != nil {
		return nil, err
	}
	r.coldStart = p.ready
	r.coldRSS = p.rss()
	if err := p.stop(); err != nil {
		return nil, err
	}

	step(fmt.Sprintf("Seeding %d members, groups, partners, a year of stop and search and %d audit events", o.members, o.audit))
	seeded, err := seed(ctx, env, o)
	if err != nil {
		return nil, err
	}
	r.seed = seeded
	r.adviceNotify, r.adviceMessages = adviceBench.notify, adviceBench.messages

	step("Starting on the seeded data")
	p, err = start(ctx, bin, env)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	r.warmStart = p.ready
	readyAt := time.Now()
	if err := sleep(ctx, 2*time.Second); err != nil { // let start-up garbage settle
		return nil, err
	}
	r.idleRSS = p.rss()
	r.idleHeap, r.idleGoSys = p.goMemory()
	if o.profile != "" {
		if err := fetch(ctx, p.metrics, "heap", filepath.Join(o.profile, "idle.heap.pprof")); err != nil {
			return nil, fmt.Errorf("profile: %w", err)
		}
	}

	// The background jobs' first runs read whole collections just after
	// start-up (at 10× tens of seconds of CPU): wait until the server is idle,
	// so that the rows time the pages and not the pages beside the jobs,
	// and put what that work cost in the report.
	r.startUp = waitSettled(ctx, p, readyAt, settleMax)
	if !r.startUp.settled {
		fmt.Fprintf(os.Stderr, "bench: background work after start-up %s\n", r.startUp)
	}
	step(fmt.Sprintf("Driving %s with %d clients", p.base, o.clients))
	for _, sc := range scenarios(seeded, o) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if o.rows != nil && !o.rows.MatchString(sc.label) {
			continue
		}
		res, err := drive(ctx, p, sc, seeded, o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sc.label, err)
		}
		r.rows = append(r.rows, res)
		fmt.Fprintf(os.Stderr, "  %-46s p95 %8s (1 client %8s, CPU %s a request)  %s\n", sc.label, ms(res.p(95)), msOrNone(res.single), ms(res.cpu), res.verdict())
		if s := res.statusNote(); s != "" {
			fmt.Fprintf(os.Stderr, "    %s\n", s) // before the table, which a failed stop would lose
		}
		if o.profile != "" && sc.as != signingIn {
			n, path, err := profileRow(ctx, p.base, p.metrics, o.profile, sc, seeded, o)
			if err != nil {
				return nil, fmt.Errorf("%s: profile: %w", sc.label, err)
			}
			fmt.Fprintf(os.Stderr, "    profile of %d requests, one client: %s (block and mutex beside it)\n", n, path)
		}
	}
	r.loadRSS = p.rss()
	r.peakRSS = p.peakRSS()
	stopped := time.Now()
	if err := p.stop(); err != nil {
		return nil, err
	}
	r.shutdown = time.Since(stopped)
	return r, nil
}

// dropDatabase removes a run's database from the server at env.uri.
func dropDatabase(env *serverEnv) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := store.Open(ctx, env.storeOptions())
	if err == nil {
		err = db.DropDatabase(ctx)
		_ = db.Close(ctx)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: could not drop the database %s: %v\n", env.database, err)
	}
}

// hostOf is the host part of a MongoDB URI, for the report (never its
// credentials or options).
func hostOf(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Host == "" {
		return "a server"
	}
	return u.Host
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

// volumes are the seeded volumes at 1× (the flags' and the defaults').
type volumes struct {
	members, audit, visits, pastVisits, findings, recommendations, referrals, surveyResponses int
}

var base volumes

// applyScale sets the seeded volumes to k times base, in o and in the
// seeding's package variables (runs are one after the other, so each run
// seeds what its options say). The stop-and-search records stay a year of
// one force's (their cost is the import, measured on its own); row labels
// keep the 1× figures.
func applyScale(o *options, k int) {
	o.scale = k
	o.members = base.members * k
	o.audit = base.audit * k
	benchVisits = base.visits * k
	benchPastVisits = base.pastVisits * k
	benchFindings = base.findings * k
	benchRecommendations = base.recommendations * k
	benchReferrals = base.referrals * k
	benchSurveyResponses = base.surveyResponses * k
}
