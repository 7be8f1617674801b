package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"candour/config"
)

// TestReceiptGuardCountsEveryTryOfABurst: over real HTTP, 40 wrong
// receipts at once from one address get exactly the 5 tries of the budget
// checked (422) and the other 35 refused (429), and the budget the store
// holds afterwards says so (4 tries and one lock); then 40 right receipts
// at once, each from its own address, all open the report and leave no
// budget stored; and the portal's overall count of tries holds every try
// that was checked, exactly (the 5, then the 40). On the embedded server
// the tries are decided in memory and written before each answer
// (store/limits_attempts.go); they were one conditional update each
// before 8 December 2026, with the same counts.
func TestReceiptGuardCountsEveryTryOfABurst(t *testing.T) {
	a := newTestApp(t)
	trusted := a.secondInstance(func(c *config.Config) { c.TrustedProxies = []string{"127.0.0.1/32", "::1/128"} })
	receipt := submitReport(t, a.client(), publicAnswers("BURST"))
	ctx := context.Background()
	if err := a.store.ForgetAttempt(ctx, a.srv.receiptGuard.key("127.0.0.1")); err != nil {
		t.Fatal(err)
	}
	stored := func(key string) (n, strikes int, ok bool) {
		t.Helper()
		var d struct {
			N       int `bson:"n"`
			Strikes int `bson:"strikes"`
		}
		err := a.store.RawDatabase().Collection("limits").FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d)
		if err != nil {
			return 0, 0, false
		}
		return d.N, d.Strikes, true
	}
	burst := func(app *testApp, code string, from func(i int) string) map[int]int {
		t.Helper()
		clients := make([]*client, 40)
		toks := make([]string, 40)
		for i := range clients {
			clients[i] = app.client()
			toks[i] = clients[i].csrf("/report/return")
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		got := map[int]int{}
		for i := range clients {
			wg.Go(func() {
				form := url.Values{"csrf_token": {toks[i]}, "receipt": {code}}
				req, _ := http.NewRequest("POST", app.http.URL+"/report/return", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if f := from(i); f != "" {
					req.Header.Set("X-Forwarded-For", f)
				}
				st := clients[i].do(req).Status
				mu.Lock()
				got[st]++
				mu.Unlock()
			})
		}
		wg.Wait()
		return got
	}

	got := burst(a, "0000000000000000", func(int) string { return "" })
	if got[http.StatusUnprocessableEntity] != FreeWrongReceipts || got[http.StatusTooManyRequests] != 40-FreeWrongReceipts {
		t.Fatalf("40 wrong receipts at once from one address: %v, want exactly %d checked (422) and the rest refused (429)", got, FreeWrongReceipts)
	}
	if n, strikes, ok := stored(a.srv.receiptGuard.key("127.0.0.1")); !ok || n != FreeWrongReceipts-1 || strikes != 1 {
		t.Fatalf("the budget stored after the burst: n=%d strikes=%d stored=%v, want n=%d strikes=1", n, strikes, ok, FreeWrongReceipts-1)
	}

	addr := func(i int) string { return fmt.Sprintf("198.51.100.%d", i+1) }
	got = burst(trusted, receipt, addr)
	if got[http.StatusSeeOther] != 40 {
		t.Fatalf("40 right receipts at once from 40 addresses: %v, want every one to open the report (303)", got)
	}
	for i := range 40 {
		if n, _, ok := stored(a.srv.receiptGuard.key(addr(i))); ok {
			t.Fatalf("a right receipt from %s left a budget stored (n=%d), want none", addr(i), n)
		}
	}

	if _, err := a.store.SweepLimits(ctx); err != nil { // writes the overall count kept in memory
		t.Fatal(err)
	}
	if n, _, ok := stored("receipt:all"); !ok || n != FreeWrongReceipts+40 {
		t.Fatalf("the portal's overall count of tries: %d (stored %v), want %d", n, ok, FreeWrongReceipts+40)
	}
}
