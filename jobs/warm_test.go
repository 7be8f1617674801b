package jobs

import (
	"context"
	"errors"
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

// TestStartUpWarmsThePowersPages: after start-up's warming, what the
// powers pages read first (the index of months, a force's months of each
// activity for any period, its populations) sends no command: the first
// person to open the overview after a restart no longer waits for every
// activity's months to be read (issue 18: 3.1 s of CPU at 1× and at 10×).
func TestStartUpWarmsThePowersPages(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	kinds := []string{store.PowerStopSearch, "use-of-force"}
	for _, kind := range kinds {
		for _, month := range []string{"2025-11", "2025-12", "2026-01"} {
			part := store.PowerPart{Key: month, Source: month + ".csv", Records: 3,
				Cells: []store.PowerCell{{Basis: "self", Dim: "all", Group: "Black", Searches: 3}}}
			if _, err := db.PutPowerPartMonth(ctx, kind, "dorset", month, part); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := db.PutPopulation(ctx, &store.Population{ID: store.PopulationID(store.Residents, "dorset"), Groups: map[string]int64{"Black": 100}, Total: 100}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	warmCopies(ctx, &wg, db.WarmCopies, time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
	wg.Wait()

	sent := recordCommands(t, db)
	index, err := db.PowerIndexes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(index[store.PowerStopSearch]); got != 1 {
		t.Fatalf("the index has %d forces with stop and search, want 1", got)
	}
	for _, kind := range kinds {
		for _, p := range []struct {
			from, to string
			want     int
		}{{"", "", 3}, {"2025-12", "2026-01", 2}, {"2026-01", "", 1}, {"", "2025-11", 1}} {
			ms, err := db.PowerMonths(ctx, kind, "dorset", p.from, p.to)
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != p.want {
				t.Errorf("%s from %q to %q: %d months, want %d", kind, p.from, p.to, len(ms), p.want)
			}
		}
	}
	if _, err := db.Population(ctx, "dorset"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PopulationOf(ctx, store.Drivers, "dorset"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("drivers of a force with none loaded: %v, want ErrNotFound", err)
	}
	got := sent()
	if storetest.URI() != "" {
		// Through MONGODB_URI the index and the populations are read every
		// time, and a force's months look at the index's version first;
		// the months themselves are still not read.
		got = slices.DeleteFunc(got, func(c string) bool { return c == "find power_index" || c == "find populations" })
	}
	if len(got) != 0 {
		t.Errorf("after start-up's warming, the powers pages' first reads sent %v; want nothing", got)
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
