// Package mail sends the messages that handlers put in the outbox. A Worker
// takes the messages that are due from the store and hands them to a
// Sender (SMTP, see NewSMTP); a message leaves the outbox only when the
// mail server has accepted it, and a refusal is retried later with back-off.
//
// It decides nothing about what a message says, and it must never log a
// message's body: bodies carry single-use sign-in links.
package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"candour/store"
)

// Outbox is what the worker needs from the store.
type Outbox interface {
	DueMail(ctx context.Context, limit int) ([]store.Mail, error)
	MarkMailSent(ctx context.Context, id string) error
	MarkMailFailed(ctx context.Context, m store.Mail, cause error) error
}

var _ Outbox = (*store.Store)(nil)

// Sender delivers a batch of messages. It returns one result per message,
// in order: nil when the mail server accepted it, ErrNotTried when time ran
// out before it was tried, or the reason it was not accepted.
type Sender interface {
	Send(ctx context.Context, batch []store.Mail) []error
}

// ErrNotTried marks a message the sender did not get to: it stays due, and
// no attempt is counted against it.
var ErrNotTried = errors.New("mail: not tried")

// BatchSize is how many messages one pass sends at most.
const BatchSize = 10

// Worker sends the outbox. One pass at a time: the caller runs SendDue
// under a lease, so two instances never send the same message.
type Worker struct {
	outbox Outbox
	sender Sender
	log    *slog.Logger
}

// NewWorker makes a worker that sends outbox's due messages with sender.
func NewWorker(outbox Outbox, sender Sender, log *slog.Logger) *Worker {
	return &Worker{outbox: outbox, sender: sender, log: log}
}

// SendDue sends the messages that are due, at most BatchSize, and records
// each outcome. A message the server did not accept stays in the outbox
// and is tried again later (store.MarkMailFailed sets the back-off and gives
// up after store.MaxMailAttempts). It returns how many were sent.
func (w *Worker) SendDue(ctx context.Context) (int, error) {
	due, err := w.outbox.DueMail(ctx, BatchSize)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		// The pass's time ran out during the read (a job's limit lets a
		// read in flight finish: store.JobLimit): nothing is tried, so no
		// attempt is counted against a message for a connection refused
		// only because the time was up.
		return 0, err
	}
	results := w.sender.Send(ctx, due)
	if len(results) != len(due) {
		return 0, fmt.Errorf("mail: sender returned %d results for %d messages", len(results), len(due))
	}
	// Outcomes are recorded even when ctx has ended: a message the server
	// accepted must not be sent again.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	sent := 0
	var errs []error
	for i, m := range due {
		switch res := results[i]; {
		case res == nil:
			if err := w.outbox.MarkMailSent(rec, m.ID); err != nil {
				errs = append(errs, err)
				continue
			}
			sent++
		case errors.Is(res, ErrNotTried):
		default:
			attempt := m.Attempts + 1
			if attempt >= store.MaxMailAttempts {
				w.log.ErrorContext(ctx, "mail not sent: giving up", "mail_id", m.ID, "attempts", attempt, "err", res)
			} else {
				w.log.WarnContext(ctx, "mail not sent: will try again", "mail_id", m.ID, "attempt", attempt, "err", res)
			}
			if err := w.outbox.MarkMailFailed(rec, m, res); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return sent, errors.Join(errs...)
}
