package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// Rate limits are kept in the store (store/limits.go), so that they hold
// across restarts and across several instances behind a load balancer;
// each decision is one conditional update, so a burst of concurrent
// requests cannot slip past. golang.org/x/time/rate is only a first line
// in each instance's memory, sparing the store a flood.
//
// A client is its address as Gin's ClientIP gives it: the connecting
// address, or X-Forwarded-For from a proxy in CANDOUR_TRUSTED_PROXIES only.
// The store never sees the address: its key is an HMAC of it under a key
// derived from CANDOUR_SESSION_KEY (which the database does not hold),
// and IPv6 addresses are counted per /64 (one household or phone). On the
// anonymous routes (reports, receipts, surveys) the key is cut to 16 bits,
// a bucket shared by one address in 65,536: a copy of the database and
// the key together still cannot say which address reported.
type rateLimiter struct {
	name      string
	n         int
	window    time.Duration
	anonymous bool
	db        hitsDB
	secret    []byte

	mu    sync.Mutex
	local map[string]*rate.Limiter
}

// newLimiter makes a limiter of n requests a window per client.
func (s *Server) newLimiter(name string, n int, window time.Duration, anonymous bool) *rateLimiter {
	n = max(n, 1)
	return &rateLimiter{name: name, n: n, window: window, anonymous: anonymous, db: s.limits, secret: s.limitSecret,
		local: map[string]*rate.Limiter{}}
}

// clientKey is the store's key for a client address: an HMAC, cut to a
// 16-bit bucket on anonymous routes.
func clientKey(secret []byte, addr string, anonymous bool) string {
	if a, err := netip.ParseAddr(addr); err == nil {
		a = a.Unmap()
		if a.Is6() {
			p, _ := a.Prefix(64)
			addr = p.String()
		} else {
			addr = a.String()
		}
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(addr))
	sum := m.Sum(nil)
	if anonymous {
		return "b" + hex.EncodeToString(sum[:2])
	}
	return hex.EncodeToString(sum[:16])
}

// allow counts one request from the client at addr: first against this
// instance's token bucket, then in the store. Of ctx (the request's) it
// keeps the values (a request under oneSync waits for the count's write
// with its own writes), not the cancellation. A store that cannot count
// is an error, not a refusal: the caller shows the store's error page.
func (l *rateLimiter) allow(ctx context.Context, addr string) (bool, error) {
	ok, _, err := l.check(ctx, addr)
	return ok, err
}

// check is allow, with how long to wait when the request is refused.
func (l *rateLimiter) check(ctx context.Context, addr string) (bool, time.Duration, error) {
	l.mu.Lock()
	if len(l.local) > 10000 { // forget everything rather than grow without bound
		l.local = map[string]*rate.Limiter{}
	}
	lim := l.local[addr]
	if lim == nil {
		lim = rate.NewLimiter(rate.Every(l.window/time.Duration(l.n)), l.n)
		l.local[addr] = lim
	}
	first := lim.Allow()
	l.mu.Unlock()
	if !first {
		return false, l.window, nil
	}
	// Generous: a crowd behind one address waits its turn for the key
	// (store.Hit counts them together), and a refusal here is a 429.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	ok, wait, err := l.db.Hit(ctx, l.name+":"+clientKey(l.secret, addr, l.anonymous), l.n, l.window)
	if err != nil {
		// Not let through (an unbounded number would be), and not "too
		// many attempts" either: the client tried once, and the store did
		// not count it. The caller shows the store's error (serverError:
		// "busy, try again" for a timeout), which is logged there.
		return false, 0, fmt.Errorf("rate limit %s: %w", l.name, err)
	}
	return ok, wait, nil
}

// limit applies a rate limiter to POSTs, keyed by client address.
func (s *Server) limit(l *rateLimiter) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Method != http.MethodPost {
			c.Next()
			return
		}
		ok, wait, err := l.check(c.Request.Context(), c.ClientIP())
		if err != nil {
			s.serverError(c, err)
			return
		}
		if !ok {
			tooMany(s, c, wait)
			return
		}
		c.Next()
	}
}

func tooMany(s *Server, c *gin.Context, wait time.Duration) {
	c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
	s.errorPage(c, http.StatusTooManyRequests, "Too many attempts", "Wait a few minutes and try again.")
}
