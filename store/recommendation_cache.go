package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// recIndexCache keeps every recommendation summary in memory, tagged with
// the index version it was read at. Every change to the index moves the
// version on (a counter document), so each instance reloads after any
// change, its own or another's; in between, lists, the dashboard and the
// public pages cost one small read of the counter.
type recIndexCache struct {
	mu      sync.Mutex
	version int64
	all     []RecSummary // newest raised first
}

const recIndexCounter = "recommendation_index"

// bumpRecIndex moves the index version on after a change to the index.
func (s *Store) bumpRecIndex(ctx context.Context) error {
	_, err := s.c("counters").UpdateOne(ctx, bson.D{{Key: "_id", Value: recIndexCounter}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "v", Value: 1}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("store: recommendation index version: %w", err)
	}
	return nil
}

// recSummaries returns every summary, from memory when the index has not
// changed since it was read.
func (s *Store) recSummaries(ctx context.Context) ([]RecSummary, error) {
	var counter struct {
		V int64 `bson:"v"`
	}
	err := s.r("counters").FindOne(ctx, bson.D{{Key: "_id", Value: recIndexCounter}}).Decode(&counter)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, fmt.Errorf("store: recommendation index version: %w", err)
	}
	c := s.recCache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.all != nil && c.version == counter.V {
		return c.all, nil
	}
	var all []RecSummary
	if err := s.findAll(ctx, "recommendation_index", bson.D{}, &all); err != nil {
		return nil, err
	}
	if all == nil {
		all = []RecSummary{}
	}
	c.all, c.version = all, counter.V
	return all, nil
}

// match reports whether a summary meets the filter (lists filter in memory).
func (f RecommendationFilter) match(r RecSummary) bool {
	for _, kv := range [][2]string{{f.Status, r.Status}, {f.Area, r.Area}, {f.GroupID, r.GroupID}, {f.Source, r.Source}, {f.OwnerDept, r.OwnerDept}} {
		if kv[0] != "" && kv[0] != kv[1] {
			return false
		}
	}
	if f.Published && !r.Published {
		return false
	}
	if f.Overdue {
		cutoff := f.Now.UTC().Add(-24 * time.Hour)
		if !r.DueAt.After(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)) || !r.DueAt.Before(cutoff) || !slices.Contains(recCanBeOverdue, r.Status) {
			return false
		}
	}
	return true
}

// filterRecs returns the summaries matching f, newest raised first.
func filterRecs(all []RecSummary, f RecommendationFilter) []RecSummary {
	out := []RecSummary{}
	for _, r := range all {
		if f.match(r) {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].RaisedAt.Equal(out[j].RaisedAt) {
			return out[i].RaisedAt.After(out[j].RaisedAt)
		}
		return out[i].ID > out[j].ID
	})
	return out
}
