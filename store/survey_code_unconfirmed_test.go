package store_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"candour/store"
	"candour/store/storetest"
)

// TestUnconfirmedSubmissionWithCodeIsCountedOnce: a submission with an
// invitation code whose insert did not answer in time (forced here) may
// have stored its response, on either engine. It used to give the code
// back, so the person could send again with it from another page and be
// counted twice. The code now holds the first try's id: a second try with
// the code finds that response stored and is told so (ErrSentBefore), or,
// where it is not stored, answers under the same id, so that the two can
// never both be stored. Either way one response is stored and counted,
// and the code no longer names it.
func TestUnconfirmedSubmissionWithCodeIsCountedOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		landed bool // the first try's insert stored its response
	}{
		{"the first try's response was stored", true},
		{"the first try's response was not stored", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := storetest.Open(t)
			var mu sync.Mutex
			now := time.Now()
			db.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
			sv := publishedSurvey(t, db)
			codes, err := db.CreateSurveyCodes(ctx, sv.ID, 1)
			if err != nil {
				t.Fatal(err)
			}
			code := codes[0]

			db.AnswerStoredInsertsForTest(context.DeadlineExceeded)
			first := &store.Response{ID: "first-try", SurveyID: sv.ID, Version: 1, Answers: store.Answers{"q1": {"o1"}, "q3": {"a"}}}
			if err := db.SubmitResponse(ctx, sv.Current(), first, code); !store.IsBusy(err) {
				t.Fatalf("the first try, whose insert did not answer: %v, want the store busy", err)
			}
			db.AnswerStoredInsertsForTest(nil)
			// The code holds the first try's id, but not so that a copy of
			// the database shows it: it is sealed under a key made from the
			// code, which the database never holds (only its SHA-256).
			held, err := db.RawDatabase().Collection("survey_codes").FindOne(ctx, bson.D{{Key: "surveyId", Value: sv.ID}}).Raw()
			if err != nil {
				t.Fatal(err)
			}
			if h, ok := held.Lookup("held").StringValueOK(); !ok || h == "" {
				t.Fatalf("the unconfirmed code's document %v holds no response", held)
			}
			if bytes.Contains(held, []byte(first.ID)) {
				t.Fatalf("the unconfirmed code's document %v shows the response's id %q", held, first.ID)
			}
			if !tc.landed {
				if _, err := db.RawDatabase().Collection("survey_responses").DeleteOne(ctx, bson.D{{Key: "_id", Value: first.ID}}); err != nil {
					t.Fatal(err)
				}
			}

			// The person starts again with the same code, on another page.
			wantCheck := error(nil)
			if tc.landed {
				wantCheck = store.ErrSentBefore
			}
			if err := db.CheckSurveyCode(ctx, sv.ID, code); !errors.Is(err, wantCheck) {
				t.Fatalf("the code checked again: %v, want %v", err, wantCheck)
			}
			second := &store.Response{ID: "second-try", SurveyID: sv.ID, Version: 1, Answers: store.Answers{"q1": {"o2"}, "q3": {"sa"}}}
			err = db.SubmitResponse(ctx, sv.Current(), second, code)
			switch {
			case tc.landed && !errors.Is(err, store.ErrSentBefore):
				t.Fatalf("the second try: %v, want ErrSentBefore (the first try's answers arrived)", err)
			case !tc.landed && err != nil:
				t.Fatalf("the second try: %v, want it stored", err)
			}

			rs, err := db.Responses(ctx, sv.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != 1 || rs[0].ID != first.ID {
				t.Fatalf("stored %v, want one response, under the first try's id %q", rs, first.ID)
			}
			wantQ1 := "o1" // the first try's answers
			if !tc.landed {
				wantQ1 = "o2"
			}
			if got := rs[0].Answers["q1"]; len(got) != 1 || got[0] != wantQ1 {
				t.Errorf("the stored response answers q1 %v, want %q", got, wantQ1)
			}

			// Counted once: the first try's batch is counted from the
			// responses naming it once its lease ends (15 s).
			mu.Lock()
			now = now.Add(16 * time.Second)
			mu.Unlock()
			a, b := countedAfterLease(t, ctx, db, sv, func() { mu.Lock(); now = now.Add(time.Second); mu.Unlock() }, 1)
			if !reflect.DeepEqual(a, b) || a["all"].N != 1 {
				t.Fatalf("counters %v, recount %v; want both to count 1", a, b)
			}

			// The code is used, and no longer names the response.
			var sc store.SurveyCode
			if err := db.RawDatabase().Collection("survey_codes").FindOne(ctx, bson.D{{Key: "surveyId", Value: sv.ID}}).Decode(&sc); err != nil {
				t.Fatal(err)
			}
			if !sc.Used || sc.Held != "" || sc.Unconfirmed {
				t.Errorf("the code afterwards: %+v, want used and holding no response id", sc)
			}
			third := &store.Response{ID: "third-try", SurveyID: sv.ID, Version: 1, Answers: store.Answers{"q1": {"o2"}}}
			if err := db.SubmitResponse(ctx, sv.Current(), third, code); !errors.Is(err, store.ErrCodeUsed) {
				t.Errorf("a third try with the code: %v, want ErrCodeUsed", err)
			}
		})
	}
}
