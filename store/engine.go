package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// This file is the engine layer: the only place that knows whether the store
// runs on MongoDB or on the embedded FerretDB/SQLite server.
//
// Every read goes through s.r(name), a read-only handle (readColl) on the
// read pool: it has no write methods, so a write sent through it does not
// compile. Every write goes through s.c(name), a handle (writeColl) on the
// writer: on the embedded server one connection and one lock (the writer
// lock), because FerretDB's update path (read, apply the operators in Go,
// write back, no version check) loses concurrent writes on more than one
// connection. On MongoDB both are the same client and the lock is absent.
//
// A conditional single-document write (a version check, a seat below
// capacity, a single-use token, a status transition) is a Cond, written
// through s.updateIf, s.replaceIf, s.deleteIf or s.findAndUpdateIf. On MongoDB the
// condition is rendered into the filter, next to the _id; on the embedded
// server, which pushes down to SQLite only a filter that is exactly
// {_id: x} and scans for anything else, the document is read by _id under
// the writer lock, the condition is evaluated in Go and the write goes by
// _id. Both are O(log n) because the store indexes the expression FerretDB
// queries by (sqlite_ids.go).

// engine is what differs between MongoDB and the embedded server.
type engine interface {
	// updateIf applies update to the document id in coll if it meets c.
	// MatchedCount is 1 when it did.
	updateIf(ctx context.Context, coll string, id any, c Cond, update any) (*mongo.UpdateResult, error)
	// replaceIf replaces the document id in coll with doc if it meets c.
	replaceIf(ctx context.Context, coll string, id any, c Cond, doc any) (*mongo.UpdateResult, error)
	// deleteIf deletes the document id in coll if it meets c.
	// DeletedCount is 1 when it did.
	deleteIf(ctx context.Context, coll string, id any, c Cond) (*mongo.DeleteResult, error)
	// findAndUpdateIf is updateIf returning the document before (or, with
	// after, after) the update; mongo.ErrNoDocuments when nothing matched.
	findAndUpdateIf(ctx context.Context, coll string, id any, c Cond, update any, after bool) *mongo.SingleResult
	// readModifyWrite reads the document id of coll (nil when there is
	// none) and asks f for the condition that must still hold and the
	// update (a whole document to insert when there was none), and writes
	// it; f may be called again when another writer got there first.
	readModifyWrite(ctx context.Context, coll, id string, f func(cur bson.Raw) (Cond, any, error)) error
	// updateEachIf applies each update to its document if it meets its
	// condition, in one round trip for the writes (a bulk write), and
	// returns how many matched.
	updateEachIf(ctx context.Context, coll string, ups []condUpdate) (int64, error)
	// name is "mongodb" or "embedded", for errors and tests.
	name() string
}

// condUpdate is one conditional update of a document by _id (updateEachIf).
type condUpdate struct {
	id     any
	cond   Cond
	update any
	// known: the caller knows cond holds, because no other writer of
	// the document's condition can have written (it holds the lease any
	// such writer must take first, and this is its first try; see
	// survey_counting.go). MongoDB still checks cond in the filter, where
	// it costs nothing; the embedded server writes by _id without reading
	// the document first. A document that is missing is not matched.
	known bool
}

// writer is the way to the database for writes.
type writer struct {
	db  *mongo.Database
	sem chan struct{} // the writer lock (capacity 1); nil on MongoDB
	ids *idIndexer    // indexes FerretDB's _id expression; nil on MongoDB
	// onChange hears of every write: its collection and the _id it
	// targeted ("" when it may have touched any document, inserted when it
	// only added documents). The copies (copies.go) stay coherent through it.
	onChange func(ctx context.Context, coll, id string)
	// onInsert hears of every insert, after onChange: its collection and
	// the _id of the one document inserted ("" when that is not known:
	// several documents, an _id that is not a string, or a collection with
	// no copy by _id on this engine).
	onInsert func(coll, id string)
	// docs are the copies by _id; on the embedded server writes keep them
	// up to date (updateThrough) instead of only dropping them.
	docs *docCache
	// disk is the group commit to disk of the embedded server's writes
	// (durable.go); nil on MongoDB and on the engine through a URI.
	disk *groupSync
}

// updateThrough applies update to the document id of coll, under the
// writer lock (the caller holds it), as one find-and-modify by _id that
// returns the document after the update, and keeps that as c's copy: the
// next read of it costs no round trip. before is the document as it was
// (nil when not known: ModifiedCount is then 1 for any match).
func (w *writer) updateThrough(ctx context.Context, c *versioned[bson.Raw], coll, id string, before bson.Raw, update any) (*mongo.UpdateResult, error) {
	raw, err := w.db.Collection(coll).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}}, update,
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Raw()
	w.wrote(ctx, coll)
	w.changed(ctx, coll, id) // drops the copy, and anything loading it meanwhile
	if errors.Is(err, mongo.ErrNoDocuments) {
		c.putNow(id, nil)
		return &mongo.UpdateResult{}, nil
	}
	if err != nil {
		return nil, err
	}
	after := bson.Raw(append([]byte(nil), raw...))
	c.putNow(id, after)
	res := &mongo.UpdateResult{MatchedCount: 1, ModifiedCount: 1}
	if before != nil && bytes.Equal(before, after) {
		res.ModifiedCount = 0
	}
	return res, nil
}

// onlyID is the _id of a filter that names nothing else ("" otherwise).
func onlyID(filter any) string {
	switch f := filter.(type) {
	case bson.D:
		if len(f) == 1 {
			return idOf(f)
		}
	case bson.M:
		if len(f) == 1 {
			return idOf(f)
		}
	}
	return ""
}

// insertedDoc keeps the copy of a document just inserted (err nil) on the
// embedded server, or drops it (a copy may say a document is absent). It
// returns the document's _id where it looked ("" otherwise).
func (w *writer) insertedDoc(coll string, doc any, err error) string {
	c := w.docs.through(coll)
	if c == nil {
		return ""
	}
	raw, merr := bson.Marshal(doc)
	if merr != nil {
		c.invalidate("")
		return ""
	}
	id, ok := bson.Raw(raw).Lookup("_id").StringValueOK()
	switch {
	case !ok:
		c.invalidate("")
	case err != nil:
		c.invalidate(id)
	default:
		c.invalidate(id) // moves the generation on past any load begun before
		c.putNow(id, raw)
	}
	return id
}

// insertedOne reports an insert of one document (id "" when not known)
// to onInsert.
func (w *writer) insertedOne(coll, id string) {
	if w.onInsert != nil {
		w.onInsert(coll, id)
	}
}

// lock takes the writer lock (a no-op on MongoDB). The returned function
// releases it and, on the embedded server, returns once what was written
// under it is on disk (durable.go): the fsync is shared with the other
// writers and waited for without the lock.
func (w *writer) lock(ctx context.Context) (func(), error) {
	unlock, _, err := w.hold(ctx)
	return unlock, err
}

// hold is lock, with a second way to let go: release gives the writer
// lock back when nothing was written under it (a conditional write whose
// condition did not hold), without taking a ticket or waiting for an
// fsync: there is nothing of its own to put on disk. What it read is like
// any read, which may see another request's commit before that commit's
// fsync (the residual in docs/security.md); the writer of it still waits.
// Before 7 December 2026 every release waited: the changed answer to a
// request for advice waited for an fsync after its first, refused try.
func (w *writer) hold(ctx context.Context) (unlock, release func(), err error) {
	if w.sem == nil {
		return func() {}, func() {}, nil
	}
	unlock, err = w.acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	return unlock, func() { <-w.sem }, nil
}

// acquire takes the writer lock and returns how to release it after a
// write (lock).
func (w *writer) acquire(ctx context.Context) (func(), error) {
	select {
	case w.sem <- struct{}{}:
		if w.disk == nil {
			return func() { <-w.sem }, nil
		}
		if ctx.Value(unsyncedKey{}) != nil {
			return func() {
				w.disk.commit() // on disk with the next fsync, waited for by whoever needs it
				<-w.sem
			}, nil
		}
		if b, _ := ctx.Value(oneSyncKey{}).(*oneSyncBatch); b != nil {
			return func() {
				b.note(w.disk.commit()) // waited for once, for all of them (Store.OneSync)
				<-w.sem
			}, nil
		}
		return func() {
			ticket := w.disk.commit()
			<-w.sem
			_ = w.disk.wait(ticket) // a failure is logged: the write is done, and its caller cannot undo it
		}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type unsyncedKey struct{}

// unsynced marks ctx's writes on the embedded server as not waited for on
// disk: for a write that a power cut may lose because start-up puts it
// right from what was waited for. The audit head's move is one: its events
// were inserted and synced before it, and the start-up repair moves the
// head over stored events that follow it (rollAuditForward). SQLite's WAL
// keeps a prefix of the commits across a power cut, so a later write that
// survives carries this one with it.
func unsynced(ctx context.Context) context.Context {
	return context.WithValue(ctx, unsyncedKey{}, true)
}

// wrote is called under the writer lock after a write to coll: the first
// write to a collection in this process makes sure its _id is indexed
// (FerretDB creates collections implicitly on their first write).
func (w *writer) wrote(ctx context.Context, coll string) {
	if w.ids != nil {
		w.ids.ensureOnce(ctx, coll)
	}
}

// inserted marks a write that only adds documents: no copy of a document
// changes (only lists of them do).
const inserted = "\x00inserted"

// changed reports a write of coll that targeted filter (a filter, an _id
// string, or inserted).
func (w *writer) changed(ctx context.Context, coll string, target any) {
	if w.onChange == nil {
		return
	}
	id, ok := target.(string)
	if !ok {
		id = idOf(target)
	}
	w.onChange(ctx, coll, id)
}

// readColl is a read-only handle on a collection, on the read pool (or,
// for a job's context, on the jobs' lane: read_lanes.go).
type readColl struct {
	s    *Store
	name string
}

// on is the collection ctx reads it through.
func (r readColl) on(ctx context.Context) *mongo.Collection {
	return r.s.readDB(ctx).Collection(r.name)
}

func (r readColl) Find(ctx context.Context, filter any, opts ...options.Lister[options.FindOptions]) (*mongo.Cursor, error) {
	return r.on(ctx).Find(ctx, filter, opts...)
}

func (r readColl) FindOne(ctx context.Context, filter any, opts ...options.Lister[options.FindOneOptions]) *mongo.SingleResult {
	return r.on(ctx).FindOne(ctx, filter, opts...)
}

func (r readColl) CountDocuments(ctx context.Context, filter any, opts ...options.Lister[options.CountOptions]) (int64, error) {
	return r.on(ctx).CountDocuments(ctx, filter, opts...)
}

func (r readColl) Aggregate(ctx context.Context, pipeline any, opts ...options.Lister[options.AggregateOptions]) (*mongo.Cursor, error) {
	return r.on(ctx).Aggregate(ctx, pipeline, opts...)
}

// writeColl is a handle on a collection for writes, through the writer.
// Its reads (FindOne, Find, CountDocuments) go through the writer too: use
// s.r for reads, so that they do not queue behind writes.
type writeColl struct {
	c *mongo.Collection
	w *writer
}

// do runs one write under the writer lock; target is what it may change
// (see writer.changed).
func do[T any](ctx context.Context, wc writeColl, target any, f func() (T, error)) (T, error) {
	return doThen(ctx, wc, target, f, nil)
}

// doThen is do with then run after the write's report, still under the
// writer lock (to keep a copy of what was written).
func doThen[T any](ctx context.Context, wc writeColl, target any, f func() (T, error), then func(error)) (T, error) {
	unlock, err := wc.w.lock(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	defer unlock()
	t, err := f()
	wc.w.wrote(ctx, wc.c.Name())
	wc.w.changed(ctx, wc.c.Name(), target)
	if then != nil {
		then(err)
	}
	return t, err
}

func (wc writeColl) InsertOne(ctx context.Context, doc any, opts ...options.Lister[options.InsertOneOptions]) (*mongo.InsertOneResult, error) {
	return doThen(ctx, wc, inserted, func() (*mongo.InsertOneResult, error) { return wc.c.InsertOne(ctx, doc, opts...) },
		func(err error) { wc.w.insertedOne(wc.c.Name(), wc.w.insertedDoc(wc.c.Name(), doc, err)) })
}

func (wc writeColl) InsertMany(ctx context.Context, docs any, opts ...options.Lister[options.InsertManyOptions]) (*mongo.InsertManyResult, error) {
	return do(ctx, wc, inserted, func() (*mongo.InsertManyResult, error) {
		if c := wc.w.docs.through(wc.c.Name()); c != nil {
			defer c.invalidate("")
		}
		defer wc.w.insertedOne(wc.c.Name(), "")
		return wc.c.InsertMany(ctx, docs, opts...)
	})
}

// UpdateOne by _id alone, of a document the embedded server has a copy of,
// is written through (updateThrough); anything else drops the copies it may
// touch.
func (wc writeColl) UpdateOne(ctx context.Context, filter, update any, opts ...options.Lister[options.UpdateOneOptions]) (*mongo.UpdateResult, error) {
	if c := wc.w.docs.through(wc.c.Name()); c != nil && len(opts) == 0 {
		if id := onlyID(filter); id != "" {
			if before, ok := c.peek(id); ok && before != nil {
				unlock, err := wc.w.lock(ctx)
				if err != nil {
					return nil, err
				}
				defer unlock()
				before, _ = c.peek(id) // exact under the lock (nil when dropped meanwhile)
				return wc.w.updateThrough(ctx, c, wc.c.Name(), id, before, update)
			}
		}
	}
	return do(ctx, wc, filter, func() (*mongo.UpdateResult, error) { return wc.c.UpdateOne(ctx, filter, update, opts...) })
}

func (wc writeColl) UpdateMany(ctx context.Context, filter, update any, opts ...options.Lister[options.UpdateManyOptions]) (*mongo.UpdateResult, error) {
	return do(ctx, wc, filter, func() (*mongo.UpdateResult, error) { return wc.c.UpdateMany(ctx, filter, update, opts...) })
}

func (wc writeColl) ReplaceOne(ctx context.Context, filter, doc any, opts ...options.Lister[options.ReplaceOptions]) (*mongo.UpdateResult, error) {
	return do(ctx, wc, filter, func() (*mongo.UpdateResult, error) { return wc.c.ReplaceOne(ctx, filter, doc, opts...) })
}

// DeleteOne by _id alone keeps the embedded server's copy as absent.
func (wc writeColl) DeleteOne(ctx context.Context, filter any, opts ...options.Lister[options.DeleteOneOptions]) (*mongo.DeleteResult, error) {
	return doThen(ctx, wc, filter, func() (*mongo.DeleteResult, error) { return wc.c.DeleteOne(ctx, filter, opts...) }, func(err error) {
		if c, id := wc.w.docs.through(wc.c.Name()), onlyID(filter); err == nil && c != nil && id != "" && len(opts) == 0 {
			c.putNow(id, nil)
		}
	})
}

func (wc writeColl) DeleteMany(ctx context.Context, filter any, opts ...options.Lister[options.DeleteManyOptions]) (*mongo.DeleteResult, error) {
	return do(ctx, wc, filter, func() (*mongo.DeleteResult, error) { return wc.c.DeleteMany(ctx, filter, opts...) })
}

// BulkWrite sends models; on the embedded server at most
// embeddedBulkMax at a time.
func (wc writeColl) BulkWrite(ctx context.Context, models []mongo.WriteModel, opts ...options.Lister[options.BulkWriteOptions]) (*mongo.BulkWriteResult, error) {
	return do(ctx, wc, "", func() (*mongo.BulkWriteResult, error) {
		if wc.w.sem == nil || len(models) <= embeddedBulkMax {
			return wc.c.BulkWrite(ctx, models, opts...)
		}
		all := &mongo.BulkWriteResult{UpsertedIDs: map[int64]any{}, Acknowledged: true}
		for from := 0; from < len(models); from += embeddedBulkMax {
			res, err := wc.c.BulkWrite(ctx, models[from:min(from+embeddedBulkMax, len(models))], opts...)
			if res != nil {
				all.InsertedCount += res.InsertedCount
				all.MatchedCount += res.MatchedCount
				all.ModifiedCount += res.ModifiedCount
				all.DeletedCount += res.DeletedCount
				all.UpsertedCount += res.UpsertedCount
				for i, id := range res.UpsertedIDs {
					all.UpsertedIDs[int64(from)+i] = id
				}
			}
			if err != nil {
				return all, err
			}
		}
		return all, nil
	})
}

// embeddedBulkMax is the most write statements sent to the embedded server
// in one command. FerretDB v1.24.2 runs an update command's statements in
// one loop (internal/handler/msg_update.go, updateDocument) that opens a
// SQLite query for each statement and defers closing it to the end of the
// whole command ("defer closer.Close()" inside the loop); a statement that
// updates one document stops reading after it (LimitIterator), so its
// *sql.Rows, and the pooled SQLite connection under it, stay held. The
// pool has 100 connections (metadata/pool/opendb.go, SetMaxOpenConns(100)),
// and the driver puts a whole bulk write in one command (FerretDB says
// maxWriteBatchSize is 100,000): a bulk of about 100 updates waits for a
// connection that only its own end would free, and every other command
// waits behind it. Sending at most 50 statements at a time keeps half the
// pool free. TestBulkWriteOnTheEmbeddedServerIsSentInParts shows it.
const embeddedBulkMax = 50

// singleResult runs a find-and-modify under the writer lock. The result is
// read whole before the lock is released.
func (wc writeColl) singleResult(ctx context.Context, filter any, f func() *mongo.SingleResult) *mongo.SingleResult {
	unlock, err := wc.w.lock(ctx)
	if err != nil {
		return mongo.NewSingleResultFromDocument(bson.D{}, err, nil)
	}
	defer unlock()
	res := f()
	raw, err := res.Raw()
	wc.w.wrote(ctx, wc.c.Name())
	wc.w.changed(ctx, wc.c.Name(), filter)
	if err != nil {
		return mongo.NewSingleResultFromDocument(bson.D{}, err, nil)
	}
	return mongo.NewSingleResultFromDocument(raw, nil, nil)
}

func (wc writeColl) FindOneAndUpdate(ctx context.Context, filter, update any, opts ...options.Lister[options.FindOneAndUpdateOptions]) *mongo.SingleResult {
	return wc.singleResult(ctx, filter, func() *mongo.SingleResult { return wc.c.FindOneAndUpdate(ctx, filter, update, opts...) })
}

func (wc writeColl) FindOneAndReplace(ctx context.Context, filter, doc any, opts ...options.Lister[options.FindOneAndReplaceOptions]) *mongo.SingleResult {
	return wc.singleResult(ctx, filter, func() *mongo.SingleResult { return wc.c.FindOneAndReplace(ctx, filter, doc, opts...) })
}

func (wc writeColl) FindOneAndDelete(ctx context.Context, filter any, opts ...options.Lister[options.FindOneAndDeleteOptions]) *mongo.SingleResult {
	return wc.singleResult(ctx, filter, func() *mongo.SingleResult { return wc.c.FindOneAndDelete(ctx, filter, opts...) })
}

// Drop drops the collection (and, on the embedded server, the store's
// index of its _id with it).
func (wc writeColl) Drop(ctx context.Context) error {
	unlock, err := wc.w.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if wc.w.ids != nil {
		wc.w.ids.forget(wc.c.Name())
	}
	err = wc.c.Drop(ctx)
	wc.w.changed(ctx, wc.c.Name(), "")
	return err
}

// Indexes creates and lists indexes through the writer connection (not
// under the lock: index builds are rare and FerretDB takes its own).
func (wc writeColl) Indexes() mongo.IndexView { return wc.c.Indexes() }

// Reads through the writer, for code that must read on the writer's
// connection. Prefer s.r.
func (wc writeColl) FindOne(ctx context.Context, filter any, opts ...options.Lister[options.FindOneOptions]) *mongo.SingleResult {
	return wc.c.FindOne(ctx, filter, opts...)
}

func (wc writeColl) Find(ctx context.Context, filter any, opts ...options.Lister[options.FindOptions]) (*mongo.Cursor, error) {
	return wc.c.Find(ctx, filter, opts...)
}

func (wc writeColl) CountDocuments(ctx context.Context, filter any, opts ...options.Lister[options.CountOptions]) (int64, error) {
	return wc.c.CountDocuments(ctx, filter, opts...)
}

// mongoEngine renders conditions into filters: MongoDB evaluates them on
// the document with its own concurrency control.
type mongoEngine struct{ w *writer }

func (mongoEngine) name() string { return "mongodb" }

func (m mongoEngine) coll(name string) writeColl {
	return writeColl{c: m.w.db.Collection(name), w: m.w}
}

func (m mongoEngine) updateIf(ctx context.Context, coll string, id any, c Cond, update any) (*mongo.UpdateResult, error) {
	return m.coll(coll).UpdateOne(ctx, c.filter(id), update)
}

func (m mongoEngine) replaceIf(ctx context.Context, coll string, id any, c Cond, doc any) (*mongo.UpdateResult, error) {
	return m.coll(coll).ReplaceOne(ctx, c.filter(id), doc)
}

func (m mongoEngine) deleteIf(ctx context.Context, coll string, id any, c Cond) (*mongo.DeleteResult, error) {
	return m.coll(coll).DeleteOne(ctx, c.filter(id))
}

func (m mongoEngine) findAndUpdateIf(ctx context.Context, coll string, id any, c Cond, update any, after bool) *mongo.SingleResult {
	o := options.FindOneAndUpdate()
	if after {
		o.SetReturnDocument(options.After)
	}
	return m.coll(coll).FindOneAndUpdate(ctx, c.filter(id), update, o)
}

func (m mongoEngine) updateEachIf(ctx context.Context, coll string, ups []condUpdate) (int64, error) {
	if len(ups) == 0 {
		return 0, nil
	}
	models := make([]mongo.WriteModel, len(ups))
	for i, u := range ups {
		models[i] = mongo.NewUpdateOneModel().SetFilter(u.cond.filter(u.id)).SetUpdate(u.update)
	}
	res, err := m.coll(coll).BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
	if res == nil {
		return 0, err
	}
	return res.MatchedCount, err
}

// readModifyWrite on MongoDB: read, then a conditional update (or an
// insert), again while another writer wins, after a short random pause
// that grows with the attempts (so many writers at once all get through).
func (m mongoEngine) readModifyWrite(ctx context.Context, coll, id string, f func(cur bson.Raw) (Cond, any, error)) error {
	for attempt := range 1000 {
		if attempt > 0 {
			pause := time.Duration(rand.Int64N(int64(min(attempt, 20)) * int64(time.Millisecond)))
			select {
			case <-time.After(pause):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		cur, err := m.w.db.Collection(coll).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
		if err == mongo.ErrNoDocuments {
			cur, err = nil, nil
		}
		if err != nil {
			return err
		}
		cond, update, err := f(cur)
		if err != nil {
			return err
		}
		if cur == nil {
			_, err := m.coll(coll).InsertOne(ctx, update)
			if isDuplicate(err) {
				continue
			}
			return err
		}
		res, err := m.updateIf(ctx, coll, id, cond, update)
		if err != nil {
			return err
		}
		if res.MatchedCount == 1 {
			return nil
		}
	}
	return fmt.Errorf("store: %s %s: %w", coll, id, ErrConflict)
}

// embeddedEngine evaluates conditions in Go under the writer lock, on the
// document read by _id, and writes by _id: the only filter FerretDB pushes
// down to SQLite (and, with the store's index, an O(log n) one).
type embeddedEngine struct {
	w    *writer
	docs *docCache // the coherent copies its reads under the lock may use
}

func (embeddedEngine) name() string { return "embedded" }

// read reads the document id under the writer lock (the caller holds it):
// from the coherent copy of a cached collection (copies.go), which is exact
// under the lock, or else from the writer's connection.
func (e embeddedEngine) read(ctx context.Context, coll string, id any) (bson.Raw, error) {
	find := func() (bson.Raw, error) {
		raw, err := e.w.db.Collection(coll).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
		return bson.Raw(append([]byte(nil), raw...)), err
	}
	if key, ok := id.(string); ok && e.docs != nil && e.docs.colls[coll] != nil {
		return e.docs.load(e.docs.colls[coll], key, find)
	}
	return find()
}

// decide takes the writer lock and reads and evaluates the document. ok is
// false when there is no such document or it does not meet c.
// When ok is false nothing will be written, and unlock only releases the
// lock (writer.hold): no ticket, no wait for the disk.
func (e embeddedEngine) decide(ctx context.Context, coll string, id any, c Cond) (doc bson.Raw, ok bool, unlock func(), err error) {
	unlock, release, err := e.w.hold(ctx)
	if err != nil {
		return nil, false, nil, err
	}
	doc, err = e.read(ctx, coll, id)
	if err == mongo.ErrNoDocuments {
		return nil, false, release, nil
	}
	if err != nil {
		release()
		return nil, false, nil, fmt.Errorf("store: read %s for a conditional write: %w", coll, err)
	}
	ok, err = c.match(doc)
	if err != nil {
		release()
		return nil, false, nil, err
	}
	if !ok {
		return doc, false, release, nil
	}
	return doc, true, unlock, nil
}

func (e embeddedEngine) updateIf(ctx context.Context, coll string, id any, c Cond, update any) (*mongo.UpdateResult, error) {
	if cc, key := e.docs.through(coll), idString(id); cc != nil && key != "" {
		before, ok, unlock, err := e.decide(ctx, coll, id, c)
		if err != nil {
			return nil, err
		}
		defer unlock()
		if !ok {
			return &mongo.UpdateResult{}, nil
		}
		return e.w.updateThrough(ctx, cc, coll, key, before, update)
	}
	return writeIf(ctx, e, coll, id, c, &mongo.UpdateResult{}, func(col *mongo.Collection, byID bson.D) (*mongo.UpdateResult, error) {
		return col.UpdateOne(ctx, byID, update)
	})
}

func (e embeddedEngine) replaceIf(ctx context.Context, coll string, id any, c Cond, doc any) (*mongo.UpdateResult, error) {
	return writeIf(ctx, e, coll, id, c, &mongo.UpdateResult{}, func(col *mongo.Collection, byID bson.D) (*mongo.UpdateResult, error) {
		return col.ReplaceOne(ctx, byID, doc)
	})
}

func (e embeddedEngine) deleteIf(ctx context.Context, coll string, id any, c Cond) (*mongo.DeleteResult, error) {
	return writeIf(ctx, e, coll, id, c, &mongo.DeleteResult{}, func(col *mongo.Collection, byID bson.D) (*mongo.DeleteResult, error) {
		return col.DeleteOne(ctx, byID)
	})
}

// writeIf is every conditional write on the embedded server: under the
// writer lock, read the document by _id and evaluate c in Go; if it holds,
// run write (the driver call, by _id), else return none (nothing matched).
func writeIf[R any](ctx context.Context, e embeddedEngine, coll string, id any, c Cond, none R, write func(col *mongo.Collection, byID bson.D) (R, error)) (R, error) {
	_, ok, unlock, err := e.decide(ctx, coll, id, c)
	if err != nil {
		var zero R
		return zero, err
	}
	defer unlock()
	if !ok {
		return none, nil
	}
	byID := bson.D{{Key: "_id", Value: id}}
	res, err := write(e.w.db.Collection(coll), byID)
	e.w.wrote(ctx, coll)
	e.w.changed(ctx, coll, byID)
	return res, err
}

func (e embeddedEngine) findAndUpdateIf(ctx context.Context, coll string, id any, c Cond, update any, after bool) *mongo.SingleResult {
	before, ok, unlock, err := e.decide(ctx, coll, id, c)
	if err != nil {
		return mongo.NewSingleResultFromDocument(bson.D{}, err, nil)
	}
	defer unlock()
	if !ok {
		return mongo.NewSingleResultFromDocument(bson.D{}, mongo.ErrNoDocuments, nil)
	}
	if cc, key := e.docs.through(coll), idString(id); cc != nil && key != "" {
		if _, err := e.w.updateThrough(ctx, cc, coll, key, before, update); err != nil {
			return mongo.NewSingleResultFromDocument(bson.D{}, err, nil)
		}
	} else {
		col := e.w.db.Collection(coll)
		_, err = col.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update)
		e.w.changed(ctx, coll, bson.D{{Key: "_id", Value: id}})
		if err != nil {
			return mongo.NewSingleResultFromDocument(bson.D{}, err, nil)
		}
		e.w.wrote(ctx, coll)
	}
	if !after {
		return mongo.NewSingleResultFromDocument(before, nil, nil)
	}
	doc, err := e.read(ctx, coll, id)
	if err != nil {
		return mongo.NewSingleResultFromDocument(bson.D{}, err, nil)
	}
	return mongo.NewSingleResultFromDocument(doc, nil, nil)
}

// updateEachIf on the embedded server: under the writer lock, read each
// document by _id and evaluate its condition in Go, then write those that
// meet theirs by _id alone, embeddedBulkMax statements at a time. A filter
// with anything beside the _id would make FerretDB decode every document of
// the collection for every statement.
func (e embeddedEngine) updateEachIf(ctx context.Context, coll string, ups []condUpdate) (int64, error) {
	if len(ups) == 0 {
		return 0, nil
	}
	unlock, err := e.w.lock(ctx)
	if err != nil {
		return 0, err
	}
	defer unlock()
	var models []mongo.WriteModel
	for _, u := range ups {
		if u.known {
			models = append(models, mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: u.id}}).SetUpdate(u.update))
			continue
		}
		doc, err := e.read(ctx, coll, u.id)
		if err == mongo.ErrNoDocuments {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("store: read %s for a conditional write: %w", coll, err)
		}
		ok, err := u.cond.match(doc)
		if err != nil {
			return 0, err
		}
		if ok {
			models = append(models, mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: u.id}}).SetUpdate(u.update))
		}
	}
	col := e.w.db.Collection(coll)
	var matched int64
	for from := 0; from < len(models); from += embeddedBulkMax {
		res, err := col.BulkWrite(ctx, models[from:min(from+embeddedBulkMax, len(models))], options.BulkWrite().SetOrdered(false))
		if res != nil {
			matched += res.MatchedCount
		}
		if err != nil {
			e.w.changed(ctx, coll, "")
			return matched, err
		}
	}
	e.w.wrote(ctx, coll)
	e.w.changed(ctx, coll, "")
	return matched, nil
}

// readModifyWrite on the embedded server: read, decide and write under the
// writer lock, so no other write comes between (two round trips, no retry).
func (e embeddedEngine) readModifyWrite(ctx context.Context, coll, id string, f func(cur bson.Raw) (Cond, any, error)) error {
	unlock, err := e.w.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	cur, err := e.read(ctx, coll, id)
	if err == mongo.ErrNoDocuments {
		cur, err = nil, nil
	}
	if err != nil {
		return err
	}
	cond, update, err := f(cur)
	if err != nil {
		return err
	}
	col := e.w.db.Collection(coll)
	if cur == nil {
		_, err = col.InsertOne(ctx, update)
	} else {
		if ok, merr := cond.match(cur); merr != nil || !ok {
			return errors.Join(merr, fmt.Errorf("store: %s %s: the condition does not hold under the writer lock", coll, id))
		}
		if cc := e.docs.through(coll); cc != nil {
			_, err = e.w.updateThrough(ctx, cc, coll, id, cur, update)
			return err
		}
		_, err = col.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update)
	}
	e.w.wrote(ctx, coll)
	e.w.changed(ctx, coll, id)
	return err
}

// idString is id when it is a string ("" otherwise).
func idString(id any) string {
	s, _ := id.(string)
	return s
}

// r is the read-only handle on a collection (the read pool).
func (s *Store) r(name string) readColl { return readColl{s: s, name: name} }

// c is the handle on a collection for writes (the writer).
func (s *Store) c(name string) writeColl { return writeColl{c: s.db.Collection(name), w: s.w} }

// updateIf applies update to the document id in coll if it meets cond (see
// Cond); MatchedCount is 1 when it did.
func (s *Store) updateIf(ctx context.Context, coll string, id any, cond Cond, update any) (*mongo.UpdateResult, error) {
	return s.eng.updateIf(ctx, coll, id, cond, update)
}

// replaceIf replaces the document id in coll with doc if it meets cond.
func (s *Store) replaceIf(ctx context.Context, coll string, id any, cond Cond, doc any) (*mongo.UpdateResult, error) {
	return s.eng.replaceIf(ctx, coll, id, cond, doc)
}

// deleteIf deletes the document id in coll if it meets cond; DeletedCount
// is 1 when it did.
func (s *Store) deleteIf(ctx context.Context, coll string, id any, cond Cond) (*mongo.DeleteResult, error) {
	return s.eng.deleteIf(ctx, coll, id, cond)
}

// findAndUpdateIf applies update to the document id in coll if it meets
// cond, and returns it as it was before (or after) the update;
// mongo.ErrNoDocuments when there is no such document or it does not meet cond.
func (s *Store) findAndUpdateIf(ctx context.Context, coll string, id any, cond Cond, update any, after bool) *mongo.SingleResult {
	return s.eng.findAndUpdateIf(ctx, coll, id, cond, update, after)
}

// findByIDs decodes the documents of coll whose _id is among ids, in the
// order of ids; ids with no document are left out. On MongoDB it is one
// find through the _id index ($in); on the embedded server, which pushes
// down to SQLite only a filter that is exactly {_id: x} (a $in would scan
// the collection), it reads each by _id on the read pool, readPoolSize at
// once: each an O(log n) look-up through the store's index (sqlite_ids.go).
func findByIDs[T any](ctx context.Context, s *Store, coll string, ids []string) ([]T, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if s.eng.name() != "embedded" {
		cur, err := s.r(coll).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
		if err != nil {
			return nil, err
		}
		defer cur.Close(ctx)
		byID := map[string]T{}
		for cur.Next(ctx) {
			var d T
			if err := cur.Decode(&d); err != nil {
				return nil, err
			}
			id, _ := cur.Current.Lookup("_id").StringValueOK()
			byID[id] = d
		}
		if err := cur.Err(); err != nil {
			return nil, err
		}
		// In the order of ids, as on the embedded server.
		out := make([]T, 0, len(byID))
		for _, id := range ids {
			if d, ok := byID[id]; ok {
				out = append(out, d)
			}
		}
		return out, nil
	}
	return readEachByID(ctx, ids, func(ctx context.Context, id string, out *T) error {
		return s.r(coll).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(out)
	})
}

// readEachByID reads each of ids with read, readPoolSize at once (the
// embedded server's read pool), in the order of ids; an id read answers
// mongo.ErrNoDocuments for is left out.
func readEachByID[T any](ctx context.Context, ids []string, read func(ctx context.Context, id string, out *T) error) ([]T, error) {
	docs := make([]T, len(ids))
	found := make([]bool, len(ids))
	errs := make([]error, len(ids))
	sem := make(chan struct{}, readPoolSize)
	var wg sync.WaitGroup
	for i, id := range ids {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			switch err := read(ctx, id, &docs[i]); {
			case err == nil:
				found[i] = true
			case !errors.Is(err, mongo.ErrNoDocuments):
				errs[i] = err
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := make([]T, 0, len(ids))
	for i := range docs {
		if found[i] {
			out = append(out, docs[i])
		}
	}
	return out, nil
}
