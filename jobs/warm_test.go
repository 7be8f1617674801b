package jobs

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"candour/store"
	"candour/store/storetest"
)

// TestStartUpWarmsThePeopleDirectory: after start-up's warming of the
// copies, the first people list and the first read of the recommendation
// summaries send no command: the first person to open the people list
// after a restart no longer waits for every account to be read (issue 18:
// at 5,000 accounts about a second of CPU in that request).
func TestStartUpWarmsThePeopleDirectory(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	for _, e := range []string{"ann@example.org", "bob@example.org", "cat@example.org"} {
		if err := db.CreateUser(ctx, &store.User{Email: e, Name: e[:3], Role: store.RoleMember, Status: store.StatusActive}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	warmCopies(ctx, &wg, db.WarmCopies, time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
	wg.Wait()

	sent := recordCommands(t, db)
	people, _, err := db.ListUsers(ctx, store.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(people), 3; got != want {
		t.Fatalf("the people list has %d accounts, want %d", got, want)
	}
	if _, _, err := db.RecommendationsCopy(ctx); err != nil {
		t.Fatal(err)
	}
	got := sent()
	if storetest.URI() != "" {
		// Through MONGODB_URI other instances may write, so a warm copy
		// checks its version number before it answers (one read of
		// counters); it still reads no account and no recommendation.
		got = slices.DeleteFunc(got, func(c string) bool { return c == "find counters" })
	}
	if len(got) != 0 {
		t.Errorf("after start-up's warming, the first people list and recommendations sent %v; want nothing", got)
	}
}

// TestStartUpWarmingTriesAgain: a warming that fails (another job's run
// that timed out closed the jobs' connection and its cursors) is tried
// again, up to warmTries times, and stops at the first that works.
func TestStartUpWarmingTriesAgain(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		fails, want int
	}{{0, 1}, {1, 2}, {warmTries, warmTries}} {
		var mu sync.Mutex
		calls := 0
		warm := func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			calls++
			if calls <= c.fails {
				return io.ErrUnexpectedEOF
			}
			return nil
		}
		var wg sync.WaitGroup
		warmCopies(context.Background(), &wg, warm, time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
		wg.Wait()
		if calls != c.want {
			t.Errorf("%d failures: warmed %d times, want %d", c.fails, calls, c.want)
		}
	}
}
