// Package store is everything that talks to MongoDB: opening the database
// (a MongoDB replica set from MONGODB_URI, or the embedded FerretDB server),
// indexes, migrations, and one file per collection with its domain types.
//
// It keeps to the subset of MongoDB that behaves the same on MongoDB and on
// the embedded server (see DESIGN.md, "Store rules"), and it never imports the
// web framework: handlers call its methods and branch on its sentinel errors.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"candour/apperr"
)

// Sentinel errors: application errors (candour/apperr) with a code and no
// message, so server/render.go maps them to a page and a status, and a
// handler that words one for its page still matches it with errors.Is.
var (
	ErrNotFound  = apperr.New(apperr.NotFound, "", "")
	ErrConflict  = apperr.New(apperr.Conflict, "", "")
	ErrDuplicate = apperr.New(apperr.Duplicate, "", "")
	ErrExpired   = apperr.New(apperr.Expired, "", "")
	ErrInUse     = errors.New("in use by another process")
)

// Options says which database to open.
type Options struct {
	URI      string // MongoDB connection string; empty starts the embedded server
	Database string
	DataDir  string // where the embedded server keeps its files
	Logger   *slog.Logger
	// Timeout bounds every database operation on MongoDB (the driver's
	// client-side operation timeout, timeoutMS): zero means
	// DefaultTimeout; a timeoutMS in URI takes precedence. A context with
	// its own deadline (index builds, long exports) is honoured instead.
	// The jobs' reads on the embedded engine by URI have none
	// (jobLaneOptions): store.JobLimit bounds them.
	Timeout time.Duration
}

// DefaultTimeout is the client-side operation timeout on MongoDB when
// neither CANDOUR_DB_TIMEOUT nor the URI's timeoutMS says otherwise.
const DefaultTimeout = 10 * time.Second

// Store is the open database.
type Store struct {
	client  *mongo.Client   // the writer (one connection on the embedded server)
	db      *mongo.Database // on client: every write goes here, through s.c
	rclient *mongo.Client   // the read pool (the same client on MongoDB)
	rdb     *mongo.Database // on rclient: every read goes here, through s.r
	// the jobs' lane (read_lanes.go): a job's reads on the embedded server
	// (nil on MongoDB, where jobs read on rdb like everyone else)
	jobsClient *mongo.Client
	jobsDB     *mongo.Database
	// the outboxes' lane (read_lanes.go): the two outbox workers' reads of
	// the messages due, on the embedded server (nil on MongoDB), and its
	// pool's counts
	outboxClient *mongo.Client
	outboxDB     *mongo.Database
	outboxLane   *readLane
	// the pools' counts, for tests: the requests' read pool and the jobs'
	readLane, jobsLane *readLane
	w                  *writer
	eng                engine
	docs               *docCache // sessions and accounts by _id (copies.go)
	auditQ             auditQueue
	dir                directory // the people list's copy of the accounts (copy_directory.go)
	// counted copies (copies.go): recommendation and referral summaries,
	// the calendar's months.
	countedMu sync.Mutex
	counted   []counterWatcher
	recIndex  *countedCopy[[]RecSummary]
	refIndex  *countedCopy[[]RefSummary]
	recIx     copyIndex[*recViews]  // recIndex's load by _id, by each filtered field, and counted
	refIx     copyIndex[refIndexes] // positions in refIndex's load, by _id, by partner and by blind-index value
	// refsLooked counts the referral summaries ListReferrals and
	// ReferralMatches have looked at (export_test.go: a partner's list must
	// not look at other partners', a referral's matches at other people's).
	refsLooked atomic.Int64
	// usersLooked counts the accounts ListUsers has looked at (a list of
	// one role looks at that role's only).
	usersLooked atomic.Int64
	// recsLooked, the same for ListRecommendations (a filtered page must
	// look only at the summaries with its rarest value).
	recsLooked atomic.Int64
	monthsCp   *countedCopy[map[string]visitMonth]
	monthsIx   copyIndex[*monthViews] // monthsCp's load by calendar day, by _id, by group, by attendee, and counted (copy_visit_months.go)
	// visitsLooked counts the calendar copies the visit lists have looked
	// at (export_test.go: a member's home page must not look at every
	// visit of their groups).
	visitsLooked atomic.Int64
	// a force's months of records of a power, by kind, force and period
	// (copy_powers.go)
	powerMonths *versioned[[]PowerMonth]
	// powerIndexes and populations are copies on the embedded server only
	// (copy_powers.go): the overview of every activity reads them.
	powerIndexes *versioned[map[string][]PowerIndex]
	populations  *versioned[*Population]
	// every advice request, on the embedded server (copy_advice.go)
	adviceAll *versioned[[]adviceCopy]
	// each request read by _id, decoded and opened, on the embedded server (advice.go, AdviceRequest)
	adviceOpened *versioned[*AdviceRequest]
	// each request's people asked, as a list and a set, on the embedded server (copy_advice.go, askedOf)
	adviceAsked *versioned[askedList]
	// every group by name, on the embedded server (copy_groups.go)
	groupsAll *versioned[[]Group]
	// surveys for respondents' pages (copy_cache.go)
	surveyCopy *Cache[*Survey]
	// each survey's published free-text answers, on the embedded server (copy_survey_texts.go)
	publishedTexts *versioned[[]SurveyText]
	// the free referral slots' ids, on the embedded server (copy_referrals.go)
	freeSlots *versioned[[]string]
	embedded  *embedded
	ckpt      *checkpointer // the embedded server's WAL checkpoints (checkpoint.go)
	ferret    bool          // the embedded engine as a separate process, by URI
	held      heldLeases    // leases taken through this store, released at Close
	log       *slog.Logger
	now       func() time.Time
	ops       *opLatency
	sealer    *fieldSealer     // field encryption for referrals (SetSealer)
	hits      *hitQueue        // rate-limit hits counted together (limits.go)
	attempts  *attemptBudgets  // attempt budgets decided in memory, on the embedded server (limits_attempts.go)
	later     *diaryLater      // sign-ups' bookings still to be written into the diaries (visit_diary_later.go)
	batcher   *tallyBatcher    // survey counts group-committed (survey_counting.go)
	responses *responseInserts // survey responses inserted together (survey_inserts.go)

	// the numbering of each survey's counters' changes (copy_survey_figures.go)
	figures surveyFigures
	// the surveys' writes through this store, counted, and which survey
	// each of the latest wrote (SurveysVersion, SurveysWrittenSince: copy_cache.go)
	surveysWritten surveyWrites

	// the reference numbers this process holds (referrals.go, nextRef)
	refs refNumbers
	// places in a tax year of claims whose write failed (expense_tallies.go)
	abandoned abandonedPlaces
	// reserveFault, set by tests, fails a claim's place after its write
	// (expense_tallies.go, reserveMiles); nil otherwise
	reserveFault func() error
	// chunkSize, set by tests (SetPaperChunkSizeForTest), is how much of an
	// uploaded file one sealed chunk holds; 0 is PaperChunkSize
	chunkSize atomic.Int64

	outboxQuiet outboxQuiet // the outbox workers' idle scans spared (outbox_quiet.go)
}

// Open connects to MongoDB (or starts the embedded server), pings it and
// ensures indexes and migrations.
func Open(ctx context.Context, o Options) (*Store, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Database == "" {
		o.Database = "candour"
	}
	s := &Store{log: o.Logger, now: time.Now, ops: newOpLatency(), hits: newHitQueue(), attempts: newAttemptBudgets(), later: newDiaryLater(), batcher: &tallyBatcher{closed: make(chan struct{})}, responses: &responseInserts{}}
	copts := options.Client().SetAppName("candour").SetMonitor(s.ops.monitor())
	if o.URI == "" {
		e, err := startEmbedded(ctx, o.DataDir, o.Logger)
		if err != nil {
			return nil, err
		}
		s.embedded = e
		// More than one connection loses concurrent updates of one document
		// on the embedded server (measured): every write goes through one
		// connection and the writer lock; reads have a pool of their own.
		copts.ApplyURI(e.uri).SetMaxPoolSize(1)
	} else {
		var err error
		if copts, err = remoteOptions(o); err != nil {
			return nil, err
		}
		copts.SetAppName("candour").SetMonitor(s.ops.monitor())
	}
	client, err := mongo.Connect(copts)
	if err != nil {
		s.stopEmbedded()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	s.client = client
	s.db = client.Database(o.Database)
	s.rclient, s.rdb = client, s.db
	s.w = &writer{db: s.db}
	s.eng = mongoEngine{w: s.w}
	readURI := ""
	if s.embedded != nil {
		readURI = s.embedded.uri
	} else {
		// The embedded engine served over TCP (store/devstore: the
		// stand-in for MongoDB in `make test-mongo`) is not MongoDB: its
		// updates are not atomic across connections, so it gets the
		// embedded server's writer (one connection, one lock, conditions
		// evaluated in Go) behind the same URI path as MongoDB.
		ferret, err := s.isFerretDB(ctx)
		if err != nil {
			s.Close(context.Background())
			return nil, err
		}
		if ferret {
			s.ferret = true
			_ = client.Disconnect(ctx)
			wopts, _ := remoteOptions(o)
			if s.client, err = mongo.Connect(wopts.SetAppName("candour").SetMonitor(s.ops.monitor()).SetMaxPoolSize(1)); err != nil {
				return nil, fmt.Errorf("store: connect: %w", err)
			}
			s.db = s.client.Database(o.Database)
			s.rclient, s.rdb = s.client, s.db
			s.w = &writer{db: s.db}
			readURI = o.URI
		}
	}
	if readURI != "" {
		ropts := options.Client().ApplyURI(readURI)
		if s.embedded == nil {
			ropts, _ = remoteOptions(o)
		}
		s.readLane = newReadLane(readPoolSize)
		rc, err := mongo.Connect(ropts.SetAppName("candour-read").SetMonitor(s.ops.monitor()).
			SetPoolMonitor(s.readLane.monitor()).SetMaxPoolSize(readPoolSize))
		if err != nil {
			s.Close(context.Background())
			return nil, fmt.Errorf("store: connect the read pool: %w", err)
		}
		s.rclient, s.rdb = rc, rc.Database(o.Database)
		// The jobs' lane: the same server, connections of its own.
		s.jobsLane = newReadLane(jobReadConns)
		jc, err := mongo.Connect(s.jobLaneOptions(o, readURI).SetAppName("candour-jobs").SetMonitor(s.ops.monitor()).
			SetPoolMonitor(s.jobsLane.monitor()).SetMaxPoolSize(jobReadConns).SetServerSelectionTimeout(jobTurnWait))
		if err != nil {
			s.Close(context.Background())
			return nil, fmt.Errorf("store: connect the jobs' reads: %w", err)
		}
		s.jobsClient, s.jobsDB = jc, jc.Database(o.Database)
		// The outboxes' lane: their short reads never wait behind a job's.
		s.outboxLane = newReadLane(outboxConns)
		oc, err := mongo.Connect(s.jobLaneOptions(o, readURI).SetAppName("candour-outbox").SetMonitor(s.ops.monitor()).
			SetPoolMonitor(s.outboxLane.monitor()).SetMaxPoolSize(outboxConns))
		if err != nil {
			s.Close(context.Background())
			return nil, fmt.Errorf("store: connect the outboxes' reads: %w", err)
		}
		s.outboxClient, s.outboxDB = oc, oc.Database(o.Database)
		s.w.sem = make(chan struct{}, 1)
	}
	s.docs = newDocCache(s.embedded == nil)
	s.w.docs = s.docs
	if s.w.sem != nil {
		s.eng = embeddedEngine{w: s.w, docs: s.docs}
	}
	s.recIndex = newCountedCopy(s, recIndexCounter, s.dbRecSummaries)
	s.refIndex = newCountedCopy(s, refIndexCounter, s.dbRefSummaries)
	s.monthsCp = newCountedCopy(s, visitMonthsCounter, s.dbMonths)
	s.powerMonths = newVersioned[[]PowerMonth](1000, 0)
	s.powerIndexes = newVersioned[map[string][]PowerIndex](1, 0)
	s.populations = newVersioned[*Population](100, 0)
	s.adviceAll = newVersioned[[]adviceCopy](1, 0)
	s.adviceOpened = newVersioned[*AdviceRequest](adviceOpenedKept, 0)
	s.adviceAsked = newVersioned[askedList](adviceOpenedKept, 0)
	s.groupsAll = newVersioned[[]Group](1, 0)
	s.publishedTexts = newVersioned[[]SurveyText](1000, 0)
	surveyLife := time.Duration(0)
	if s.docs.remote {
		surveyLife = surveyCopyLife
	}
	s.surveyCopy = NewCache[*Survey](1000, surveyLife)
	s.freeSlots = newVersioned[[]string](1, 0)
	s.w.onInsert = func(coll, id string) {
		if coll == "users" {
			// A new account is placed in the people directory by its
			// _id ("": several, or not known, and the directory is read
			// again whole).
			s.dir.changed(id)
		}
	}
	s.w.onChange = func(ctx context.Context, coll, id string) {
		if coll == "power_months" || coll == "power_index" {
			s.powerMonthsChanged()
		}
		if coll == "power_index" {
			s.powerIndexes.invalidate("")
		}
		if coll == "populations" {
			s.populations.invalidate("")
		}
		if coll == "advice_requests" || coll == adviceAskedColl {
			s.adviceAll.invalidate("")
			if id != inserted { // a new request: no copy of it can exist
				s.adviceOpened.invalidate(id)
			}
			if coll == adviceAskedColl {
				// A list inserted for a request stored before lists had
				// documents of their own (migration 11) replaces the
				// request's own: drop every copy then.
				drop := id
				if id == inserted {
					drop = ""
				}
				s.adviceAsked.invalidate(drop)
			}
		}
		if coll == "groups" {
			s.groupsAll.invalidate("")
		}
		if coll == "surveys" {
			s.surveysChanged(id)
		}
		if coll == TextPageCollection || coll == TextCollection {
			s.surveyTextsChanged(id)
		}
		if coll == TallyCollection {
			s.tallyChanged(id)
		}
		if coll == "referrals" || coll == "referral_index" {
			s.refAggregateChanged(coll, id)
		}
		if coll == "counters" {
			if id == inserted {
				s.countersChanged("")
			} else {
				s.countersChanged(id)
			}
		}
		if s.docs.colls[coll] == nil {
			return
		}
		if id == inserted {
			if !s.docs.remote {
				return // nothing cached by _id can change
			}
			id = ""
		}
		if coll == "users" {
			s.dir.changed(id)
		}
		s.docs.changed(coll, id)
		if s.docs.remote {
			s.revoke(ctx)
		}
	}
	if err := s.Ping(ctx); err != nil {
		s.Close(context.Background())
		return nil, err
	}
	if s.embedded != nil {
		ids, err := openIDIndexer(s.embedded.file(o.Database), o.Logger)
		if err != nil {
			s.Close(context.Background())
			return nil, err
		}
		s.w.ids = ids
		s.w.disk = newGroupSync(s.embedded.file(o.Database)+"-wal", o.Logger)
		if s.ckpt, err = startCheckpointer(s.embedded.file(o.Database), s.w.disk, o.Logger); err != nil {
			s.Close(context.Background())
			return nil, err
		}
	}
	if err := s.checkSchema(ctx); err != nil {
		s.Close(context.Background())
		return nil, err
	}
	// Index builds and migrations are not bounded by the start-up
	// deadline (schema.go, MaintenanceTimeout).
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), MaintenanceTimeout)
	defer cancel()
	if err := s.EnsureIndexes(mctx); err != nil {
		s.Close(context.Background())
		return nil, err
	}
	if err := s.migrateUnderLease(mctx, "open-"+NewID()); err != nil {
		s.Close(context.Background())
		return nil, err
	}
	return s, nil
}

// jobLaneOptions are the client options of a lane that background jobs
// read on (the jobs' and the outboxes', read_lanes.go), at uri: the
// embedded engine's, or the remote options of the engine served by URI
// (store/devstore) without their client-side timeout. A job's run is
// bounded by store.JobLimit, which keeps its deadline from the driver so
// that a read in flight is never cut off (a cut-off read closes the lane's
// connection under every other job's cursor); a client-side timeout is
// told to the driver on every command whatever the run's limit, and cut a
// job's read, or its wait for its turn, off after 10 s (issue 18).
func (s *Store) jobLaneOptions(o Options, uri string) *options.ClientOptions {
	if s.embedded != nil {
		return options.Client().ApplyURI(uri)
	}
	opts, _ := remoteOptions(o)
	opts.Timeout = nil
	return opts
}

// remoteOptions are the client options for a server given by URI:
// majority write concern, retryable writes, reads from the primary, and
// every operation bounded by the client-side timeout (timeoutMS). The Go
// driver v2 has no separate wtimeout: with timeoutMS set it sends each
// command a maxTimeMS of the time left, which bounds the wait for the
// majority too, so a replica set that has lost its majority makes writes
// fail after the timeout instead of blocking forever.
func remoteOptions(o Options) (*options.ClientOptions, error) {
	t := o.Timeout
	if t == 0 {
		t = DefaultTimeout
	}
	copts := options.Client().
		SetWriteConcern(writeconcern.Majority()).
		SetRetryWrites(true).
		SetReadPreference(readpref.Primary())
	if t > 0 {
		copts.SetTimeout(t)
	}
	copts.ApplyURI(o.URI) // the URI's own options (timeoutMS, w, ...) win
	if err := copts.Validate(); err != nil {
		return nil, fmt.Errorf("store: MONGODB_URI: %w", err)
	}
	return copts, nil
}

// isFerretDB reports whether the server at the URI is FerretDB (the
// embedded engine as a separate process) rather than MongoDB: FerretDB's
// buildInfo names its own version.
func (s *Store) isFerretDB(ctx context.Context) (bool, error) {
	raw, err := s.client.Database("admin").RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Raw()
	if err != nil {
		return false, fmt.Errorf("store: buildInfo: %w", err)
	}
	_, err = raw.LookupErr("ferretdbVersion")
	return err == nil, nil
}

// Embedded reports whether the store runs on the in-process server.
func (s *Store) Embedded() bool { return s.embedded != nil }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx, readpref.Primary()); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Close releases the leases this store holds (call it after the jobs
// have stopped), disconnects and stops the embedded server.
func (s *Store) Close(ctx context.Context) error {
	var err error
	s.stopCounting() // a batch left to count again is counted at the next start
	if s.w != nil {
		// The sign-ups' bookings still to be written (visit_diary_later.go);
		// any left behind are written by the repair job after the next start.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		if derr := s.settleDiaries(dctx); derr != nil {
			s.log.Warn("store: could not write every diary booking at close; the repair job writes them", "err", derr)
		}
		cancel()
	}
	if s.embedded != nil {
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hitCountTimeout)
		s.stopHits(hctx)     // the rate limits counted in memory, saved
		s.saveAttempts(hctx) // and any attempt budget whose write failed
		cancel()
	}
	s.auditQ.folds.Wait() // a fold stopped part way is finished by the next (foldAudit)
	if s.w != nil && len(s.held.all()) > 0 {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		if rerr := s.releaseLeases(rctx); rerr != nil {
			s.log.Warn("store: could not release leases at close; they lapse on their own", "err", rerr)
		}
		cancel()
	}
	if s.rclient != nil && s.rclient != s.client {
		err = s.rclient.Disconnect(ctx)
	}
	if s.jobsClient != nil {
		err = errors.Join(err, s.jobsClient.Disconnect(ctx))
	}
	if s.outboxClient != nil {
		err = errors.Join(err, s.outboxClient.Disconnect(ctx))
	}
	if s.client != nil {
		err = errors.Join(err, s.client.Disconnect(ctx))
	}
	if s.w != nil {
		s.w.ids.close()
	}
	s.ckpt.close()
	s.stopEmbedded()
	return err
}

func (s *Store) stopEmbedded() {
	if s.embedded != nil {
		s.embedded.stop()
	}
}

// SetClock replaces the store's clock; tests use it to move time.
func (s *Store) SetClock(now func() time.Time) {
	s.now = now
	s.outboxQuiet.changed() // a clock moved back must not leave a channel quiet
}

// readPoolSize is the embedded server's read pool: reads change nothing,
// so they may run in parallel (measured: 4 to 8 connections give the same
// throughput on 2 cores; every write stays on the one writer connection).
const readPoolSize = 4

// isDuplicate reports a unique-index violation on either server. The embedded
// server does not map SQLite's error to a duplicate-key error for updates.
func isDuplicate(err error) bool {
	return err != nil && (mongo.IsDuplicateKeyError(err) || strings.Contains(err.Error(), "UNIQUE constraint failed"))
}

// onlyDuplicates reports whether err is an unordered insert's refusal of
// documents that were there already and nothing else: every write error a
// duplicate key, and no write concern error. MongoDB and FerretDB both
// answer such an insert with the others inserted and one write error (code
// 11000) for each duplicate, which the driver returns as one
// mongo.BulkWriteException; isDuplicate alone is true when any one of them
// is a duplicate.
func onlyDuplicates(err error) bool {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) {
		return isDuplicate(err)
	}
	if bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false
	}
	for _, we := range bwe.WriteErrors {
		if !isDuplicate(mongo.WriteException{WriteErrors: mongo.WriteErrors{we.WriteError}}) {
			return false
		}
	}
	return true
}

// IsBusy reports an error that says the database did not answer in time
// or could not be reached: a client-side timeout (timeoutMS), a context
// deadline, a wait for the writer or for a pooled connection that ran
// out, a dropped connection. That is a passing state under load that a
// retry may get past, not a defect: the server answers it with 503 and
// Retry-After, never 500.
func IsBusy(err error) bool {
	return err != nil && (mongo.IsTimeout(err) || mongo.IsNetworkError(err))
}

// notFound maps the driver's "no documents" to ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, mongo.ErrNoDocuments) {
		return ErrNotFound
	}
	return err
}

// Now is the store's clock (the real time, except in tests).
func (s *Store) Now() time.Time { return s.now() }
