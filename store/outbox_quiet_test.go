package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"candour/store"
	"candour/store/storetest"
)

// byIDAlone reports whether a filter is {_id: <value>} and nothing else.
func byIDAlone(filter bson.Raw) bool {
	elems, err := filter.Elements()
	return err == nil && len(elems) == 1 && elems[0].Key() == "_id"
}

// The outbox workers ask for due messages every few seconds. On the
// embedded engine a scan that found nothing due is not repeated until a
// message is queued or rescheduled, or the first pending one falls due;
// through MONGODB_URI every ask scans (the index serves it). Either way
// every ask returns the same messages.
func TestOutboxQuietUntilSomethingCanBeDue(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	s.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	var finds atomic.Int32
	stop := s.TraceFilters(func(cmd, coll string, filter bson.Raw) {
		if cmd == "find" && coll == "outbox" && !byIDAlone(filter) { // a scan, not a read of messages by _id
			finds.Add(1)
		}
	})
	defer stop()
	embedded := storetest.URI() == ""
	ask := func(step string, due func(context.Context, int) ([]store.Mail, error), want int, scans int32) []store.Mail {
		t.Helper()
		before := finds.Load()
		ms, err := due(ctx, 10)
		if err != nil || len(ms) != want {
			t.Fatalf("%s: %d due (%v), want %d", step, len(ms), err, want)
		}
		if got := finds.Load() - before; embedded && got != scans {
			t.Errorf("%s: %d scans of the outbox, want %d", step, got, scans)
		}
		return ms
	}

	ask("empty outbox", s.DueMail, 0, 1)
	ask("empty outbox again", s.DueMail, 0, 0)

	if err := s.QueueMail(ctx, "a@example.org", "Subject", "Body"); err != nil {
		t.Fatal(err)
	}
	m := ask("after a message is queued", s.DueMail, 1, 1)[0]
	if err := s.MarkMailFailed(ctx, m, errors.New("451 try later")); err != nil {
		t.Fatal(err)
	}
	ask("after its first attempt failed", s.DueMail, 0, 1)
	ask("before its retry", s.DueMail, 0, 0)
	mu.Lock()
	now = now.Add(59 * time.Second)
	mu.Unlock()
	ask("a second before its retry", s.DueMail, 0, 0)
	mu.Lock()
	now = now.Add(time.Second) // back-off after one attempt: a minute
	mu.Unlock()
	// The scan after the failure kept the pending list (outboxQuiet): the
	// retry is read by _id from it, with no scan (1 scan before the list).
	m = ask("at its retry", s.DueMail, 1, 0)[0]
	if err := s.MarkMailSent(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	ask("once sent (the list knows it was sent: no scan; 1 before the list)", s.DueMail, 0, 0)
	ask("once sent, again", s.DueMail, 0, 0)

	// Text messages are a channel of their own, queued many at once.
	if err := s.QueueMessages(ctx, []store.Mail{{Channel: store.ChannelText, To: "07700900001", Body: "Advice asked"}}); err != nil {
		t.Fatal(err)
	}
	ask("a text queued", s.DueTexts, 1, 1)
	ask("mail after a text was queued", s.DueMail, 0, 1)
	ask("mail again", s.DueMail, 0, 0)
}

// A burst of messages queued while a worker keeps asking: every message is
// handed out and sent exactly once, however the queueing and the scans
// interleave (a scan that began before a message was stored must not leave
// its channel quiet after it).
func TestOutboxQuietLosesNothingUnderConcurrency(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx := context.Background()
	const n = 120
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range n / 4 {
				if err := s.QueueMail(ctx, fmt.Sprintf("p%d-%d@example.org", i, j), "Subject", "Body"); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	sent := map[string]int{}
	deadline := time.Now().Add(60 * time.Second)
	queued := make(chan struct{})
	go func() { wg.Wait(); close(queued) }()
	done := false
	for len(sent) < n && time.Now().Before(deadline) {
		select {
		case <-queued:
			done = true
		default:
		}
		ms, err := s.DueMail(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if err := s.MarkMailSent(ctx, m.ID); err != nil {
				t.Fatal(err)
			}
			sent[m.To]++
		}
		if done && len(ms) == 0 && len(sent) < n {
			// Everything is queued and a scan found nothing due: a
			// message was lost to a quiet channel.
			t.Fatalf("%d of %d messages handed out, and the outbox says nothing is due", len(sent), n)
		}
	}
	if len(sent) != n {
		t.Fatalf("%d of %d messages handed out in a minute", len(sent), n)
	}
	for to, k := range sent {
		if k != 1 {
			t.Errorf("%s handed out %d times", to, k)
		}
	}
}

// A backlog of messages (a critical advice request's 300 texts, or a
// restart after the portal was down) is drained in batches: on the embedded
// engine one scan of the outbox finds the pending messages, and every batch
// after it reads its messages by _id, where before each batch of ten
// decoded and sorted the whole outbox again (most of the gigabyte the
// portal allocated in its first seconds after a restart, issue 18). Every
// message is handed out once, earliest next attempt first, and a message
// rescheduled meanwhile makes the next ask scan again.
func TestOutboxBacklogIsScannedOnce(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	s.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	const n = 35
	var texts []store.Mail
	for i := range n {
		texts = append(texts, store.Mail{Channel: store.ChannelText, To: fmt.Sprintf("07700900%03d", i), Body: "Advice asked"})
	}
	if err := s.QueueMessages(ctx, texts); err != nil {
		t.Fatal(err)
	}
	if err := s.QueueMail(ctx, "a@example.org", "Subject", "Body"); err != nil { // another channel's: never handed out as a text
		t.Fatal(err)
	}
	var scans, byID atomic.Int32
	stop := s.TraceFilters(func(cmd, coll string, filter bson.Raw) {
		if cmd == "find" && coll == "outbox" {
			if byIDAlone(filter) {
				byID.Add(1)
			} else {
				scans.Add(1)
			}
		}
	})
	defer stop()
	sent := map[string]int{}
	var batches []int
	for range 10 {
		ms, err := s.DueTexts(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 {
			break
		}
		batches = append(batches, len(ms))
		for _, m := range ms {
			if m.Channel != store.ChannelText {
				t.Errorf("%s (%q) handed out as a text", m.To, m.Channel)
			}
			if err := s.MarkMailSent(ctx, m.ID); err != nil {
				t.Fatal(err)
			}
			sent[m.To]++
		}
	}
	// 35 texts in batches of at most 10: 10, 10, 10, 5, then one ask that
	// finds none due.
	if fmt.Sprint(batches) != "[10 10 10 5]" || len(sent) != n {
		t.Fatalf("batches %v, %d distinct texts handed out, want [10 10 10 5] and %d", batches, len(sent), n)
	}
	for to, k := range sent {
		if k != 1 {
			t.Errorf("%s handed out %d times", to, k)
		}
	}
	if storetest.URI() == "" {
		// One scan, then each message read by _id once: 35.
		if scans.Load() != 1 || byID.Load() != n {
			t.Errorf("%d scans of the outbox and %d reads by _id to drain %d texts, want 1 and %d", scans.Load(), byID.Load(), n, n)
		}
	}

	// A failed attempt reschedules: the next ask scans again and finds the
	// retry not yet due; at its time it is handed out.
	if err := s.QueueMessages(ctx, []store.Mail{{Channel: store.ChannelText, To: "07700900999", Body: "Again"}}); err != nil {
		t.Fatal(err)
	}
	ms, err := s.DueTexts(ctx, 10)
	if err != nil || len(ms) != 1 {
		t.Fatalf("a new text: %d due (%v), want 1", len(ms), err)
	}
	if err := s.MarkMailFailed(ctx, ms[0], errors.New("gateway busy")); err != nil {
		t.Fatal(err)
	}
	before := scans.Load()
	if ms, err := s.DueTexts(ctx, 10); err != nil || len(ms) != 0 {
		t.Fatalf("before its retry: %d due (%v), want 0", len(ms), err)
	}
	if got := scans.Load() - before; storetest.URI() == "" && got != 1 {
		t.Errorf("after a reschedule: %d scans, want 1", got)
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	if ms, err := s.DueTexts(ctx, 10); err != nil || len(ms) != 1 || ms[0].To != "07700900999" {
		t.Fatalf("at its retry: %v (%v), want the text to 07700900999", ms, err)
	}
}
