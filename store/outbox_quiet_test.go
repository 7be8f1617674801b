package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"candour/store"
	"candour/store/storetest"
)

// The outbox workers ask for due messages every few seconds. On the
// embedded engine a scan that found nothing due is not repeated until a
// message is queued or rescheduled, or the first pending one falls due;
// through MONGODB_URI every ask scans (the index serves it). Either way
// every ask returns the same messages.
func TestOutboxQuietUntilSomethingCanBeDue(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	s.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	var finds atomic.Int32
	stop := s.TraceCommands(func(cmd, coll string) {
		if cmd == "find" && coll == "outbox" {
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
	m = ask("at its retry", s.DueMail, 1, 1)[0]
	if err := s.MarkMailSent(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	ask("once sent (a scan: it was due when last asked)", s.DueMail, 0, 1)
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
