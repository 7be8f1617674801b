package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"candour/store"
	"candour/store/storetest"
)

// TestPublishedSurveyTextsFollowEveryChange: a survey's published
// free-text answers come from the copy on the embedded server (a second
// read sends no find) and show every change at the next read: publishing,
// changing the published words, unpublishing, and new answers; another
// survey's publishing leaves them as they were. Through MONGODB_URI they
// are a query each time, with the same answers.
func TestPublishedSurveyTextsFollowEveryChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.Open(t)
	a, b := publishedSurvey(t, db), publishedSurvey(t, db)
	submit := func(sv *store.Survey, id string) {
		t.Helper()
		r := &store.Response{ID: id, SurveyID: sv.ID, Version: 1, Answers: store.Answers{"q1": {"o1"}, "q3": {"a"}, "q5": {"words of " + id}}}
		if err := db.SubmitResponse(ctx, sv.Current(), r, ""); err != nil {
			t.Fatal(err)
		}
	}
	submit(a, "a-0")
	submit(a, "a-1")
	submit(b, "b-0")
	shown := func(what string, want ...string) {
		t.Helper()
		got, err := db.PublishedSurveyTexts(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var words []string
		for _, x := range got {
			words = append(words, x.Shown())
		}
		if fmt.Sprint(words) != fmt.Sprint(want) {
			t.Fatalf("%s: published %q, want %q", what, words, want)
		}
	}
	shown("none published")
	publish := func(sv *store.Survey, id, words string, on bool) {
		t.Helper()
		if err := db.RedactSurveyText(ctx, sv.ID, id, words, on); err != nil {
			t.Fatal(err)
		}
	}
	publish(a, "a-0:q5", "first", true)
	shown("one published", "first")
	var mu sync.Mutex
	finds := 0
	stop := db.TraceCommands(func(cmd, coll string) {
		mu.Lock()
		defer mu.Unlock()
		if cmd == "find" && (coll == store.TextPageCollection || coll == store.TextCollection) {
			finds++
		}
	})
	shown("read again", "first")
	stop()
	if finds != 0 && storetest.URI() == "" {
		t.Errorf("a second read sent %d finds of the free-text answers' pages, want 0 (the copy)", finds)
	}
	publish(a, "a-0:q5", "first, redacted again", true)
	shown("words changed", "first, redacted again")
	publish(b, "b-0:q5", "another survey's", true)
	shown("another survey published", "first, redacted again")
	publish(a, "a-0:q5", "first, redacted again", false)
	shown("unpublished")
	submit(a, "a-2")
	publish(a, "a-2:q5", "third", true)
	shown("a new answer published", "third")
}
