package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// bulkOfUpdates is n single-document updates by _id (documents d000...).
func bulkOfUpdates(n int) (docs []any, models []mongo.WriteModel) {
	for i := range n {
		id := fmt.Sprintf("d%03d", i)
		docs = append(docs, bson.D{{Key: "_id", Value: id}, {Key: "n", Value: 0}})
		models = append(models, mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}).
			SetUpdate(bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}}))
	}
	return docs, models
}

// TestBulkWriteOnTheEmbeddedServerIsSentInParts is the regression test for
// the leak that made survey counting stop writing under load: FerretDB
// v1.24.2 holds one pooled SQLite connection for each update statement of
// a command until the whole command ends, and has 100 (see
// embeddedBulkMax). A bulk write of 150 updates sent as one command, as
// the driver sends it, never finishes; the store's BulkWrite sends it in
// parts and every update is applied. If the first half starts passing, a
// FerretDB upgrade fixed the leak and embeddedBulkMax can go.
func TestBulkWriteOnTheEmbeddedServerIsSentInParts(t *testing.T) {
	t.Parallel()
	// Each half builds its own 150 updates: the two run at the same time,
	// and neither hands the driver documents the other is using.
	t.Run("as one command, straight through the driver", func(t *testing.T) {
		t.Parallel()
		docs, models := bulkOfUpdates(150)
		s := openTestStore(t)
		if _, err := s.db.Collection("bulk").InsertMany(context.Background(), docs); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := s.db.Collection("bulk").BulkWrite(ctx, models)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("150 updates in one command: %v; want it stuck until the deadline (FerretDB holding a connection per statement)", err)
		}
	})

	t.Run("through the store", func(t *testing.T) {
		t.Parallel()
		docs, models := bulkOfUpdates(150)
		s := openTestStore(t)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if _, err := s.c("bulk").InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
		for round := range 3 { // the connections come back after each bulk
			res, err := s.c("bulk").BulkWrite(ctx, models)
			if err != nil {
				t.Fatalf("round %d: %v", round+1, err)
			}
			if res.MatchedCount != 150 || res.ModifiedCount != 150 {
				t.Fatalf("round %d: matched %d, modified %d; want 150", round+1, res.MatchedCount, res.ModifiedCount)
			}
		}
		var d struct{ N int }
		if err := s.r("bulk").FindOne(ctx, bson.D{{Key: "_id", Value: "d149"}}).Decode(&d); err != nil || d.N != 3 {
			t.Fatalf("d149 n=%d, %v; want 3", d.N, err)
		}
	})
}
