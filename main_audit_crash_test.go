package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"candour/store"
)

// signInClient is a browser on the sign-in page, from client address
// from (the server trusts X-Forwarded-For from 127.0.0.1 here, so the
// per-client limit does not stop the crowd).
type signInClient struct {
	c     *http.Client
	base  string
	token string
	from  string
}

func newSignInClient(base, from string) (*signInClient, error) {
	jar, _ := cookiejar.New(nil)
	sc := &signInClient{c: &http.Client{Jar: jar, Timeout: 30 * time.Second}, base: base, from: from}
	get, _ := http.NewRequest(http.MethodGet, base+"/sign-in", nil)
	get.Header.Set("X-Forwarded-For", from)
	res, err := sc.c.Do(get)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		return nil, fmt.Errorf("no form token on the sign-in page (%d)", res.StatusCode)
	}
	sc.token = string(m[1])
	return sc, nil
}

// fail sends one sign-in with an unknown address and reports whether the
// refusal came back: it is sent only after its "sign-in-failed" event was
// appended.
func (sc *signInClient) fail(email string) (bool, error) {
	form := url.Values{"csrf_token": {sc.token}, "email": {email}, "password": {"not the password at all"}}
	post, _ := http.NewRequest(http.MethodPost, sc.base+"/sign-in", strings.NewReader(form.Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.Header.Set("X-Forwarded-For", sc.from)
	res, err := sc.c.Do(post)
	if err != nil {
		return false, err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity {
		return false, fmt.Errorf("sign-in as %s: %d, want 422", email, res.StatusCode)
	}
	return true, nil
}

// TestKillDuringAuditedActionsKeepsTheChain: a real `candour serve` is
// killed (SIGKILL) four times while audited actions (failed sign-ins, 48 at
// a time) are in flight. After a restart, with no command, every
// acknowledged action's event is stored once and `candour audit verify`
// passes. A kill that lands after an append inserted its events and before
// the chain head moved over them leaves events beyond the head, which the
// start-up repair carries the head over. (Before issue 18's redesign the
// head carried its pending events, and before that it moved first and a
// gap stayed for ever.)
func TestKillDuringAuditedActionsKeepsTheChain(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildCandour(t)
	dir := t.TempDir()
	key := []byte(strings.Repeat("s", 32))
	env := []string{"CANDOUR_DATA_DIR=" + dir, "CANDOUR_ADDR=127.0.0.1:0", "CANDOUR_METRICS_ADDR=off", "CANDOUR_SEED_DEMO=false",
		"CANDOUR_SESSION_KEY=" + base64.StdEncoding.EncodeToString(key), "CANDOUR_ARGON_MEMORY_KIB=64",
		"CANDOUR_TRUSTED_PROXIES=127.0.0.1", "MONGODB_URI="}
	ctx := context.Background()

	var mu sync.Mutex
	acked := map[string]bool{}
	var client atomic.Int64
	var lastErr error
	caught, gaps := false, 0
	for round := 0; round < 4; round++ {
		p := startCandour(t, bin, env)
		stopSending := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 48 {
			wg.Go(func() {
				var sc *signInClient
				for i := 0; ; i++ {
					select {
					case <-stopSending:
						return
					default:
					}
					if i%5 == 0 { // a new client address before the per-client limit (20 a minute)
						n := client.Add(1)
						var err error
						if sc, err = newSignInClient(p.base, fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255)); err != nil {
							return
						}
					}
					email := fmt.Sprintf("r%d-w%02d-%04d@example.org", round, w, i)
					ok, err := sc.fail(email)
					if ok {
						mu.Lock()
						acked[email] = true
						mu.Unlock()
					}
					if err != nil {
						mu.Lock()
						lastErr = err
						mu.Unlock()
						return // the server is gone (or answered wrongly: checked below)
					}
				}
			})
		}
		for deadline := time.Now().Add(30 * time.Second); ; {
			mu.Lock()
			n, err := len(acked), lastErr
			mu.Unlock()
			if n >= 60*(round+1) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d: only %d acknowledged in 30 s; last error %v\n%s", round+1, n, err, p.stderr.String())
			}
			time.Sleep(3 * time.Millisecond)
		}
		time.Sleep(time.Duration(rand.Int64N(int64(30 * time.Millisecond)))) // not just after an acknowledgement
		p.stop(t, syscall.SIGKILL)
		close(stopSending)
		wg.Wait()

		db := openStore(t, dir)
		brk, n, err := db.VerifyAudit(ctx)
		// Events stored beyond the head: a kill between an append's insert
		// and its head's move (the start-up repair carries the head over them).
		var beyond int64
		if err == nil {
			var head int64
			if head, err = db.AuditHead(ctx); err == nil {
				beyond, err = db.RawDatabase().Collection(store.AuditEventsCollection).CountDocuments(ctx,
					bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: fmt.Sprintf("%016d", head)}}}})
			}
		}
		db.Close(ctx)
		if err != nil {
			t.Fatal(err)
		}
		caught = caught || beyond > 0
		if brk != nil {
			gaps++
		}
		t.Logf("round %d: killed with %d acknowledged; %d events verify, break %+v; %d events stored beyond the head", round+1, len(acked), n, brk, beyond)
	}
	// The window between the events' insert and the head's move is a few
	// milliseconds of each group commit, so many kills miss it: the states
	// it leaves are also made directly and repaired in
	// store.TestAuditHeadCarriesItsEventsThroughACrash. Events beyond the
	// head are not on the chain yet, so verification before the restart
	// reports no gap for them (gaps counts any break at all).
	t.Logf("kills that left events beyond the head: %v; that left a break verification reports: %d", caught, gaps)

	// Restart: the repair runs by itself before the portal answers (it
	// listens only after repairAtStart).
	p := startCandour(t, bin, env)
	p.stop(t, syscall.SIGTERM)

	verify := exec.Command(bin, "audit", "verify")
	verify.Env = append(verify.Environ(), env...)
	if out, err := verify.CombinedOutput(); err != nil {
		t.Fatalf("candour audit verify after the restart: %v\n%s", err, out)
	}

	db := openStore(t, dir)
	defer db.Close(ctx)
	evs, err := db.AuditEventsBetween(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), []string{store.AuditSignInFailed})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, ev := range evs {
		seen[ev.Actor]++
	}
	for email := range acked {
		if seen[email] != 1 {
			t.Errorf("acknowledged sign-in as %s has %d audit events, want 1", email, seen[email])
		}
	}
	for email, n := range seen {
		if n > 1 {
			t.Errorf("%s has %d audit events, want at most 1", email, n)
		}
	}
	if brk, n, err := db.VerifyAudit(ctx); err != nil || brk != nil || int(n) < len(acked) {
		t.Fatalf("after the restart: break %+v, %d verified for %d acknowledged, %v", brk, n, len(acked), err)
	}
}
