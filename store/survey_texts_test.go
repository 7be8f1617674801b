package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"candour/store"
	"candour/store/storetest"
)

// textReads reads survey surveyID's free-text list and checks what it
// asked the database for: only finds by _id alone (the only filter the
// embedded server pushes down to SQLite), an exact _id each or, on
// MongoDB, one $in of them, for want documents in all.
func textReads(t *testing.T, db *store.Store, surveyID string, want int) []store.SurveyText {
	t.Helper()
	var mu sync.Mutex
	var reads []string
	asked := 0
	stop := db.TraceFilters(func(cmd, coll string, filter bson.Raw) {
		mu.Lock()
		defer mu.Unlock()
		reads = append(reads, cmd+" "+coll)
		elems, _ := filter.Elements()
		if cmd != "find" || len(elems) != 1 || elems[0].Key() != "_id" {
			t.Errorf("%s %s with filter %v: want a find by _id alone", cmd, coll, filter)
			return
		}
		switch v := elems[0].Value(); v.Type {
		case bson.TypeString:
			asked++
		case bson.TypeEmbeddedDocument:
			in, ok := v.Document().Lookup("$in").ArrayOK()
			ids, _ := in.Values()
			if n, _ := v.Document().Elements(); !ok || len(n) != 1 {
				t.Errorf("find %s with filter %v: want _id or _id $in", coll, filter)
			}
			asked += len(ids)
		default:
			t.Errorf("find %s with filter %v: want _id or _id $in", coll, filter)
		}
	})
	texts, err := db.SurveyTexts(context.Background(), surveyID, "q5", false)
	stop()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("survey %s's list: %d round trips %v", surveyID, len(reads), reads)
	if asked != want {
		t.Errorf("survey %s's free-text list asked for %d documents, want %d", surveyID, asked, want)
	}
	return texts
}

// TestSurveyTextListDoesNotGrowWithOtherSurveys: a survey's free-text
// answers are read by _id, page by page (50 answers to a page), so the
// cost of one survey's list is its own pages, whatever the other surveys
// hold.
func TestSurveyTextListDoesNotGrowWithOtherSurveys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.Open(t)
	answer := func(sv *store.Survey, prefix string, n int) {
		t.Helper()
		var rs []*store.Response
		for i := range n {
			rs = append(rs, &store.Response{ID: fmt.Sprintf("%s-%03d", prefix, i), SurveyID: sv.ID, Version: 1,
				Answers: store.Answers{"q1": {"o2"}, "q5": {fmt.Sprintf("words %s %d", prefix, i)}}})
		}
		if err := db.InsertResponses(ctx, sv, rs); err != nil {
			t.Fatal(err)
		}
	}
	a := publishedSurvey(t, db)
	answer(a, "a", 3)
	// By hand: 3 answers fit one page: the head, then page 0 (2 documents).
	if got := textReads(t, db, a.ID, 2); len(got) != 3 {
		t.Fatalf("survey a: %d answers, want 3", len(got))
	}
	// Another survey, with 110 answers: pages of 50, 50 and 10. (One is
	// enough: survey a's reads stay the same beside it, and it has a full
	// page, a second and a partial one. Three such surveys used to be
	// written here, about 9 s of CPU under the race detector.)
	other := publishedSurvey(t, db)
	answer(other, "o1", 110)
	// Survey a's list reads what it read before: the head and one page.
	if got := textReads(t, db, a.ID, 2); len(got) != 3 {
		t.Fatalf("survey a with others: %d answers, want 3", len(got))
	}
	// Another's: its head and its 3 pages (110 = 50 + 50 + 10: 4
	// documents), every answer once.
	got := textReads(t, db, other.ID, 4)
	seen := map[string]bool{}
	for _, x := range got {
		if seen[x.ID] || x.Survey != other.ID {
			t.Fatalf("answer %s (survey %s) listed twice or from another survey", x.ID, x.Survey)
		}
		seen[x.ID] = true
	}
	if len(got) != 110 || !seen["o1-000:q5"] || !seen["o1-109:q5"] {
		t.Fatalf("survey with 110 answers lists %d", len(got))
	}
	// A response stored again (a repair of its batch writes its answers
	// again) keeps one copy, and redacting one changes it where it is.
	if err := db.RedactSurveyText(ctx, other.ID, "o1-077:q5", "words", true); err != nil {
		t.Fatal(err)
	}
	pub, err := db.SurveyTexts(ctx, other.ID, "", true)
	if err != nil || len(pub) != 1 || pub[0].ID != "o1-077:q5" || pub[0].Shown() != "words" {
		t.Fatalf("published: %+v (%v)", pub, err)
	}
	if err := db.RedactSurveyText(ctx, a.ID, "o1-077:q5", "x", false); err == nil {
		t.Error("another survey's answer was changed through survey a")
	}
}
