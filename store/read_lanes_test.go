package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
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

// fillForLanes writes docs documents to coll, each with a list of cells
// (so that FerretDB's decoding of them is slow, as a month of records or
// a survey's answers are), and returns a scan of coll that reads all of
// them and matches none: one long command.
func fillForLanes(t *testing.T, s *Store, coll string, docs, cells int) func(ctx context.Context) error {
	t.Helper()
	ctx := context.Background()
	var batch []any
	for i := range docs {
		cs := make(bson.A, cells)
		for j := range cs {
			cs[j] = bson.D{{Key: "dim", Value: fmt.Sprintf("d%d", j%7)}, {Key: "value", Value: fmt.Sprintf("v%d", j)}, {Key: "n", Value: j}}
		}
		batch = append(batch, bson.D{{Key: "_id", Value: fmt.Sprintf("d%05d", i)}, {Key: "n", Value: i}, {Key: "cells", Value: cs}})
		if len(batch) == 200 || i == docs-1 {
			if _, err := s.c(coll).InsertMany(ctx, batch); err != nil {
				t.Fatal(err)
			}
			batch = nil
		}
	}
	return func(ctx context.Context) error {
		cur, err := s.r(coll).Find(ctx, bson.D{{Key: "n", Value: bson.D{{Key: "$lt", Value: 0}}}})
		if err != nil {
			return err
		}
		defer cur.Close(ctx)
		for cur.Next(ctx) {
		}
		return cur.Err()
	}
}

// TestAJobsLimitDoesNotCloseOtherJobsCursors: one job's run ends (its
// JobLimit) while its long read is in flight on the jobs' one connection,
// and another job's cursor on the same connection still reads to its end.
// With the run's deadline told to the driver (context.WithTimeout), the
// driver cut the read off, closed the connection, and the other job's
// next batch failed with CursorNotFound (issue 18: the text outbox's 8 s
// pass at ten times the data).
func TestAJobsLimitDoesNotCloseOtherJobsCursors(t *testing.T) {
	s := openTestAny(t)
	if s.jobsDB == nil {
		t.Skip("MongoDB: one client and no lanes (its server has its own concurrency control)")
	}
	ctx := context.Background()
	scan := fillForLanes(t, s, "lane_long", 400, 40)
	const small = 100
	var few []any
	for i := range small {
		few = append(few, bson.D{{Key: "_id", Value: fmt.Sprintf("s%03d", i)}, {Key: "n", Value: i}})
	}
	if _, err := s.c("lane_small").InsertMany(ctx, few); err != nil {
		t.Fatal(err)
	}

	// The other job opens its cursor, five documents a batch, and reads one.
	other := ForJob(ctx)
	cur, err := s.r("lane_small").Find(other, bson.D{}, options.Find().SetBatchSize(5))
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close(other)
	if !cur.Next(other) {
		t.Fatalf("the other job's first document: %v", cur.Err())
	}

	// How long the long read takes on this machine now: the server is busy
	// with it that long whoever waits for its answer.
	began := time.Now()
	if err := scan(ForJob(ctx)); err != nil {
		t.Fatal(err)
	}
	took := time.Since(began)

	// The first job's run ends a moment into its long read.
	limited, cancel := JobLimit(ForJob(ctx), 10*time.Millisecond)
	defer cancel()
	began = time.Now()
	_ = scan(limited) // ends early or not: the run is over either way
	<-limited.Done()
	// The other job goes on once the server is done with that read (and
	// with the connection, had the driver closed it).
	time.Sleep(time.Until(began.Add(took + time.Second)))

	n := 1
	for cur.Next(other) {
		n++
	}
	if err := cur.Err(); err != nil {
		t.Fatalf("the other job's cursor after the first job's limit: %v (read %d of %d)", err, n, small)
	}
	if n != small {
		t.Fatalf("the other job read %d documents, want %d", n, small)
	}
}

// TestJobsWaitTheirTurnForTheirConnection: many jobs start at once while
// another job's long read holds the jobs' one connection, and none fails
// for want of a connection: a job waits its turn for as long as its run
// lasts (jobTurnWait), where the driver's own bound (30 s of server
// selection) made the jobs queued behind the first runs' long reads at
// ten times the data fail ("timed out while checking out a connection").
func TestJobsWaitTheirTurnForTheirConnection(t *testing.T) {
	s := openTestAny(t)
	if s.jobsDB == nil {
		t.Skip("MongoDB: one client and no lanes (its server has its own concurrency control)")
	}
	long := fillForLanes(t, s, "lane_long", 400, 40)
	short := fillForLanes(t, s, "lane_short", 20, 2)
	first := make(chan error, 1)
	go func() { first <- long(ForJob(context.Background())) }()
	for deadline := time.Now().Add(time.Minute); s.jobsLane.inUse.Load() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the long read did not start in a minute")
		}
		time.Sleep(time.Millisecond)
	}

	const jobs = 24
	before := s.jobsLane.counts()
	errs := make(chan error, jobs)
	var wg sync.WaitGroup
	for range jobs {
		wg.Go(func() { errs <- short(ForJob(context.Background())) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a job's read: %v", err)
		}
	}
	if err := <-first; err != nil {
		t.Errorf("the long read: %v", err)
	}
	after := s.jobsLane.counts()
	if after.Queued == before.Queued {
		t.Errorf("no job waited for the connection: the test did not make them queue")
	}
	if after.Peak > jobReadConns {
		t.Errorf("the jobs had %d connections at once, want at most %d", after.Peak, jobReadConns)
	}
}

// TestTextsAreNotHeldBackByJobsReads: while other jobs' long reads keep the
// jobs' one connection busy, with more of them queued for it, the text
// outbox's pass (its JobLimit, shorter than two of those reads) still finds
// the text that is due. On the jobs' connection its read waited behind
// every read queued before it, and at ten times the data its 8 s pass gave
// up ("timed out while checking out a connection … wait duration: 8.0s"),
// again every 5 s (issue 18).
func TestTextsAreNotHeldBackByJobsReads(t *testing.T) {
	s := openTestAny(t)
	if s.jobsDB == nil {
		t.Skip("MongoDB: one client and no lanes (its server has its own concurrency control)")
	}
	ctx := context.Background()
	long := fillForLanes(t, s, "lane_long", 200, 20)
	// How long one of the long reads takes on this machine now.
	began := time.Now()
	if err := long(ForJob(ctx)); err != nil {
		t.Fatal(err)
	}
	took := time.Since(began)
	if err := s.QueueMessages(ctx, []Mail{{Channel: ChannelText, To: "07700900001", Body: "Advice asked"}}); err != nil {
		t.Fatal(err)
	}

	// Four jobs read the long collection over and over.
	jobCtx, stop := context.WithCancel(ForJob(ctx))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for jobCtx.Err() == nil {
				_ = long(jobCtx)
			}
		})
	}
	defer func() {
		stop()
		wg.Wait()
	}()
	queued := s.jobsLane.counts().Queued
	for deadline := time.Now().Add(time.Minute); s.jobsLane.counts().Queued-queued < 3; {
		if time.Now().After(deadline) {
			t.Fatal("the jobs' reads did not queue for their connection in a minute")
		}
		time.Sleep(time.Millisecond)
	}

	pass, cancel := JobLimit(ForJob(ctx), 2*took)
	defer cancel()
	ms, err := s.DueTexts(pass, 10)
	if err != nil || len(ms) != 1 {
		t.Fatalf("the text outbox's pass (%v) while the jobs read: %d texts, %v; want the one due", 2*took, len(ms), err)
	}
	if got := s.outboxLane.counts().Checkouts; got == 0 {
		t.Errorf("the outboxes' lane checked out no connection: the text outbox read elsewhere")
	}
}

// TestAJobsReadThroughURIOutlastsTheClientTimeout: through MONGODB_URI on
// the embedded engine (store/devstore, `make test-mongo`), a job's read
// that takes longer than the client-side timeout (CANDOUR_DB_TIMEOUT, 10 s
// by default) finishes within its run's JobLimit. The jobs' client had the
// remote options' timeout, which the driver applies to every command
// whatever JobLimit says, so it cut the read off (issue 18).
func TestAJobsReadThroughURIOutlastsTheClientTimeout(t *testing.T) {
	e := openTestAny(t)
	if e.embedded == nil {
		t.Skip("through MONGODB_URI already: this test serves its own embedded engine by URI")
	}
	ctx := context.Background()
	fillForLanes(t, e, "lane_uri", 200, 20)
	scan := func(s *Store, ctx context.Context) error { // one long command, as fillForLanes's scan
		cur, err := s.r("lane_uri").Find(ctx, bson.D{{Key: "n", Value: bson.D{{Key: "$lt", Value: 0}}}})
		if err != nil {
			return err
		}
		defer cur.Close(ctx)
		for cur.Next(ctx) {
		}
		return cur.Err()
	}
	began := time.Now()
	if err := scan(e, ForJob(ctx)); err != nil {
		t.Fatal(err)
	}
	took := time.Since(began)

	// The same engine by URI, with a client-side timeout a third of the read.
	r, err := Open(ctx, Options{URI: e.embedded.uri, Database: "test", Timeout: took / 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close(context.Background()) })
	if !r.ferret || r.jobsDB == nil {
		t.Fatal("the embedded engine by URI was not taken for FerretDB: no jobs' lane")
	}
	run, cancel := JobLimit(ForJob(ctx), 10*took)
	defer cancel()
	if err := scan(r, run); err != nil {
		t.Fatalf("a job's read of %v under a client timeout of %v: %v", took, took/3, err)
	}
}
