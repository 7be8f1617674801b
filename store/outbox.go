package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// ChannelText marks an outbox message sent as a text message, by its own
// worker (mail.TextSender), not by SMTP.
const ChannelText = "text"

// Mail statuses.
const (
	MailPending = "pending"
	MailSent    = "sent"
	MailFailed  = "failed" // gave up after MaxMailAttempts
)

// MaxMailAttempts is how often the worker tries before giving up.
const MaxMailAttempts = 8

// Mail is a message in the outbox. Handlers only ever queue mail; a worker
// sends it, so a slow or failing mail server never slows a page.
type Mail struct {
	ID          string    `bson:"_id"`
	Channel     string    `bson:"channel,omitempty"` // "" for mail; ChannelText for a text message (To is a mobile number)
	To          string    `bson:"to"`
	Subject     string    `bson:"subject"`
	Body        string    `bson:"body"`
	Status      string    `bson:"status"`
	Attempts    int       `bson:"attempts"`
	LastError   string    `bson:"lastError,omitempty"`
	CreatedAt   time.Time `bson:"createdAt"`
	NextAttempt time.Time `bson:"nextAttempt"`
	SentAt      time.Time `bson:"sentAt,omitempty"`
}

// QueueMail puts a message in the outbox.
func (s *Store) QueueMail(ctx context.Context, to, subject, body string) error {
	now := s.now().UTC()
	m := Mail{ID: NewID(), To: to, Subject: subject, Body: body, Status: MailPending, CreatedAt: now, NextAttempt: now}
	_, err := s.c("outbox").InsertOne(ctx, m)
	s.outboxQuiet.changed()
	if err != nil {
		return fmt.Errorf("store: queue mail: %w", err)
	}
	return nil
}

// DueMail returns up to limit pending mail messages whose next attempt is
// due (not text messages: DueTexts).
func (s *Store) DueMail(ctx context.Context, limit int) ([]Mail, error) {
	return s.due(ctx, "mail", bson.E{Key: "channel", Value: bson.D{{Key: "$ne", Value: ChannelText}}}, limit)
}

// DueTexts returns up to limit pending text messages whose next attempt is due.
func (s *Store) DueTexts(ctx context.Context, limit int) ([]Mail, error) {
	return s.due(ctx, ChannelText, bson.E{Key: "channel", Value: ChannelText}, limit)
}

// due returns up to limit pending messages of one channel (name, filter)
// whose next attempt has come, earliest first. Through MONGODB_URI it
// reads the earliest pending messages with the outbox's index. On the
// embedded engine, which cannot use the index (it decodes and sorts every
// message kept), it keeps the channel's pending messages from one scan
// (outboxQuiet: their _id and next attempt, earliest first) and reads each
// batch by _id from that list until a message is queued or rescheduled;
// and after finding nothing due it asks nothing of the store until then,
// or until the first pending message falls due. Its reads go through the
// outboxes' own connection there, never behind a job's (outboxRead).
func (s *Store) due(ctx context.Context, name string, channel bson.E, limit int) ([]Mail, error) {
	ctx = outboxRead(ctx)
	if s.embedded == nil {
		return s.dueIndexed(ctx, channel, limit)
	}
	now := s.now().UTC()
	quiet, gen := s.outboxQuiet.quiet(name, now)
	if quiet {
		return nil, nil
	}
	refs, ok := s.outboxQuiet.queued(name)
	if !ok {
		var err error
		if refs, err = s.scanPending(ctx, channel); err != nil {
			return nil, err
		}
		s.outboxQuiet.keep(name, gen, refs)
	}
	var ids []string
	for _, r := range refs {
		if len(ids) == limit || r.next.After(now) {
			break
		}
		ids = append(ids, r.id)
	}
	if len(ids) == 0 {
		var next time.Time // none pending: quiet until a change
		if len(refs) > 0 {
			next = refs[0].next
		}
		s.outboxQuiet.settle(name, gen, next)
		return nil, nil
	}
	found, err := findByIDs[Mail](ctx, s, "outbox", ids)
	if err != nil {
		return nil, fmt.Errorf("store: due mail: %w", err)
	}
	byID := make(map[string]Mail, len(found))
	for _, m := range found {
		byID[m.ID] = m
	}
	ms := make([]Mail, 0, len(ids))
	var gone []string
	for _, id := range ids {
		m, ok := byID[id]
		if !ok || m.Status != MailPending || (m.Channel == ChannelText) != (name == ChannelText) || m.NextAttempt.After(now) {
			gone = append(gone, id) // sent, given up or gone meanwhile
			continue
		}
		ms = append(ms, m)
	}
	s.outboxQuiet.done(gone...)
	return ms, nil
}

// scanPending reads the _id and next attempt of every pending message of a
// channel, earliest first: one pass over the outbox that the embedded
// engine streams (no sort asked of it, so it never holds the whole outbox
// decoded at once), sorted here.
func (s *Store) scanPending(ctx context.Context, channel bson.E) ([]pendingRef, error) {
	cur, err := s.r("outbox").Find(ctx, bson.D{{Key: "status", Value: MailPending}, channel},
		options.Find().SetProjection(bson.D{{Key: "nextAttempt", Value: 1}}).SetBatchSize(100))
	if err != nil {
		return nil, fmt.Errorf("store: due mail: %w", err)
	}
	defer cur.Close(ctx)
	refs := []pendingRef{}
	for cur.Next(ctx) {
		var m struct {
			ID          string    `bson:"_id"`
			NextAttempt time.Time `bson:"nextAttempt"`
		}
		if err := cur.Decode(&m); err != nil {
			return nil, fmt.Errorf("store: due mail: %w", err)
		}
		refs = append(refs, pendingRef{id: m.ID, next: m.NextAttempt})
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("store: due mail: %w", err)
	}
	slices.SortFunc(refs, func(a, b pendingRef) int {
		if c := a.next.Compare(b.next); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	return refs, nil
}

// dueIndexed is due through MONGODB_URI: the earliest pending messages of
// the channel that are due, by the outbox's index.
func (s *Store) dueIndexed(ctx context.Context, channel bson.E, limit int) ([]Mail, error) {
	now := s.now().UTC()
	cur, err := s.r("outbox").Find(ctx,
		bson.D{{Key: "status", Value: MailPending}, channel, {Key: "nextAttempt", Value: bson.D{{Key: "$lte", Value: now}}}},
		options.Find().SetSort(bson.D{{Key: "nextAttempt", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("store: due mail: %w", err)
	}
	ms := []Mail{}
	if err := cur.All(ctx, &ms); err != nil {
		return nil, fmt.Errorf("store: due mail: %w", err)
	}
	return ms, nil
}

// MarkMailSent records a delivery.
func (s *Store) MarkMailSent(ctx context.Context, id string) error {
	_, err := s.c("outbox").UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{
		{Key: "$set", Value: bson.D{{Key: "status", Value: MailSent}, {Key: "sentAt", Value: s.now().UTC()}}},
		{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}},
	})
	if err != nil {
		s.outboxQuiet.changed() // it may still be pending: look again
		return fmt.Errorf("store: mark mail sent: %w", err)
	}
	s.outboxQuiet.done(id)
	return nil
}

// MarkMailFailed records a failed attempt and schedules the next one with
// exponential back-off (1, 2, 4 ... minutes), giving up after MaxMailAttempts.
func (s *Store) MarkMailFailed(ctx context.Context, m Mail, cause error) error {
	attempts := m.Attempts + 1
	status := MailPending
	if attempts >= MaxMailAttempts {
		status = MailFailed
	}
	next := s.now().UTC().Add(time.Minute << min(attempts-1, 10))
	_, err := s.c("outbox").UpdateOne(ctx, bson.D{{Key: "_id", Value: m.ID}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "status", Value: status}, {Key: "attempts", Value: attempts},
		{Key: "lastError", Value: cause.Error()}, {Key: "nextAttempt", Value: next},
	}}})
	s.outboxQuiet.changed()
	if err != nil {
		return fmt.Errorf("store: mark mail failed: %w", err)
	}
	return nil
}

// RecentMail returns the newest messages (for /dev/mail in development).
func (s *Store) RecentMail(ctx context.Context, limit int) ([]Mail, error) {
	cur, err := s.r("outbox").Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("store: recent mail: %w", err)
	}
	var ms []Mail
	if err := cur.All(ctx, &ms); err != nil {
		return nil, fmt.Errorf("store: recent mail: %w", err)
	}
	return ms, nil
}

// CountPendingMail is the outbox queue depth (a metric).
func (s *Store) CountPendingMail(ctx context.Context) (int64, error) {
	n, err := s.r("outbox").CountDocuments(ctx, bson.D{{Key: "status", Value: MailPending}})
	if err != nil {
		return 0, fmt.Errorf("store: count mail: %w", err)
	}
	return n, nil
}

// Lease is a background job's right to run, so that several instances never
// run one job at the same time.
type Lease struct {
	ID     string    `bson:"_id"` // the job's name
	Holder string    `bson:"holder"`
	Until  time.Time `bson:"until"`
}

// AcquireLease takes or renews the lease on job for holder until now+d.
// It reports false when another holder's lease is still live.
func (s *Store) AcquireLease(ctx context.Context, job, holder string, d time.Duration) (bool, error) {
	now := s.now().UTC()
	res, err := s.updateIf(ctx, "leases", job, Or(Eq("holder", holder), Lte("until", now)),
		bson.D{{Key: "$set", Value: bson.D{{Key: "holder", Value: holder}, {Key: "until", Value: now.Add(d)}}}})
	if err != nil {
		return false, fmt.Errorf("store: lease %s: %w", job, err)
	}
	if res.MatchedCount == 1 {
		s.held.add(job, holder)
		return true, nil
	}
	_, err = s.c("leases").InsertOne(ctx, Lease{ID: job, Holder: holder, Until: now.Add(d)})
	if isDuplicate(err) {
		return false, nil // someone else holds it
	}
	if err != nil {
		return false, fmt.Errorf("store: lease %s: %w", job, err)
	}
	s.held.add(job, holder)
	return true, nil
}

// MailKeptFor is how long sent mail stays in the outbox (for /dev/mail and
// for checking what went out) before the clean-up job removes it.
const MailKeptFor = 30 * 24 * time.Hour

// DeleteOldMail removes mail sent more than MailKeptFor ago, so the
// outbox the worker and /metrics read stays small.
func (s *Store) DeleteOldMail(ctx context.Context) (int64, error) {
	res, err := s.c("outbox").DeleteMany(ctx, bson.D{{Key: "status", Value: MailSent},
		{Key: "sentAt", Value: bson.D{{Key: "$lt", Value: s.now().UTC().Add(-MailKeptFor)}}}})
	if err != nil {
		return 0, fmt.Errorf("store: delete old mail: %w", err)
	}
	return res.DeletedCount, nil
}
