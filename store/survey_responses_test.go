package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"candour/store"
	"candour/store/storetest"
)

// Survey responses inserted in bulk (InsertResponses: the demo seed, the
// benchmark) leave what SubmitResponse one by one would:
// the same responses (but the batch that counted them), free-text answers
// and counters (but the counting's marks), and counters equal to a recount.
func TestInsertResponsesLeavesWhatSubmitResponseWould(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	groups := []string{"black_african", "white_british", "asian_indian", "", "pnts"}
	// 40 responses: every second one answers q2, every third q6, every
	// fourth writes a comment (q5), four in five give an ethnicity.
	answers := func(sv *store.Survey) []*store.Response {
		var rs []*store.Response
		for i := range 40 {
			a := store.Answers{"q1": {[]string{"o1", "o2"}[i%2]}, "q3": {[]string{"sa", "a", "d", "dk"}[i%4]}, "q4": {fmt.Sprint(i)}}
			if i%2 == 0 {
				a["q2"] = []string{"n"}
			}
			if i%3 == 0 {
				a["q6"] = []string{"o1", "o3"}
			}
			if i%4 == 0 {
				a["q5"] = []string{fmt.Sprintf("Comment number %d.", i)}
			}
			if g := groups[i%len(groups)]; g != "" {
				a["ay_eth"] = []string{g}
			}
			rs = append(rs, &store.Response{ID: fmt.Sprintf("response-%03d", i), SurveyID: sv.ID, Version: 1, Answers: a})
		}
		return rs
	}
	one, bulk := storetest.Open(t), storetest.Open(t)
	for _, s := range []*store.Store{one, bulk} {
		s.SetClock(func() time.Time { return now })
	}
	svOne, svBulk := publishedSurvey(t, one), publishedSurvey(t, bulk)
	for _, r := range answers(svOne) {
		if err := one.SubmitResponse(ctx, svOne.Current(), r, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := bulk.InsertResponses(ctx, svBulk, answers(svBulk)); err != nil {
		t.Fatal(err)
	}
	// Each store's survey has its own id: compare with it written "SV".
	norm := func(s *store.Store, svID, coll string, drop string) string {
		docs := storetest.Docs(t, s, coll)
		for _, d := range docs {
			delete(d.(map[string]any), drop)
		}
		b, err := json.Marshal(docs)
		if err != nil {
			t.Fatal(err)
		}
		return strings.ReplaceAll(string(b), svID, "SV")
	}
	for _, c := range []struct{ coll, drop string }{{"survey_responses", "batch"}, {store.TextPageCollection, ""}, {store.TallyCollection, "applied"}} {
		want, got := norm(one, svOne.ID, c.coll, c.drop), norm(bulk, svBulk.ID, c.coll, c.drop)
		if want == "{}" {
			t.Fatalf("%s: the one-by-one path left nothing to compare", c.coll)
		}
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", c.coll, got, want)
		}
	}
	stored, err := bulk.Tallies(ctx, svBulk.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	recount, err := bulk.Recount(ctx, svBulk, 1)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := tallyMap(stored), tallyMap(recount); !reflect.DeepEqual(a, b) {
		t.Errorf("seeded counters differ from the recount:\n%v\n%v", a, b)
	}
	// By hand: 40 respondents; q1 "o1" is every even one, 20.
	if all := tallyMap(stored)["all"]; all.N != 40 || all.C["q1"]["o1"] != 20 {
		t.Errorf("everyone's counter: n=%d, q1 o1=%d; want 40 and 20", all.N, all.C["q1"]["o1"])
	}
	texts, err := bulk.SurveyTexts(ctx, svBulk.ID, "q5", false)
	if err != nil || len(texts) != 10 { // i = 0, 4, …, 36
		t.Errorf("free-text answers to q5: %d (err %v), want 10", len(texts), err)
	}
}
