package store

import (
	"context"
	"sync"
	"time"
)

// Cache is the one generic versioned cache (versioned, copies.go) for
// values the portal derives from the store outside it (rendered survey
// results, people's names on the audit pages, release decisions): the same
// implementation as the store's own copies, with the same rule that a
// value loaded across a Forget is not kept. Values are shared: callers
// must not change what they get.
type Cache[V any] struct {
	c *versioned[V]
	// one load at a time: a crowd asking together waits for one load
	// instead of queueing identical ones on the store.
	loading sync.Mutex
}

// NewCache keeps at most max values (0: no limit; past it the cache starts
// again), each for at most ttl (0: until forgotten).
func NewCache[V any](max int, ttl time.Duration) *Cache[V] {
	return &Cache[V]{c: newVersioned[V](max, ttl)}
}

// Get is the value for key, if it is kept.
func (c *Cache[V]) Get(key string) (V, bool) { return c.c.get(key, anyVersion) }

// Load returns the value for key, loading and keeping it when it is not
// kept.
func (c *Cache[V]) Load(key string, load func() (V, error)) (V, error) {
	if v, ok := c.c.get(key, anyVersion); ok {
		return v, nil
	}
	c.loading.Lock()
	defer c.loading.Unlock()
	return c.c.load(key, anyVersion, load)
}

// Put keeps v for key.
func (c *Cache[V]) Put(key string, v V) { c.c.put(key, anyVersion, v, c.c.begin()) }

// Forget drops key ("" drops everything).
func (c *Cache[V]) Forget(key string) { c.c.invalidate(key) }

// surveyCopyLife is how long a copy of a survey serves respondents'
// pages on MongoDB (or the embedded engine through a URI), where other
// instances may change it: a change of settings (closing it, its dates)
// made elsewhere reaches this instance's respondents within it. Changes
// made through this store drop the copy at once (the writer's hook), and
// on the embedded server, where this process makes every change, the copy
// lives until then.
const surveyCopyLife = 3 * time.Second

// SurveyForRespondents is survey id from the store's copy: a survey with
// its versions takes milliseconds to decode, and every page of every
// respondent needs it. The survey is shared: do not change it.
func (s *Store) SurveyForRespondents(ctx context.Context, id string) (*Survey, error) {
	return s.surveyCopy.Load(id, func() (*Survey, error) { return s.Survey(ctx, id) })
}

// surveysChanged is the hook of the surveys aggregate: a write of survey
// id ("" for any) drops its copy, and every write moves the surveys'
// number (SurveysVersion).
func (s *Store) surveysChanged(id string) {
	s.surveysWritten.add(id)
	if id == inserted {
		return // a new survey: nothing copied changes
	}
	s.surveyCopy.Forget(id)
}

// SurveysVersion is a number that changes whenever any survey is written
// through this store (a new survey, a change of its settings or versions,
// a deletion), moved once the write has returned: a list of the surveys
// read after it was taken holds every write it counts. exact is false
// where other instances may write surveys too (MongoDB, or the embedded
// engine reached by URI): there it says nothing of their writes. The
// survey-decisions job reads the surveys again only when it moves
// (jobs/survey_decisions.go).
func (s *Store) SurveysVersion() (version uint64, exact bool) {
	return s.surveysWritten.count(), !s.docs.remote
}

// SurveysWrittenSince returns the ids of the surveys written through this
// store after SurveysVersion said since and up to when it said upTo (each
// once), so that a list of the surveys read at since can be brought up
// to upTo by reading those alone. ok is false where it cannot say: other
// instances may write (not exact), one of those writes made a new survey
// or wrote no one survey by its id, or they are more than the store
// remembers; read every survey then.
func (s *Store) SurveysWrittenSince(since, upTo uint64) (ids []string, ok bool) {
	if s.docs.remote {
		return nil, false
	}
	return s.surveysWritten.since(since, upTo)
}

// surveyWrites counts the surveys' writes and remembers which survey each
// of the latest surveyWritesKept wrote.
type surveyWrites struct {
	mu   sync.Mutex
	n    uint64
	last [surveyWritesKept]string // write k's id at k % surveyWritesKept
}

// surveyWritesKept is how many writes' ids surveyWrites remembers: more
// than the survey-decisions job sees between two runs, which are a minute
// apart at most and woken by every close.
const surveyWritesKept = 256

func (w *surveyWrites) add(id string) {
	w.mu.Lock()
	w.n++
	w.last[w.n%surveyWritesKept] = id
	w.mu.Unlock()
}

func (w *surveyWrites) count() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

func (w *surveyWrites) since(since, upTo uint64) ([]string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if since > upTo || upTo > w.n || w.n-since >= surveyWritesKept {
		return nil, false
	}
	var ids []string
	seen := map[string]bool{}
	for k := since + 1; k <= upTo; k++ {
		id := w.last[k%surveyWritesKept]
		if id == inserted || id == "" {
			return nil, false
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, true
}
