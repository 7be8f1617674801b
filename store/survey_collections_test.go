package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"candour/store"
	"candour/store/storetest"
)

// TestSurveyCollectionsMergedByMigration: two surveys' counters and
// free-text answers kept the old way (a collection of each per survey,
// as Candour kept them before migration 8) are in the shared collections
// after the migration, with the same counts and answers; a kill -9 after
// the copies, or after one old collection was dropped, leaves them
// readable, and running the migration again then counts nothing twice.
// Afterwards a new response is counted in the shared collection (the
// counters equal a recount) and no collection per survey is left.
func TestSurveyCollectionsMergedByMigration(t *testing.T) {
	t.Parallel()
	for _, crash := range []string{"", "copied", "one dropped", "paged"} {
		t.Run("crash "+crash, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			// Survey a: 5 responses, 3 with ethnicity; b: 2 responses.
			// Each says "words <n>" to q5, the free-text question.
			submit := func(db *store.Store, sv *store.Survey, prefix string, n int) {
				for i := range n {
					ans := store.Answers{"q1": {[]string{"o1", "o2"}[i%2]}, "q3": {"a"}, "q5": {fmt.Sprintf("words %s %d", prefix, i)}}
					if i%2 == 0 {
						ans["ay_eth"] = []string{"black_african"}
					}
					r := &store.Response{ID: fmt.Sprintf("%s-%d", prefix, i), SurveyID: sv.ID, Version: 1, Answers: ans}
					if err := db.SubmitResponse(ctx, sv.Current(), r, ""); err != nil {
						t.Fatal(err)
					}
				}
			}
			// The two surveys and their responses are seeded once for the
			// four cases (each case has its own copy): publishing makes
			// every counter of a survey one insert at a time.
			db := storetest.OpenSeeded(t, "two surveys to merge", func(ctx context.Context, db *store.Store) error {
				a, b := publishedSurvey(t, db), publishedSurvey(t, db)
				submit(db, a, "a", 5)
				submit(db, b, "b", 2)
				return nil
			})
			a, b := surveysByResponses(t, db, 5, 2)
			before := map[string]map[string]store.Tally{}
			for _, sv := range []*store.Survey{a, b} {
				ts, err := db.Tallies(ctx, sv.ID, 1)
				if err != nil {
					t.Fatal(err)
				}
				before[sv.ID] = tallyMap(ts)
				if err := db.OldSurveyLayoutForTest(ctx, sv.ID); err != nil {
					t.Fatal(err)
				}
				if ts, err := db.Tallies(ctx, sv.ID, 1); err != nil || len(ts) != 0 {
					t.Fatalf("old layout: %d counters still in the shared collection (%v)", len(ts), err)
				}
			}
			// By hand: a has 5 respondents (3 of them Black: i = 0, 2, 4),
			// b has 2 (1 Black: i = 0).
			if n := before[a.ID]["all"].N; n != 5 {
				t.Fatalf("survey a counted %d before, want 5", n)
			}
			if n := before[a.ID]["ay_eth/Black"].N; n != 3 {
				t.Fatalf("survey a's Black respondents %d before, want 3 (%v)", n, before[a.ID])
			}
			if crash != "" {
				if err := db.MergeSurveyCollectionsForTest(ctx, crash); err != nil {
					t.Fatal(err)
				}
				// Killed here: what the next start reads after running the
				// migration again.
			}
			for range 2 {
				if err := db.MergeSurveyCollectionsForTest(ctx, ""); err != nil {
					t.Fatal(err)
				}
			}
			for _, sv := range []*store.Survey{a, b} {
				ts, err := db.Tallies(ctx, sv.ID, 1)
				if err != nil {
					t.Fatal(err)
				}
				if got := tallyMap(ts); !reflect.DeepEqual(got, before[sv.ID]) {
					t.Fatalf("survey %s after the migration:\n%v\nwant\n%v", sv.ID, got, before[sv.ID])
				}
			}
			texts, err := db.SurveyTexts(ctx, a.ID, "q5", false)
			if err != nil || len(texts) != 5 {
				t.Fatalf("survey a: %d free-text answers after the migration (%v), want 5", len(texts), err)
			}
			if texts[0].ID != "a-0:q5" && texts[0].ID != "a-4:q5" {
				t.Errorf("an answer's id is %q, want response:question", texts[0].ID)
			}
			// Publishing one still works by its id.
			if err := db.RedactSurveyText(ctx, a.ID, "a-3:q5", "words", true); err != nil {
				t.Fatal(err)
			}
			if pub, err := db.SurveyTexts(ctx, a.ID, "", true); err != nil || len(pub) != 1 || pub[0].Shown() != "words" {
				t.Fatalf("published after the migration: %+v (%v)", pub, err)
			}
			// Another survey's answer is not reached through a's id.
			if err := db.RedactSurveyText(ctx, a.ID, "b-0:q5", "x", false); err == nil {
				t.Error("survey b's answer was changed through survey a")
			}
			if texts, err := db.SurveyTexts(ctx, b.ID, "q5", false); err != nil || len(texts) != 2 {
				t.Fatalf("survey b: %d free-text answers (%v), want 2", len(texts), err)
			}
			submit(db, a, "c", 1)
			stored, err := db.Tallies(ctx, a.ID, 1)
			if err != nil {
				t.Fatal(err)
			}
			recount, err := db.Recount(ctx, a, 1)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := tallyMap(stored), tallyMap(recount); !reflect.DeepEqual(got, want) || got["all"].N != 6 {
				t.Fatalf("after a new response: %v, recount %v (want 6 respondents)", got, want)
			}
			names, err := db.CollectionNamesForTest(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range names {
				if strings.HasPrefix(n, "survey_tallies_") || strings.HasPrefix(n, "survey_texts_") {
					t.Errorf("collection %s left behind", n)
				}
			}
			if !slices.Contains(names, store.TallyCollection) || !slices.Contains(names, store.TextPageCollection) {
				t.Errorf("shared collections missing: %v", names)
			}
			if slices.Contains(names, store.TextCollection) {
				t.Errorf("%s left behind after migration 10 (its answers are in pages)", store.TextCollection)
			}
		})
	}
}

// surveysByResponses returns db's two surveys by how many responses each
// has: the one with na, then the one with nb.
func surveysByResponses(t *testing.T, db *store.Store, na, nb int) (a, b *store.Survey) {
	t.Helper()
	ctx := context.Background()
	svs, err := db.Surveys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range svs {
		rs, err := db.Responses(ctx, svs[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		switch len(rs) {
		case na:
			a = &svs[i]
		case nb:
			b = &svs[i]
		}
	}
	if len(svs) != 2 || a == nil || b == nil {
		t.Fatalf("%d surveys, want one with %d responses and one with %d", len(svs), na, nb)
	}
	return a, b
}
