package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func openTestStore(t *testing.T) *Store {
	t.Helper()
	dir := t.TempDir()
	if err := PrepareFresh(context.Background(), dir, "test"); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), Options{DataDir: dir, Database: "test"})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

// explainFind asks FerretDB itself how it runs a find: its explain runs
// SQLite's EXPLAIN QUERY PLAN on the very query it would send, so the plan
// shows whether FerretDB's own _id condition uses the store's index.
func explainFind(t *testing.T, s *Store, coll string, id any) string {
	t.Helper()
	raw, err := s.rdb.RunCommand(context.Background(), bson.D{{Key: "explain", Value: bson.D{
		{Key: "find", Value: coll}, {Key: "filter", Value: bson.D{{Key: "_id", Value: id}}},
	}}}).Raw()
	if err != nil {
		t.Fatalf("explain find: %v", err)
	}
	return raw.String()
}

// sqlitePlan runs EXPLAIN QUERY PLAN through the store's own connection.
func sqlitePlan(t *testing.T, s *Store, q string, args ...any) string {
	t.Helper()
	rows, err := s.w.ids.db.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("explain %q: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, detail)
	}
	return strings.Join(out, "; ")
}

func tableOf(t *testing.T, s *Store, coll string) string {
	t.Helper()
	ts, err := s.w.ids.tables(context.Background(), coll)
	if err != nil || ts[coll] == "" {
		t.Fatalf("table of %s: %v %v", coll, ts, err)
	}
	return ts[coll]
}

// TestIDLookupsUseTheIndex: a find, an update and a delete by _id are index
// searches on the embedded engine, for a collection made at start-up and
// for one made at run time by its first write. The find is FerretDB's own
// query (its explain); the update and the delete are the statements
// FerretDB v1.24.2 runs for them (collection.go UpdateAll and DeleteAll,
// with the same metadata.IDColumn as the find). Without the store's index
// the same find is a SCAN: the check can fail.
func TestIDLookupsUseTheIndex(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := context.Background()
	for _, coll := range []string{"users", "made_at_run_time"} {
		for i := range 50 {
			if _, err := s.c(coll).InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("id-%03d", i)}, {Key: "n", Value: i}}); err != nil {
				t.Fatal(err)
			}
		}
		table := tableOf(t, s, coll)
		index := table + idIndexSuffix
		for _, id := range []any{"id-007", bson.NewObjectID()} {
			if plan := explainFind(t, s, coll, id); !strings.Contains(plan, "SEARCH "+table+" USING INDEX "+index) {
				t.Errorf("%s: find by _id %v does not use %s: %s", coll, id, index, plan)
			}
		}
		// The statements of UpdateAll and DeleteAll, with FerretDB's expression.
		upd := fmt.Sprintf(`UPDATE %q SET %s = ? WHERE %s = ?`, table, ferretDocColumn, ferretIDExpr)
		if plan := sqlitePlan(t, s, upd, `{}`, `"id-007"`); !strings.Contains(plan, "SEARCH "+table+" USING INDEX "+index) {
			t.Errorf("%s: update by _id: %s", coll, plan)
		}
		del := fmt.Sprintf(`DELETE FROM %q WHERE %s IN (?)`, table, ferretIDExpr)
		if plan := sqlitePlan(t, s, del, `"id-007"`); !strings.Contains(plan, "SEARCH "+table+" USING INDEX "+index) {
			t.Errorf("%s: delete by _id: %s", coll, plan)
		}
		// And they still do what they should through the driver.
		res, err := s.c(coll).UpdateOne(ctx, bson.D{{Key: "_id", Value: "id-007"}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 100}}}})
		if err != nil || res.ModifiedCount != 1 {
			t.Fatalf("update: %v %v", res, err)
		}
		var got struct{ N int }
		if err := s.r(coll).FindOne(ctx, bson.D{{Key: "_id", Value: "id-007"}}).Decode(&got); err != nil || got.N != 107 {
			t.Fatalf("find after update: %+v %v", got, err)
		}
		del1, err := s.c(coll).DeleteOne(ctx, bson.D{{Key: "_id", Value: "id-007"}})
		if err != nil || del1.DeletedCount != 1 {
			t.Fatalf("delete: %v %v", del1, err)
		}
	}

	// The control: a collection made behind the writer's back (so not yet
	// indexed by the store) is scanned by the same find; start-up indexes
	// it, idempotently.
	if _, err := s.db.Collection("behind").InsertOne(ctx, bson.D{{Key: "_id", Value: "x"}}); err != nil {
		t.Fatal(err)
	}
	table := tableOf(t, s, "behind")
	if plan := explainFind(t, s, "behind", "x"); !strings.Contains(plan, "SCAN "+table) {
		t.Fatalf("without the index the plan should be a scan: %s", plan)
	}
	for range 2 {
		if err := s.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if plan := explainFind(t, s, "behind", "x"); !strings.Contains(plan, "SEARCH "+table+" USING INDEX "+table+idIndexSuffix) {
		t.Fatalf("after EnsureIndexes: %s", plan)
	}
}

// condCase is a condition and the documents (by _id) it must match. The
// expected sets are worked out by hand from the documents below and
// MongoDB's rules (see Cond).
type condCase struct {
	name string
	cond Cond
	want string // ids, in order, joined by spaces
}

var condDocs = []bson.D{
	{{Key: "_id", Value: "a"}, {Key: "version", Value: int64(3)}, {Key: "status", Value: "draft"}, {Key: "seats", Value: 1},
		{Key: "people", Value: bson.A{"ann", "bob"}}, {Key: "at", Value: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)},
		{Key: "m", Value: bson.D{{Key: "x", Value: bson.D{{Key: "rev", Value: 2}}}}}, {Key: "flag", Value: false}},
	{{Key: "_id", Value: "b"}, {Key: "version", Value: 4.0}, {Key: "status", Value: "sent"}, {Key: "seats", Value: int64(2)},
		{Key: "people", Value: bson.A{}}, {Key: "usedAt", Value: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, {Key: "flag", Value: true}},
	{{Key: "_id", Value: "c"}, {Key: "status", Value: nil}, {Key: "seats", Value: "2"}, {Key: "people", Value: bson.A{"cat"}},
		{Key: "at", Value: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}, {Key: "m", Value: bson.D{{Key: "y", Value: 1}}}},
}

var condCases = []condCase{
	{"version equal, int against int32/int64/double", Eq("version", 3), "a"},
	{"version equal to a double", Eq("version", 4), "b"},
	{"status equal", Eq("status", "draft"), "a"},
	{"equal to null: null or missing", Eq("version", nil), "c"},
	{"status null", Eq("status", nil), "c"},
	{"status not disabled (missing matches)", Ne("status", "sent"), "a c"},
	{"array holds", Eq("people", "bob"), "a"},
	{"array does not hold", Ne("people", "bob"), "b c"},
	{"fewer seats than 2 (a string is not a number)", Lt("seats", 2), "a"},
	{"at most 2 seats", Lte("seats", 2), "a b"},
	{"more than 1 seat", Gt("seats", 1), "b"},
	{"at least 1 seat", Gte("seats", int64(1)), "a b"},
	{"string order", Gt("status", "dog"), "a b"},
	{"date before", Lt("at", time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)), "a"},
	{"date after", Gt("at", time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)), "c"},
	{"unused token", Exists("usedAt", false), "a c"},
	{"used token", Exists("usedAt", true), "b"},
	{"present even when null", Exists("status", true), "a b c"},
	{"false flag", Eq("flag", false), "a"},
	{"flag not true (missing matches)", Ne("flag", true), "a c"},
	{"two people", Size("people", 2), "a"},
	{"no people (an empty array, not a missing field)", Size("people", 0), "b"},
	{"missing or empty", Or(Exists("usedAt", false), Size("people", 0)), "a b c"},
	{"dotted path, missing or older", Or(Exists("m.x", false), Lt("m.x.rev", 3)), "a b c"},
	{"dotted path older than 2", Or(Exists("m.x", false), Lt("m.x.rev", 2)), "b c"},
	{"and of terms", Eq("status", "draft").And(Eq("version", 3), Lt("seats", 5)), "a"},
	{"and that fails", Eq("status", "draft").And(Eq("version", 4)), ""},
	{"same field twice", Gte("seats", 1).And(Lt("seats", 2)), "a"},
	{"or of two", Or(Eq("status", "sent"), Eq("people", "cat")), "b c"},
	{"lease: mine or lapsed", Or(Eq("status", "mine"), Lte("at", time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC))), "a"},
}

// TestCondAgreesWithTheServer: every condition, evaluated in Go (the
// embedded engine) and rendered as a filter and run by the server's own
// matcher (what MongoDB does), selects the same documents, and the ones
// worked out by hand.
func TestCondAgreesWithTheServer(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := context.Background()
	for _, d := range condDocs {
		if _, err := s.c("conds").InsertOne(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range condCases {
		var inGo, byServer []string
		for _, d := range condDocs {
			id := d[0].Value.(string)
			raw, err := s.r("conds").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
			if err != nil {
				t.Fatal(err)
			}
			ok, err := tc.cond.match(raw)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if ok {
				inGo = append(inGo, id)
			}
			n, err := s.r("conds").CountDocuments(ctx, tc.cond.filter(id))
			if err != nil {
				t.Fatalf("%s: filter %v: %v", tc.name, tc.cond.filter(id), err)
			}
			if n == 1 {
				byServer = append(byServer, id)
			}
		}
		if g, sv := strings.Join(inGo, " "), strings.Join(byServer, " "); g != tc.want || sv != tc.want {
			t.Errorf("%s: in Go %q, by the server's matcher %q, want %q (filter %v)", tc.name, g, sv, tc.want, tc.cond.filter("…"))
		}
	}
}

// engines are both sides of the engine interface, over the embedded server
// (the MongoDB side sends the rendered filters; with writes on one
// connection the embedded server runs them correctly, if slowly).
func engines(s *Store) []engine { return []engine{embeddedEngine{w: s.w}, mongoEngine{w: s.w}} }

// engineCase is an engine and the collection a test writes: the embedded
// engine both on a collection read from the database under the writer lock
// and on one whose reads under the lock come from the coherent copies
// ("counters" is one: copies.go).
type engineCase struct {
	name string
	e    engine
	coll string
}

func engineCases(s *Store) []engineCase {
	return []engineCase{
		{"embedded", embeddedEngine{w: s.w, docs: s.docs}, "lost_embedded"},
		{"embedded-cached", embeddedEngine{w: s.w, docs: s.docs}, "counters"},
		{"mongodb", mongoEngine{w: s.w}, "lost_mongodb"},
	}
}

// lostWriters is how many writers of each kind TestNoLostWrites runs at
// once on the MongoDB engine. Its read-modify-writes retry with back-off
// through one connection to the embedded server, so their cost grows with
// the square of the writers: 100 took 22 s of CPU under the race detector,
// a sixth of the store package's tests. A lost write needs only two
// writers that read the same version before either writes; 20 started at
// once all read before most have written, and with the condition left out
// of the engine's update (an experiment, dc49151) the test fails at 20:
// the read-modify-writes give fewer than 20.
const lostWriters = 20

// patientWriter is s's writer on a client of its own to the same embedded
// server: one connection too, but a checkout of it waits as long as the
// test lets it, not the driver's 30 s server selection timeout (which
// also bounds checkouts when the context has no deadline). On the MongoDB
// side of TestNoLostWrites the writers queue for that one connection, and
// on a loaded machine the last of them waited longer than 30 s and failed
// ("100 read-modify-writes gave 96"): a failure of the machine's load,
// not of the engine. The writes, their number and what is checked stay
// the same.
func patientWriter(t *testing.T, s *Store) *writer {
	t.Helper()
	c, err := mongo.Connect(options.Client().ApplyURI(s.embedded.uri).SetMaxPoolSize(1).SetServerSelectionTimeout(20 * time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	w := *s.w
	w.db = c.Database(s.db.Name())
	return &w
}

// TestNoLostWrites: 100 concurrent writers of each kind on the embedded
// engine, 20 on the MongoDB engine (lostWriters), on both engines.
func TestNoLostWrites(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := context.Background()
	for _, ec := range engineCases(s) {
		e := ec.e
		n := 100
		if _, ok := e.(mongoEngine); ok {
			e = mongoEngine{w: patientWriter(t, s)}
			n = lostWriters
		}
		t.Run(ec.name, func(t *testing.T) {
			coll := ec.coll
			run := func(f func(i int) bool) int {
				var wg sync.WaitGroup
				var mu sync.Mutex
				won := 0
				for i := range n {
					wg.Go(func() {
						if f(i) {
							mu.Lock()
							won++
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				return won
			}
			read := func(id string) (doc struct {
				N, SeatsTaken, Version int
				Attendees              []string
			}) {
				if err := s.r(coll).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&doc); err != nil {
					t.Fatal(err)
				}
				return doc
			}
			// Read-modify-write (how the audit chain's head moves): n at
			// once, starting from no document, each adding one to what it read.
			// First, while the collection holds nothing else: the embedded
			// server sends only a filter on _id alone down to SQLite, so each
			// conditional update of the MongoDB engine reads every document of
			// the collection, and the writers make many tries
			// between them. The writes and the checks do not depend on the order.
			run(func(int) bool {
				err := e.readModifyWrite(ctx, coll, "rmw", func(cur bson.Raw) (Cond, any, error) {
					if cur == nil {
						return Cond{}, bson.D{{Key: "_id", Value: "rmw"}, {Key: "v", Value: int64(1)}}, nil
					}
					v := cur.Lookup("v").AsInt64()
					return Eq("v", v), bson.D{{Key: "$set", Value: bson.D{{Key: "v", Value: v + 1}}}}, nil
				})
				if err != nil {
					t.Error(err)
				}
				return err == nil
			})
			var rmw struct{ V int64 }
			if err := s.r(coll).FindOne(ctx, bson.D{{Key: "_id", Value: "rmw"}}).Decode(&rmw); err != nil || rmw.V != int64(n) {
				t.Errorf("%d read-modify-writes gave %d (%v)", n, rmw.V, err)
			}
			for _, id := range []string{"counter", "visit", "doc"} {
				if _, err := s.c(coll).InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "n", Value: 0}, {Key: "seatsTaken", Value: 0}, {Key: "version", Value: 0}, {Key: "attendees", Value: bson.A{}}}); err != nil {
					t.Fatal(err)
				}
			}
			// The 10 single-use tokens (each inserted once: the 90 duplicate
			// inserts this loop used to try only failed).
			for i := range 10 {
				if _, err := s.c(coll).InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("token-%d", i)}, {Key: "kind", Value: "reset"}}); err != nil {
					t.Fatal(err)
				}
			}
			// n concurrent $inc: all n count.
			run(func(int) bool {
				_, err := e.updateIf(ctx, coll, "counter", Cond{}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}})
				if err != nil {
					t.Error(err)
				}
				return err == nil
			})
			if got := read("counter").N; got != n {
				t.Errorf("%d concurrent $inc gave %d", n, got)
			}
			// n people for 2 seats: exactly 2 get one, no one twice.
			won := run(func(i int) bool {
				who := fmt.Sprintf("p%d", i)
				res, err := e.updateIf(ctx, coll, "visit", Lt("seatsTaken", 2).And(Ne("attendees", who)), bson.D{
					{Key: "$inc", Value: bson.D{{Key: "seatsTaken", Value: 1}}},
					{Key: "$push", Value: bson.D{{Key: "attendees", Value: who}}},
				})
				if err != nil {
					t.Error(err)
				}
				return err == nil && res.MatchedCount == 1
			})
			if v := read("visit"); won != 2 || v.SeatsTaken != 2 || len(v.Attendees) != 2 {
				t.Errorf("2 seats: %d won, seatsTaken %d, attendees %v", won, v.SeatsTaken, v.Attendees)
			}
			// Single-use tokens: 10 tokens, n tries (n/10 at each): each used once.
			won = run(func(i int) bool {
				var tok struct {
					ID string `bson:"_id"`
				}
				err := e.findAndUpdateIf(ctx, coll, fmt.Sprintf("token-%d", i%10), Eq("kind", "reset").And(Exists("usedAt", false)),
					bson.D{{Key: "$set", Value: bson.D{{Key: "usedAt", Value: time.Now().UTC()}}}}, false).Decode(&tok)
				if err != nil && err != mongo.ErrNoDocuments {
					t.Error(err)
				}
				return err == nil
			})
			if won != 10 {
				t.Errorf("10 single-use tokens were used %d times", won)
			}
			// Version checks: read, then write only if the version is the one read.
			won = run(func(int) bool {
				v := read("doc").Version
				res, err := e.updateIf(ctx, coll, "doc", Eq("version", v), bson.D{{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}, {Key: "n", Value: 1}}}})
				if err != nil {
					t.Error(err)
				}
				return err == nil && res.MatchedCount == 1
			})
			if d := read("doc"); d.Version != won || d.N != won || won == 0 {
				t.Errorf("version checks: %d writes won, version %d, n %d", won, d.Version, d.N)
			}
			// A replace under a version check, and a status transition.
			res, err := e.replaceIf(ctx, coll, "doc", Eq("version", won), bson.D{{Key: "version", Value: won + 1}, {Key: "status", Value: "sent"}})
			if err != nil || res.MatchedCount != 1 {
				t.Fatalf("replace: %v %v", res, err)
			}
			res, err = e.replaceIf(ctx, coll, "doc", Eq("version", won), bson.D{{Key: "version", Value: 0}})
			if err != nil || res.MatchedCount != 0 {
				t.Fatalf("a stale replace matched: %v %v", res, err)
			}
			var after struct{ Status string }
			if err := e.findAndUpdateIf(ctx, coll, "doc", Eq("status", "sent"), bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: "closed"}}}}, true).Decode(&after); err != nil || after.Status != "closed" {
				t.Fatalf("transition: %+v %v", after, err)
			}
			if err := e.findAndUpdateIf(ctx, coll, "nobody", Cond{}, bson.D{{Key: "$set", Value: bson.D{{Key: "x", Value: 1}}}}, true).Err(); err != mongo.ErrNoDocuments {
				t.Fatalf("a missing document: %v", err)
			}
		})
	}
}

// TestAuditMigrationMovesDaysIntoOneCollection: events filed the old way
// (one collection per day) are in the one audit collection after
// migration 4, the chain verifies, the newest page reads them, and the day
// collections are gone. Run twice, it changes nothing more.
func TestAuditMigrationMovesDaysIntoOneCollection(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := context.Background()
	// 120 events over three days, 40 a day, linked as Audit links them.
	var prev string
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for i := int64(1); i <= 120; i++ {
		ev := AuditEvent{At: start.Add(time.Duration((i-1)/40) * 24 * time.Hour), Actor: "a@example.org", Action: AuditSignIn}
		ev.seal(i, prev)
		prev = ev.Hash
		if _, err := s.c(legacyAuditColl(ev.Day)).InsertOne(ctx, ev); err != nil {
			t.Fatal(err)
		}
		if err := s.noteAuditDay(ctx, ev.Day, i, i); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.c("counters").InsertOne(ctx, auditHead{ID: "audit", Seq: 120, Hash: prev, Bucket: "2026-03-03"}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := migrateAuditToOneCollection(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	brk, n, err := s.VerifyAudit(ctx)
	if err != nil || brk != nil || n != 120 {
		t.Fatalf("after migration: break %+v, %d verified, %v", brk, n, err)
	}
	evs, more, err := s.ListAudit(ctx, AuditFilter{})
	if err != nil || !more || len(evs) != PageSize || evs[0].Seq != 120 || evs[PageSize-1].Seq != 71 {
		t.Fatalf("newest page: %d events from %d, more %v, %v", len(evs), evs[0].Seq, more, err)
	}
	// The middle day: events 41 to 80, newest first.
	evs, more, err = s.ListAudit(ctx, AuditFilter{Day: "2026-03-02", Action: AuditSignIn})
	if err != nil || more || len(evs) != 40 || evs[0].Seq != 80 || evs[39].Seq != 41 {
		t.Fatalf("2 March: %d events, more %v, %v", len(evs), more, err)
	}
	names, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if strings.HasPrefix(name, "audit_2026") {
			t.Errorf("day collection %s left behind", name)
		}
	}
	// 120 events make three pages of 50, 50 and 20.
	if c, err := s.r(AuditCollection).CountDocuments(ctx, bson.D{}); err != nil || c != 3 {
		t.Fatalf("%d pages, %v", c, err)
	}
}
