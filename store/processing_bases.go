package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// ProcessingBasis is the data protection officer's wording of the lawful
// basis and condition for one kind of data in the record of processing
// (server/processing.go), replacing the default in code.
type ProcessingBasis struct {
	Kind        string    `bson:"_id"` // the kind's key, e.g. "referral-content"
	LawfulBasis string    `bson:"lawfulBasis"`
	Condition   string    `bson:"condition,omitempty"`
	By          string    `bson:"by"` // who changed it (email)
	At          time.Time `bson:"at"`
}

// AuditBasisChanged is the audit action of a change to a lawful basis.
const AuditBasisChanged = "processing-basis-changed"

// ProcessingBases returns every edited basis by kind (a handful).
func (s *Store) ProcessingBases(ctx context.Context) (map[string]ProcessingBasis, error) {
	cur, err := s.r("processing_bases").Find(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("store: processing bases: %w", err)
	}
	var bs []ProcessingBasis
	if err := cur.All(ctx, &bs); err != nil {
		return nil, fmt.Errorf("store: processing bases: %w", err)
	}
	out := map[string]ProcessingBasis{}
	for _, b := range bs {
		out[b.Kind] = b
	}
	return out, nil
}

// SetProcessingBasis records b for its kind (the latest change stands).
func (s *Store) SetProcessingBasis(ctx context.Context, b ProcessingBasis) error {
	b.At = s.now().UTC().Truncate(time.Millisecond)
	if _, err := s.c("processing_bases").ReplaceOne(ctx, bson.D{{Key: "_id", Value: b.Kind}}, b, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("store: processing basis %s: %w", b.Kind, err)
	}
	return nil
}
