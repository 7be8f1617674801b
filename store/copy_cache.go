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
	s.surveysWritten.Add(1)
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
	return s.surveysWritten.Load(), !s.docs.remote
}
