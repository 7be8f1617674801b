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

// mailInterval is how often the outbox is sent. The lease lasts twice as
// long, and a pass stops well inside it (mailPassLimit), so another
// instance never takes over a batch that is still being sent. The limit is
// a store.JobLimit: the pass stops before its next command, never with a
// read cut off mid-reply (which would close the jobs' connection under
// every other job's cursors).
const (
	mailInterval  = 5 * time.Second
	mailPassLimit = 8 * time.Second
)

// startMailJob sends the outbox when CANDOUR_SMTP_ADDR is set. Without it,
// mail stays in the outbox; in development it can be read at /dev/mail.
func startMailJob(ctx context.Context, wg *sync.WaitGroup, cfg config.Config, db *store.Store, log *slog.Logger, holder string) {
	if cfg.SMTPAddr == "" {
		if cfg.Production() {
			log.Warn("mail is not sent: CANDOUR_SMTP_ADDR is not set, so messages stay in the outbox")
		} else {
			log.Info("no CANDOUR_SMTP_ADDR: mail stays in the outbox; read it at /dev/mail")
		}
		return
	}
	sender, err := mail.NewSMTP(cfg)
	if err != nil {
		log.Error("mail is not sent", "err", err)
		return
	}
	w := mail.NewWorker(db, sender, log)
	every(ctx, wg, log, db, holder, "mail-outbox", mailInterval, func(ctx context.Context) error {
		ctx, cancel := store.JobLimit(ctx, mailPassLimit)
		defer cancel()
		n, err := w.SendDue(ctx)
		if n > 0 {
			log.Info("mail sent", "count", n)
		}
		return err
	})
}
