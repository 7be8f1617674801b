package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"candour/config"
	"candour/store"
	"candour/store/storetest"
)

// testApp is the real router on a fresh embedded store, served over HTTP.
type testApp struct {
	t     *testing.T
	srv   *Server
	store *store.Store
	http  *httptest.Server
	cfg   config.Config
	opts  Options // what the server was built with (secondInstance builds another the same)

	mu     sync.Mutex
	offset time.Duration

	frozen frozenFields // the Server and its fakes as at the first request (frozen_test.go)
}

// testPassword is the password of every account made by newUser.
const testPassword = "correct horse battery"

// newTestApp is the real router on a fresh embedded store, with the
// sign-in and survey rate limits raised out of the tests' way.
func newTestApp(t *testing.T) *testApp {
	t.Helper()
	return newTestAppWith(t, Options{SignInsPerMinute: 1000, SurveyPostsPerMinute: 100000})
}

// newTestAppWith is newTestApp built with opts: what a test changes is
// passed in before the server starts, never set on it after.
func newTestAppWith(t *testing.T, opts Options) *testApp {
	t.Helper()
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"CANDOUR_ARGON_MEMORY_KIB": "64", "CANDOUR_SEED_DEMO": "false"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t)
	log := slog.New(slog.DiscardHandler)
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(&testWriter{t}, nil))
	}
	srv, err := New(cfg, db, log, []byte(strings.Repeat("k", 32)), opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(srv)
	t.Cleanup(hs.Close)
	cfg.BaseURL = "http://" + hs.Listener.Addr().String() // the address Start serves on, as hs.URL will say
	srv.cfg.BaseURL = cfg.BaseURL
	a := &testApp{t: t, srv: srv, store: db, http: hs, cfg: cfg, opts: opts}
	db.SetClock(func() time.Time {
		a.mu.Lock()
		defer a.mu.Unlock()
		return time.Now().Add(a.offset)
	})
	hs.Start()
	// Tests that send requests at once (the audit page's burst from 20
	// workers) keep their connections between requests, as browsers do:
	// the test server's transport keeps two idle connections a host, and
	// a request beyond those opened a connection of its own. Set before
	// the first request, which starts the transport's work.
	hs.Client().Transport.(*http.Transport).MaxIdleConnsPerHost = 32
	t.Cleanup(a.frozen.atEnd)
	return a
}

// advance moves the store's clock on (TOTP steps, lock-out windows).
func (a *testApp) advance(d time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.offset += d
}

type testWriter struct{ t *testing.T }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// newUser creates an active account with testPassword. Admin and CCU
// accounts get a TOTP secret, enabled, returned so tests can make codes.
func (a *testApp) newUser(role store.Role, email string) *store.User {
	a.t.Helper()
	u := &store.User{Email: email, Name: "Test " + string(role), Role: role, Status: store.StatusActive,
		PasswordHash: a.srv.hasher.Hash(testPassword)}
	if role.NeedsTwoFactor() {
		u.TOTPSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
		u.TOTPEnabled = true
	}
	if err := a.store.CreateUser(context.Background(), u); err != nil {
		a.t.Fatal(err)
	}
	return u
}

// client is a browser: it keeps cookies and does not follow redirects.
type client struct {
	a    *testApp
	http *http.Client
}

func (a *testApp) client() *client {
	jar, _ := cookiejar.New(nil)
	// The test server's own transport, not the default one: closing any
	// test's server closes the default transport's idle connections, and
	// with them a request of a test running beside it that was about to
	// reuse one ("CloseIdleConnections called").
	return &client{a: a, http: &http.Client{Transport: a.http.Client().Transport, Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// response is a finished request's status, Location and body.
type response struct {
	Status   int
	Location string
	Body     string
	Header   http.Header
}

func (c *client) do(req *http.Request) response {
	c.a.t.Helper()
	c.a.frozen.check(c.a.srv)
	res, err := c.http.Do(req)
	if err != nil {
		c.a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Location: res.Header.Get("Location"), Body: string(b), Header: res.Header}
}

func (c *client) get(path string) response {
	c.a.t.Helper()
	req, _ := http.NewRequest("GET", c.a.http.URL+path, nil)
	return c.do(req)
}

// post sends a form as is (no CSRF token is added).
func (c *client) post(path string, form url.Values) response {
	c.a.t.Helper()
	req, _ := http.NewRequest("POST", c.a.http.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf fetches page and returns the CSRF token in its first form.
func (c *client) csrf(page string) string {
	c.a.t.Helper()
	r := c.get(page)
	m := csrfRe.FindStringSubmatch(r.Body)
	if m == nil {
		c.a.t.Fatalf("no csrf token on %s (status %d)", page, r.Status)
	}
	return m[1]
}

// submit posts form to path with the CSRF token taken from page.
func (c *client) submit(page, path string, form url.Values) response {
	c.a.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", c.csrf(page))
	return c.post(path, form)
}

// signIn signs u in with testPassword (and a TOTP code when needed) and
// fails the test if that does not reach the home page.
func (c *client) signIn(u *store.User) {
	c.a.t.Helper()
	r := c.submit("/sign-in", "/sign-in", url.Values{"email": {u.Email}, "password": {testPassword}})
	if r.Location == "/sign-in/two-factor" {
		c.a.advance(30 * time.Second) // each code works once: sign-ins in a test use fresh time steps
		code := totpCode(c.a.t, u.TOTPSecret, c.a.store.Now())
		r = c.submit("/sign-in/two-factor", "/sign-in/two-factor", url.Values{"code": {code}})
	}
	if r.Status != http.StatusSeeOther || r.Location != "/home" {
		c.a.t.Fatalf("sign in %s: status %d to %q, want 303 to /home\n%s", u.Email, r.Status, r.Location, r.Body)
	}
}

func totpCode(t *testing.T, secret string, now time.Time) string {
	t.Helper()
	code, err := totpGenerate(secret, now)
	if err != nil {
		t.Fatal(err)
	}
	return code
}
