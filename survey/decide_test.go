package survey

import (
	"context"
	"errors"
	"testing"
	"time"

	"candour/survey/surveytest"
)

// TestDecideStopsWhenCancelled: shutdown cancels the survey-decisions
// job's context while it decides a large release (seconds of linear
// programs): Decide returns context.Canceled within a witness search or
// so of the cancel, not when the audit would have finished, and stores
// nothing, nor keeps anything in memory, so the next instance decides the
// release afresh.
func TestDecideStopsWhenCancelled(t *testing.T) {
	sv, ts := smallCellSurvey(t, 400, 3)
	ForgetDecisions()
	defer ForgetDecisions()
	ds := surveytest.Decisions{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := Decided()
	done := make(chan error, 1)
	go func() {
		_, err := Decide(ctx, ds, sv, 1, ts)
		done <- err
	}()
	for deadline := time.Now().Add(time.Minute); Decided() == started; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the audit did not start within a minute")
		}
	}
	time.Sleep(200 * time.Millisecond) // well into the audit: it takes seconds
	cancel()
	cancelled := time.Now()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Decide cancelled while deciding: %v, want context.Canceled", err)
		}
		t.Logf("Decide returned %s after the cancel", time.Since(cancelled).Round(time.Millisecond))
	case <-time.After(decideStopsWithin):
		t.Fatalf("Decide still deciding %s after its context was cancelled", decideStopsWithin)
	}
	if len(ds) != 0 {
		t.Errorf("%d decisions stored by a decision cut short", len(ds))
	}
	k := releaseKey(&layRelease(newSource(sv, sv.Version(1), ts)).Release)
	if _, ok := auditCache.Get(string(k[:])); ok {
		t.Error("a decision cut short is kept in memory")
	}
}

// decideStopsWithin bounds the wait for a cancelled decision, in wall
// time on a loaded machine with -race: one witness search is tens of
// milliseconds of CPU, the whole audit of this release seconds (minutes
// under -race).
const decideStopsWithin = 10 * time.Second
