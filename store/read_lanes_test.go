package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestRequestsDoNotQueueBehindJobsReads: while eight jobs read a whole
// collection over and over (each a find and its getMores, as the repair
// and the retention jobs do), a request's reads find a free connection
// every time, and the jobs never use more than their own lane. Shown with
// the pools' counts, not with timings: a checkout that began with every
// connection of its pool taken queued.
func TestRequestsDoNotQueueBehindJobsReads(t *testing.T) {
	s := openTestAny(t)
	if s.jobsDB == nil {
		t.Skip("MongoDB: one client and no lanes (its server has its own concurrency control)")
	}
	ctx := context.Background()
	// 200 documents: a scan is still a find and a getMore that decode
	// every one (the first batch is 101), and eight scanners still hold
	// the jobs' connection for the whole test. 1,000 made each of the
	// scans this test waits for five times the CPU, for nothing it asserts.
	const coll, docs = "lane_reads", 200
	var batch []any
	for i := range docs {
		batch = append(batch, bson.D{{Key: "_id", Value: fmt.Sprintf("d%04d", i)}, {Key: "n", Value: i}, {Key: "pad", Value: fmt.Sprintf("%0200d", i)}})
	}
	if _, err := s.c(coll).InsertMany(ctx, batch); err != nil {
		t.Fatal(err)
	}
	scan := func(ctx context.Context) (int, error) { // a filter FerretDB matches in Go: every document decoded
		cur, err := s.r(coll).Find(ctx, bson.D{{Key: "n", Value: bson.D{{Key: "$gte", Value: 0}}}})
		if err != nil {
			return 0, err
		}
		defer cur.Close(ctx)
		n := 0
		for cur.Next(ctx) {
			n++
		}
		return n, cur.Err()
	}

	// The same answer on either lane.
	if n, err := scan(ForJob(ctx)); err != nil || n != docs {
		t.Fatalf("a job's scan: %d documents, %v; want %d", n, err, docs)
	}
	if n, err := scan(ctx); err != nil || n != docs {
		t.Fatalf("a request's scan: %d documents, %v; want %d", n, err, docs)
	}

	jobCtx, stop := context.WithCancel(ForJob(ctx))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for jobCtx.Err() == nil {
				if _, err := scan(jobCtx); err != nil && jobCtx.Err() == nil {
					errs <- err
					return
				}
			}
		})
	}
	defer func() {
		stop()
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("a job's scan: %v", err)
		}
	}()
	// Wait until the jobs are reading: 40 commands between them.
	started := s.readLane.counts().Checkouts + s.jobsLane.counts().Checkouts
	for deadline := time.Now().Add(time.Minute); s.readLane.counts().Checkouts+s.jobsLane.counts().Checkouts-started < 40; {
		if time.Now().After(deadline) {
			t.Fatal("the jobs' scans did not get going in a minute")
		}
		time.Sleep(10 * time.Millisecond)
	}

	const reads = 50
	before := s.readLane.counts()
	for i := range reads {
		var d bson.Raw
		if err := s.r(coll).FindOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("d%04d", i*docs/reads)}}).Decode(&d); err != nil {
			t.Fatal(err)
		}
	}
	after := s.readLane.counts()
	if got := after.Queued - before.Queued; got != 0 {
		t.Errorf("%d of %d request reads queued for a connection behind the jobs' reads, want 0", got, reads)
	}
	if got := after.Checkouts - before.Checkouts; got != reads {
		t.Errorf("the read pool checked out %d connections for %d request reads: the jobs read on it too", got, reads)
	}
	if got := s.jobsLane.counts().Peak; got > jobReadConns {
		t.Errorf("the jobs had %d connections at once, want at most %d", got, jobReadConns)
	}
}
