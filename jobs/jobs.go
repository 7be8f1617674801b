// Package jobs runs Candour's background work in the portal's process:
// one runner (every, in jobs.go) that takes a lease before each run, so
// that several instances never run the same job at once, and one file per
// job. RepairAtStart puts right what a crash left half done before the
// portal answers anyone.
package jobs

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"time"

	"candour/config"
	"candour/store"
)

// Start runs the background jobs in this process. Each takes a lease
// before it works, so several instances behind a load balancer never run
// the same job at once.
func Start(ctx context.Context, wg *sync.WaitGroup, cfg config.Config, db *store.Store, log *slog.Logger, surveyDecisions Wake) {
	holder, _ := os.Hostname()
	holder += "/" + store.NewID()
	every(ctx, wg, log, db, holder, "session-cleanup", 10*time.Minute, func(ctx context.Context) error {
		n, err := db.DeleteExpiredSessions(ctx)
		if n > 0 {
			log.Info("expired sessions deleted", "count", n)
		}
		return err
	})
	every(ctx, wg, log, db, holder, "mail-cleanup", time.Hour, func(ctx context.Context) error {
		n, err := db.DeleteOldMail(ctx)
		if n > 0 {
			log.Info("old sent mail deleted", "count", n)
		}
		return err
	})
	startMailJob(ctx, wg, cfg, db, log, holder)
	startRecommendationJobs(ctx, wg, cfg, db, log, holder)
	startVisitJobs(ctx, wg, cfg, db, log, holder)
	startReferralJobs(ctx, wg, cfg, db, log, holder)
	startRepairJobs(ctx, wg, db, log, holder)
	startAuditJobs(ctx, wg, cfg, db, log, holder)
	startRetentionJobs(ctx, wg, db, log, holder)
	startImportJobs(ctx, wg, db, log, holder)
	startAdviceJobs(ctx, wg, cfg, db, log, holder)
	startSurveyJobs(ctx, wg, db, log, holder, surveyDecisions)
	warmCopies(ctx, wg, db.WarmCopies, warmRetry, log)
}

// Wake runs a job at once rather than at its next turn (still under its
// lease): the portal wakes the survey-decisions job when a survey closes
// or when someone asks for results that are not decided yet.
type Wake chan struct{}

// NewWake makes a Wake for Start.
func NewWake() Wake { return make(Wake, 1) }

// Soon wakes the job, never waiting: a wake already pending is enough.
func (w Wake) Soon() {
	select {
	case w <- struct{}{}:
	default:
	}
}

// every runs fn now and then every interval while this instance holds the
// job's lease, until ctx ends.
func every(ctx context.Context, wg *sync.WaitGroup, log *slog.Logger, db *store.Store, holder, job string, interval time.Duration, fn func(context.Context) error) {
	run(ctx, wg, log, db, holder, job, interval, false, nil, fn)
}

// run runs fn (after a first interval if wait), then every interval and
// whenever wake has something, while this instance holds the job's lease.
func run(ctx context.Context, wg *sync.WaitGroup, log *slog.Logger, db *store.Store, holder, job string, interval time.Duration, wait bool, wake Wake, fn func(context.Context) error) {
	// Every job reads on the jobs' own connection, never the read pool
	// the requests read on (store.ForJob): marked here, so no job can
	// forget.
	ctx = store.ForJob(ctx)
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		if wait {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
		for {
			ok, err := db.AcquireLease(ctx, job, holder, 2*interval)
			if err != nil && ctx.Err() == nil {
				log.Error("job lease", "job", job, "err", err)
			}
			if ok {
				if err := fn(ctx); err != nil && ctx.Err() == nil {
					log.Error("job failed", "job", job, "err", err)
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-wake:
			}
		}
	}()
}
