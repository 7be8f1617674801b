package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// sharedServerURI is a server that two stores can open one database on:
// MONGODB_URI when it is set, or else the embedded engine (FerretDB on
// SQLite) listening on a loopback TCP port in this process, for this test.
func sharedServerURI(t *testing.T) string {
	t.Helper()
	if uri := os.Getenv("MONGODB_URI"); uri != "" {
		return uri
	}
	f, err := newFerretDB(&ferretdb.Config{Listener: ferretdb.ListenerConfig{TCP: "127.0.0.1:0"}, Handler: "sqlite",
		SQLiteURL: (&url.URL{Scheme: "file", Path: t.TempDir() + "/"}).String(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = f.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return f.MongoDBURI()
}

// Two instances starting together on one database run each migration
// once: one holds the migrations lease and runs them, the other waits and
// then finds them recorded. The extra migration takes 300 ms, so the two
// openings overlap.
func TestMigrationsRunOnceAcrossInstances(t *testing.T) {
	var runs atomic.Int32
	saved := migrations
	t.Cleanup(func() { migrations = saved })
	extra := SchemaVersion() + 1
	migrations = append(append([]migration(nil), saved...), migration{n: extra, name: "test: slow", run: func(context.Context, *Store) error {
		runs.Add(1)
		time.Sleep(300 * time.Millisecond)
		return nil
	}})

	uri := sharedServerURI(t)
	db := "t_migrate_" + NewID()
	var wg sync.WaitGroup
	stores := make([]*Store, 2)
	errs := make([]error, 2)
	for i := range stores {
		wg.Go(func() {
			stores[i], errs[i] = Open(context.Background(), Options{URI: uri, Database: db})
		})
	}
	wg.Wait()
	for i, s := range stores {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
		defer s.Close(context.Background())
	}
	defer stores[0].DropDatabase(context.Background())
	if n := runs.Load(); n != 1 {
		t.Errorf("the slow migration ran %d times, want once", n)
	}
	for i, s := range stores {
		if n, err := s.appliedSchema(context.Background()); err != nil || n != extra {
			t.Errorf("instance %d sees schema %d (%v), want %d", i, n, err, extra)
		}
	}
	// The lease was released: a third instance takes it at once.
	if ok, err := stores[1].AcquireLease(context.Background(), migrationLease, "third", time.Minute); err != nil || !ok {
		t.Errorf("migrations lease after start-up: %v %v, want free", ok, err)
	}
}

// A database migrated by a newer binary is refused with a message that
// says what to do, and is left as it was.
func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	if err := PrepareFresh(ctx, dir, "test"); err != nil { // a fresh store, without making one
		t.Fatal(err)
	}
	s, err := Open(ctx, Options{DataDir: dir, Database: "test"})
	if err != nil {
		t.Fatal(err)
	}
	future := SchemaVersion() + 2
	if _, err := s.c("migrations").InsertOne(ctx, bson.D{{Key: "_id", Value: future}, {Key: "name", Value: "from the future"}}); err != nil {
		t.Fatal(err)
	}
	s.Close(ctx)
	_, err = Open(ctx, Options{DataDir: dir, Database: "test"})
	if !errors.Is(err, ErrSchemaNewer) {
		t.Fatalf("open a newer database: %v, want ErrSchemaNewer", err)
	}
	for _, want := range []string{"newer version of Candour", fmt.Sprintf("at migration %d", future),
		fmt.Sprintf("up to %d", SchemaVersion()), "run the newer version"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// Releasing a lease lets another holder take it at once; releasing one
// that another holder has taken meanwhile leaves it with them.
func TestReleaseLease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTestAny(t)
	if ok, _ := s.AcquireLease(ctx, "job", "a", time.Hour); !ok {
		t.Fatal("a could not take a free lease")
	}
	if ok, _ := s.AcquireLease(ctx, "job", "b", time.Hour); ok {
		t.Fatal("b took a's live lease")
	}
	if err := s.ReleaseLease(ctx, "job", "a"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.AcquireLease(ctx, "job", "b", time.Hour); !ok {
		t.Fatal("b could not take the lease a released")
	}
	if err := s.ReleaseLease(ctx, "job", "a"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.AcquireLease(ctx, "job", "c", time.Hour); ok {
		t.Fatal("a's late release freed b's lease")
	}
}

// Of three imports' records, those a month refers to and those made an
// hour ago (an import perhaps still running) stay; the two-day-old ones
// nothing refers to (a crashed import) are deleted. (Until issue 18 each
// import had a collection of its own, and the test looked at those.)
func TestDropOrphanImports(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTestAny(t)
	now := s.Now()
	gen := func(age time.Duration) string { return bson.NewObjectIDFromTimestamp(now.Add(-age)).Hex() }
	current, crashed, running := gen(72*time.Hour), gen(48*time.Hour), gen(time.Hour)
	for _, g := range []string{current, crashed, running} {
		for i := range 3 {
			if err := s.PutPowerChunk(ctx, PowerStopSearch, "dorset", "2025-01", g, i, []string{"a,b"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.PutPowerPart(ctx, PowerStopSearch, "dorset", "2025-01", PowerPart{Key: "2025-01", Source: "f.csv", Gen: current, Records: 3, Chunks: 3}); err != nil {
		t.Fatal(err)
	}
	dropped, err := s.DropOrphanImports(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := crashed + "/stop-search/dorset/2025-01"; len(dropped) != 1 || dropped[0] != want {
		t.Fatalf("dropped %v, want only %s", dropped, want)
	}
	m, err := s.PowerMonth(ctx, PowerStopSearch, "dorset", "2025-01")
	if err != nil {
		t.Fatal(err)
	}
	for g, want := range map[string]bool{current: true, crashed: false, running: true} {
		for i := range 3 {
			_, err := s.PowerChunkOf(ctx, m, &PowerPart{Gen: g}, i)
			if (err == nil) != want {
				t.Errorf("import %s chunk %d present = %v, want %v", g, i, err == nil, want)
			}
		}
	}
	if again, err := s.DropOrphanImports(ctx); err != nil || len(again) != 0 {
		t.Fatalf("a second run dropped %v (%v), want nothing", again, err)
	}
}

// Closing a store releases the leases it took, so the next instance (here
// the same data directory opened again) takes the job at once.
func TestCloseReleasesLeases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	if err := PrepareFresh(ctx, dir, "test"); err != nil { // a fresh store, without making one
		t.Fatal(err)
	}
	s, err := Open(ctx, Options{DataDir: dir, Database: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := s.AcquireLease(ctx, "mail", "old-instance", 2*time.Hour); !ok || err != nil {
		t.Fatalf("take the lease: %v %v", ok, err)
	}
	s.Close(ctx)
	s, err = Open(ctx, Options{DataDir: dir, Database: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if ok, err := s.AcquireLease(ctx, "mail", "new-instance", 2*time.Hour); !ok || err != nil {
		t.Fatalf("the next instance could not take the closed store's lease: %v %v", ok, err)
	}
}

// The client-side operation timeout: 10 s unless told, CANDOUR_DB_TIMEOUT
// (Options.Timeout) otherwise, and a timeoutMS in the URI wins; majority
// writes and retryable writes are on.
func TestRemoteOptionsBoundEveryOperation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		uri     string
		timeout time.Duration
		want    time.Duration
	}{
		{"mongodb://db1,db2/?replicaSet=rs0", 0, 10 * time.Second},
		{"mongodb://db1,db2/?replicaSet=rs0", 3 * time.Second, 3 * time.Second},
		{"mongodb://db1,db2/?replicaSet=rs0&timeoutMS=2500", 3 * time.Second, 2500 * time.Millisecond},
	} {
		o, err := remoteOptions(Options{URI: tc.uri, Timeout: tc.timeout})
		if err != nil {
			t.Fatal(err)
		}
		if o.Timeout == nil || *o.Timeout != tc.want {
			t.Errorf("%s with %s: timeout %v, want %s", tc.uri, tc.timeout, o.Timeout, tc.want)
		}
		if o.WriteConcern == nil || o.WriteConcern.W != "majority" || o.RetryWrites == nil || !*o.RetryWrites {
			t.Errorf("%s: write concern %+v, retryable writes %v", tc.uri, o.WriteConcern, o.RetryWrites)
		}
	}
	if _, err := remoteOptions(Options{URI: "mongodb://db/?timeoutMS=-5"}); err == nil {
		t.Error("a negative timeoutMS was accepted")
	}
	// A timeout too short for any answer: opening fails instead of waiting.
	_, err := Open(context.Background(), Options{URI: sharedServerURI(t), Database: "t_timeout", Timeout: time.Microsecond})
	if err == nil || !strings.Contains(err.Error(), "timed out") && !strings.Contains(err.Error(), "deadline") && !strings.Contains(err.Error(), "timeout") {
		t.Errorf("open with a 1 µs operation timeout: %v, want a timeout", err)
	}
}

// Migrations (and index builds, on the same context) are not bounded by
// the caller's start-up deadline: a migration that outlasts it, and
// writes afterwards, completes and the store opens.
func TestMaintenanceOutlastsTheStartUpDeadline(t *testing.T) {
	saved := migrations
	t.Cleanup(func() { migrations = saved })
	migrations = append(append([]migration(nil), saved...), migration{n: SchemaVersion() + 1, name: "test: long", run: func(ctx context.Context, s *Store) error {
		time.Sleep(2 * time.Second)
		_, err := s.c("long_migration").InsertOne(ctx, bson.D{{Key: "_id", Value: "done"}})
		return err
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	s, err := Open(ctx, Options{DataDir: t.TempDir(), Database: "test"})
	if err != nil {
		t.Fatalf("open with a migration longer than the start-up deadline: %v", err)
	}
	defer s.Close(context.Background())
	if n, err := s.r("long_migration").CountDocuments(context.Background(), bson.D{}); err != nil || n != 1 {
		t.Errorf("the long migration's write: %d (%v), want 1", n, err)
	}
}
