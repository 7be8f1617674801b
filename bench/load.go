package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"candour/disparity"
	"candour/store"
)

// who makes a scenario's requests.
type who int

const (
	visitor    who = iota // signed out, keeping the cookie of its first response
	newVisitor            // signed out, a first visit each time (no cookie: a new session document)
	member                // a signed-in community member (seeded session)
	admin                 // the signed-in administrator (seeded session)
	signingIn             // a member signing in: GET the form, then the timed POST
)

// scenario is one row of the table: one kind of request, repeated.
type scenario struct {
	label        string
	method, path string
	as           who
	form         func(s session) url.Values // POST body; the CSRF token is added
	want         int                        // the status a working page answers
	alsoWant     int                        // another one, if any (a first look: 503 until decided, then 200)
	budget       time.Duration              // p95 budget; 0 = reported only
	// Optional: a row's own concurrency, sessions and per-request path
	// (the visit sign-ups, bench/visits.go).
	clients  int
	sessions []session
	pathFor  func(client, k int) string
	before   prepare // called before each request, e.g. to put cookies in the jar (bench/surveys.go)
	// rawBeside: measure the raw insert rate in the server's process just
	// before the row (the survey submissions' yardstick, surveys.go)
	rawBeside *store.Response
	// ownAddress: each client dials from its own loopback address, as
	// people at different addresses would (a limit per address, such as
	// the receipt guard's, then counts each client's own requests);
	// requests caps the row's requests under load (a limit on the whole
	// portal, such as the receipt guard's tries an hour, must not be what
	// the row measures).
	ownAddress bool
	requests   int
	// setUp, if set, readies the row's next request (untimed) and returns
	// its path, after pathFor; single caps the single client's requests
	// (0: singleRequests). The first looks at closed surveys
	// (bench/survey_first_look.go) have only so many surveys to close.
	setUp  func(c *client, base string) string
	single int
	// showsAll says what the page shows all of, when that grows with the
	// data ("every published recommendation"): at k times the volumes it
	// shows k times as much, so -scale reports its ratio without judging it.
	showsAll string
}

// Budgets from DESIGN.md.
const (
	pageBudget    = 100 * time.Millisecond
	formBudget    = 150 * time.Millisecond
	signInPage    = 20 * time.Millisecond
	memberHome    = 50 * time.Millisecond
	signInMaxTime = 60 * time.Second // sign-ins may take longer than -max: they are few and slow
)

// scenarios lists the rows, pages first, then form posts, then sign-in.
func scenarios(sd *seeded, o options) []scenario {
	if o.only == "advice" {
		return adviceScenarios()
	}
	rows := []scenario{
		{label: "GET /sign-in (visitor)", method: "GET", path: "/sign-in", as: visitor, want: 200, budget: signInPage},
		{label: "GET / landing (visitor)", method: "GET", path: "/", as: visitor, want: 200, budget: pageBudget},
		{label: "GET /home (member)", method: "GET", path: "/home", as: member, want: 200, budget: memberHome},
		{label: "GET /disparity, a year (member)", method: "GET", path: "/disparity", as: member, want: 200, budget: pageBudget},
		{label: "GET /public/stop-and-search (visitor)", method: "GET", path: "/public/stop-and-search", as: visitor, want: 200, budget: pageBudget},
		{label: "GET /powers/strip-search, a year (member)", method: "GET", path: "/powers/strip-search", as: member, want: 200, budget: pageBudget},
		{label: "GET /powers/vehicle-stops, a year (member)", method: "GET", path: "/powers/vehicle-stops", as: member, want: 200, budget: pageBudget},
		{label: "GET /powers overview, every activity (member)", method: "GET", path: "/powers", as: member, want: 200, budget: overviewBudget},
		{label: "GET /public/powers overview (visitor)", method: "GET", path: "/public/powers", as: visitor, want: 200, budget: overviewBudget},
		{label: "GET /powers/use-of-force, two years (member)", method: "GET", path: "/powers/use-of-force", as: member, want: 200, budget: pageBudget},
		{label: "GET /powers/use-of-force-incidents, a year (member)", method: "GET", path: "/powers/use-of-force-incidents", as: member, want: 200, budget: pageBudget},
		{label: "GET /powers/custody-strip-search, a year (member)", method: "GET", path: "/powers/custody-strip-search", as: member, want: 200, budget: pageBudget},
		{label: "GET /public/powers/vehicle-stops (visitor)", method: "GET", path: "/public/powers/vehicle-stops", as: visitor, want: 200, budget: pageBudget},
		{label: "GET /powers/missing-people, a year (member)", method: "GET", path: "/powers/missing-people", as: member, want: 200, budget: pageBudget},
		{label: "GET /missing-people/time-to-find, a year (member)", method: "GET", path: "/missing-people/time-to-find", as: member, want: 200, budget: pageBudget},
		{label: "GET /vetting, a year (admin)", method: "GET", path: "/vetting", as: admin, want: 200, budget: pageBudget},
		{label: "GET /admin/people (admin)", method: "GET", path: "/admin/people", as: admin, want: 200, budget: pageBudget},
		{label: "GET /admin/groups (admin)", method: "GET", path: "/admin/groups", as: admin, want: 200, budget: pageBudget},
		{label: "GET /admin/audit, newest (admin)", method: "GET", path: "/admin/audit", as: admin, want: 200, budget: pageBudget},
		{label: "GET /recommendations, 500 (member)", method: "GET", path: "/recommendations", as: member, want: 200, budget: pageBudget},
		// These three were a test skipped unless CANDOUR_BUDGET=1
		// (server/recommendation_budget_test.go): budgets belong here.
		{label: "GET /recommendations, filtered (member)", method: "GET", path: "/recommendations?status=in-progress&area=respected", as: member, want: 200, budget: pageBudget},
		{label: "GET /recommendations/ID, 9 history entries (admin)", method: "GET", path: "/recommendations/" + sd.recommendation, as: admin, want: 200, budget: pageBudget},
		{label: "GET /you-said-we-did.json (visitor)", method: "GET", path: "/you-said-we-did.json", as: visitor, want: 200, budget: pageBudget,
			showsAll: "every published recommendation"},
		{label: "GET /recommendations/dashboard (admin)", method: "GET", path: "/recommendations/dashboard", as: admin, want: 200, budget: pageBudget},
		{label: "GET /you-said-we-did (visitor)", method: "GET", path: "/you-said-we-did", as: visitor, want: 200, budget: pageBudget},
		{label: "POST /disparity/publish → 303 (admin)", method: "POST", path: "/disparity/publish", as: admin, want: 303, budget: formBudget,
			form: func(session) url.Values {
				return url.Values{"force": {sd.force}, "from": {"2019-01"}, "to": {"2019-12"}, "ethnicity": {disparity.SelfDefined}}
			}},
		// Without the current password the form comes back with 422 at once: no
		// argon2id check, and no failed attempt counted against the account.
		{label: "POST /account/password, missing → 422 (member)", method: "POST", path: "/account/password", as: member, want: 422, budget: formBudget,
			form: func(session) url.Values {
				return url.Values{"current-password": {""}, "new-password": {"a-brand-new-password-2026"},
					"confirm-password": {"not-the-same-password-2026"}}
			}},
		{label: "POST /admin/groups/new, no name → 422 (admin)", method: "POST", path: "/admin/groups/new", as: admin, want: 422, budget: formBudget,
			form: func(session) url.Values { return url.Values{"name": {""}, "kind": {""}, "description": {""}} }},
		{label: "POST /sign-in → 303 (member)", method: "POST", path: "/sign-in", as: signingIn, want: 303},
		// Last, because each request adds a session document that later rows would read past.
		{label: "GET /sign-in, first visit (no cookie)", method: "GET", path: "/sign-in", as: newVisitor, want: 200, budget: signInPage},
	}
	rows = append(rows, visitScenarios()...)
	rows = append(rows, adviceScenarios()...)
	rows = append(rows, referralScenarios(sd, o)...)
	rows = append(rows, surveyScenarios(sd, o)...)
	return rows
}

// result is one row's measurements: the row's scenario run by one client
// (the page's own cost) and then by every client at once (under load).
type result struct {
	sc      scenario
	single  *series
	*series // with every client
	note    string
	// roundTrips is the store commands per request in the single-client run
	// (the server's own count, from /metrics; background jobs' few commands
	// in that time are included).
	roundTrips float64
	// cpu is the server's CPU time per request in the single-client run
	// (every thread of the process, background jobs' few moments included):
	// unlike the latencies, it hardly moves with the machine's load.
	cpu time.Duration
	// cpuLoaded is the server's CPU time per request with every client
	// (the same count, over the run under load): what a row's throughput
	// costs the server, which the wall clock of a shared machine does not say.
	cpuLoaded time.Duration
	// rawInserts and rawInsertCPU are the raw insert rate measured in the
	// server's process just before the row, and the server's CPU time an
	// insert (scenario.rawBeside).
	rawInserts   float64
	rawInsertCPU time.Duration
}

// series is one scenario run at one concurrency.
type series struct {
	clients int
	n       int
	durs    []time.Duration // sorted; timed-out requests count with the time they took
	codes   map[int]int
	errs    int
	lastErr string
	wall    time.Duration
}

// p is the nearest-rank percentile.
func (r *series) p(pct float64) time.Duration {
	if r == nil || len(r.durs) == 0 {
		return 0
	}
	i := int(math.Ceil(pct/100*float64(len(r.durs)))) - 1
	return r.durs[max(i, 0)]
}

func (r *series) throughput() float64 {
	if r.wall <= 0 {
		return 0
	}
	return float64(r.n) / r.wall.Seconds()
}

// verdict is PASS or OVER against the p95 budget under load, or why there is none.
func (r *result) verdict() string {
	if r.n == 0 {
		return "no requests"
	}
	if r.codes[http.StatusNotFound] == r.n && r.sc.want != http.StatusNotFound {
		return "not built yet"
	}
	v := "reported"
	if r.sc.budget > 0 {
		v = "PASS"
		if r.p(95) > r.sc.budget || r.errs > 0 {
			v = "OVER"
		}
	}
	server := 0
	for code, n := range r.codes {
		if code >= 500 && !r.sc.wanted(code) {
			server += n
		}
	}
	switch {
	case r.errs > 0 || server > 0:
		v += " (ERRORS)"
	case r.codes[r.sc.want]+r.codes[r.sc.alsoWant] != r.n:
		v += " (unexpected status)"
	}
	return v
}

// wanted reports whether a working page answers code.
func (sc scenario) wanted(code int) bool {
	return code == sc.want || (sc.alsoWant != 0 && code == sc.alsoWant)
}

// statusNote says which statuses a row's requests got, alone and under
// load, when that is worth a line under the table: the row failed, or it
// has two working answers (how many of each).
func (r *result) statusNote() string {
	if r.n == 0 || (r.sc.alsoWant == 0 && !strings.Contains(r.verdict(), "(")) {
		return ""
	}
	clients := fmt.Sprintf("%d clients", r.clients)
	if r.clients == 1 {
		clients = "1 client again"
	}
	s := fmt.Sprintf("statuses with 1 client: %s; with %s: %s", r.single.codeText(), clients, r.codeText())
	if r.single.codeText() == "" {
		s = fmt.Sprintf("statuses with %s: %s", clients, r.codeText())
	}
	if r.lastErr != "" || r.single.lastErr != "" {
		s += "; last error: " + r.lastErr + r.single.lastErr
	}
	return s
}

func (r *series) codeText() string {
	var codes []int
	for c := range r.codes {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d×%d", c, r.codes[c]))
	}
	if r.errs > 0 {
		parts = append(parts, fmt.Sprintf("failed×%d", r.errs))
	}
	return strings.Join(parts, " ")
}

// Single-client runs are short: they show a page's own cost, without queueing.
const (
	singleRequests = 100
	singleMaxTime  = 3 * time.Second
)

// drive runs a scenario with one client, then with o.clients at once.
func drive(ctx context.Context, p *proc, sc scenario, sd *seeded, o options) (*result, error) {
	base, metrics := p.base, p.metrics
	res := &result{sc: sc}
	if sc.clients > 0 {
		o.clients = sc.clients
	}
	if sc.requests > 0 {
		o.requests = min(o.requests, sc.requests)
	}
	if sc.ownAddress {
		u, err := url.Parse(base)
		if err != nil {
			return nil, err
		}
		if !distinctAddresses(u.Host) {
			res.note = "only 127.0.0.1 can be dialled from: every client shares one address, and its limit"
		}
	}
	perClient := 0
	if sc.as == signingIn {
		// The portal allows 20 sign-in attempts a minute per client address.
		// Each client dials from its own loopback address (as people at
		// different addresses would) and stays inside the limit; where the
		// system offers only 127.0.0.1, every run makes one sign-in a client.
		u, err := url.Parse(base)
		if err != nil {
			return nil, err
		}
		perClient = signInsPerClient
		if !distinctAddresses(u.Host) {
			perClient = 1
			res.note = "only 127.0.0.1 can be dialled from: one sign-in per client and no single-client run, to stay inside the rate limit"
		}
	}
	var err error
	// The single client is client number o.clients: its own address and sign-ins.
	res.single = &series{codes: map[int]int{}}
	trips := storeCommands(ctx, metrics)
	if perClient != 1 {
		cpu := cpuTime(p.cmd.Process.Pid)
		n := singleRequests
		if sc.single > 0 {
			n = sc.single
		}
		if res.single, err = load(ctx, base, sc, sd, o.clients, 1, n, singleMaxTime, perClient); err != nil {
			return nil, err
		}
		if res.single.n > 0 {
			res.roundTrips = float64(storeCommands(ctx, metrics)-trips) / float64(res.single.n)
			res.cpu = (cpuTime(p.cmd.Process.Pid) - cpu) / time.Duration(res.single.n)
		}
	}
	if sc.rawBeside != nil {
		// The yardstick at the same moment, in the same process and store.
		if res.rawInserts, res.rawInsertCPU, err = rawInsertsBeside(ctx, p, sc.rawBeside); err != nil {
			return nil, err
		}
	}
	trips = storeCommands(ctx, metrics)
	cpu := cpuTime(p.cmd.Process.Pid)
	if res.series, err = load(ctx, base, sc, sd, 0, o.clients, o.requests, o.maxTime, perClient); err != nil {
		return nil, err
	}
	if res.n > 0 {
		res.cpuLoaded = (cpuTime(p.cmd.Process.Pid) - cpu) / time.Duration(res.n)
	}
	if perClient == 1 && res.n > 0 {
		res.roundTrips = float64(storeCommands(ctx, metrics)-trips) / float64(res.n)
	}
	if res.errs > 0 && res.note == "" {
		res.note = res.lastErr
	}
	return res, nil
}

// storeCommands is the server's count of store commands so far: the sum of
// candour_store_operation_duration_seconds_count over commands and outcomes
// on the metrics listener's /metrics (-1 when it cannot be read).
func storeCommands(ctx context.Context, metrics string) int64 {
	req, err := http.NewRequestWithContext(ctx, "GET", metrics+"/metrics", nil)
	if err != nil {
		return -1
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return -1
	}
	var n int64
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "candour_store_operation_duration_seconds_count") {
			continue
		}
		f := strings.Fields(line)
		var v float64
		if _, err := fmt.Sscan(f[len(f)-1], &v); err == nil {
			n += int64(v)
		}
	}
	return n
}

// load makes up to total requests (sign-ins: perClient each) from clients
// concurrent clients numbered from first, for at most maxTime. Requests
// still running 20 seconds after that are cancelled and counted as failed.
func load(ctx context.Context, base string, sc scenario, sd *seeded, first, clients, total int, maxTime time.Duration, perClient int) (*series, error) {
	baseURL, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(maxTime)
	if sc.as == signingIn {
		total, deadline = clients*perClient, time.Now().Add(signInMaxTime)
	}
	ctx, cancel := context.WithDeadline(ctx, deadline.Add(20*time.Second))
	defer cancel()
	var (
		next atomic.Int64
		mu   sync.Mutex
		wg   sync.WaitGroup
	)
	r := &series{clients: clients, codes: map[int]int{}}
	began := time.Now()
	for c := first; c < first+clients; c++ {
		cl := newClient(c, perClient > 1 || sc.ownAddress)
		switch sc.as {
		case member:
			cl.signIn(baseURL, sd.memberSessions[c%len(sd.memberSessions)])
		case admin:
			cl.signIn(baseURL, sd.adminSessions[c%len(sd.adminSessions)])
		}
		if sc.sessions != nil {
			cl.signIn(baseURL, sc.sessions[c%len(sc.sessions)])
		}
		prepareReferralClient(ctx, cl, baseURL, sc, c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; ; k++ {
				if ctx.Err() != nil || time.Now().After(deadline) {
					return
				}
				var email string
				if sc.as == signingIn {
					if k >= perClient {
						return
					}
					email = sd.signIns[c*signInsPerClient+k]
				} else if next.Add(1) > int64(total) {
					return
				}
				rsc := sc
				if sc.pathFor != nil {
					rsc.path = sc.pathFor(c, k)
				}
				if sc.setUp != nil {
					rsc.path = sc.setUp(cl, base)
				}
				d, code, err := cl.do(ctx, base, rsc, email)
				mu.Lock()
				r.n++
				if d > 0 {
					r.durs = append(r.durs, d)
				}
				if err != nil {
					r.errs++
					r.lastErr = err.Error()
				} else {
					r.codes[code]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	r.wall = time.Since(began)
	sort.Slice(r.durs, func(i, j int) bool { return r.durs[i] < r.durs[j] })
	if err := ctx.Err(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return nil, err
	}
	return r, nil
}

// client is one browser: its own connections and cookie jar.
type client struct {
	http *http.Client
	sess session
}

func newClient(i int, ownAddress bool) *client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if ownAddress {
		dialer.LocalAddr = &net.TCPAddr{IP: loopback(i)}
	}
	jar, _ := cookiejar.New(nil)
	return &client{http: &http.Client{
		Jar:     jar,
		Timeout: time.Minute,
		Transport: &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: 4,
			IdleConnTimeout: 30 * time.Second, DisableCompression: true},
		// Measure each response on its own: never follow redirects.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// loopback is client i's own address: 127.0.0.10 and on.
func loopback(i int) net.IP { return net.IPv4(127, 0, 0, byte(10+i)) }

// distinctAddresses reports whether clients can dial from their own loopback addresses.
func distinctAddresses(host string) bool {
	d := net.Dialer{Timeout: time.Second, LocalAddr: &net.TCPAddr{IP: loopback(1)}}
	c, err := d.Dial("tcp", host)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// signIn puts a seeded session's cookie in the jar.
func (c *client) signIn(base *url.URL, s session) {
	c.sess = s
	c.http.Jar.SetCookies(base, []*http.Cookie{{Name: sessionCookie, Value: s.cookie, Path: "/"}})
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// do makes one timed request (for a sign-in, first an untimed GET of the
// form for its cookie and token) and reads the whole response.
func (c *client) do(ctx context.Context, base string, sc scenario, email string) (time.Duration, int, error) {
	if sc.as == newVisitor || sc.as == signingIn {
		c.http.Jar, _ = cookiejar.New(nil) // a new visitor each time
	}
	if sc.before != nil {
		sc.before(c, base)
	}
	var body url.Values
	switch {
	case sc.as == signingIn:
		csrf, err := c.formToken(ctx, base+"/sign-in")
		if err != nil {
			return 0, 0, err // not timed: counts as a failure with no time
		}
		body = url.Values{"email": {email}, "password": {benchPassword}, "csrf_token": {csrf}}
	case sc.form != nil:
		body = sc.form(c.sess)
		body.Set("csrf_token", c.sess.csrf)
	}
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(body.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, sc.method, base+sc.path, rd)
	if err != nil {
		return 0, 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	t := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return time.Since(t), 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return time.Since(t), resp.StatusCode, err
}

// formToken GETs a form page and returns its CSRF token (the session
// cookie lands in the jar).
func (c *client) formToken(ctx context.Context, page string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", page, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	m := csrfField.FindSubmatch(b)
	if m == nil {
		return "", fmt.Errorf("GET %s: %d, no csrf_token field", page, resp.StatusCode)
	}
	return string(m[1]), nil
}
