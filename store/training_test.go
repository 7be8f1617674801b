package store

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestTrainingLapsesAtUKMidnight: training counts to the end of its last
// day in the UK. 28 March 2027 is the day the clocks go forward, so the
// end of that day is 23:00 UTC: a UTC-midnight rule would be an hour late.
// In winter (15 January 2027) the end of the day is midnight UTC.
func TestTrainingLapsesAtUKMidnight(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		last        time.Time
		valid, gone time.Time // the last instant it counts, the first it does not
	}{
		{time.Date(2027, 3, 28, 0, 0, 0, 0, London), time.Date(2027, 3, 28, 22, 59, 59, 0, time.UTC), time.Date(2027, 3, 28, 23, 0, 0, 0, time.UTC)},
		{time.Date(2027, 1, 15, 0, 0, 0, 0, London), time.Date(2027, 1, 15, 23, 59, 59, 0, time.UTC), time.Date(2027, 1, 16, 0, 0, 0, 0, time.UTC)},
	} {
		r := TrainingRecord{Kind: "custody-induction", Expires: tc.last.UTC()}
		if r.Lapsed(tc.valid) || !r.Lapsed(tc.gone) {
			t.Errorf("last day %s: lapsed at %s = %v, at %s = %v; want false, true", tc.last.Format(time.DateOnly),
				tc.valid, r.Lapsed(tc.valid), tc.gone, r.Lapsed(tc.gone))
		}
	}
}

// TestSignUpNeedsTraining: a visit that needs training refuses someone
// without it, or whose training lapses before the visit ends, in words;
// training that counts to the end of the visit's day is enough.
func TestSignUpNeedsTraining(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	s.SetClock(func() time.Time { return time.Date(2027, 3, 1, 9, 0, 0, 0, London) })
	v := &Visit{Type: VisitCustody, GroupID: "g", Location: "Weymouth", Training: "custody-induction",
		Start: time.Date(2027, 3, 28, 21, 0, 0, 0, London), End: time.Date(2027, 3, 28, 23, 30, 0, 0, London), Capacity: 4, MinVetting: "none"}
	if err := s.CreateVisit(ctx, v); err != nil {
		t.Fatal(err)
	}
	ms := []Membership{{GroupID: "g", VettingLevel: "NPPV2"}}
	if err := s.Eligible(ctx, v, "untrained", ms, s.Now()); err == nil || !strings.Contains(err.Error(), "training you have no record of") {
		t.Fatalf("untrained: %v", err)
	}
	for who, last := range map[string]time.Time{"onTheDay": time.Date(2027, 3, 28, 0, 0, 0, 0, London), "dayBefore": time.Date(2027, 3, 27, 0, 0, 0, 0, London)} {
		if err := s.SetTraining(ctx, who, TrainingRecord{Kind: "custody-induction", Completed: last.AddDate(-1, 0, 0), Expires: last.UTC()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Eligible(ctx, v, "onTheDay", ms, s.Now()); err != nil {
		t.Fatalf("training to the end of the visit's day: %v", err)
	}
	if err := s.Eligible(ctx, v, "dayBefore", ms, s.Now()); err == nil || !strings.Contains(err.Error(), "counts only until 27 March 2027") {
		t.Fatalf("training that lapsed the day before: %v", err)
	}
}
