package store

import (
	"sync"
	"time"
)

// outboxQuiet spares the embedded engine the outbox workers' idle scans.
// Each worker asks for its channel's due messages every few seconds, and
// FerretDB cannot use the outbox's index, so every ask decoded every
// message still kept (sent mail is kept for MailKeptFor): in one profile
// of an anonymous report that was 30 % of the server's CPU, with 300
// messages kept. The embedded store is the only writer of its data, so it
// knows when nothing can have become due: after a scan that found nothing
// due, a channel stays quiet until its first pending message's next
// attempt, or until anything is queued or rescheduled. Through MONGODB_URI
// other instances queue messages too, and the index serves the scan: it is
// not used there.
type outboxQuiet struct {
	mu    sync.Mutex
	gen   uint64               // moves at every queue or reschedule
	until map[string]time.Time // channel → look again at (zero: never, until a change)
}

// quiet reports whether channel's last scan proved nothing due before now,
// and the generation a new scan starts from.
func (q *outboxQuiet) quiet(channel string, now time.Time) (bool, uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	until, ok := q.until[channel]
	return ok && (until.IsZero() || now.Before(until)), q.gen
}

// settle records a scan that found nothing due, started at generation gen:
// quiet until next (zero: no message pending). A change since the scan
// began leaves the channel to be scanned again.
func (q *outboxQuiet) settle(channel string, gen uint64, next time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if gen != q.gen {
		return
	}
	if q.until == nil {
		q.until = map[string]time.Time{}
	}
	q.until[channel] = next
}

// changed is called after every write that can make a message due (a
// queue, a reschedule), whether it succeeded or not.
func (q *outboxQuiet) changed() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.gen++
	clear(q.until)
}
