package advice

import (
	"strings"
	"testing"
	"time"

	"candour/config"
	"candour/store"
)

func TestWhen(t *testing.T) {
	now := time.Date(2026, 12, 6, 14, 0, 0, 0, store.London) // a Sunday
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{now.Add(4*time.Hour + 30*time.Minute), "6:30pm today"},
		{time.Date(2026, 12, 7, 9, 0, 0, 0, store.London), "9am tomorrow"},
		{time.Date(2026, 12, 8, 18, 30, 0, 0, store.London), "6:30pm on Tuesday 8 December"},
		// British Summer Time: 17:00 UTC on 1 July is 6pm in the UK.
		{time.Date(2027, 7, 1, 17, 0, 0, 0, time.UTC), "6pm on Thursday 1 July"},
	} {
		if got := When(tc.t, now); got != tc.want {
			t.Errorf("When(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}

// TestMessages: everyone active gets mail, those with a mobile a text too;
// no message carries what happened or the question.
func TestMessages(t *testing.T) {
	now := time.Date(2026, 12, 6, 14, 0, 0, 0, store.London)
	r := &store.AdviceRequest{ID: "r1", Title: "Secret incident title", Shared: "What happened", Question: "The question",
		Deadline: now.Add(4 * time.Hour), Asked: []string{"a", "b", "c"}, Answers: map[string]store.Advice{"b": {}}}
	users := map[string]store.User{
		"a": {Email: "a@example.org", Status: store.StatusActive, Mobile: "+447700900001"},
		"b": {Email: "b@example.org", Status: store.StatusActive},
		"c": {Email: "c@example.org", Status: store.StatusDisabled, Mobile: "+447700900003"},
	}
	from := config.Config{ForceName: "Dorset Police", BaseURL: "https://candour.example"}
	ms := Messages(from, r, First, r.Asked, users, now)
	if len(ms) != 3 || ms[0].To != "a@example.org" || ms[1].Channel != store.ChannelText || ms[1].To != "+447700900001" || ms[2].To != "b@example.org" {
		t.Fatalf("first messages = %+v, want mail and text to a, mail to b, nothing to the disabled c", ms)
	}
	for _, m := range ms {
		for _, secret := range []string{"Secret incident title", "What happened", "The question"} {
			if strings.Contains(m.Subject+m.Body, secret) {
				t.Errorf("message to %s carries %q", m.To, secret)
			}
		}
		if !strings.Contains(m.Body, "https://candour.example/advice/r1") || !strings.Contains(m.Subject+m.Body, "6pm today") {
			t.Errorf("message to %s lacks the link or the deadline: %q", m.To, m.Body)
		}
	}
	if ms := Messages(from, r, Reminder, r.NotAnswered(), users, now); len(ms) != 2 || !strings.HasPrefix(ms[0].Subject, "Reminder") {
		t.Fatalf("reminders = %+v, want mail and text to a only", ms)
	}
}
