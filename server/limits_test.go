package server

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"candour/config"
	"candour/store"
)

// TestSignInBurstChecksAtMostFive: 40 wrong passwords sent at once (each
// from its own new browser) get at most 5 checked; every one of the 40 is
// audited; the owner is mailed once; a browser the owner has signed in
// from before still signs in, while a new browser with the right password
// is refused until the lock ends. Before, the account was read before any
// failure was recorded, so all 40 were checked.
func TestSignInBurstChecksAtMostFive(t *testing.T) {
	a := newTestApp(t)
	u := a.newUser(store.RoleMember, "owner@example.org")
	owner := a.client()
	owner.signIn(u)
	owner.submit("/home", "/sign-out", nil)

	var wg sync.WaitGroup
	statuses := make(chan int, 40)
	for i := range 40 {
		attacker := a.client()
		tok := attacker.csrf("/sign-in")
		wg.Go(func() {
			r := attacker.post("/sign-in", url.Values{"csrf_token": {tok}, "email": {u.Email}, "password": {"guess number " + string(rune('A'+i))}})
			statuses <- r.Status
		})
	}
	wg.Wait()
	close(statuses)
	for st := range statuses {
		if st != http.StatusUnprocessableEntity {
			t.Errorf("a wrong password got %d, want 422", st)
		}
	}
	evs, _, err := a.store.ListAudit(t.Context(), store.AuditFilter{Action: store.AuditSignInFailed, Target: "user:" + u.ID})
	if err != nil {
		t.Fatal(err)
	}
	checked, refused := 0, 0
	for _, e := range evs {
		switch {
		case strings.HasPrefix(e.Detail, "wrong password (new browser)"):
			checked++
		case strings.HasPrefix(e.Detail, "refused unchecked"):
			refused++
		}
	}
	if checked > store.MaxFailures || checked+refused != 40 {
		t.Fatalf("%d checked and %d refused of 40 (audited %d), want at most %d checked and every one audited", checked, refused, len(evs), store.MaxFailures)
	}
	if n := a.auditCount(store.AuditLockedOut, "user:"+u.ID); n != 1 {
		t.Errorf("%d lock-out events, want 1", n)
	}
	mailed := 0
	for _, m := range a.outbox() {
		if m.To == u.Email && m.Subject == "Someone is trying to sign in to your Candour account" {
			mailed++
			if !strings.Contains(m.Body, "Browsers where you have signed in before still work") {
				t.Errorf("the owner's mail does not say known browsers still work:\n%s", m.Body)
			}
		}
	}
	if mailed != 1 {
		t.Errorf("owner mailed %d times, want once", mailed)
	}

	if r := a.client().signInWith(u.Email, testPassword); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, msgSignInFailed) {
		t.Fatalf("right password from a new browser during the lock: %d, want 422 with the usual words", r.Status)
	}
	owner.signIn(u) // the known browser is not locked out
	owner.wantSignedIn("the owner's known browser")

	a.advance(store.FirstLock + time.Second)
	a.client().signIn(u)
}

// secondInstance is another portal on the same store (two instances
// behind a load balancer), with cfg changed by edit.
func (a *testApp) secondInstance(edit func(*config.Config)) *testApp {
	a.t.Helper()
	cfg := a.cfg
	if edit != nil {
		edit(&cfg)
	}
	srv, err := New(cfg, a.store, a.srv.log, []byte(strings.Repeat("k", 32)), a.opts)
	if err != nil {
		a.t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(srv)
	a.t.Cleanup(hs.Close)
	srv.cfg.BaseURL = "http://" + hs.Listener.Addr().String()
	hs.Start()
	return &testApp{t: a.t, srv: srv, store: a.store, http: hs, cfg: cfg, opts: a.opts}
}

// TestLimitsHoldAcrossTwoInstances: wrong receipts and sign-in tries spent
// on one instance count on the other (before, each instance kept its own
// counts in memory, so two instances allowed twice as many).
func TestLimitsHoldAcrossTwoInstances(t *testing.T) {
	a := newTestAppWith(t, Options{SignInsPerMinute: 1000, SurveyPostsPerMinute: 3})
	b := a.secondInstance(nil)
	receipt := submitReport(t, a.client(), publicAnswers("TWO"))
	wrong := "0000000000000000"
	ca, cb := a.client(), b.client()
	for i := range FreeWrongReceipts {
		c := ca
		if i%2 == 1 {
			c = cb
		}
		if r := c.submit("/report/return", "/report/return", url.Values{"receipt": {wrong}}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("wrong receipt %d: %d", i+1, r.Status)
		}
	}
	for _, c := range []*client{ca, cb} {
		if r := c.submit("/report/return", "/report/return", url.Values{"receipt": {receipt}}); r.Status != http.StatusTooManyRequests {
			t.Fatalf("right receipt after five wrong across two instances: %d, want 429", r.Status)
		}
	}

	u := a.newUser(store.RoleMember, "two@example.org")
	for i := range store.MaxFailures {
		c := a.client()
		if i%2 == 1 {
			c = b.client()
		}
		c.signInWith(u.Email, "wrong guess")
	}
	for _, c := range []*client{a.client(), b.client()} {
		if r := c.signInWith(u.Email, testPassword); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("right password after five wrong across two instances: %d, want 422", r.Status)
		}
	}

	// A plain rate limit too: 3 survey starts a minute, shared.
	sv := a.testSurvey()
	want := []int{303, 303, 303, 429, 429}
	for i, st := range want {
		c := a.client()
		if i%2 == 1 {
			c = b.client()
		}
		if r := c.submit("/s/"+sv.ID, "/s/"+sv.ID+"/start", nil); r.Status != st {
			t.Fatalf("survey start %d: %d, want %d", i+1, r.Status, st)
		}
	}
}

// postFrom posts with the CSRF token of page, as a proxy forwarding for
// client address from.
func (c *client) postFrom(from, page, path string, form url.Values) response {
	c.a.t.Helper()
	form.Set("csrf_token", c.csrf(page))
	req, _ := http.NewRequest("POST", c.a.http.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", from)
	return c.do(req)
}

// TestForwardedAddressOnlyFromATrustedProxy: behind a proxy named in
// CANDOUR_TRUSTED_PROXIES, limits key on the forwarded client address, so
// one client's lock does not lock out another; from anywhere else the
// header is ignored, so a client cannot shake off its lock by inventing
// addresses.
func TestForwardedAddressOnlyFromATrustedProxy(t *testing.T) {
	a := newTestApp(t)
	trusted := a.secondInstance(func(c *config.Config) { c.TrustedProxies = []string{"127.0.0.1/32", "::1/128"} })
	wrong := url.Values{"receipt": {"0000000000000000"}}
	for _, tc := range []struct {
		app        *testApp
		otherGets  int
		whoForward string
	}{
		{trusted, http.StatusUnprocessableEntity, "trusted proxy"},
		{a, http.StatusTooManyRequests, "untrusted sender"},
	} {
		c := tc.app.client()
		if err := tc.app.store.ForgetAttempt(t.Context(), tc.app.srv.receiptGuard.key("127.0.0.1")); err != nil {
			t.Fatal(err)
		}
		for range FreeWrongReceipts {
			c.postFrom("203.0.113.10", "/report/return", "/report/return", url.Values{"receipt": wrong["receipt"]})
		}
		if r := c.postFrom("203.0.113.10", "/report/return", "/report/return", url.Values{"receipt": wrong["receipt"]}); r.Status != http.StatusTooManyRequests {
			t.Fatalf("%s: the locked client: %d, want 429", tc.whoForward, r.Status)
		}
		if r := c.postFrom("198.51.100.20", "/report/return", "/report/return", url.Values{"receipt": wrong["receipt"]}); r.Status != tc.otherGets {
			t.Fatalf("%s: another forwarded address: %d, want %d", tc.whoForward, r.Status, tc.otherGets)
		}
	}
}

// TestLimitsHoldUnderConcurrentBursts: 40 requests at once from one
// client against each limit: wrong receipts get at most 5 checked (the
// rest 429; before, all 40 were checked); survey starts get exactly
// their limit through.
func TestLimitsHoldUnderConcurrentBursts(t *testing.T) {
	a := newTestAppWith(t, Options{SignInsPerMinute: 1000, SurveyPostsPerMinute: 7})
	sv := a.testSurvey()
	burst := func(name string, send func(i int) int) map[int]int {
		var wg sync.WaitGroup
		var mu sync.Mutex
		got := map[int]int{}
		for i := range 40 {
			wg.Go(func() {
				st := send(i)
				mu.Lock()
				got[st]++
				mu.Unlock()
			})
		}
		wg.Wait()
		t.Logf("%s: %v", name, got)
		return got
	}
	if err := a.store.ForgetAttempt(t.Context(), a.srv.receiptGuard.key("127.0.0.1")); err != nil {
		t.Fatal(err)
	}
	guessers := make([]*client, 40)
	toks := make([]string, 40)
	for i := range guessers {
		guessers[i] = a.client()
		toks[i] = guessers[i].csrf("/report/return")
	}
	got := burst("wrong receipts", func(i int) int {
		return guessers[i].post("/report/return", url.Values{"csrf_token": {toks[i]}, "receipt": {"0000000000000000"}}).Status
	})
	if got[http.StatusUnprocessableEntity] > FreeWrongReceipts || got[http.StatusUnprocessableEntity]+got[http.StatusTooManyRequests] != 40 {
		t.Errorf("wrong receipts: %v, want at most %d checked (422) and the rest refused (429)", got, FreeWrongReceipts)
	}

	starters := make([]*client, 40)
	for i := range starters {
		starters[i] = a.client()
		toks[i] = starters[i].csrf("/s/" + sv.ID)
	}
	got = burst("survey starts", func(i int) int {
		return starters[i].post("/s/"+sv.ID+"/start", url.Values{"csrf_token": {toks[i]}}).Status
	})
	if got[http.StatusSeeOther] != 7 || got[http.StatusTooManyRequests] != 33 {
		t.Errorf("survey starts: %v, want 7 through and 33 refused", got)
	}
}
