package jobs

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"candour/advice"
	"candour/config"
	"candour/mail"
	"candour/store"
)

// adviceInterval is how often the advice job looks for reminders due:
// requests run for hours, so a minute late is on time.
const adviceInterval = time.Minute

// startAdviceJobs runs, each under its own lease, the critical-incident
// advice reminders (an hour before the deadline, to those who have not
// answered; see store.AdviceRequest.RemindAt) and the sending of text
// messages from the outbox: through the force's gateway
// (CANDOUR_TEXT_URL), or to the log when there is none.
func startAdviceJobs(ctx context.Context, wg *sync.WaitGroup, cfg config.Config, db *store.Store, log *slog.Logger, holder string) {
	every(ctx, wg, log, db, holder, "advice-reminders", adviceInterval, func(ctx context.Context) error {
		n, err := sendAdviceReminders(ctx, db, cfg)
		if n > 0 {
			log.Info("advice messages queued", "messages", n)
		}
		return err
	})
	var texts mail.TextSender = mail.LogTexts{Log: log}
	if cfg.TextURL != "" {
		texts = mail.WebhookTexts{URL: cfg.TextURL, Token: cfg.TextToken}
	}
	w := mail.NewWorker(mail.TextOutbox(db), mail.Texts(texts), log)
	every(ctx, wg, log, db, holder, "text-outbox", mailInterval, func(ctx context.Context) error {
		ctx, cancel := store.JobLimit(ctx, mailPassLimit)
		defer cancel()
		n, err := w.SendDue(ctx)
		if n > 0 {
			log.Info("text messages sent", "count", n)
		}
		return err
	})
}

// sendAdviceReminders queues what is due and returns how many messages:
// the reminder of each open request past its reminder time (claimed in the
// store first, so nobody is reminded twice), and the first messages of a
// request whose opening did not get to queue them (a crash between the
// two; a minute's grace so the opening's own sending is not doubled).
func sendAdviceReminders(ctx context.Context, db *store.Store, cfg config.Config) (int, error) {
	rs, err := db.DueAdviceReminders(ctx)
	if err != nil {
		return 0, err
	}
	now := db.Now()
	queued := 0
	for _, r := range rs {
		switch {
		case !r.Notified:
			if now.Sub(r.CreatedAt) < time.Minute {
				continue
			}
			n, err := advice.Notify(ctx, db, cfg, &r, advice.First)
			if err != nil {
				return queued, err
			}
			queued += n
			if err := db.MarkAdviceNotified(ctx, r.ID); err != nil {
				return queued, err
			}
		case !r.Reminded && !now.Before(r.RemindAt):
			ok, err := db.ClaimAdviceReminder(ctx, r.ID)
			if err != nil || !ok {
				return queued, err
			}
			n, err := advice.Notify(ctx, db, cfg, &r, advice.Reminder)
			if err != nil {
				return queued, err
			}
			queued += n
		}
	}
	return queued, nil
}
