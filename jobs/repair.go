package jobs

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"time"

	"candour/store"
)

// RepairAtStart puts right, before the portal answers anyone, what a crash
// (kill -9, power loss) may have left half done that must not be seen
// (store.RepairAtStart: the audit chain's pending events, the panel
// tallies, survey responses stored but not yet counted, the group copies
// and, once, the issue counts of custody reports saved before they
// existed). The copies'
// repairs, which read whole collections, are the repair job's, which runs
// at once in the background (startRepairJobs). A survey batch still leased
// to another live instance is counted when its lease ends (seconds), by
// the goroutine started here.
func RepairAtStart(ctx context.Context, wg *sync.WaitGroup, db *store.Store, log *slog.Logger) error {
	done, err := db.RepairAtStart(ctx)
	next, err := logRepaired(log, done, err)
	if err != nil {
		return err
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		ctx := store.ForJob(ctx) // the portal answers requests by now: read on the jobs' lane
		for next > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(next):
			}
			done, err := db.RepairAtStart(ctx)
			if next, err = logRepaired(log, done, err); err != nil && ctx.Err() == nil {
				log.Error("repair", "err", err)
				next = time.Minute
			}
		}
	}()
	return nil
}

// repair runs store.Repair and says what it put right; it returns how
// long until a survey batch another instance is counting may be claimed.
func repair(ctx context.Context, db *store.Store, log *slog.Logger) (time.Duration, error) {
	done, err := db.Repair(ctx)
	return logRepaired(log, done, err)
}

// logRepaired logs what a repair put right.
func logRepaired(log *slog.Logger, done store.Repaired, err error) (time.Duration, error) {
	for what, n := range done.Fixed {
		log.Warn("repaired what a crash left behind", "what", what, "count", n)
	}
	if err == nil && done.RetryIn == 0 {
		log.Info("survey counts: nothing left to repair")
	}
	return done.RetryIn, err
}

// startRepairJobs: the repair job, at once (start-up left the copies'
// repairs to it) and hourly after that (a store error, not only a crash,
// can leave a copy behind or a response uncounted), under a lease so one
// instance runs it at a time; and the sweep of expired rate limits.
func startRepairJobs(ctx context.Context, wg *sync.WaitGroup, db *store.Store, log *slog.Logger, holder string) {
	every(ctx, wg, log, db, holder, "repair", time.Hour, func(ctx context.Context) error {
		_, err := repair(ctx, db, log)
		// The full repair reads whole collections (hundreds of megabytes
		// decoded on the embedded engine, though never held at once): give
		// the heap it grew back to the operating system now rather than
		// over the runtime's minutes, so an idle portal stays small after
		// every run, not only after start-up (issue 18; a soft memory limit
		// was rejected, docs/decisions.md).
		debug.FreeOSMemory()
		return err
	})
	// Slots for partner referrals (store/referral_slots.go): written about
	// once a day at a random hour, or whenever few are left.
	every(ctx, wg, log, db, holder, "referral-slots", time.Hour, func(ctx context.Context) error {
		_, err := db.TopUpReferralSlots(ctx, rand.IntN(24) == 0)
		return err
	})
	every(ctx, wg, log, db, holder, "limits-sweep", 10*time.Minute, func(ctx context.Context) error {
		_, err := db.SweepLimits(ctx)
		return err
	})
}
