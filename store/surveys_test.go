package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"candour/apperr"
	"candour/store"
	"candour/store/storetest"
)

// publishedSurvey makes a survey with a single choice, a dependent
// question, an agreement scale, a number, a text and the about-you section.
func publishedSurvey(t *testing.T, db *store.Store) *store.Survey {
	t.Helper()
	ctx := context.Background()
	sv := &store.Survey{Title: "Confidence", AboutYou: true, OpenLink: true, InviteCodes: true}
	if err := db.CreateSurvey(ctx, sv); err != nil {
		t.Fatal(err)
	}
	sv, err := db.ChangeSurvey(ctx, sv.ID, sv.Rev, func(sv *store.Survey, now time.Time) error {
		sv.Draft = []store.Question{
			{ID: "q1", Type: store.QSingle, Text: "Have you contacted the police this year?", Required: true,
				Options: store.NewOptions([]string{"Yes", "No"}, nil)},
			{ID: "q2", Type: store.QAgree, Text: "You were treated fairly", ShowIfQ: "q1", ShowIfA: "o1"},
			{ID: "q3", Type: store.QAgree, Text: "The police in your area can be relied on", Key: "rely"},
			{ID: "q4", Type: store.QNumber, Text: "How many times?"},
			{ID: "q5", Type: store.QLong, Text: "Anything else?"},
			{ID: "q6", Type: store.QMultiple, Text: "Which would help?", Options: store.NewOptions([]string{"More patrols", "Better contact", "Nothing"}, nil)},
		}
		return sv.Publish(now)
	})
	if err != nil {
		t.Fatal(err)
	}
	return sv
}

// TestPublishingCreatesTheCountersInOneInsert: a publication inserts its
// version's empty counters with one command (one a counter before: 38
// writes through the writer for publishedSurvey's), and creating them
// again, some there already, from several publications at once, ends with
// each counter once and no error: an unordered insert whose only refusals
// are duplicates.
func TestPublishingCreatesTheCountersInOneInsert(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.Open(t)
	var mu sync.Mutex
	inserts := 0
	stop := db.TraceCommands(func(command, coll string) {
		if command == "insert" && coll == store.TallyCollection {
			mu.Lock()
			inserts++
			mu.Unlock()
		}
	})
	sv := publishedSurvey(t, db)
	stop()
	if inserts != 1 {
		t.Errorf("the publication sent %d inserts of counters, want 1", inserts)
	}
	n := sv.Current().N
	counters := func() []string {
		t.Helper()
		ts, err := db.Tallies(ctx, sv.ID, n)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range ts {
			ids = append(ids, c.ID)
		}
		return ids
	}
	want := counters()
	if len(want) < 2 {
		t.Fatalf("the publication made %d counters", len(want))
	}

	// Every other counter gone, as if a publication stopped part way.
	var gone bson.A
	for i, id := range want {
		if i%2 == 0 {
			gone = append(gone, id)
		}
	}
	if _, err := db.RawDatabase().Collection(store.TallyCollection).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: gone}}}}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() { errs <- db.EnsureTalliesForTest(ctx, sv, n) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("creating the counters again: %v", err)
		}
	}
	if got := counters(); !reflect.DeepEqual(got, want) {
		t.Errorf("counters after creating them again:\n%v\nwant\n%v", got, want)
	}
}

func TestSurveyAnswerChecks(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	v := publishedSurvey(t, db).Current()
	tests := []struct {
		name    string
		answers store.Answers
		errs    []string // question ids with a problem
	}{
		{"fine", store.Answers{"q1": {"o1"}, "q2": {"a"}, "q4": {"3"}, "ay_eth": {"black_caribbean"}, "ay_pc": {"dt1"}}, nil},
		{"missing required", store.Answers{"q3": {"sa"}}, []string{"q1"}},
		{"option not on the form", store.Answers{"q1": {"o9"}}, []string{"q1"}},
		{"answer to a hidden question", store.Answers{"q1": {"o2"}, "q2": {"a"}}, []string{"q2"}},
		{"two answers to a single choice", store.Answers{"q1": {"o1", "o2"}}, []string{"q1"}},
		{"duplicate ticks", store.Answers{"q1": {"o2"}, "q6": {"o1", "o1"}}, []string{"q6"}},
		{"not a number", store.Answers{"q1": {"o2"}, "q4": {"lots"}}, []string{"q4"}},
		{"a question not in the survey", store.Answers{"q1": {"o2"}, "q99": {"x"}}, []string{"q99"}},
		{"a full postcode", store.Answers{"q1": {"o2"}, "ay_pc": {"DT1 1XJ"}}, []string{"ay_pc"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := v.Check(tc.answers)
			errs := apperr.All(err)
			var got []string
			for _, e := range errs {
				got = append(got, e.Field)
			}
			if !reflect.DeepEqual(got, tc.errs) {
				t.Fatalf("problems with %v, want %v", got, tc.errs)
			}
			if len(errs) == 0 && out["ay_pc"] != nil && out["ay_pc"][0] != "DT1" {
				t.Fatalf("postcode district kept as %q", out["ay_pc"])
			}
		})
	}
}

func TestPublishedVersionsNeverChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.Open(t)
	sv := publishedSurvey(t, db)
	sv, err := db.ChangeSurvey(ctx, sv.ID, sv.Rev, func(sv *store.Survey, now time.Time) error {
		sv.Versions[0].Questions[0].Text = "Changed"
		sv.Draft[0].Text = "Changed in the draft"
		return sv.Publish(now)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Survey(ctx, sv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got.Versions); n != 2 {
		t.Fatalf("%d versions, want 2", n)
	}
	if got.Versions[0].Questions[0].Text != "Have you contacted the police this year?" {
		t.Errorf("version 1 was rewritten: %q", got.Versions[0].Questions[0].Text)
	}
	if got.Versions[1].Questions[0].Text != "Changed in the draft" {
		t.Errorf("version 2 = %q", got.Versions[1].Questions[0].Text)
	}
	if _, err := db.ChangeSurvey(ctx, sv.ID, 1, func(*store.Survey, time.Time) error { return nil }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("stale change: %v, want ErrConflict", err)
	}
}

// TestCountersEqualRecountAfterConcurrentSubmissions submits responses
// from many goroutines, some twice (a retried POST) and some with the same
// invitation code, then compares the counters with a recount.
func TestCountersEqualRecountAfterConcurrentSubmissions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.Open(t)
	sv := publishedSurvey(t, db)
	codes, err := db.CreateSurveyCodes(ctx, sv.ID, 5)
	if err != nil {
		t.Fatal(err)
	}
	groups := []string{"black_african", "white_british", "asian_indian", "", "pnts"}
	const n = 60
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted, codeRefused := 0, 0
	for i := range n {
		for attempt := range 2 { // every response is sent twice at once
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := store.Answers{"q1": {[]string{"o1", "o2"}[i%2]}, "q3": {[]string{"sa", "a", "d", "dk"}[i%4]}, "q4": {fmt.Sprint(i)}}
				if i%2 == 0 {
					a["q2"] = []string{"n"}
				}
				if g := groups[i%len(groups)]; g != "" {
					a["ay_eth"] = []string{g}
				}
				if i%3 == 0 {
					a["q6"] = []string{"o1", "o3"}
				}
				code := ""
				if i < 10 {
					code = codes[i%5] // ten responses share five codes
				}
				r := &store.Response{ID: fmt.Sprintf("response-%03d", i), SurveyID: sv.ID, Version: 1, Answers: a}
				err := db.SubmitResponse(ctx, sv.Current(), r, code)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					accepted++
				case errors.Is(err, store.ErrAlreadySubmitted):
				case errors.Is(err, store.ErrCodeUsed):
					codeRefused++
				default:
					t.Errorf("response %d attempt %d: %v", i, attempt, err)
				}
			}()
		}
	}
	wg.Wait()
	if accepted != n-5 {
		t.Errorf("%d responses accepted, want %d (each stored once, each code once)", accepted, n-5)
	}
	rs, err := db.Responses(ctx, sv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != accepted {
		t.Fatalf("%d responses stored, %d accepted", len(rs), accepted)
	}
	for _, r := range rs {
		if len(r.Day) != 10 {
			t.Fatalf("response %s: day %q", r.ID, r.Day)
		}
	}
	stored, err := db.Tallies(ctx, sv.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	recount, err := db.Recount(ctx, sv, 1)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := tallyMap(stored), tallyMap(recount); !reflect.DeepEqual(a, b) {
		t.Fatalf("counters differ from the recount:\n%v\n%v", a, b)
	}
	all := tallyMap(stored)["all"]
	if all.N != int64(accepted) {
		t.Errorf("counted %d respondents, accepted %d", all.N, accepted)
	}
	// Every counted batch's marks go (with a later batch's writes, or
	// once no batch is waiting): none is left once the counting is idle.
	for tries := 0; ; tries++ {
		var docs []struct {
			Applied map[string]bool `bson:"applied"`
		}
		cur, err := db.RawDatabase().Collection(store.TallyCollection).Find(ctx, bson.D{{Key: "survey", Value: sv.ID}})
		if err == nil {
			err = cur.All(ctx, &docs)
		}
		if err != nil || len(docs) == 0 {
			t.Fatalf("%d counters (%v)", len(docs), err)
		}
		n := 0
		for _, d := range docs {
			if len(d.Applied) > 0 {
				n++
			}
		}
		if n == 0 {
			break
		}
		if tries == 600 {
			t.Fatalf("%d counters still carry marks of counted batches", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := db.RebuildTallies(ctx, sv.ID); err != nil {
		t.Fatal(err)
	}
	rebuilt, _ := db.Tallies(ctx, sv.ID, 1)
	if !reflect.DeepEqual(tallyMap(rebuilt), tallyMap(recount)) {
		t.Error("rebuilt counters differ from the recount")
	}
	if err := db.CheckSurveyCode(ctx, sv.ID, codes[0]); !errors.Is(err, store.ErrCodeUsed) {
		t.Errorf("code after use: %v, want ErrCodeUsed", err)
	}
	if err := db.CheckSurveyCode(ctx, sv.ID, "NOT-A-CODE"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown code: %v, want ErrNotFound", err)
	}
}

// countedAfterLease waits until the store has counted version 1 of sv by
// itself, once a batch's lease has ended: its own recount looks at its
// clock each second, so the clock goes on moving (tick moves it a second),
// a second every tenth of a second, as a real one would. It stops when
// the counters equal a recount counting want respondents, or after two
// minutes, and returns both for the test to judge.
func countedAfterLease(t *testing.T, ctx context.Context, db *store.Store, sv *store.Survey, tick func(), want int64) (stored, recount map[string]store.Tally) {
	t.Helper()
	r, err := db.Recount(ctx, sv, 1)
	if err != nil {
		t.Fatal(err)
	}
	recount = tallyMap(r)
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		ts, err := db.Tallies(ctx, sv.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if stored = tallyMap(ts); reflect.DeepEqual(stored, recount) && stored["all"].N == want || time.Now().After(deadline) {
			return stored, recount
		}
		tick()
	}
}

func tallyMap(ts []store.Tally) map[string]store.Tally {
	m := map[string]store.Tally{}
	for _, t := range ts {
		t.ID = ""
		for q, cs := range t.C {
			for k, v := range cs {
				if v == 0 {
					delete(cs, k)
				}
			}
			if len(cs) == 0 {
				delete(t.C, q)
			}
		}
		key := t.Dim
		if t.Dim != "all" {
			key += "/" + t.Value
		}
		m[key] = t
	}
	return m
}

// Invitation codes are long enough that their stored SHA-256 cannot be
// reversed by trying every code: 16 characters of the 31-letter alphabet
// (about 79 bits), grouped in fours for typing, and typed forms that differ
// only in case, spaces or hyphens find the same code.
func TestSurveyCodesAreLongAndNormalise(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.Open(t)
	sv := publishedSurvey(t, db)
	codes, err := db.CreateSurveyCodes(ctx, sv.ID, 50)
	if err != nil {
		t.Fatal(err)
	}
	shape := regexp.MustCompile(`^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{4}(-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{4}){3}$`)
	seen := map[string]bool{}
	for _, c := range codes {
		if !shape.MatchString(c) {
			t.Fatalf("code %q is not four groups of four from the alphabet", c)
		}
		if seen[c] {
			t.Fatalf("code %q made twice", c)
		}
		seen[c] = true
	}
	typed := strings.ToLower(strings.ReplaceAll(codes[0], "-", " "))
	if err := db.CheckSurveyCode(ctx, sv.ID, typed); err != nil {
		t.Fatalf("CheckSurveyCode(%q) = %v, want nil", typed, err)
	}
}
