package demo

import (
	"context"
	"strings"
	"testing"

	"candour/store"
)

// TestSeedAdvice: the demo member has an open request still to answer and
// a past one with their advice and the force's response; one summary is
// public, and the open request is not.
func TestSeedAdvice(t *testing.T) {
	db, _, _ := seeded(t)
	ctx := context.Background()
	member, err := db.UserByEmail(ctx, "member@candour.example")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := db.AdviceRequests(ctx, member.ID, 10)
	if err != nil || len(rs) != 2 {
		t.Fatalf("the demo member was asked %d times (%v), want 2", len(rs), err)
	}
	open, past := rs[0], rs[1]
	if !open.Open(db.Now()) || len(open.Answers) != 2 || open.PublicSummary != "" {
		t.Errorf("the newest request: open %v, %d answers, summary %q; want open with 2 answers and nothing public", open.Open(db.Now()), len(open.Answers), open.PublicSummary)
	}
	if _, answered := open.Answers[member.ID]; answered {
		t.Error("the demo member has already answered the open request")
	}
	mine, ok := past.Answers[member.ID]
	if past.Open(db.Now()) || !ok || mine.Outcome != store.OutcomePartly || past.Responded() != 3 || past.ImpactWording == "" {
		t.Errorf("the past request: %+v", past)
	}
	pub, err := db.PublishedAdvice(ctx, 10)
	if err != nil || len(pub) != 1 || pub[0].ID != past.ID {
		t.Fatalf("published: %d (%v), want the past request", len(pub), err)
	}
}

// TestSeedMeetings: the demo member's IAG met last month (attendance
// taken, minutes approved, one action done and one open); the external
// scrutiny forum next week has an independent chair, online access and a
// paper that opens.
func TestSeedMeetings(t *testing.T) {
	db, _, _ := seeded(t)
	ctx := context.Background()
	ms, err := db.Meetings(ctx, nil, db.Now().AddDate(0, -2, 0), 10)
	if err != nil || len(ms) != 3 {
		t.Fatalf("%d meetings (%v), want 3", len(ms), err)
	}
	past, forum := ms[0], ms[1]
	if len(past.Attendance) == 0 || past.MinutesStatus != store.MinutesApproved || len(past.Actions) != 2 {
		t.Errorf("last month's meeting: %d marks, minutes %s, %d actions", len(past.Attendance), past.MinutesStatus, len(past.Actions))
	}
	papers := forum.PaperList()
	if forum.IndependentChair == "" || forum.OnlineLink == "" || len(papers) != 1 {
		t.Fatalf("the forum: %+v", forum)
	}
	var b strings.Builder
	if err := db.OpenPaper(ctx, papers[0], &b); err != nil || !strings.HasPrefix(b.String(), "%PDF-") {
		t.Fatalf("the forum's paper: %v", err)
	}
}
