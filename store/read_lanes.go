package store

import (
	"context"
	"sync/atomic"

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
// marks every run's context, so no job can forget.
//
// Only the connection changes: what a read returns is the same on either
// lane. On MongoDB there is one client and no lane: its server has its own
// concurrency control and a pool of a hundred connections.

// jobReadConns is how many connections the jobs read through together.
// One: jobs are not in a hurry, and one FerretDB command at a time keeps
// their decoding to about one core of two.
const jobReadConns = 1

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

// readDB is the database handle ctx reads through: the jobs' lane for a
// job's context where there is one, the read pool otherwise.
func (s *Store) readDB(ctx context.Context) *mongo.Database {
	if s.jobsDB != nil && isJobWork(ctx) {
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
