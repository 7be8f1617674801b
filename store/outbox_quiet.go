package store

import (
	"slices"
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
//
// A scan also keeps what it found: each channel's pending messages (their
// _id and next attempt, earliest first), so that a worker draining a
// backlog (300 messages queued by a critical advice request, or a restart
// after the portal was down) scans once and then reads each batch by _id,
// instead of decoding and sorting the whole outbox for every batch of ten
// (issue 18: those scans were most of the gigabyte allocated in the first
// seconds after a restart). The list is dropped with the quiet marks at
// every queue or reschedule; a message sent leaves it; a message read by
// _id that is no longer pending and due in its channel is left out and
// leaves it too.
type outboxQuiet struct {
	mu    sync.Mutex
	gen   uint64                  // moves at every queue or reschedule
	until map[string]time.Time    // channel → look again at (zero: never, until a change)
	queue map[string][]pendingRef // channel → its pending messages as of a scan at gen, earliest first
}

// pendingRef is one pending message in a channel's list.
type pendingRef struct {
	id   string
	next time.Time
}

// queued returns channel's list of pending messages, if a scan since the
// last change kept one. The caller must not change it.
func (q *outboxQuiet) queued(channel string) ([]pendingRef, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	refs, ok := q.queue[channel]
	return refs, ok
}

// keep records channel's pending messages as found by a scan started at
// generation gen; a change since the scan began leaves nothing kept.
func (q *outboxQuiet) keep(channel string, gen uint64, refs []pendingRef) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if gen != q.gen {
		return
	}
	if q.queue == nil {
		q.queue = map[string][]pendingRef{}
	}
	q.queue[channel] = refs
}

// done takes messages out of every channel's list (sent, or found no
// longer pending).
func (q *outboxQuiet) done(ids ...string) {
	if len(ids) == 0 {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for ch, refs := range q.queue {
		q.queue[ch] = slices.DeleteFunc(slices.Clone(refs), func(r pendingRef) bool { return slices.Contains(ids, r.id) })
	}
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
	clear(q.queue)
}
