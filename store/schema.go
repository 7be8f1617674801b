package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// ErrSchemaNewer is the refusal to open a database that a newer version of
// Candour has migrated: this binary does not know what those migrations
// changed, so writing to it could undo them. `candour serve` exits with
// status 3 on it.
var ErrSchemaNewer = errors.New("the database was migrated by a newer version of Candour")

// SchemaVersion is the highest migration this binary knows.
func SchemaVersion() int {
	n := 0
	for _, m := range migrations {
		n = max(n, m.n)
	}
	return n
}

// MaintenanceTimeout bounds index builds and migrations at start-up. They
// run outside the start-up deadline (the caller's context's deadline
// bounds only connecting and the schema check): an index build on a large
// collection may take minutes, and cutting it short at every start would
// mean it never finishes.
const MaintenanceTimeout = 30 * time.Minute

// migrationLease is the lease (leases collection) an instance holds while
// it runs migrations, and migrationLeaseFor how long it lasts without
// renewal (it is renewed before each migration).
const (
	migrationLease    = "migrations"
	migrationLeaseFor = 10 * time.Minute
	migrationPoll     = 200 * time.Millisecond
)

// appliedSchema is the highest migration recorded in the database (0 for
// a new one).
func (s *Store) appliedSchema(ctx context.Context) (int, error) {
	var top struct {
		N int `bson:"_id"`
	}
	err := s.r("migrations").FindOne(ctx, bson.D{}, options.FindOne().SetSort(bson.D{{Key: "_id", Value: -1}})).Decode(&top)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: read the schema version: %w", err)
	}
	return top.N, nil
}

// checkSchema refuses a database migrated beyond SchemaVersion.
func (s *Store) checkSchema(ctx context.Context) error {
	n, err := s.appliedSchema(ctx)
	if err != nil {
		return err
	}
	if n > SchemaVersion() {
		return fmt.Errorf("store: %w: its schema is at migration %d, this binary knows migrations up to %d; "+
			"run the newer version (or restore the backup taken before the upgrade)", ErrSchemaNewer, n, SchemaVersion())
	}
	return nil
}

// pendingMigrations counts the migrations not yet recorded.
func (s *Store) pendingMigrations(ctx context.Context) (int, error) {
	var done []struct {
		N int `bson:"_id"`
	}
	if err := s.findAll(ctx, "migrations", bson.D{}, &done); err != nil {
		return 0, fmt.Errorf("store: migrations: %w", err)
	}
	recorded := map[int]bool{}
	for _, d := range done {
		recorded[d.N] = true
	}
	n := 0
	for _, m := range migrations {
		if !recorded[m.n] {
			n++
		}
	}
	return n, nil
}

// migrateUnderLease runs the pending migrations in one instance only: it
// takes the migrations lease (or, while another instance holds it, waits
// until that instance has finished or its lease has lapsed) and releases it
// at the end. Each migration is recorded as it completes, so an instance
// that dies part-way leaves the rest to the next holder.
func (s *Store) migrateUnderLease(ctx context.Context, holder string) error {
	for {
		n, err := s.pendingMigrations(ctx)
		if err != nil {
			return err
		}
		if n <= 0 {
			return nil
		}
		ok, err := s.AcquireLease(ctx, migrationLease, holder, migrationLeaseFor)
		if err != nil {
			return err
		}
		if ok {
			err := s.migrate(ctx, func() error {
				_, err := s.AcquireLease(ctx, migrationLease, holder, migrationLeaseFor)
				return err
			})
			return errors.Join(err, s.ReleaseLease(context.WithoutCancel(ctx), migrationLease, holder))
		}
		s.log.Info("store: another instance is running the migrations; waiting")
		select {
		case <-time.After(migrationPoll):
		case <-ctx.Done():
			return fmt.Errorf("store: waiting for another instance's migrations: %w", ctx.Err())
		}
	}
}

// ReleaseLease gives up holder's lease on job at once (at shutdown), so
// another instance can take the job without waiting for it to lapse. A
// lease another holder has taken meanwhile is left alone.
func (s *Store) ReleaseLease(ctx context.Context, job, holder string) error {
	_, err := s.updateIf(ctx, "leases", job, Eq("holder", holder),
		bson.D{{Key: "$set", Value: bson.D{{Key: "until", Value: time.Unix(0, 0).UTC()}}}})
	if err != nil {
		return fmt.Errorf("store: release lease %s: %w", job, err)
	}
	s.held.remove(job, holder)
	return nil
}

// heldLeases are the leases this store has taken (job to holder), so that
// Close can release them: at a rolling restart the next instance takes the
// jobs at once instead of waiting up to two intervals for them to lapse.
type heldLeases struct {
	mu   sync.Mutex
	jobs map[string]string
}

func (h *heldLeases) add(job, holder string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.jobs == nil {
		h.jobs = map[string]string{}
	}
	h.jobs[job] = holder
}

func (h *heldLeases) remove(job, holder string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.jobs[job] == holder {
		delete(h.jobs, job)
	}
}

func (h *heldLeases) all() map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return maps.Clone(h.jobs)
}

// releaseLeases releases every lease this store holds (at Close, after the
// jobs have stopped).
func (s *Store) releaseLeases(ctx context.Context) error {
	var errs []error
	for job, holder := range s.held.all() {
		errs = append(errs, s.ReleaseLease(ctx, job, holder))
	}
	return errors.Join(errs...)
}

// Leases lists the job leases (operators and tests: who runs what until when).
func (s *Store) Leases(ctx context.Context) ([]Lease, error) {
	var ls []Lease
	if err := s.findAll(ctx, "leases", bson.D{}, &ls); err != nil {
		return nil, fmt.Errorf("store: leases: %w", err)
	}
	return ls, nil
}
