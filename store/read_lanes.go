package store

import (
	"context"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Background jobs read on a lane of their own (issue 18: "requests never
// wait behind a job"). On the embedded server every read goes through a
// pool of readPoolSize connections; a job's read of a whole collection
// (the repair, the retention jobs, the diaries' prune) is many long
// commands, and the jobs' first runs after a start on ten times the data
// held all four connections for a minute, so a request's read waited for
// one. A context marked by ForJob reads on the jobs' own client instead,
// jobReadConns connection(s): the jobs wait for each other there, and the
// read pool is the requests' alone. The one runner of the jobs (jobs/)
// marks every run's context, so no job can forget. A job waits its turn
// there for as long as its run lasts (jobTurnWait), and a run's own limit
// never cuts another job's read off (JobLimit).
//
// The two outbox workers (mail and text messages) read on a lane of their
// own, outboxConns connection, not the jobs': their pass is bounded by its
// lease (8 s of a 10 s lease, jobs/mail.go), and on the jobs' one
// connection at ten times the data it gave up waiting behind the hourly
// jobs' long reads ("timed out while checking out a connection … wait
// duration: 8.0s") and tried again 5 s later, again and again: a text of
// critical-incident advice held back by a repair's scan (issue 18). Their
// reads are short (the outbox's pending messages, then a batch by _id), so
// a lane of their own costs one idle connection and never waits behind
// anyone but the other outbox.
//
// Only the connection changes: what a read returns is the same on any
// lane. On MongoDB there is one client and no lane: its server has its own
// concurrency control and a pool of a hundred connections.

// jobReadConns is how many connections the jobs read through together.
// One: jobs are not in a hurry, and one FerretDB command at a time keeps
// their decoding to about one core of two.
const jobReadConns = 1

// jobTurnWait is how long a job's read waits for the jobs' connection
// before it fails: as long as its run lasts, in practice (a run that must
// end sooner says so with JobLimit). The driver's own bound is its 30 s of
// server selection, and at ten times the data on a loaded machine the
// hourly jobs' first runs after a start held the connection longer than
// that: the jobs queued behind them failed ("timed out while checking out
// a connection": the text outbox, the advice reminders, the survey
// decisions, the audit retention, the import orphans; issue 18). Waiting
// costs nothing: the requests read on a pool of their own.
const jobTurnWait = 30 * time.Minute

// outboxConns is how many connections the two outbox workers read through
// together (outboxRead).
const outboxConns = 1

// JobLimit bounds one run of a job (or one pass of it) to d: the context it
// returns ends after d, as context.WithTimeout's would, but it does not
// tell the driver its deadline. Told, the driver cuts a read off mid-reply
// when the deadline passes, and closes the connection when the rest of
// the reply does not come within 0.4 s; on the embedded server every
// cursor open on that connection goes with it, which on the jobs' one
// connection is every other job's ("CursorNotFound" in the people
// directory's warming, the referral retention, the visit diaries and the
// audit retention at once, when the text outbox's 8 s pass ran out mid-read
// at ten times the data; issue 18). Not told, a command in flight finishes
// and the run stops before its next one; a wait for a connection or for
// the writer still ends at d. A job bounds itself with JobLimit, never
// with context.WithTimeout (jobs.TestJobsBoundThemselvesWithJobLimit).
func JobLimit(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, d)
	return untoldDeadline{ctx}, cancel
}

// untoldDeadline is a context that ends at its deadline without saying
// when that is (JobLimit).
type untoldDeadline struct{ context.Context }

func (untoldDeadline) Deadline() (time.Time, bool) { return time.Time{}, false }

// jobWorkKey marks a context as a background job's (ForJob).
type jobWorkKey struct{}

// ForJob marks ctx as a background job's: its reads go through the jobs'
// own connection on the embedded server, never the read pool that
// requests read on. Writes are unchanged (the one writer).
func ForJob(ctx context.Context) context.Context {
	return context.WithValue(ctx, jobWorkKey{}, true)
}

// isJobWork reports whether ctx was marked by ForJob.
func isJobWork(ctx context.Context) bool {
	return ctx.Value(jobWorkKey{}) != nil
}

// outboxWorkKey marks a context as an outbox worker's read (outboxRead).
type outboxWorkKey struct{}

// outboxRead marks ctx as an outbox worker's read of the messages due: it
// goes through the outboxes' own connection on the embedded server.
func outboxRead(ctx context.Context) context.Context {
	return context.WithValue(ctx, outboxWorkKey{}, true)
}

// readDB is the database handle ctx reads through: the outboxes' lane for
// an outbox worker's read and the jobs' lane for any other job's, where
// there are lanes; the read pool otherwise.
func (s *Store) readDB(ctx context.Context) *mongo.Database {
	switch {
	case s.outboxDB != nil && ctx.Value(outboxWorkKey{}) != nil:
		return s.outboxDB
	case s.jobsDB != nil && isJobWork(ctx):
		return s.jobsDB
	}
	return s.rdb
}

// readLane counts one read client's pool: the connections checked out now
// and at most at once, the checkouts, and the checkouts that began with
// every connection taken (they queued for one). Tests read the counts to
// show who waits for whom without timing anything.
type readLane struct {
	size      int64
	inUse     atomic.Int64
	peak      atomic.Int64
	checkouts atomic.Int64
	queued    atomic.Int64
}

func newReadLane(size int) *readLane { return &readLane{size: int64(size)} }

// monitor is the driver's pool monitor that keeps l's counts.
func (l *readLane) monitor() *event.PoolMonitor {
	return &event.PoolMonitor{Event: func(e *event.PoolEvent) {
		switch e.Type {
		case event.ConnectionCheckOutStarted:
			l.checkouts.Add(1)
			if l.inUse.Load() >= l.size {
				l.queued.Add(1)
			}
		case event.ConnectionCheckedOut:
			n := l.inUse.Add(1)
			for p := l.peak.Load(); n > p && !l.peak.CompareAndSwap(p, n); p = l.peak.Load() {
			}
		case event.ConnectionCheckedIn:
			l.inUse.Add(-1)
		}
	}}
}

// laneCounts is a moment's reading of a readLane.
type laneCounts struct {
	Checkouts, Queued, Peak int64
}

func (l *readLane) counts() laneCounts {
	if l == nil {
		return laneCounts{}
	}
	return laneCounts{Checkouts: l.checkouts.Load(), Queued: l.queued.Load(), Peak: l.peak.Load()}
}
