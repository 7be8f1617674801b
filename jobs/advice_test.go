package jobs

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"candour/config"
	"candour/store"
	"candour/store/storetest"
)

// TestAdviceReminders: a four-hour request is reminded once, three hours
// in, to those who have not answered (by mail, and text where there is a
// number); a request whose opening did not queue its messages gets them
// from the job after a minute; nothing is sent twice, even with two
// instances running the job at once.
func TestAdviceReminders(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	var mu sync.Mutex
	offset := time.Duration(0)
	db.SetClock(func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return time.Now().Add(offset)
	})
	advance := func(d time.Duration) { mu.Lock(); offset += d; mu.Unlock() }
	from := config.Config{ForceName: "Dorset Police", BaseURL: "https://candour.example"}
	var ids []string
	for _, e := range []string{"ann@example.org", "bob@example.org", "cat@example.org"} {
		u := &store.User{Email: e, Name: e[:3], Role: store.RoleMember, Status: store.StatusActive}
		if e == "bob@example.org" {
			u.Mobile = "+447700900222"
		}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	r := &store.AdviceRequest{Title: "Incident", Shared: "x", Handling: store.HandlingConfidential, Question: "q", Asked: ids,
		Deadline: db.Now().Add(4 * time.Hour), Notified: true}
	if err := db.CreateAdviceRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkAdviceNotified(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GiveAdvice(ctx, r.ID, ids[0], "ann", "advice"); err != nil {
		t.Fatal(err)
	}
	run := func() int {
		t.Helper()
		n, err := sendAdviceReminders(ctx, db, from)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := run(); n != 0 {
		t.Fatalf("at the start: %d messages, want none", n)
	}
	advance(3*time.Hour - time.Minute)
	if n := run(); n != 0 {
		t.Fatalf("a minute before the reminder: %d messages", n)
	}
	advance(time.Minute)
	// Two instances at once: the claim decides.
	var wg sync.WaitGroup
	var total int
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := sendAdviceReminders(ctx, db, from)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total != 3 {
		t.Fatalf("reminders queued: %d, want 3 (mail to bob and cat, a text to bob)", total)
	}
	ms, _ := db.RecentMail(ctx, 10)
	for _, m := range ms {
		if m.To == "ann@example.org" || !strings.HasPrefix(m.Subject, "Reminder") {
			t.Errorf("unexpected message %q to %s", m.Subject, m.To)
		}
	}
	if n := run(); n != 0 {
		t.Fatalf("second pass: %d messages, want none", n)
	}

	// A request opened without its messages (a crash in between).
	lost := &store.AdviceRequest{Title: "Second", Shared: "x", Handling: store.HandlingGroup, Question: "q", Asked: ids[:1], Deadline: db.Now().Add(2 * time.Hour)}
	if err := db.CreateAdviceRequest(ctx, lost); err != nil {
		t.Fatal(err)
	}
	if n := run(); n != 0 {
		t.Fatalf("within the minute's grace: %d messages", n)
	}
	advance(2 * time.Minute)
	if n := run(); n != 1 {
		t.Fatalf("after the grace: %d messages, want the first one to ann", n)
	}
	if n := run(); n != 0 {
		t.Fatalf("again: %d messages", n)
	}
}

// TestAdviceRemindersReadNothingWhenNothingChanged: the advice job asks
// every minute; on the embedded store a minute in which no request was
// written sends the store nothing, and the reminder still comes when its
// time does (no write is needed for it to fall due).
func TestAdviceRemindersReadNothingWhenNothingChanged(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	if !db.Embedded() {
		t.Skip("through MONGODB_URI other instances may write: every run asks the server, by design")
	}
	ctx := context.Background()
	var mu sync.Mutex
	offset := time.Duration(0)
	db.SetClock(func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return time.Now().Add(offset)
	})
	u := &store.User{Email: "dan@example.org", Name: "dan", Role: store.RoleMember, Status: store.StatusActive}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	r := &store.AdviceRequest{Title: "Incident", Shared: "x", Handling: store.HandlingConfidential, Question: "q", Asked: []string{u.ID},
		Deadline: db.Now().Add(4 * time.Hour), Notified: true}
	if err := db.CreateAdviceRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkAdviceNotified(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	from := config.Config{ForceName: "Dorset Police", BaseURL: "https://candour.example"}
	if n, err := sendAdviceReminders(ctx, db, from); err != nil || n != 0 {
		t.Fatalf("at the start: %d messages (%v), want none", n, err)
	}
	commands := recordCommands(t, db)
	if n, err := sendAdviceReminders(ctx, db, from); err != nil || n != 0 {
		t.Fatalf("a minute later: %d messages (%v), want none", n, err)
	}
	if got := commands(); len(got) != 0 {
		t.Errorf("a run with nothing written since the last sent %v; want nothing", got)
	}
	mu.Lock()
	offset += 3 * time.Hour
	mu.Unlock()
	if n, err := sendAdviceReminders(ctx, db, from); err != nil || n != 1 {
		t.Fatalf("at the reminder's time: %d messages (%v), want the reminder to dan", n, err)
	}
}
