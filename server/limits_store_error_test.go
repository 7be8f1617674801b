package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// failingHits is a store that cannot count requests (hitsDB): every Hit
// fails with err, as a store that times out under load does.
type failingHits struct{ err error }

var _ hitsDB = failingHits{}

func (f failingHits) Hit(context.Context, string, int, time.Duration) (bool, time.Duration, error) {
	return false, 0, f.err
}

// TestLimiterStoreErrorIsNotTooMany: when the store cannot count a
// request (here its count timed out), the request is not let through, and
// the client is not told it tried too often either (it tried once): it
// gets the store's "busy, try again" page, 503 with a Retry-After, as any
// other request the store could not serve. Before, a store error read as
// "Too many attempts" (429), which is what the receipt-guessing test saw
// when the machine was loaded.
func TestLimiterStoreErrorIsNotTooMany(t *testing.T) {
	f := newFakeApp(t)
	timedOut := failingHits{err: context.DeadlineExceeded}
	f.srv.signInLimiter.db = timedOut
	f.srv.reportLimiter.db = timedOut
	r := f.client().submit("/sign-in", "/sign-in", url.Values{"email": {"someone@example.org"}, "password": {"wrong"}})
	if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" || strings.Contains(r.Body, "Too many attempts") {
		t.Fatalf("sign-in with a store that cannot count: %d (Retry-After %q), want 503 with Retry-After\n%.400s", r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	ok, err := f.srv.reportLimiter.allow(context.Background(), "192.0.2.1")
	if ok || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the report limiter with a store that cannot count: %v, %v; want refused with the store's error", ok, err)
	}
}
