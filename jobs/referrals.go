package jobs

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"candour/config"
	"candour/mail"
	"candour/store"
)

// startReferralJobs runs the referral job hourly under a lease (the
// queue's summaries are repaired by the hourly repair job, repair.go): it deletes the content
// of referrals that have been in a final status longer than
// CANDOUR_REFERRAL_RETENTION allows, leaving an audited tombstone (see
// store.ExpireReferrals).
func startReferralJobs(ctx context.Context, wg *sync.WaitGroup, cfg config.Config, db *store.Store, log *slog.Logger, holder string) {
	every(ctx, wg, log, db, holder, "referral-retention", time.Hour, func(ctx context.Context) error {
		n, err := expireReferrals(ctx, cfg, db)
		if n > 0 {
			log.Info("referral content deleted under the retention policy", "count", n)
		}
		return err
	})
	every(ctx, wg, log, db, holder, "referral-notices", AnonymousNoticeEvery, func(ctx context.Context) error {
		_, err := sendAnonymousNotices(ctx, cfg, db)
		return err
	})
}

// AnonymousNoticeEvery is how often anonymous arrivals are announced to
// the CCU mailbox, in one mail, so that no mail dates a report.
const AnonymousNoticeEvery = 30 * time.Minute

// sendAnonymousNotices queues one mail to the CCU mailbox (or each active
// CCU account) if anonymous reports or replies arrived since the last run,
// and reports how many it queued.
func sendAnonymousNotices(ctx context.Context, cfg config.Config, db *store.Store) (int, error) {
	reports, replies, err := db.TakeAnonymousNotice(ctx)
	if err != nil || (!reports && !replies) {
		return 0, err
	}
	subject := "New anonymous reports are waiting"
	switch {
	case reports && replies:
		subject = "New anonymous reports and replies are waiting"
	case replies:
		subject = "Replies to anonymous reports are waiting"
	}
	to := []string{cfg.CCUMailbox}
	if cfg.CCUMailbox == "" {
		to = to[:0]
		for _, role := range store.CCURoles { // analysts and supervisors
			for page := 1; ; page++ {
				us, more, err := db.ListUsers(ctx, store.UserFilter{Role: role, Page: page})
				if err != nil {
					return 0, err
				}
				for _, u := range us {
					if u.Status == store.StatusActive {
						to = append(to, u.Email)
					}
				}
				if !more {
					break
				}
			}
		}
	}
	for i, addr := range to {
		if err := db.QueueMail(ctx, addr, subject, mail.CCUNotice(cfg, subject)); err != nil {
			return i, err
		}
	}
	return len(to), nil
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
