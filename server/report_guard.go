package server

import (
	"context"
	"time"

	"candour/store"
)

// receiptGuard bounds guessing of receipt codes, in the store so that it
// holds across restarts and instances. Each client (a 16-bit bucket of an
// HMAC of its address: see limits.go) has five tries; the sixth is refused
// and locks it out for 15 minutes, each later lock twice as long, up to a
// day. A try is spent BEFORE the receipt is checked (store.TakeAttempt:
// one conditional update, or on the embedded server decided in memory),
// so 40 tries sent at once get 5 checked, and it is in the store, on
// disk, before the answer (the route's oneSync). A right receipt gives the
// budget back: on the embedded server, before anything of its try was
// written. Across all clients, GlobalReceiptTriesPerHour tries an
// hour close look-ups for everyone until the hour is over, so many
// addresses do not multiply the rate.
type receiptGuard struct {
	db     receiptTriesDB
	secret []byte
}

// Receipt guessing limits.
const (
	FreeWrongReceipts         = 5
	FirstLockout              = 15 * time.Minute
	MaxLockout                = 24 * time.Hour
	GlobalReceiptTriesPerHour = 1000
)

var receiptBudget = store.AttemptBudget{Free: FreeWrongReceipts, Window: MaxLockout, FirstLock: FirstLockout, MaxLock: MaxLockout}

func (g *receiptGuard) key(addr string) string { return "receipt:" + clientKey(g.secret, addr, true) }

// take spends one try for the client at addr: ok, or how long to wait.
func (g *receiptGuard) take(ctx context.Context, addr string) (bool, time.Duration, error) {
	a, err := g.db.TakeAttempt(ctx, g.key(addr), "", receiptBudget)
	if err != nil || !a.OK {
		return false, a.Wait, err
	}
	ok, wait, err := g.db.Hit(ctx, "receipt:all", GlobalReceiptTriesPerHour, time.Hour)
	return ok, wait, err
}

// succeed gives the client at addr its tries back.
func (g *receiptGuard) succeed(ctx context.Context, addr string) error {
	return g.db.ForgetAttempt(ctx, g.key(addr))
}
