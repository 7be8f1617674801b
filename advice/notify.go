// Package advice writes the messages of critical-incident advice requests:
// the first request and the reminder before the deadline, by mail and, to
// people who gave a mobile number, by text message. The portal (when a
// coordinator opens a request) and the reminder job both send through it,
// so the wording is in one place.
//
// Messages never carry what happened or the question: only that advice is
// asked, by when, and the link. Mail and text leave the force's systems;
// the request itself is read after signing in, where views are audited.
package advice

import (
	"context"
	"fmt"
	"time"

	"candour/config"
	"candour/mail"
	"candour/store"
)

// Kind of message.
const (
	First    = "first"
	Reminder = "reminder"
)

// Outbox is what Notify needs of the store (a *store.Store is one): the
// people asked, the clock, and the outbox the messages wait in.
type Outbox interface {
	Now() time.Time
	UsersByID(ctx context.Context, ids []string) (map[string]store.User, error)
	QueueMessages(ctx context.Context, ms []store.Mail) error
}

// Notify queues kind's messages for a request in one write: to everyone
// asked (First) or everyone asked who has not answered (Reminder), by mail
// and, with a mobile number, by text. Accounts not active are skipped. It
// returns how many messages it queued.
// The messages say they come from cfg.ForceName and link to cfg.BaseURL.
func Notify(ctx context.Context, db Outbox, cfg config.Config, r *store.AdviceRequest, kind string) (int, error) {
	ids := r.Asked
	if kind == Reminder {
		ids = r.NotAnswered()
	}
	if len(ids) == 0 {
		return 0, nil
	}
	users, err := db.UsersByID(ctx, ids)
	if err != nil {
		return 0, err
	}
	ms := Messages(cfg, r, kind, ids, users, db.Now())
	if err := db.QueueMessages(ctx, ms); err != nil {
		return 0, err
	}
	return len(ms), nil
}

// Messages writes the messages for the people ids (in that order).
func Messages(cfg config.Config, r *store.AdviceRequest, kind string, ids []string, users map[string]store.User, now time.Time) []store.Mail {
	by := When(r.Deadline, now)
	link := cfg.BaseURL + "/advice/" + r.ID
	subject := "Urgent: your advice is asked for by " + by
	lead := cfg.ForceName + " asks for your urgent advice after a critical incident."
	if kind == Reminder {
		subject = "Reminder: your advice is asked for by " + by
		lead = "You have not given your advice yet on a critical incident."
	}
	body := mail.Compose(cfg, fmt.Sprintf("%s\n\nPlease answer by %s. Sign in to read what happened and the question, and to give your advice:\n%s\n\n"+
		"What you are told is marked with how it may be shared. Please keep to it.", lead, by, link))
	text := fmt.Sprintf("%s: your urgent advice is asked for by %s. %s", cfg.ForceName, by, link)
	if kind == Reminder {
		text = fmt.Sprintf("%s: reminder, your advice is asked for by %s. %s", cfg.ForceName, by, link)
	}
	var ms []store.Mail
	for _, id := range ids {
		u, ok := users[id]
		if !ok || u.Status != store.StatusActive {
			continue
		}
		ms = append(ms, store.Mail{To: u.Email, Subject: subject, Body: body})
		if u.Mobile != "" {
			ms = append(ms, store.Mail{Channel: store.ChannelText, To: u.Mobile, Subject: subject, Body: text})
		}
	}
	return ms
}

// When says a deadline the way the messages and pages do: "6:30pm today",
// "9am tomorrow" or "6:30pm on Tuesday 8 December", in UK time, seen from now.
func When(t, now time.Time) string {
	t, now = t.In(store.London), now.In(store.London)
	clock := t.Format("3:04pm")
	if t.Minute() == 0 {
		clock = t.Format("3pm")
	}
	ty, tm, td := t.Date()
	ny, nm, nd := now.Date()
	switch {
	case ty == ny && tm == nm && td == nd:
		return clock + " today"
	case time.Date(ny, nm, nd+1, 0, 0, 0, 0, store.London).Equal(time.Date(ty, tm, td, 0, 0, 0, 0, store.London)):
		return clock + " tomorrow"
	}
	return clock + " on " + t.Format("Monday 2 January")
}
