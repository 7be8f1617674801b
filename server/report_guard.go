package server

import (
	"sync"
	"time"
)

// receiptGuard bounds guessing of receipt codes. Each client may get five
// codes wrong; after that each further wrong code locks it out for twice
// as long as the last (15 minutes, 30, an hour ... at most a day). Across
// all clients, more than GlobalWrongPerHour wrong codes in an hour closes
// look-ups for everyone until the hour has passed, so many addresses do
// not multiply the rate. Client keys are held in memory only: never stored
// or logged.
type receiptGuard struct {
	mu      sync.Mutex
	now     func() time.Time
	clients map[string]*guardState
	hour    time.Time // start of the global window
	wrong   int       // wrong codes in the global window
}

type guardState struct {
	failures int
	until    time.Time
	last     time.Time
}

// Receipt guessing limits.
const (
	FreeWrongReceipts  = 5
	FirstLockout       = 15 * time.Minute
	MaxLockout         = 24 * time.Hour
	GlobalWrongPerHour = 1000
)

func newReceiptGuard(now func() time.Time) *receiptGuard {
	return &receiptGuard{now: now, clients: map[string]*guardState{}}
}

// allow reports whether key may try a receipt now, or how long to wait.
func (g *receiptGuard) allow(key string) (bool, time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	g.roll(now)
	if g.wrong >= GlobalWrongPerHour {
		return false, g.hour.Add(time.Hour).Sub(now)
	}
	if st := g.clients[key]; st != nil && now.Before(st.until) {
		return false, st.until.Sub(now)
	}
	return true, 0
}

// roll starts a new global hour when the last one is over.
func (g *receiptGuard) roll(now time.Time) {
	if now.Sub(g.hour) >= time.Hour {
		g.hour, g.wrong = now, 0
	}
}

// fail records a wrong receipt from key.
func (g *receiptGuard) fail(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	g.roll(now)
	g.wrong++
	if len(g.clients) > 100000 {
		for k, st := range g.clients { // forget clients idle for a day
			if now.Sub(st.last) > MaxLockout {
				delete(g.clients, k)
			}
		}
	}
	st := g.clients[key]
	if st == nil {
		st = &guardState{}
		g.clients[key] = st
	}
	st.failures++
	st.last = now
	if st.failures >= FreeWrongReceipts {
		lock := FirstLockout << min(st.failures-FreeWrongReceipts, 10)
		st.until = now.Add(min(lock, MaxLockout))
	}
}

// succeed forgets key's wrong codes.
func (g *receiptGuard) succeed(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.clients, key)
}
