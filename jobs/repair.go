package jobs

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"candour/store"
)

// RepairAtStart puts right what a crash (kill -9, power loss) may have
// left half done, before the portal answers anyone: survey responses
// stored but not yet counted (store.RepairCounts) and the copies listed
// in store/repairs.go. A batch still leased to another live instance is counted
// when its lease ends (seconds), by the goroutine started here.
func RepairAtStart(ctx context.Context, wg *sync.WaitGroup, db *store.Store, log *slog.Logger) error {
	done, err := db.RepairAfterCrash(ctx)
	if err != nil {
		return err
	}
	for what, n := range done {
		if n > 0 {
			log.Warn("repaired what a crash left behind", "what", what, "count", n)
		}
	}
	next, err := repairCounts(ctx, db, log)
	if err != nil {
		return err
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for next > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(next):
			}
			if next, err = repairCounts(ctx, db, log); err != nil && ctx.Err() == nil {
				log.Error("survey count repair", "err", err)
				next = time.Minute
			}
		}
	}()
	return nil
}

// repairCounts counts what is left uncounted and says so.
func repairCounts(ctx context.Context, db *store.Store, log *slog.Logger) (time.Duration, error) {
	n, next, err := db.RepairCounts(ctx)
	if err != nil {
		return 0, err
	}
	if n > 0 {
		log.Warn("survey responses left uncounted by a crash have been counted", "count", n)
	}
	if next == 0 {
		log.Info("survey counts: nothing left to repair")
	}
	return next, nil
}

// startRepairJobs: the hourly count repair (a store error, not only a
// crash, can leave a response uncounted) and the sweep of expired rate
// limits.
func startRepairJobs(ctx context.Context, wg *sync.WaitGroup, db *store.Store, log *slog.Logger, holder string) {
	every(ctx, wg, log, db, holder, "survey-count-repair", time.Hour, func(ctx context.Context) error {
		_, err := repairCounts(ctx, db, log)
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
