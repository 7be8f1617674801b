package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"candour/config"
	"candour/disparity"
	"candour/powers"
	"candour/sealed"
	"candour/server"
	"candour/store"
	"candour/store/storetest"
	"candour/tz"
)

// The judged checks of make bench: costs that must not grow with the data,
// counted where the machine's load cannot move them (bytes allocated a
// request, not time). Issue 17: budget tests live in bench/, not in the
// handler tests, so make test does not pay for them; they were
// server/home_scale_test.go. Each check opens stores of its own in the
// benchmark's temporary directory, seeds them through the store package as
// the rows' seeding does, and drives the portal in this process (server.New
// behind httptest), whose allocation counters it reads: no other work runs
// in the process meanwhile (the checks run before the rows start a
// server). Unlike the rows, which are reported only, a check over its
// budget fails the run (exit status 1) once the report is printed.
type budgetCheck struct {
	name string
	// run reports each figure with logf and returns what is over (or
	// shown wrong); err is a check that could not run.
	run func(ctx context.Context, o options, dir string, logf func(format string, args ...any)) (over []string, err error)
}

var budgetChecks = []budgetCheck{
	// First: it reads the heap, which the others' garbage would blur.
	{"POST /meetings/:id/papers: a 10 MB paper in bounded memory", paperInBoundedMemory},
	{"GET /home counts the same at ten times the recommendations (chair, coordinator)", homeCountsAtTenTimes},
	{"GET /home costs the same at ten times the visits (member, chair)", memberHomeAtTenTimes},
	{"GET /disparity and the powers pages: round trips with a year of stop and search", disparityAndPowersTrips},
	{"GET pages that name groups: round trips, the groups from the copy", pagesThatNameGroupsTrips},
}

// budgetResult is one check's outcome, for the report.
type budgetResult struct {
	name  string
	lines []string
	over  []string
	err   error
	took  time.Duration
}

func (r budgetResult) failed() bool { return r.err != nil || len(r.over) > 0 }

// runBudgets runs every check whose name matches -rows (all without it),
// each in a directory of its own under dir.
func runBudgets(ctx context.Context, o options, dir string) []budgetResult {
	// Every allocation of a paper chunk's size is recorded in the heap
	// profile (paperInBoundedMemory), from the process's first check on.
	defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
	runtime.MemProfileRate = 4096
	var rs []budgetResult
	for i, b := range budgetChecks {
		if o.rows != nil && !o.rows.MatchString(b.name) {
			continue
		}
		step("Judged check: " + b.name)
		r := budgetResult{name: b.name}
		began := time.Now()
		r.over, r.err = b.run(ctx, o, filepath.Join(dir, fmt.Sprintf("budget-%d", i)), func(format string, args ...any) {
			line := fmt.Sprintf(format, args...)
			fmt.Fprintf(os.Stderr, "  %s\n", line)
			r.lines = append(r.lines, line)
		})
		r.took = time.Since(began)
		rs = append(rs, r)
	}
	return rs
}

// printBudgets writes the judged checks' section of the report.
func printBudgets(w io.Writer, rs []budgetResult) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintf(w, "\nJudged checks (bytes allocated or store commands a request, in the benchmark's own process; a check over its budget fails the run):\n\n")
	t := &table{header: []string{"check", "result", "took"}}
	for _, r := range rs {
		t.add(r.name, pass(!r.failed()), ms(r.took))
	}
	t.print(w)
	for _, r := range rs {
		fmt.Fprintf(w, "\n%s:\n\n", r.name)
		for _, l := range r.lines {
			fmt.Fprintf(w, "    %s\n", l)
		}
		for _, o := range r.over {
			fmt.Fprintf(w, "- OVER: %s\n", o)
		}
		if r.err != nil {
			fmt.Fprintf(w, "- could not run: %v\n", r.err)
		}
	}
}

// budgetsFailed is the run's error when a check failed.
func budgetsFailed(rs []budgetResult) error {
	var failed []string
	for _, r := range rs {
		if r.failed() {
			failed = append(failed, r.name)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return fmt.Errorf("%d judged check(s) failed: %s", len(failed), strings.Join(failed, "; "))
}

// budgetWorld is the handler tests' visit world (newVisitWorld,
// server/visits_test.go): a panel and an IAG, the panel's chair, its
// members and a coordinator, on a store of its own served by the portal
// in this process. Sessions are minted in the store, as the rows' are.
type budgetWorld struct {
	db                   *store.Store
	http                 *httptest.Server
	key                  []byte
	panel, iag           *store.Group
	chair, m1, m2, coord *store.User
}

// The world's other people, as newVisitWorld makes them: on no page the
// checks read, but in the store's people and memberships.
var budgetBystanders = []struct {
	role  store.Role
	email string
	group int // -1: none; 0: the panel (NPPV1); 1: the IAG (NPPV3)
}{{store.RoleMember, "m3@example.org", 0}, {store.RoleMember, "out@example.org", 1}, {store.RolePartner, "partner@example.org", -1},
	{store.RoleAdmin, "admin@example.org", -1}}

func newBudgetWorld(ctx context.Context, dir string) (w *budgetWorld, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = db.Close(ctx)
		}
	}()
	// Field-encryption keys, as storetest.Open gives every test store.
	ks, err := sealed.NewKeyset()
	if err != nil {
		return nil, err
	}
	sl, err := sealed.New(ks, bytes.Repeat([]byte("blind-index-key!"), 2))
	if err != nil {
		return nil, err
	}
	db.SetSealer(sl)
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"CANDOUR_ARGON_MEMORY_KIB": "64", "CANDOUR_SEED_DEMO": "false"}[k]
	})
	if err != nil {
		return nil, err
	}
	w = &budgetWorld{db: db, key: []byte(strings.Repeat("k", 32)),
		panel: &store.Group{Name: "Stop and search panel", Kind: store.GroupPanel}, iag: &store.Group{Name: "East IAG", Kind: store.GroupIAG}}
	for _, g := range []*store.Group{w.panel, w.iag} {
		if err := db.CreateGroup(ctx, g); err != nil {
			return nil, err
		}
	}
	user := func(role store.Role, email string) (*store.User, error) {
		u := &store.User{Email: email, Name: "Test " + string(role), Role: role, Status: store.StatusActive}
		if role.NeedsTwoFactor() {
			u.TOTPSecret, u.TOTPEnabled = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", true
		}
		return u, db.CreateUser(ctx, u)
	}
	for _, p := range []struct {
		u     **store.User
		role  store.Role
		email string
	}{{&w.chair, store.RoleChair, "chair@example.org"}, {&w.m1, store.RoleMember, "m1@example.org"},
		{&w.m2, store.RoleMember, "m2@example.org"}, {&w.coord, store.RoleCoordinator, "coord@example.org"}} {
		if *p.u, err = user(p.role, p.email); err != nil {
			return nil, err
		}
	}
	for _, m := range []store.Membership{
		{GroupID: w.panel.ID, UserID: w.chair.ID, Chair: true, VettingLevel: "NPPV3"},
		{GroupID: w.panel.ID, UserID: w.m1.ID, VettingLevel: "NPPV2"},
		{GroupID: w.panel.ID, UserID: w.m2.ID, VettingLevel: "NPPV2"},
	} {
		if err := db.PutMembership(ctx, &m); err != nil {
			return nil, err
		}
	}
	for _, b := range budgetBystanders {
		u, err := user(b.role, b.email)
		if err != nil {
			return nil, err
		}
		levels := []string{"NPPV1", "NPPV3"}
		if b.group >= 0 {
			g := []*store.Group{w.panel, w.iag}[b.group]
			if err := db.PutMembership(ctx, &store.Membership{GroupID: g.ID, UserID: u.ID, VettingLevel: levels[b.group]}); err != nil {
				return nil, err
			}
		}
	}
	srv, err := server.New(cfg, db, slog.New(slog.DiscardHandler), w.key, server.Options{})
	if err != nil {
		return nil, err
	}
	w.http = httptest.NewServer(srv)
	return w, nil
}

func (w *budgetWorld) close(ctx context.Context) {
	w.http.Close()
	_ = w.db.Close(ctx)
}

// pageClient is a browser signed in as one person.
type pageClient struct {
	c    *client
	base string
}

func (w *budgetWorld) as(ctx context.Context, u *store.User) (*pageClient, error) {
	s, err := mintSession(ctx, w.db, w.key, u)
	if err != nil {
		return nil, err
	}
	base, err := url.Parse(w.http.URL)
	if err != nil {
		return nil, err
	}
	c := newClient(0, false)
	c.signIn(base, s)
	return &pageClient{c: c, base: w.http.URL}, nil
}

// get returns the page's status and body.
func (p *pageClient) get(ctx context.Context, path string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+path, nil)
	if err != nil {
		return 0, "", err
	}
	res, err := p.c.http.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, string(b), err
}

// allocatedPerRequest is the bytes this process allocated for each of runs
// requests of path, after a collection, and the page's size.
func allocatedPerRequest(ctx context.Context, c *pageClient, path string, runs int) (uint64, int, error) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	size := 0
	for range runs {
		_, body, err := c.get(ctx, path)
		if err != nil {
			return 0, 0, err
		}
		size = len(body)
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(runs), size, nil
}

// homeCountsAtTenTimes: the chair's and the coordinator's home pages, which
// count recommendations (wording to agree, to verify, overdue), allocate no
// more with 2,000 recommendations than with 200 (they copied every summary
// to count a few: 7.3 MB a request at 5,000), and show the same counts as a
// walk of every summary gives. Bytes allocated, not time: a count of work
// that does not move with the machine's load. (Times are the home and
// recommendations rows' at -scale 10.) It was the handler test
// TestHomeCountsCostTheSameAtTenTimes; server/home_scale_test.go keeps the
// counts at 200 recommendations.
func homeCountsAtTenTimes(ctx context.Context, _ options, dir string, logf func(string, ...any)) ([]string, error) {
	pages, runs := []string{"/home (chair)", "/home (coordinator)"}, 20
	allocated := map[string]map[int]uint64{}
	var over []string
	for _, n := range []int{200, 2000} {
		w, err := newBudgetWorld(ctx, filepath.Join(dir, fmt.Sprint(n)))
		if err != nil {
			return nil, err
		}
		err = func() error {
			defer w.close(ctx)
			now := w.db.Now()
			rs := storetest.HomeRecommendations(n, now, []string{w.panel.ID, w.iag.ID}) // as seed_recommendations.go
			if err := w.db.CreateRecommendations(ctx, rs, store.Actor{Name: "bench"}, store.HistCreated); err != nil {
				return err
			}
			chair, err := w.as(ctx, w.chair)
			if err != nil {
				return err
			}
			coord, err := w.as(ctx, w.coord)
			if err != nil {
				return err
			}
			// A walk of every summary, for the counts each home page should
			// show (read once: nothing changes them between the pages).
			all, err := w.db.AllRecommendations(ctx, store.RecommendationFilter{})
			if err != nil {
				return err
			}
			for _, p := range pages {
				c := chair
				if p == "/home (coordinator)" {
					c = coord
				}
				status, body, err := c.get(ctx, "/home")
				if err != nil {
					return err
				}
				if status != 200 {
					return fmt.Errorf("%s: %d", p, status)
				}
				want := store.CountRecs(all, w.db.Now(), []string{w.panel.ID})
				for _, line := range []string{
					fmt.Sprintf("%d recommendations&#39; public wording waits for your agreement", want.AwaitingChair),
					fmt.Sprintf("%d recommendations to verify", want.ToVerify),
					fmt.Sprintf("%d recommendations overdue", want.Overdue),
				} {
					// The chair is shown their groups' wording and verifications,
					// the coordinator what is overdue.
					shown := (c == chair) != strings.Contains(line, "overdue")
					if strings.Contains(body, line) != shown {
						over = append(over, fmt.Sprintf("%d recommendations: %s shows %q: %v, want %v", n, p, line, !shown, shown))
					}
				}
				bytes, size, err := allocatedPerRequest(ctx, c, "/home", runs)
				if err != nil {
					return err
				}
				logf("%5d recommendations: %-20s %8d bytes allocated a request, page %7d bytes", n, p, bytes, size)
				if allocated[p] == nil {
					allocated[p] = map[int]uint64{}
				}
				allocated[p][n] = bytes
			}
			return nil
		}()
		if err != nil {
			return nil, err
		}
	}
	for _, p := range pages {
		if one, ten := allocated[p][200], allocated[p][2000]; ten > one+one/2+16<<10 {
			over = append(over, fmt.Sprintf("%s: %d bytes a request at 2,000 recommendations, %d at 200: it grows with the register", p, ten, one))
		}
	}
	return over, nil
}

// memberHomeAtTenTimes: a member's and a chair's home pages (their visits
// to write up, the findings to sign off, their next visits) allocate no
// more with 3,000 visits than with 300, as the rows' seeding makes them (a
// year of past visits, the panel's visits to come one a day), and show the
// same tasks as a walk of every visit gives. They copied every visit of
// their groups' last year, and every visit of four months, on every view.
// Bytes allocated, not time. It was the handler test
// TestMemberHomeCostsTheSameAtTenTimesTheVisits;
// server/home_scale_test.go keeps the tasks at 300 visits.
func memberHomeAtTenTimes(ctx context.Context, _ options, dir string, logf func(string, ...any)) ([]string, error) {
	runs := 20
	allocated := map[string]map[int]uint64{}
	var over []string
	for _, n := range []int{300, 3000} {
		w, err := newBudgetWorld(ctx, filepath.Join(dir, fmt.Sprint(n)))
		if err != nil {
			return nil, err
		}
		err = func() error {
			defer w.close(ctx)
			now := w.db.Now()
			vs, fs := storetest.HomeVisits(n, now, w.panel.ID, w.iag.ID, w.m1.ID, w.m2.ID)
			if err := w.db.SeedVisits(ctx, vs, fs); err != nil {
				return err
			}
			member, err := w.as(ctx, w.m1)
			if err != nil {
				return err
			}
			chair, err := w.as(ctx, w.chair)
			if err != nil {
				return err
			}
			for _, p := range []struct {
				who  string
				c    *pageClient
				want string
			}{{"member", member, "5 visits need your findings"}, {"chair", chair, fmt.Sprintf("%d findings to sign off", len(fs))}} {
				status, body, err := p.c.get(ctx, "/home")
				if err != nil {
					return err
				}
				if status != 200 || !strings.Contains(body, p.want) {
					return fmt.Errorf("%d visits: the %s's home (%d) lacks %q", n, p.who, status, p.want)
				}
				bytes, _, err := allocatedPerRequest(ctx, p.c, "/home", runs)
				if err != nil {
					return err
				}
				logf("%5d visits: the %-6s home page %8d bytes allocated a request", n, p.who, bytes)
				if allocated[p.who] == nil {
					allocated[p.who] = map[int]uint64{}
				}
				allocated[p.who][n] = bytes
			}
			return nil
		}()
		if err != nil {
			return nil, err
		}
	}
	for _, who := range []string{"member", "chair"} {
		if one, ten := allocated[who][300], allocated[who][3000]; ten > one+one/2+16<<10 {
			over = append(over, fmt.Sprintf("the %s's home: %d bytes a request at 3,000 visits, %d at 300: it grows with the visits", who, ten, one))
		}
	}
	return over, nil
}

// disparityAndPowersTrips: with a year of stop and search (the real
// January 2019 file moved into each month of 2019), the Census population
// and a published year, the disparity and powers pages send at most 9
// store commands at their first request after the import (which reads the
// months into the copy) and, the next time, the overview none and the
// public overview 2 (they read the index of months and the population from
// the store's copies, issue 15; the public one the publications in two
// reads; each activity's line was worked out once for this version of its
// counters, s.headlines); the others at most 9 again. It was the handler
// test TestRoundTripsDisparityAndPowers (12 imports: 8.6 s of make test's
// CPU under -race).
func disparityAndPowersTrips(ctx context.Context, o options, dir string, logf func(string, ...any)) ([]string, error) {
	w, err := newBudgetWorld(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer w.close(ctx)
	u := &store.User{Email: "member@example.org", Name: "Test member", Role: store.RoleMember, Status: store.StatusActive}
	if err := w.db.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	member, err := w.as(ctx, u)
	if err != nil {
		return nil, err
	}
	// A year of stop and search: the real January 2019 file moved into each month of 2019.
	b, err := os.ReadFile(filepath.Join(o.dataDir, "2019-01-dorset-stop-and-search.csv"))
	if err != nil {
		return nil, err
	}
	jan := string(b)
	for _, d := range []string{"29", "30", "31"} { // a day every month has
		jan = strings.ReplaceAll(jan, "2019-01-"+d+"T", "2019-01-28T")
	}
	for m := 1; m <= 12; m++ {
		month := fmt.Sprintf("2019-%02d", m)
		if _, err := powers.Import(ctx, w.db, powers.StopSearch, strings.NewReader(strings.ReplaceAll(jan, "2019-01-", month+"-")),
			powers.ImportOptions{Source: month + "-dorset-stop-and-search.csv", By: "test"}); err != nil {
			return nil, err
		}
	}
	// With the Census population, so every page works its figures out.
	census, err := os.Open(filepath.Join(o.dataDir, "census2021-ts021-dorset-force-area.csv"))
	if err != nil {
		return nil, err
	}
	defer census.Close()
	if _, err := disparity.ImportPopulation(ctx, w.db, census, "dorset", "census2021-ts021"); err != nil {
		return nil, err
	}
	if err := w.db.PublishDisparity(ctx, &store.DisparityPublication{ID: "dorset", From: "2019-01", To: "2019-12", Ethnicity: "self", PublishedBy: "test"}); err != nil {
		return nil, err
	}
	// The overview's stop and search line, by hand: January 2019's 7 Black
	// and 102 White searches in each of 12 months, 84 and 1,224:
	// (84/5315)/(1224/733925) = 9.48, SE = √(1/84 − 1/5315 + 1/1224 −
	// 1/733925) = 0.11195, 95% interval 7.61 to 11.80.
	visitor := &pageClient{c: newClient(0, false), base: w.http.URL}
	var over []string
	for _, path := range []string{"/disparity", "/powers/vehicle-stops", "/powers/strip-search", "/powers", "/public/powers"} {
		who := member
		if strings.HasPrefix(path, "/public/") {
			who = visitor
		}
		// The first request after an import reads the months into the
		// copy; the next reads them from it.
		for _, when := range []string{"first", "again"} {
			var status int
			var body string
			var err error
			trips := storetest.Trips(w.db, func() { status, body, err = who.get(ctx, path) })
			if err != nil {
				return nil, err
			}
			if status != http.StatusOK || path == "/powers" && !strings.Contains(body, "9.48 (7.61 to 11.80)") {
				return nil, fmt.Errorf("%s: %d", path, status)
			}
			limit := 9
			if when == "again" {
				switch path {
				case "/powers":
					limit = 0
				case "/public/powers":
					limit = 2
				}
			}
			what := "GET " + path + ", " + when
			logf("%s: %d round trips (at most %d)", what, len(trips), limit)
			if len(trips) > limit {
				over = append(over, fmt.Sprintf("%s: %d round trips, want at most %d:%s", what, len(trips), limit, storetest.TripSummary(trips)))
			}
		}
	}
	return over, nil
}

// paperInBoundedMemory: a 10 MB paper, sent as a stream, is taken: it waits
// in a temporary file (MaxMultipartMemory is 1 MiB) and is read, sealed and
// stored a chunk at a time (ten chunks), so Candour's own code never holds
// more than a few MB of it at once.
//
// What is measured: the peak, sampled every 5 ms through the upload, of the
// growth of the heap in use (as of the last collection, with collections
// every 5% of growth) that was allocated by Candour's code (a stack through
// a candour/ package), and not inside the database driver or the embedded
// engine. The whole heap is no measure here: the embedded engine runs in
// this process and holds about ten times a 1 MiB chunk while it writes one
// (its decoding, JSON and SQLite row), which swung the whole heap's peak by
// ±5 MB between runs. A chunk in flight is 1 MiB read and 1 MiB sealed, and
// the chunk before it may wait for the next collection: about 4 MB. The
// bound is 6 MB; reading the paper whole (io.ReadAll in openUpload) adds 10
// MB and fails it (docs/advisory.md gives the figures). Memory is not time:
// a loaded machine slows the upload but does not make it hold more.
//
// It was the handler test TestTenMegabytePaperInBoundedMemory, which ran
// the test binary again to measure in a process of its own (about 15 s of
// make test's CPU under -race); the judged checks run first in the
// benchmark's process, and this one first of them.
func paperInBoundedMemory(ctx context.Context, _ options, dir string, logf func(string, ...any)) ([]string, error) {
	w, err := newBudgetWorld(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer w.close(ctx)
	g := &store.Group{Name: "Bournemouth IAG", Kind: store.GroupIAG}
	if err := w.db.CreateGroup(ctx, g); err != nil {
		return nil, err
	}
	coord, err := w.as(ctx, w.coord)
	if err != nil {
		return nil, err
	}
	day := w.db.Now().In(tz.London).AddDate(0, 0, 1)
	status, loc, err := coord.submit(ctx, "/meetings/new", "/meetings/new", url.Values{"group": {g.ID}, "title": {"IAG monthly meeting; March, part 2"},
		"date-day": {day.Format("2")}, "date-month": {day.Format("1")}, "date-year": {day.Format("2006")}, "startTime": {"18:30"}, "endTime": {"20:30"},
		"venue": {"Boscombe Centre, Room 2"}, "onlineLink": {"https://meet.example.org/iag"}, "independentChair": {"Dr Ruth Okoye"},
		"agenda": {"Welcome\nStop and search figures\nAny other business"}})
	if err != nil {
		return nil, err
	}
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/meetings/") {
		return nil, fmt.Errorf("schedule: %d to %q", status, loc)
	}
	page, id := loc, strings.TrimPrefix(loc, "/meetings/")
	defer debug.SetGCPercent(debug.SetGCPercent(5))
	if _, err := uploadHeld(ctx, coord, page, 64<<10); err != nil { // the store's caches warm up
		return nil, err
	}
	small, err := uploadHeld(ctx, coord, page, 2<<20)
	if err != nil {
		return nil, err
	}
	large, err := uploadHeld(ctx, coord, page, server.MaxPaperBytes)
	if err != nil {
		return nil, err
	}
	logf("Candour's code held at most %.1f MB more heap for a 2 MB paper, %.1f MB more for a 10 MB one", float64(small)/(1<<20), float64(large)/(1<<20))
	var over []string
	if large > 6<<20 {
		over = append(over, fmt.Sprintf("a 10 MB paper: Candour's code held %.1f MB more heap at once, want under 6 MB: is it read whole?", float64(large)/(1<<20)))
	}
	m, err := w.db.Meeting(ctx, id)
	if err != nil {
		return nil, err
	}
	if ps := m.PaperList(); len(ps) != 3 || ps[2].Chunks != 10 || ps[2].Size < server.MaxPaperBytes-2048 {
		return nil, fmt.Errorf("stored: %+v", ps)
	}
	return over, nil
}

// heldByCandour is the heap in use, as of the last collection, allocated by
// stacks through Candour's packages and not through the driver or the
// embedded engine (from the heap profile). The benchmark's own code (package
// main: the upload's writer, this measuring) is not Candour's here.
func heldByCandour() int64 {
	var recs []runtime.MemProfileRecord
	n, _ := runtime.MemProfile(nil, true)
	for {
		recs = make([]runtime.MemProfileRecord, n+64)
		var ok bool
		if n, ok = runtime.MemProfile(recs, true); ok {
			break
		}
	}
	var held int64
	for _, r := range recs[:n] {
		if r.InUseBytes() == 0 {
			continue
		}
		ours, engine := false, false
		frames := runtime.CallersFrames(r.Stack())
		for {
			f, more := frames.Next()
			ours = ours || strings.HasPrefix(f.Function, "candour/")
			engine = engine || strings.Contains(f.Function, "FerretDB") || strings.Contains(f.Function, "sqlite") ||
				strings.Contains(f.Function, "mongo-driver")
			if !more {
				break
			}
		}
		if ours && !engine {
			held += r.InUseBytes()
		}
	}
	return held
}

// uploadHeld streams a paper of size bytes and returns the most heap
// Candour's code held while the server took it (heldByCandour) over what it
// held before.
func uploadHeld(ctx context.Context, c *pageClient, page string, size int) (int64, error) {
	tok, err := c.c.formToken(ctx, c.base+page)
	if err != nil {
		return 0, err
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		_ = mw.WriteField("csrf_token", tok)
		fw, _ := mw.CreateFormFile("paper", "paper.pdf")
		_, _ = fw.Write([]byte("%PDF-1.4\n"))
		line := bytes.Repeat([]byte("0123456789abcdef"), 64) // 1 KiB
		for range (size - 1024) / len(line) {
			_, _ = fw.Write(line)
		}
		_ = mw.Close()
		_ = pw.Close()
	}()
	runtime.GC()
	before := heldByCandour()
	peak := before
	stop, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			default:
			}
			peak = max(peak, heldByCandour())
			time.Sleep(5 * time.Millisecond)
		}
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+page+"/papers", pr)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := c.c.http.Do(req)
	close(stop)
	<-sampled
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusSeeOther {
		return 0, fmt.Errorf("upload of %d bytes: %d\n%s", size, res.StatusCode, body)
	}
	return peak - before, nil
}

// submit posts form to path with a form token from page, and returns the
// status and where it redirects.
func (p *pageClient) submit(ctx context.Context, page, path string, form url.Values) (int, string, error) {
	tok, err := p.c.formToken(ctx, p.base+page)
	if err != nil {
		return 0, "", err
	}
	form.Set("csrf_token", tok)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := p.c.http.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, res.Header.Get("Location"), nil
}

// pagesThatNameGroupsTrips: the pages that name groups beside what they
// list (a member's home, the calendar, the recommendations register, its
// dashboard and public page, the groups list) read the groups from the
// store's copy, not from the database, once warm. Each page is opened once
// first, as a running portal has. Before the copy every one of them sent a
// find of groups (docs/performance-history.md, "The GET pages' CPU"). It
// was the handler test TestRoundTripsPagesThatNameGroups.
func pagesThatNameGroupsTrips(ctx context.Context, _ options, dir string, logf func(string, ...any)) ([]string, error) {
	w, err := newBudgetWorld(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer w.close(ctx)
	chair, err := w.as(ctx, w.chair)
	if err != nil {
		return nil, err
	}
	// A visit of the panel at 10:00 UK time the day after the store's
	// today (the handler tests' visitFormAt and tomorrow10).
	n := w.db.Now().In(tz.London).AddDate(0, 0, 1)
	st := time.Date(n.Year(), n.Month(), n.Day(), 10, 0, 0, 0, tz.London)
	status, loc, err := chair.submit(ctx, "/visits/new", "/visits/new", url.Values{"type": {store.VisitStopSearch}, "group": {w.panel.ID},
		"location": {"Weymouth police station"}, "date-day": {st.Format("2")}, "date-month": {st.Format("1")}, "date-year": {st.Format("2006")},
		"startTime": {st.Format("15:04")}, "endTime": {st.Add(2 * time.Hour).Format("15:04")}, "capacity": {"3"}, "minVetting": {"NPPV2"}})
	if err != nil {
		return nil, err
	}
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/visits/") {
		return nil, fmt.Errorf("create visit: %d to %q", status, loc)
	}
	var admin *store.User
	for _, b := range budgetBystanders {
		if b.role == store.RoleAdmin {
			if admin, err = w.db.UserByEmail(ctx, b.email); err != nil {
				return nil, err
			}
		}
	}
	adminC, err := w.as(ctx, admin)
	if err != nil {
		return nil, err
	}
	member, err := w.as(ctx, w.m1)
	if err != nil {
		return nil, err
	}
	visitor := &pageClient{c: newClient(0, false), base: w.http.URL}
	var over []string
	for _, p := range []struct {
		who   *pageClient
		path  string
		limit int
	}{
		{member, "/home", 0},
		{member, "/visits", 1}, // the month's meetings
		{member, "/visits?view=list", 0},
		{member, "/recommendations", 0},
		{adminC, "/recommendations/dashboard", 0},
		{adminC, "/admin/groups", 0},
		{visitor, "/you-said-we-did", 0},
		{visitor, "/you-said-we-did.json", 0},
		{visitor, "/you-said-we-did.atom", 0},
	} {
		if _, _, err := p.who.get(ctx, p.path); err != nil {
			return nil, err
		}
		var status int
		var err error
		trips := storetest.Trips(w.db, func() { status, _, err = p.who.get(ctx, p.path) })
		if err != nil {
			return nil, err
		}
		if status != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %d", p.path, status)
		}
		what := "GET " + p.path
		logf("%s: %d round trips (at most %d)", what, len(trips), p.limit)
		if len(trips) > p.limit {
			over = append(over, fmt.Sprintf("%s: %d round trips, want at most %d:%s", what, len(trips), p.limit, storetest.TripSummary(trips)))
		}
		for _, tr := range trips {
			if tr == "find groups" {
				over = append(over, fmt.Sprintf("GET %s read the groups from the database, not the copy:%s", p.path, storetest.TripSummary(trips)))
			}
		}
	}
	return over, nil
}
