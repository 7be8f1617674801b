package server

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"candour/store"
)

// TestPostsUnderLoad drives the form POSTs that issue 18 budgets with 20
// clients at once over real HTTP, on the real embedded store, for
// profiling (docs/performance.md, "Profiling the form posts"): run it by
// name with CANDOUR_LOAD=1 and go test's -cpuprofile, -blockprofile and
// -mutexprofile. It asserts only that every request got its answer; the
// figures it logs are for reading, not for judging (budgets belong in
// make bench).
func TestPostsUnderLoad(t *testing.T) {
	if os.Getenv("CANDOUR_LOAD") == "" {
		t.Skip("a profiling harness: set CANDOUR_LOAD=1 and run it by name")
	}
	const clients, each = 20, 15
	row := os.Getenv("CANDOUR_LOAD_ROW") // "", "referral", "survey" or "report"
	a := newTestApp(t)
	a.srv.reportLimiter = a.srv.newLimiter("report", 1_000_000, time.Hour, true)
	a.srv.cfg.ArgonMemoryKiB = 4 * 1024 // the receipt hash at its production cost
	a.warmAudit()
	ctx := context.Background()
	if _, err := a.store.TopUpReferralSlots(ctx, true); err != nil {
		t.Fatal(err)
	}
	a.newUser(store.RoleCCU, "analyst@example.org")
	worker, pc := a.newPartnerUser("Safe Harbour", "worker@safeharbour.example")
	submitReferral(t, pc, referralAnswers("warm"))
	answersOf := func(v url.Values) map[string]string {
		m := map[string]string{}
		for k := range v {
			m[k] = v.Get(k)
		}
		return m
	}
	run := func(name, base string, prep func(i int) (*client, string), want int) {
		cs := make([]*client, clients)
		toks := make([]string, clients)
		for i := range cs {
			cs[i], toks[i] = prep(i)
		}
		var bad atomic.Int64
		var wg sync.WaitGroup
		began := time.Now()
		for i := range clients {
			wg.Go(func() {
				c := cs[i]
				kind, owner, ans := store.KindAnonymous, "", publicAnswers("L")
				if base == "/referrals/new" {
					kind, owner, ans = store.KindPartner, worker.ID, referralAnswers("L")
				}
				u, _ := url.Parse(a.http.URL + base + "/check-answers")
				for range each {
					ck, err := DraftCookies([]byte(strings.Repeat("k", 32)), kind, owner, answersOf(ans))
					if err != nil {
						bad.Add(1)
						return
					}
					c.http.Jar.SetCookies(u, ck)
					req, _ := http.NewRequest("POST", a.http.URL+base+"/check-answers", strings.NewReader(url.Values{"csrf_token": {toks[i]}}.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					res, err := c.http.Do(req)
					if err != nil {
						bad.Add(1)
						continue
					}
					res.Body.Close()
					if res.StatusCode != want {
						bad.Add(1)
					}
				}
			})
		}
		wg.Wait()
		took := time.Since(began)
		t.Logf("%s: %d requests by %d clients in %s: %.0f a second (GOMAXPROCS %d)", name, clients*each, clients, took,
			float64(clients*each)/took.Seconds(), runtime.GOMAXPROCS(0))
		if n := bad.Load(); n > 0 {
			t.Errorf("%s: %d requests failed", name, n)
		}
	}
	if row == "" || row == "referral" {
		run("POST /referrals/new/check-answers", "/referrals/new", func(int) (*client, string) {
			c := a.client()
			c.signIn(worker)
			return c, c.csrf("/referrals/new/immediate-danger")
		}, http.StatusSeeOther)
	}
	if row == "" || row == "survey" {
		// 50 respondents at once sending a whole response from check your
		// answers, each with a fresh response in its cookie (as the
		// benchmark's row does).
		sv := a.testSurvey()
		ans := store.Answers{"q1": {"o1"}, "q2": {"a"}, "q3": {"sd"}, "ay_eth": {"black_caribbean"}, "ay_age": {"25_34"}, "ay_pc": {"dt1"}}
		const respondents = 50
		cs, toks := make([]*client, respondents), make([]string, respondents)
		for i := range cs {
			cs[i] = a.client()
			toks[i] = cs[i].csrf("/s/" + sv.ID)
		}
		var bad atomic.Int64
		var wg sync.WaitGroup
		began := time.Now()
		u, _ := url.Parse(a.http.URL + "/s/" + sv.ID + "/check")
		for i := range respondents {
			wg.Go(func() {
				for k := range each {
					if k > 0 { // a response sent ends the respondent's cookie session, and its token
						toks[i] = cs[i].csrf("/s/" + sv.ID)
					}
					ck, err := SurveyCookies([]byte(strings.Repeat("k", 32)), sv.ID, 1, store.RandomSecret(), ans)
					if err != nil {
						bad.Add(1)
						return
					}
					cs[i].http.Jar.SetCookies(u, ck)
					req, _ := http.NewRequest("POST", u.String(), strings.NewReader(url.Values{"csrf_token": {toks[i]}}.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					res, err := cs[i].http.Do(req)
					if err != nil {
						bad.Add(1)
						continue
					}
					res.Body.Close()
					if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "/done") {
						if bad.Add(1) == 1 {
							t.Logf("first failure: %d to %q", res.StatusCode, res.Header.Get("Location"))
						}
					}
				}
			})
		}
		wg.Wait()
		took := time.Since(began)
		t.Logf("POST /s/:id/check: %d requests by %d respondents in %s: %.0f a second", respondents*each, respondents, took, float64(respondents*each)/took.Seconds())
		if n := bad.Load(); n > 0 {
			t.Errorf("POST /s/:id/check: %d requests failed", n)
		}
	}
	if row == "" || row == "report" {
		run("POST /report/new/check-answers", "/report/new", func(int) (*client, string) {
			c := a.client()
			return c, c.csrf("/report/new/immediate-danger")
		}, http.StatusOK)
	}
}
