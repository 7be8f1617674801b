package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestImportCollectionsMergedByMigration: records kept the old way (a
// collection per import, power_chunks_<gen>) are read from the one
// collection after migration 9: two months of one force, a current import
// of three chunks and one of two, and a crashed import nothing refers to.
// A kill -9 after the copies, or after one old collection was dropped,
// leaves them readable and running the migration again finishes it. Then
// a re-import of a month deletes the replaced import's records, the
// orphan job deletes the crashed one's, and no collection per import is
// left.
func TestImportCollectionsMergedByMigration(t *testing.T) {
	t.Parallel()
	for _, crash := range []string{"", "copied", "one dropped"} {
		t.Run("crash "+crash, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := openTestAny(t)
			gen := func(age time.Duration) string { return bson.NewObjectIDFromTimestamp(s.Now().Add(-age)).Hex() }
			jan, feb, crashed := gen(72*time.Hour), gen(71*time.Hour), gen(48*time.Hour)
			legacy := func(g, month string, chunks int) {
				monthID := powerMonthID(PowerStopSearch, "dorset", month)
				for i := range chunks {
					c := PowerChunk{ID: powerChunkID(monthID, g, i), MonthID: monthID, Gen: g, Rows: []string{fmt.Sprintf("%s row %d", month, i)}}
					if _, err := s.c(legacyChunkColl(g)).InsertOne(ctx, c); err != nil {
						t.Fatal(err)
					}
				}
			}
			legacy(jan, "2025-01", 3)
			legacy(feb, "2025-02", 2)
			legacy(crashed, "2025-01", 2)
			for month, g := range map[string]string{"2025-01": jan, "2025-02": feb} {
				chunks := map[string]int{jan: 3, feb: 2}[g]
				// Months as they stood: written before the migration, when
				// they named their import the same way.
				m := PowerMonth{ID: powerMonthID(PowerStopSearch, "dorset", month), Kind: PowerStopSearch, Force: "dorset", Month: month, Rev: 1,
					Parts: []PowerPart{{Key: month, Source: month + ".csv", Gen: g, Records: int64(chunks), Chunks: chunks}}}
				m.sum()
				if _, err := s.c("power_months").InsertOne(ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			switch crash {
			case "copied", "one dropped":
				colls := []string{legacyChunkColl(crashed), legacyChunkColl(feb), legacyChunkColl(jan)}
				if err := copyImportColls(ctx, s, colls); err != nil {
					t.Fatal(err)
				}
				if crash == "one dropped" {
					if err := s.c(colls[0]).Drop(ctx); err != nil {
						t.Fatal(err)
					}
				}
			}
			for range 2 {
				if err := mergeImportCollections(ctx, s); err != nil {
					t.Fatal(err)
				}
			}
			read := func(month, g string, i int) (string, error) {
				m := &PowerMonth{ID: powerMonthID(PowerStopSearch, "dorset", month)}
				c, err := s.PowerChunkOf(ctx, m, &PowerPart{Gen: g}, i)
				if err != nil {
					return "", err
				}
				return c.Rows[0], nil
			}
			for _, c := range []struct {
				month, gen string
				chunks     int
			}{{"2025-01", jan, 3}, {"2025-02", feb, 2}, {"2025-01", crashed, 2}} {
				for i := range c.chunks {
					row, err := read(c.month, c.gen, i)
					if want := fmt.Sprintf("%s row %d", c.month, i); err != nil || row != want {
						t.Fatalf("%s chunk %d of %s after the migration: %q (%v), want %q", c.month, i, c.gen, row, err, want)
					}
				}
			}
			names, err := s.rdb.ListCollectionNames(ctx, bson.D{})
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range names {
				if strings.HasPrefix(n, legacyChunkPrefix) {
					t.Errorf("collection %s left behind", n)
				}
			}
			// A new import of January replaces jan's records.
			next := gen(0)
			if err := s.PutPowerChunk(ctx, PowerStopSearch, "dorset", "2025-01", next, 0, []string{"new"}); err != nil {
				t.Fatal(err)
			}
			if err := s.PutPowerPart(ctx, PowerStopSearch, "dorset", "2025-01", PowerPart{Key: "2025-01", Source: "2025-01.csv", Gen: next, Records: 1, Chunks: 1}); err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				if _, err := read("2025-01", jan, i); err == nil {
					t.Errorf("the replaced import's chunk %d is still there", i)
				}
			}
			if row, err := read("2025-01", next, 0); err != nil || row != "new" {
				t.Errorf("the new import's records: %q (%v)", row, err)
			}
			dropped, err := s.DropOrphanImports(ctx)
			if want := crashed + "/stop-search/dorset/2025-01"; err != nil || len(dropped) != 1 || dropped[0] != want {
				t.Fatalf("orphans dropped %v (%v), want %s", dropped, err, want)
			}
			if _, err := read("2025-01", crashed, 0); err == nil {
				t.Error("the crashed import's records are still there")
			}
			if row, err := read("2025-02", feb, 1); err != nil || row != "2025-02 row 1" {
				t.Errorf("February's records after the orphans went: %q (%v)", row, err)
			}
		})
	}
}
