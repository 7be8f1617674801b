package cli

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"candour/config"
	"candour/store"
)

// migrateToMongo is "candour migrate-to-mongo --uri URI": it copies a pilot
// run on the embedded store (CANDOUR_DATA_DIR) into an empty MongoDB
// database, collection by collection, then opens it as the portal would
// (indexes, migrations), and checks that every collection has as many
// documents as the source and that the audit chain verifies and ends at
// the same event and hash. Stop the pilot first.
func migrateToMongo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate-to-mongo", "Usage: candour migrate-to-mongo --uri URI [--database NAME]\n\nCopies the embedded store in CANDOUR_DATA_DIR into an empty MongoDB database and verifies the copy.\nStop the portal first.", stderr)
	uri := fs.String("uri", "", "the MongoDB connection string to copy into (required), e.g. mongodb://candour:…@db1,db2,db3/candour?replicaSet=rs0")
	dbName := fs.String("database", "", "the database to copy into (default: the one in --uri, else CANDOUR_DATABASE)")
	batch := fs.Int("batch", 500, "documents per insert")
	if done, err := parse(fs, args); done {
		return err
	}
	if *uri == "" {
		return usageError{"migrate-to-mongo: give --uri, the MongoDB to copy into"}
	}
	if *batch < 1 || *batch > 10000 {
		return usageError{"migrate-to-mongo: --batch must be between 1 and 10000"}
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return usageError{err.Error()}
	}
	if cfg.MongoURI != "" {
		return usageError{"migrate-to-mongo: MONGODB_URI is set; the source is the embedded store, so unset it"}
	}
	target := *dbName
	if target == "" {
		if u, err := url.Parse(*uri); err == nil && strings.Trim(u.Path, "/") != "" {
			target = strings.Trim(u.Path, "/")
		} else {
			target = cfg.Database
		}
	}

	src, err := store.Open(ctx, store.Options{DataDir: cfg.DataDir, Database: cfg.Database})
	if err != nil {
		return fmt.Errorf("migrate-to-mongo: open the embedded store in %s: %w", cfg.DataDir, err)
	}
	defer src.Close(context.Background())
	srcBreak, srcLast, err := src.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if srcBreak != nil {
		return fmt.Errorf("migrate-to-mongo: the source's audit chain is broken at event %d (%s); not copied", srcBreak.Seq, srcBreak.Reason)
	}

	client, err := mongo.Connect(options.Client().ApplyURI(*uri).SetAppName("candour-migrate").SetWriteConcern(writeconcern.Majority()))
	if err != nil {
		return fmt.Errorf("migrate-to-mongo: connect: %w", err)
	}
	defer client.Disconnect(context.Background())
	dst := client.Database(target)
	if names, err := dst.ListCollectionNames(ctx, bson.D{}); err != nil {
		return fmt.Errorf("migrate-to-mongo: list %s: %w", target, err)
	} else if len(names) > 0 {
		return fmt.Errorf("migrate-to-mongo: database %s already has %d collections; copy only into an empty database", target, len(names))
	}

	names, err := src.CollectionNames(ctx)
	if err != nil {
		return fmt.Errorf("migrate-to-mongo: list the source's collections: %w", err)
	}
	counts := map[string]int64{}
	for _, name := range names {
		n, err := copyCollection(ctx, src, name, dst.Collection(name), *batch)
		if err != nil {
			return fmt.Errorf("migrate-to-mongo: copy %s: %w (drop database %s before trying again)", name, err, target)
		}
		counts[name] = n
	}

	// Open the copy as the portal will: indexes (unique ones check the data) and migrations.
	copied, err := store.Open(ctx, store.Options{URI: *uri, Database: target})
	if err != nil {
		return fmt.Errorf("migrate-to-mongo: open the copy: %w", err)
	}
	defer copied.Close(context.Background())
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "collection\tembedded\tMongoDB")
	var mismatch []string
	var total int64
	for _, name := range names {
		n, err := dst.Collection(name).CountDocuments(ctx, bson.D{})
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\t%d\t%d\n", name, counts[name], n)
		if n != counts[name] {
			mismatch = append(mismatch, name)
		}
		total += n
	}
	w.Flush()
	if len(mismatch) > 0 {
		return fmt.Errorf("migrate-to-mongo: counts differ for %s", strings.Join(mismatch, ", "))
	}
	brk, last, err := copied.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if brk != nil || last != srcLast {
		return fmt.Errorf("migrate-to-mongo: the copy's audit chain does not verify (break %+v, %d events, source %d)", brk, last, srcLast)
	}
	detail := fmt.Sprintf("copied %d documents in %d collections from the embedded store; audit chain of %d events verified", total, len(names), last)
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := copied.Audit(actx, store.AuditEvent{Actor: "system", Action: store.AuditMigrated, Target: "store", Detail: detail}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Done: %s. Point MONGODB_URI at %s and start the portal.\n", detail, target)
	return nil
}

// copyCollection copies every document as it is (raw BSON), in batches.
func copyCollection(ctx context.Context, src *store.Store, name string, to *mongo.Collection, batch int) (int64, error) {
	var n int64
	docs := make([]any, 0, batch)
	flush := func() error {
		if len(docs) == 0 {
			return nil
		}
		if _, err := to.InsertMany(ctx, docs); err != nil {
			return err
		}
		n += int64(len(docs))
		docs = docs[:0]
		return nil
	}
	err := src.EachDocument(ctx, name, batch, func(doc bson.Raw) error {
		docs = append(docs, bson.Raw(append([]byte(nil), doc...)))
		if len(docs) == batch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	return n, flush()
}
