package store

import (
	"context"
	"os"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestNoCheckpointUnderTheWriter: the embedded server's commits never
// checkpoint the WAL themselves (wal_autocheckpoint=0): with the store's
// checkpointer stopped, a second commit after one that took the WAL past
// SQLite's 1,000 pages appends to it (an automatic checkpoint after the
// first would have let the second start the WAL again from its beginning,
// leaving it about the size of the larger commit). Then the checkpointer's
// checkpoint copies all of it, and the next commit starts the WAL from its
// beginning again: it does not grow.
func TestNoCheckpointUnderTheWriter(t *testing.T) {
	t.Parallel()
	s, _ := openEmbeddedForSync(t, nil)
	if s.ckpt == nil {
		t.Fatal("the embedded store has no checkpointer")
	}
	s.ckpt.halt()
	ctx := context.Background()
	// 5 MB a commit: 1,250 pages of 4 KiB, over SQLite's 1,000.
	big := strings.Repeat("x", 50_000)
	commit := func(prefix string) {
		t.Helper()
		docs := make([]any, 100)
		for i := range docs {
			docs[i] = bson.D{{Key: "_id", Value: prefix + string(rune('a'+i%26)) + strings.Repeat("0", i/26)}, {Key: "big", Value: big}}
		}
		if _, err := s.c("probe").InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
	}
	size := func() int64 {
		t.Helper()
		fi, err := os.Stat(s.w.disk.path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	commit("one-")
	first := size()
	if first < 1000*4096 {
		t.Fatalf("the WAL is %d bytes after a 5 MB commit, want over 1,000 pages", first)
	}
	commit("two-")
	second := size()
	if second < first+first/2 {
		t.Fatalf("the WAL went from %d to %d bytes with a second 5 MB commit: it was checkpointed by the first", first, second)
	}
	if err := s.ckpt.checkpoint(); err != nil {
		t.Fatal(err)
	}
	commit("three-")
	if third := size(); third > second {
		t.Errorf("the WAL grew from %d to %d bytes after the checkpointer's checkpoint: it was not all copied", second, third)
	}
}
