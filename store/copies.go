package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// This file holds the store's copies and caches behind one door.
//
// versioned is the one in-process cache: a value per key, kept with the
// version it was read at. A caller that knows the current version (a
// counter document) asks for exactly that version; a caller whose source is
// kept coherent by invalidation (documents by _id, below) asks for any
// version. Invalidation moves a generation on, and a load that started
// before an invalidation is not kept, so a value read just before a write
// can never be cached after it.
//
// Reads take the lock shared (sync.RWMutex): every signed-in request reads
// its session and account from the same two caches, and with an exclusive
// lock 20 concurrent clients queued on them (1.6 s of 21 s blocked in the
// advice list's block profile at 20 clients, docs/performance-history.md); only
// puts and invalidations take it alone.
type versioned[V any] struct {
	mu    sync.RWMutex
	items map[string]cachedValue[V]
	gen   uint64        // moves on at every invalidation
	max   int           // entries kept at most (0: no limit); past it the cache starts again
	ttl   time.Duration // 0: no expiry
	// keep, when set, says which values are worth keeping; the others are
	// loaded and returned but not kept (the referrals' copy keeps only the
	// free slots: see referralsCached).
	keep func(V) bool
}

type cachedValue[V any] struct {
	v       V
	version int64
	at      time.Time
}

const anyVersion = -1

func newVersioned[V any](max int, ttl time.Duration) *versioned[V] {
	return &versioned[V]{items: map[string]cachedValue[V]{}, max: max, ttl: ttl}
}

// get returns the value for key if it was read at version (or at any
// version, for anyVersion) and is not older than the cache's ttl.
func (c *versioned[V]) get(key string, version int64) (V, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.items[key]
	if !ok || version != anyVersion && e.version != version || c.ttl > 0 && time.Since(e.at) > c.ttl {
		var zero V
		return zero, false
	}
	return e.v, true
}

// begin is the generation before a load; put keeps the loaded value only
// if nothing was invalidated since.
func (c *versioned[V]) begin() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

func (c *versioned[V]) put(key string, version int64, v V, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || c.keep != nil && !c.keep(v) {
		return
	}
	if c.max > 0 && len(c.items) >= c.max {
		clear(c.items)
	}
	c.items[key] = cachedValue[V]{v: v, version: version, at: time.Now()}
}

// load returns the value for key at version, loading and keeping it when
// it is not cached.
func (c *versioned[V]) load(key string, version int64, f func() (V, error)) (V, error) {
	if v, ok := c.get(key, version); ok {
		return v, nil
	}
	g := c.begin()
	v, err := f()
	if err != nil {
		return v, err
	}
	c.put(key, version, v, g)
	return v, nil
}

// putNow keeps v for key at the current generation: the writer's own
// copy of what it has just written, under the writer lock (after the
// write's invalidation, so that no load begun before it can replace it).
func (c *versioned[V]) putNow(key string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keep != nil && !c.keep(v) {
		delete(c.items, key)
		return
	}
	if c.max > 0 && len(c.items) >= c.max {
		clear(c.items)
	}
	c.items[key] = cachedValue[V]{v: v, version: anyVersion, at: time.Now()}
}

// edit changes the value kept for key (if any) with f, and moves the
// generation on so that no load begun before replaces the edit.
func (c *versioned[V]) edit(key string, f func(V) V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if e, ok := c.items[key]; ok {
		e.v = f(e.v)
		c.items[key] = e
	}
}

// peek is the value for key if it is cached (any version), without loading.
func (c *versioned[V]) peek(key string) (V, bool) { return c.get(key, anyVersion) }

// invalidate forgets key ("" forgets everything).
func (c *versioned[V]) invalidate(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if key == "" {
		clear(c.items)
		return
	}
	delete(c.items, key)
}

// docCache keeps documents read by _id from a few collections read on
// every signed-in request (the session and the account). They are decoded
// afresh from their bytes on every hit, so callers may change what they get.
//
// On the embedded server one process owns the data, and every write goes
// through the writer, which reports each write's collection and _id
// (changed): the copies are coherent. On MongoDB other instances write too,
// so a copy lives at most docCacheTTL, and the cache is dropped whenever the
// revocation version (a counter document every instance moves on after
// writing to these collections) has changed; it is read at most every
// revocationCheck.
type docCache struct {
	colls map[string]*versioned[bson.Raw]

	remote    bool // MongoDB: TTL plus the revocation version
	mu        sync.Mutex
	checked   time.Time
	revision  int64
	checkLock sync.Mutex
}

const (
	docCacheTTL     = 2 * time.Second
	revocationCheck = 250 * time.Millisecond
	revocationID    = "doc_cache"
)

// cachedCollections are the collections docCache keeps documents of:
// everywhere the session and the account; on the embedded server (where the
// copies are exact) also the groups and the visit diaries, which the home
// page reads by _id on every visit, the visits (the visit page, sign-ups)
// and the counters (the audit chain's head, reference numbers). On the
// embedded server a conditional write's read under the writer lock comes
// from these copies too: every write goes through the writer, which drops
// the copy before it releases the lock, so under the lock a copy is exact.
// On MongoDB those are read each time:
// moving the revocation version on for every booking would drop every
// instance's sessions too often to be worth it.
//
// On the embedded server the copies are also written through: an update by
// _id of a cached collection is one find-and-modify that returns the
// document after it (writer.updateThrough), kept as the copy, so the next
// read of a session just touched, of the audit chain's head just moved or
// of a rate limit just counted costs no round trip; and a document found
// absent is kept as absent (every insert goes through the writer, which
// drops that copy), so a new rate-limit key is read once, not once per
// step. The rate limits and attempt budgets (limits) and the newest audit
// pages (audit, a handful of documents: only appends read them under the
// writer lock) are copied there too.
var (
	cachedCollections = []string{"users", "sessions"}
	cachedLocally     = []string{"groups", "visit_diaries", "visits", "counters", "advice_requests", adviceAskedColl, limitsColl, expenseTallies}
)

// referralsCached bounds the referrals' copy on the embedded server, which
// keeps only free slots (referral_slots.go) and documents found absent: a
// partner referral's takeover of a slot is decided under the writer lock
// on the slot read from this copy, not from the database. Referrals
// themselves (sealed content) are never kept.
const referralsCached = 1000

// isSlotOrAbsent: a free referral slot, or nil (a document found absent).
func isSlotOrAbsent(raw bson.Raw) bool {
	if raw == nil {
		return true
	}
	kind, _ := raw.Lookup("kind").StringValueOK()
	return kind == KindSlot
}

// auditPagesCached is how many audit pages the embedded server keeps a copy
// of: appends only ever add to the newest one or two.
const auditPagesCached = 4

func newDocCache(remote bool) *docCache {
	ttl := time.Duration(0)
	if remote {
		ttl = docCacheTTL
	}
	d := &docCache{colls: map[string]*versioned[bson.Raw]{}, remote: remote}
	for _, c := range cachedCollections {
		d.colls[c] = newVersioned[bson.Raw](20000, ttl)
	}
	if !remote {
		for _, c := range cachedLocally {
			d.colls[c] = newVersioned[bson.Raw](20000, 0)
		}
		d.colls[AuditCollection] = newVersioned[bson.Raw](auditPagesCached, 0)
		refs := newVersioned[bson.Raw](referralsCached, 0)
		refs.keep = isSlotOrAbsent
		d.colls["referrals"] = refs
	}
	return d
}

// load reads the document id of c through find, or from the copy. On the
// embedded server a document found absent is kept as absent (nil), which
// the writer drops at the insert that makes it; the caller gets
// mongo.ErrNoDocuments either way.
func (d *docCache) load(c *versioned[bson.Raw], id string, find func() (bson.Raw, error)) (bson.Raw, error) {
	raw, err := c.load(id, anyVersion, func() (bson.Raw, error) {
		raw, err := find()
		if !d.remote && errors.Is(err, mongo.ErrNoDocuments) {
			return nil, nil
		}
		return raw, err
	})
	if err == nil && raw == nil {
		return nil, mongo.ErrNoDocuments
	}
	return raw, err
}

// through is the copy of coll that writes on the embedded server keep up
// to date (nil: coll is not copied, or the copies are not exact).
func (d *docCache) through(coll string) *versioned[bson.Raw] {
	if d == nil || d.remote {
		return nil
	}
	return d.colls[coll]
}

// changed is the writer's report of a write to coll (id "" when it may have
// touched any document).
func (d *docCache) changed(coll, id string) {
	if c := d.colls[coll]; c != nil {
		c.invalidate(id)
	}
}

// findByID decodes the document id of coll into out, from the cache when
// it holds it. mongo.ErrNoDocuments when there is none (not cached).
func (s *Store) findByID(ctx context.Context, coll, id string, out any) error {
	d := s.docs
	c := d.colls[coll]
	if c == nil {
		return s.r(coll).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(out)
	}
	if d.remote {
		if err := s.syncRevocations(ctx); err != nil {
			return err
		}
	}
	raw, err := d.load(c, id, func() (bson.Raw, error) {
		raw, err := s.r(coll).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
		return bson.Raw(append([]byte(nil), raw...)), err
	})
	if err != nil {
		return err
	}
	return bson.Unmarshal(raw, out)
}

// syncRevocations drops the document cache when another instance (or this
// one) has written to a cached collection since the last look (MongoDB).
func (s *Store) syncRevocations(ctx context.Context) error {
	d := s.docs
	d.checkLock.Lock()
	defer d.checkLock.Unlock()
	d.mu.Lock()
	fresh := time.Since(d.checked) < revocationCheck
	d.mu.Unlock()
	if fresh {
		return nil
	}
	var v struct {
		V int64 `bson:"v"`
	}
	err := s.r("counters").FindOne(ctx, bson.D{{Key: "_id", Value: revocationID}}).Decode(&v)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("store: revocation version: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if v.V != d.revision {
		for _, c := range d.colls {
			c.invalidate("")
		}
		s.dir.changed("")
		d.revision = v.V
	}
	d.checked = time.Now()
	return nil
}

// revoke moves the revocation version on after a write to a cached
// collection (MongoDB), so that other instances drop their copies.
func (s *Store) revoke(ctx context.Context) {
	_, err := s.db.Collection("counters").UpdateOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: revocationID}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "v", Value: 1}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		s.log.Warn("store: could not move the revocation version on; other instances keep cached sessions and accounts up to their TTL", "err", err)
	}
}

// idOf is the _id a write's filter names, or "" when it may match any
// document.
func idOf(filter any) string {
	switch f := filter.(type) {
	case bson.D:
		for _, e := range f {
			if e.Key == "_id" {
				s, _ := e.Value.(string)
				return s
			}
		}
	case bson.M:
		s, _ := f["_id"].(string)
		return s
	case map[string]string:
		return f["_id"]
	case map[string]any:
		s, _ := f["_id"].(string)
		return s
	}
	return ""
}

// countedCopy is a whole-collection copy in memory behind a version
// counter (the counters document named name, moved on after every change
// to what the copy holds): the recommendation and referral summaries and
// the calendar's months. On MongoDB each use reads the counter (one small
// read by _id) and reloads when it moved. On the embedded server the writer
// reports every write of the counter, so the copy is dropped then and the
// counter need not be read at all.
//
// Each load of a copy has a number of its own (loadedCopy), never given to
// another load in the process: values derived from a copy (the
// recommendations dashboard, drawn) are kept under it, so they are never
// served after the copy is read again.
type countedCopy[V any] struct {
	name  string
	cache *versioned[loadedCopy[V]]
	load  func(ctx context.Context) (V, error)
}

// loadedCopy is one load of a counted copy and its number.
type loadedCopy[V any] struct {
	v V
	n uint64
}

// copyLoads numbers the loads of every counted copy.
var copyLoads atomic.Uint64

func newCountedCopy[V any](s *Store, name string, load func(ctx context.Context) (V, error)) *countedCopy[V] {
	c := &countedCopy[V]{name: name, cache: newVersioned[loadedCopy[V]](0, 0), load: load}
	s.countedMu.Lock()
	s.counted = append(s.counted, c)
	s.countedMu.Unlock()
	return c
}

// counterChanged is the writer's report of a write to the counters
// collection (id "" for a write that may touch any counter).
func (c *countedCopy[V]) counterChanged(id string) {
	if id == "" || id == c.name {
		c.cache.invalidate("")
	}
}

// get returns the copy, loading it when it is not current.
func (c *countedCopy[V]) get(ctx context.Context, s *Store) (V, error) {
	l, err := c.getLoad(ctx, s)
	return l.v, err
}

// getLoad returns the copy and its load's number, loading it when it is
// not current.
func (c *countedCopy[V]) getLoad(ctx context.Context, s *Store) (loadedCopy[V], error) {
	version := int64(anyVersion)
	if s.embedded == nil {
		var counter struct {
			V int64 `bson:"v"`
		}
		err := s.r("counters").FindOne(ctx, bson.D{{Key: "_id", Value: c.name}}).Decode(&counter)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return loadedCopy[V]{}, fmt.Errorf("store: %s version: %w", c.name, err)
		}
		version = counter.V
	}
	return c.cache.load("", version, func() (loadedCopy[V], error) {
		v, err := c.load(ctx)
		return loadedCopy[V]{v: v, n: copyLoads.Add(1)}, err
	})
}

// copyIndex is an index derived from one load of a counted copy (its
// number, loadedCopy.n) and built once for it: a page that wants a few of
// a copy's entries (the audit page's recommendations and referrals, one
// partner's referrals) finds them by key, so that its cost does not grow
// with the rest of the copy. A new load of the copy builds it again.
type copyIndex[I any] struct {
	mu sync.Mutex
	n  uint64 // the load it was built from (0: none; loads are numbered from 1)
	ix I
}

// of returns the index of load n, building it if it is of another load.
func (c *copyIndex[I]) of(n uint64, build func() I) I {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n != n {
		c.ix, c.n = build(), n
	}
	return c.ix
}

// counterWatcher is what the writer's hook needs of a countedCopy.
type counterWatcher interface{ counterChanged(id string) }

// countersChanged passes a write of the counters collection to every
// counted copy.
func (s *Store) countersChanged(id string) {
	s.countedMu.Lock()
	defer s.countedMu.Unlock()
	for _, c := range s.counted {
		c.counterChanged(id)
	}
}

// upsertByID applies update to the document id of coll, inserting it when
// there is none. On the embedded server, for a collection with coherent
// copies, it is one find-and-modify (upsert, returning the document after)
// whose result is kept as the copy: the write updates the copy in place
// instead of dropping it, so the next read of the document (a member's
// diary on their home page and at their next sign-up) costs no round trip.
func (s *Store) upsertByID(ctx context.Context, coll, id string, update any) error {
	wc := s.c(coll)
	c := s.docs.through(coll)
	if c == nil {
		_, err := wc.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update, options.UpdateOne().SetUpsert(true))
		return err
	}
	unlock, err := wc.w.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	raw, err := wc.c.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}}, update,
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Raw()
	wc.w.wrote(ctx, coll)
	wc.w.changed(ctx, coll, id) // drops the copy, and anything loading it meanwhile
	if err != nil {
		return err
	}
	c.putNow(id, bson.Raw(append([]byte(nil), raw...)))
	return nil
}
