package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// PowerPublication is the period of one activity's disparity figures for a
// force that a coordinator has put on the public page (stop and search
// keeps its own, DisparityPublication).
type PowerPublication struct {
	ID          string    `bson:"_id"` // kind/force
	Kind        string    `bson:"kind"`
	Force       string    `bson:"force"`
	From        string    `bson:"from"`
	To          string    `bson:"to"`
	PublishedAt time.Time `bson:"publishedAt"`
	PublishedBy string    `bson:"publishedBy"`
}

// PublishPower sets (replaces) an activity's published period for a force.
func (s *Store) PublishPower(ctx context.Context, p *PowerPublication) error {
	p.ID = p.Kind + "/" + p.Force
	p.PublishedAt = s.now().UTC()
	_, err := s.c("power_publications").ReplaceOne(ctx, bson.D{{Key: "_id", Value: p.ID}}, p, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("store: publish %s: %w", p.ID, err)
	}
	return nil
}

// PowerPublications lists an activity's published periods, one per force,
// by force.
func (s *Store) PowerPublications(ctx context.Context, kind string) ([]PowerPublication, error) {
	cur, err := s.r("power_publications").Find(ctx, bson.D{{Key: "kind", Value: kind}}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("store: %s publications: %w", kind, err)
	}
	var ps []PowerPublication
	if err := cur.All(ctx, &ps); err != nil {
		return nil, fmt.Errorf("store: %s publications: %w", kind, err)
	}
	return ps, nil
}

// AllPowerPublications lists every kind's publications, by kind, in one
// read (the public overview of every activity).
func (s *Store) AllPowerPublications(ctx context.Context) (map[string][]PowerPublication, error) {
	cur, err := s.r("power_publications").Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("store: publications: %w", err)
	}
	var ps []PowerPublication
	if err := cur.All(ctx, &ps); err != nil {
		return nil, fmt.Errorf("store: publications: %w", err)
	}
	out := map[string][]PowerPublication{}
	for _, p := range ps {
		out[p.Kind] = append(out[p.Kind], p)
	}
	return out, nil
}

// AuditSampleCommitted is a panel sample's commitment, on record before
// its records are drawn (disparity's verifiable samples).
const AuditSampleCommitted = "panel-sample-committed"
