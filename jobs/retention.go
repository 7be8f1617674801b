package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"candour/store"
)

// startRetentionJobs runs the jobs behind the privacy notice's retention
// promises, each under a lease:
//
//   - account-retention: accounts disabled for store.AccountRetentionMonths
//     (12) are deleted with their memberships, sessions and tokens;
//   - audit-retention: audit events older than store.AuditRetentionYears (7)
//     are removed a day at a time, with the chain's anchor moved so that
//     /admin/audit?verify=1 still checks what is left (see docs/operations.md).
//
// Both are audited. They run every six hours: nothing in them is urgent, and
// a restart runs them at once.
func startRetentionJobs(ctx context.Context, wg *sync.WaitGroup, db *store.Store, log *slog.Logger, holder string) {
	every(ctx, wg, log, db, holder, "account-retention", 6*time.Hour, func(ctx context.Context) error {
		n, err := deleteClosedAccounts(ctx, db)
		if n > 0 {
			log.Info("closed accounts deleted under the retention policy", "count", n)
		}
		return err
	})
	every(ctx, wg, log, db, holder, "audit-retention", 6*time.Hour, func(ctx context.Context) error {
		n, err := pruneAudit(ctx, db)
		if n > 0 {
			log.Info("audit events older than the retention period removed", "count", n)
		}
		return err
	})
}

// deleteClosedAccounts deletes the accounts due and audits each deletion
// (the audit entry keeps the address, as security records do for 7 years).
func deleteClosedAccounts(ctx context.Context, db *store.Store) (int, error) {
	gone, err := db.DeleteClosedAccounts(ctx)
	for _, u := range gone {
		if aerr := db.Audit(ctx, store.AuditEvent{Actor: "system", Action: store.AuditAccountDeleted, Target: "user:" + u.ID,
			Detail: fmt.Sprintf("%s, closed more than %d months ago", u.Email, store.AccountRetentionMonths)}); aerr != nil && err == nil {
			err = aerr
		}
	}
	return len(gone), err
}

// pruneAudit removes old audit events and records the removal, with the
// anchor the chain now starts from, as an event of the chain itself.
func pruneAudit(ctx context.Context, db *store.Store) (int64, error) {
	n, anchor, err := db.PruneAudit(ctx)
	if anchor != nil {
		if aerr := db.Audit(ctx, store.AuditEvent{Actor: "system", Action: store.AuditPruned, Target: "audit",
			Detail: fmt.Sprintf("%d events of days before %s removed (older than %d years); the chain now starts after event %d, hash %s",
				n, anchor.Before, store.AuditRetentionYears, anchor.Seq, anchor.Hash)}); aerr != nil && err == nil {
			err = aerr
		}
	}
	return n, err
}
