//go:build !candourrelease

package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// The hooks for tests and the benchmark (make bench) only. Files with
// `//go:build !candourrelease` hold them: `make build`, `make run`,
// `make binary` and the image compile with the candourrelease tag, so the
// portal's binary has none of them, and a release build fails to compile
// if production code ever calls one. Tests and the benchmark build
// without the tag (the plain `go test -tags ferretdb_no_postgresql` that
// everyone runs). SeedAuditEvents is in bench_seed.go under the same tag.

// RawDatabase is the driver's database handle, for tests that read or
// damage the stored documents directly (the "raw dump" checks, simulated
// crashes) and for the benchmark's raw insert rate.
func (s *Store) RawDatabase() *mongo.Database { return s.db }

// DropDatabase drops the store's whole database. Tests use it to remove
// the database they made on a shared server (store/storetest).
func (s *Store) DropDatabase(ctx context.Context) error {
	if err := s.db.Drop(ctx); err != nil {
		return fmt.Errorf("store: drop database: %w", err)
	}
	return nil
}

// RecordMigrationForTest records migration n as applied without running
// anything. Tests use it to make a database look migrated by another
// release.
func (s *Store) RecordMigrationForTest(ctx context.Context, n int, name string) error {
	_, err := s.c("migrations").InsertOne(ctx, bson.D{{Key: "_id", Value: n}, {Key: "name", Value: name}, {Key: "appliedAt", Value: s.now().UTC()}})
	return err
}

// PutTallies writes a survey's counters as given (the benchmark's million
// responses).
func (s *Store) PutTallies(ctx context.Context, surveyID string, ts []Tally) error {
	return s.putTallies(ctx, surveyID, ts)
}

// TraceCommands tells f of every command the store sends from now on (its
// name and the collection it names), until the returned func is called.
// Tests use it to count a request's round trips.
func (s *Store) TraceCommands(f func(command, coll string)) (stop func()) {
	s.ops.trace.Store(&f)
	return func() { s.ops.trace.Store(nil) }
}

// TraceFilters calls f with every database command sent, the collection
// it names and its filter (nil when it has none), until stop is called:
// tests use it to see that a read goes by _id alone.
func (s *Store) TraceFilters(f func(command, coll string, filter bson.Raw)) (stop func()) {
	s.ops.filters.Store(&f)
	return func() { s.ops.filters.Store(nil) }
}

// ForgetCopies drops the in-process copies of stored documents (sessions,
// accounts, the audit chain's head and newest pages, the unfolded audit
// events the audit pages read, …) and what this
// process knows it folded of the audit events, as a restart would. Tests that
// change documents behind the store's back through RawDatabase call it
// after, so the store reads what they left.
func (s *Store) ForgetCopies() {
	for _, c := range s.docs.colls {
		c.invalidate("")
	}
	s.groupsAll.invalidate("")
	s.auditQ.folded.Store(0)
	s.keptDrop()
	s.outboxQuiet.changed()
}

// SettleDiariesForTest writes every sign-up's booking still waiting to be
// written into its diary (visit_diary_later.go) and returns once it is:
// a test that reads the diaries raw, or counts commands, calls it first.
func (s *Store) SettleDiariesForTest(ctx context.Context) error { return s.settleDiaries(ctx) }

// HoldDiaryWritesForTest keeps sign-ups' bookings waiting in memory until
// release (or a write of their month, SettleDiariesForTest): a test sees
// a sign-up's own writes apart from them.
func (s *Store) HoldDiaryWritesForTest() (release func()) {
	q := s.later
	q.mu.Lock()
	q.held = true
	q.mu.Unlock()
	return func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		q.held = false
		if len(q.waiting) > 0 && !q.running {
			q.running = true
			go s.writeDiariesLater()
		}
	}
}

// ListAuditStoredForTest is ListAudit reading what is stored, as it does
// through MONGODB_URI: the unfolded events with a find on
// AuditEventsCollection, never the embedded store's copy of them in memory
// (audit_tail.go). Tests compare the two.
func (s *Store) ListAuditStoredForTest(ctx context.Context, f AuditFilter) ([]AuditEvent, bool, error) {
	return s.listAudit(ctx, f, false)
}

// FoldAuditForTest folds every audit event up to the chain head onto its
// page (AuditCollection, AuditPageID), the last partial page too, as the
// background fold does for full pages: tests that edit stored events as
// someone with database access would then find each event on its page.
// Appends after it go to AuditEventsCollection again.
func (s *Store) FoldAuditForTest(ctx context.Context) error {
	head, err := s.AuditHead(ctx)
	if err != nil {
		return err
	}
	s.auditQ.folds.Wait()
	return s.foldAudit(ctx, head, false)
}

// DiskState is the embedded server's group commit so far (durable.go): the
// fsyncs begun, the commits on disk and the commits made; ok is false
// without one (MongoDB, or the engine through a URI). Tests use it to see
// that a request's answer waited until its writes were on disk.
func (s *Store) DiskState() (fsyncs, synced, committed uint64, ok bool) {
	if s.w == nil || s.w.disk == nil {
		return 0, 0, 0, false
	}
	g := s.w.disk
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.fsyncs, g.synced, g.committed, true
}

// SetCountTimeoutForTest makes counting a batch run out of time after d
// (0: the usual countTimeout), as it does when the writer queue is long.
func (s *Store) SetCountTimeoutForTest(d time.Duration) {
	b := s.tallyBatch()
	b.mu.Lock()
	b.timeout = d
	b.mu.Unlock()
}

// SetPaperChunkSizeForTest makes uploaded files (meeting papers, expenses
// receipts) stored from now on sealed in chunks of n bytes (0: the usual
// PaperChunkSize). Chunking is the same at any size; a test that needs
// several chunks of a file need not seal and store megabytes under the
// race detector for it.
func (s *Store) SetPaperChunkSizeForTest(n int) { s.chunkSize.Store(int64(n)) }

// AnswerStoredInsertsForTest makes each insert of survey responses that
// stored them answer err (nil: as usual), as one does that stored its
// documents and then did not answer in time under load.
func (s *Store) AnswerStoredInsertsForTest(err error) {
	q := s.responses
	q.mu.Lock()
	q.late = err
	q.mu.Unlock()
}

// ReadsAsJobForTest reports whether ctx was marked by ForJob: the jobs'
// tests check that their runner marks every run's context.
func ReadsAsJobForTest(ctx context.Context) bool { return isJobWork(ctx) }
