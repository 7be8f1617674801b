package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"candour/config"
	"candour/store"
)

// startReferralJobs runs the referral job hourly under a lease: it repairs
// the queue's summaries (see store.RefSummary), then deletes the content
// of referrals that have been in a final status longer than
// CANDOUR_REFERRAL_RETENTION allows, leaving an audited tombstone (see
// store.ExpireReferrals).
func startReferralJobs(ctx context.Context, wg *sync.WaitGroup, cfg config.Config, db *store.Store, log *slog.Logger, holder string) {
	every(ctx, wg, log, db, holder, "referral-retention", time.Hour, func(ctx context.Context) error {
		if n, err := db.SyncReferralIndex(ctx); err != nil {
			return err
		} else if n > 0 {
			log.Warn("referral summaries repaired", "count", n)
		}
		n, err := expireReferrals(ctx, cfg, db)
		if n > 0 {
			log.Info("referral content deleted under the retention policy", "count", n)
		}
		return err
	})
}

// expireReferrals applies the retention rules once and audits each
// deletion as the system. It returns how many referrals it emptied.
func expireReferrals(ctx context.Context, cfg config.Config, db *store.Store) (int, error) {
	rules := make([]store.RetentionRule, len(cfg.Retention))
	for i, r := range cfg.Retention {
		rules[i] = store.RetentionRule{Kind: r.Kind, Status: r.Status, Months: r.Months}
	}
	gone, err := db.ExpireReferrals(ctx, rules)
	for _, r := range gone {
		if aerr := db.Audit(ctx, store.AuditEvent{Actor: "system", Action: store.AuditRefContentGone, Target: "referral:" + r.ID,
			Detail: r.Ref + " (" + r.Kind + ", " + r.Status + ")"}); aerr != nil && err == nil {
			err = aerr
		}
	}
	return len(gone), err
}
