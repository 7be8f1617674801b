package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"candour/store"
	"candour/store/storetest"
)

func newAdviceRequest(t *testing.T, db *store.Store, asked []string, deadline time.Time) *store.AdviceRequest {
	t.Helper()
	r := &store.AdviceRequest{Title: "Fatal collision, Boscombe", Shared: "A man died after a police pursuit.", Handling: store.HandlingGroup,
		Question: "How should we talk to the community tonight?", GroupIDs: []string{"g1"}, Asked: asked, Deadline: deadline, CreatedBy: "coord"}
	if err := db.CreateAdviceRequest(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAdviceRequestLifecycle(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	db.SetClock(func() time.Time { return now })
	r := newAdviceRequest(t, db, []string{"u1", "u2"}, now.Add(4*time.Hour))
	// A four-hour request is reminded an hour before its deadline; a
	// ninety-minute one half way (45 minutes in).
	if got, want := r.RemindAt, now.Add(3*time.Hour); !got.Equal(want) {
		t.Errorf("RemindAt = %v, want %v", got, want)
	}
	if short := newAdviceRequest(t, db, nil, now.Add(90*time.Minute)); !short.RemindAt.Equal(now.Add(45 * time.Minute)) {
		t.Errorf("short request RemindAt = %v, want 45 minutes on", short.RemindAt)
	}

	if _, err := db.GiveAdvice(ctx, r.ID, "u1", "Asha", "Hold a meeting at the mosque."); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GiveAdvice(ctx, r.ID, "u3", "Stranger", "Not asked"); !errors.Is(err, store.ErrNotAsked) {
		t.Fatalf("someone not asked: err = %v, want ErrNotAsked", err)
	}
	now = now.Add(time.Minute)
	if _, err := db.GiveAdvice(ctx, r.ID, "u1", "Asha", "Hold a meeting at the mosque, with the imam."); err != nil {
		t.Fatal(err)
	}
	got, err := db.AdviceRequest(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	a := got.Answers["u1"]
	if a.Text != "Hold a meeting at the mosque, with the imam." || a.Changed != 1 || !a.GivenAt.Equal(now.Add(-time.Minute)) {
		t.Errorf("changed answer = %+v, want the new text, changed once, first given a minute ago", a)
	}
	if nd := got.NotAnswered(); len(nd) != 1 || nd[0] != "u2" {
		t.Errorf("NotAnswered = %v, want [u2]", nd)
	}

	if err := db.RespondToAdvice(ctx, r.ID, "u1", store.OutcomeActed, "The superintendent met the community at 7pm.", "coord"); err != nil {
		t.Fatal(err)
	}
	if err := db.RespondToAdvice(ctx, r.ID, "u2", store.OutcomeActed, "No answer to respond to", "coord"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("response to an answer not given: err = %v, want ErrNotFound", err)
	}
	got, _ = db.AdviceRequest(ctx, r.ID)
	if a := got.Answers["u1"]; a.Outcome != store.OutcomeActed || got.Responded() != 1 {
		t.Errorf("after the response: %+v, responded %d", a, got.Responded())
	}

	// At the deadline itself, no more answers; the force still responds.
	now = r.Deadline
	if _, err := db.GiveAdvice(ctx, r.ID, "u2", "Ben", "Too late"); !errors.Is(err, store.ErrAdviceClosed) {
		t.Fatalf("answer at the deadline: err = %v, want ErrAdviceClosed", err)
	}
	if err := db.CloseAdviceRequest(ctx, r.ID); !errors.Is(err, store.ErrAdviceClosed) {
		t.Errorf("closing a request past its deadline: err = %v, want ErrAdviceClosed", err)
	}

	// Publishing puts it on the public list; taking it off removes it.
	if err := db.PublishAdviceSummary(ctx, r.ID, "The force met the community the same evening.", "coord"); err != nil {
		t.Fatal(err)
	}
	pub, err := db.PublishedAdvice(ctx, 10)
	if err != nil || len(pub) != 1 || pub[0].ID != r.ID {
		t.Fatalf("published = %v (%v), want the one request", pub, err)
	}
	if err := db.UnpublishAdviceSummary(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if pub, _ := db.PublishedAdvice(ctx, 10); len(pub) != 0 {
		t.Fatalf("after unpublishing: %d published", len(pub))
	}
	mine, err := db.AdviceRequests(ctx, "u2", 10)
	if err != nil || len(mine) != 1 || mine[0].ID != r.ID {
		t.Fatalf("requests asking u2 = %v (%v)", mine, err)
	}
}

// TestAdviceAtTheDeadline: forty members answer at once while the clock
// reaches the deadline. The first twenty reads of the clock are a
// millisecond before it and the rest exactly at it, so twenty answers are
// taken and twenty refused. Every answer taken is stored, none refused is,
// and none stored was given at or after the deadline.
func TestAdviceAtTheDeadline(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	deadline := time.Now().UTC().Add(time.Hour).Truncate(time.Millisecond)
	asked := make([]string, 40)
	for i := range asked {
		asked[i] = fmt.Sprintf("u%02d", i)
	}
	db.SetClock(func() time.Time { return deadline.Add(-2 * time.Hour) })
	r := newAdviceRequest(t, db, asked, deadline)
	var reads atomic.Int64
	db.SetClock(func() time.Time {
		if reads.Add(1) <= 20 {
			return deadline.Add(-time.Millisecond)
		}
		return deadline
	})
	var wg sync.WaitGroup
	var taken, refused atomic.Int64
	okBy := sync.Map{}
	for _, id := range asked {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := db.GiveAdvice(ctx, r.ID, id, "Member "+id, "Advice from "+id)
			switch {
			case err == nil:
				taken.Add(1)
				okBy.Store(id, true)
			case errors.Is(err, store.ErrAdviceClosed):
				refused.Add(1)
			default:
				t.Errorf("%s: %v", id, err)
			}
		}()
	}
	wg.Wait()
	got, err := db.AdviceRequest(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if taken.Load() != 20 || refused.Load() != 20 {
		t.Fatalf("taken %d, refused %d; want 20 and 20", taken.Load(), refused.Load())
	}
	if len(got.Answers) != 20 {
		t.Fatalf("%d answers stored, want the 20 taken", len(got.Answers))
	}
	for id, a := range got.Answers {
		if _, ok := okBy.Load(id); !ok {
			t.Errorf("%s was refused but its answer is stored", id)
		}
		if !a.GivenAt.Before(deadline) || a.Text != "Advice from "+id {
			t.Errorf("%s stored %+v: given at or after the deadline, or another's text", id, a)
		}
	}
}

// TestAdviceCloseRacesAnswers: the coordinator closes a request while
// thirty members answer. Whatever the order, an answer reported taken is
// stored and one refused is not, and nothing is taken after the close.
func TestAdviceCloseRacesAnswers(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	asked := make([]string, 30)
	for i := range asked {
		asked[i] = fmt.Sprintf("u%02d", i)
	}
	r := newAdviceRequest(t, db, asked, time.Now().Add(time.Hour))
	var wg sync.WaitGroup
	var taken sync.Map
	for i, id := range asked {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 15 {
				if err := db.CloseAdviceRequest(ctx, r.ID); err != nil {
					t.Errorf("close: %v", err)
				}
			}
			_, err := db.GiveAdvice(ctx, r.ID, id, id, "advice")
			if err == nil {
				taken.Store(id, true)
			} else if !errors.Is(err, store.ErrAdviceClosed) {
				t.Errorf("%s: %v", id, err)
			}
		}()
	}
	wg.Wait()
	got, _ := db.AdviceRequest(ctx, r.ID)
	n := 0
	taken.Range(func(k, _ any) bool {
		n++
		if _, ok := got.Answers[k.(string)]; !ok {
			t.Errorf("%s was told its advice was taken, but it is not stored", k)
		}
		return true
	})
	if n != len(got.Answers) || got.Status != store.AdviceClosed {
		t.Fatalf("taken %d, stored %d, status %s", n, len(got.Answers), got.Status)
	}
	if _, err := db.GiveAdvice(ctx, r.ID, "u15", "u15", "after the close"); !errors.Is(err, store.ErrAdviceClosed) {
		t.Fatalf("answer after the close: %v", err)
	}
}

// answeredAdviceRequest is a request asked of u1, with every text it can
// hold: u1's advice, the force's response, the agreed wording and the
// published summary.
func answeredAdviceRequest(t *testing.T, db *store.Store) *store.AdviceRequest {
	t.Helper()
	ctx := context.Background()
	r := newAdviceRequest(t, db, []string{"u1"}, time.Now().Add(4*time.Hour))
	if _, err := db.GiveAdvice(ctx, r.ID, "u1", "Asha", "Meet at the library."); err != nil {
		t.Fatal(err)
	}
	if err := db.RespondToAdvice(ctx, r.ID, "u1", store.OutcomeActed, "We met there.", "coord"); err != nil {
		t.Fatal(err)
	}
	if err := db.AgreeImpactWording(ctx, r.ID, "Tension is low."); err != nil {
		t.Fatal(err)
	}
	if err := db.PublishAdviceSummary(ctx, r.ID, "The force met the community.", "coord"); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestAdviceSealedAtRest: the incident's name, what happened, the
// question, the advice, the force's response, the agreed wording and the
// public summary are nowhere in a raw dump of the database; every way of
// reading a request opens them.
func TestAdviceSealedAtRest(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	r := answeredAdviceRequest(t, db)
	dump := storetest.RawDump(t, db)
	for _, s := range []string{"Fatal collision", "A man died", "How should we talk", "Meet at the library", "We met there", "Tension is low", "The force met the community"} {
		if bytes.Contains(dump, []byte(s)) {
			t.Errorf("the raw database holds %q", s)
		}
	}
	if err := adviceOpensAsWritten(ctx, db, r.ID); err != nil {
		t.Fatal(err)
	}
	for what, list := range map[string]func() ([]store.AdviceRequest, error){
		"every request": func() ([]store.AdviceRequest, error) { return db.AdviceRequests(ctx, "", 50) },
		"u1's":          func() ([]store.AdviceRequest, error) { return db.AdviceRequests(ctx, "u1", 50) },
		"published":     func() ([]store.AdviceRequest, error) { return db.PublishedAdvice(ctx, 50) },
	} {
		rs, err := list()
		if err != nil || len(rs) != 1 || rs[0].Title != "Fatal collision, Boscombe" || rs[0].Answers["u1"].Text != "Meet at the library." ||
			rs[0].PublicSummary != "The force met the community." {
			t.Errorf("%s: %+v, %v", what, rs, err)
		}
	}
}

// TestAdviceFromBeforeSealing: a request stored before advice was sealed
// (its texts as plain strings, as older deployments and demos hold them)
// still reads; "keys reseal" seals it, after which it reads the same and
// the raw database no longer holds its text.
func TestAdviceFromBeforeSealing(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	old := bson.D{{Key: "_id", Value: "old-request"}, {Key: "title", Value: "Fatal collision, Boscombe"}, {Key: "shared", Value: "A man died after a police pursuit."},
		{Key: "handling", Value: store.HandlingGroup}, {Key: "question", Value: "How should we talk to the community tonight?"},
		{Key: "groupIds", Value: bson.A{"g1"}}, {Key: "asked", Value: bson.A{"u1"}}, {Key: "deadline", Value: now.Add(4 * time.Hour)},
		{Key: "remindAt", Value: now.Add(3 * time.Hour)}, {Key: "reminded", Value: false}, {Key: "notified", Value: true}, {Key: "status", Value: store.AdviceOpen},
		{Key: "createdBy", Value: "coord"}, {Key: "createdAt", Value: now},
		{Key: "answers", Value: bson.D{{Key: "u1", Value: bson.D{{Key: "userId", Value: "u1"}, {Key: "name", Value: "Asha"}, {Key: "text", Value: "Meet at the library."},
			{Key: "givenAt", Value: now}, {Key: "changed", Value: 0}, {Key: "outcome", Value: store.OutcomeActed}, {Key: "response", Value: "We met there."},
			{Key: "respondedBy", Value: "coord"}, {Key: "respondedAt", Value: now}}}}},
		{Key: "impactWording", Value: "Tension is low."}, {Key: "impactAgreed", Value: now},
		{Key: "publicSummary", Value: "The force met the community."}, {Key: "publishedAt", Value: now}, {Key: "publishedBy", Value: "coord"}}
	if _, err := db.RawDatabase().Collection("advice_requests").InsertOne(ctx, old); err != nil {
		t.Fatal(err)
	}
	if err := adviceOpensAsWritten(ctx, db, "old-request"); err != nil {
		t.Fatalf("before the reseal: %v", err)
	}
	if !bytes.Contains(storetest.RawDump(t, db), []byte("Meet at the library")) {
		t.Fatal("the raw dump does not show the old request's text: this test proves nothing")
	}
	p, err := db.Reseal(ctx, 50, false, nil)
	if err != nil || p.Resealed != 1 || p.Values != 7 {
		t.Fatalf("reseal = %+v, %v; want one request, 7 values (5 texts, the advice and the response)", p, err)
	}
	dump := storetest.RawDump(t, db)
	for _, s := range []string{"Fatal collision", "A man died", "How should we talk", "Meet at the library", "We met there", "Tension is low", "The force met the community"} {
		if bytes.Contains(dump, []byte(s)) {
			t.Errorf("after the reseal the raw database holds %q", s)
		}
	}
	if err := adviceOpensAsWritten(ctx, db, "old-request"); err != nil {
		t.Fatalf("after the reseal: %v", err)
	}
	if rs, err := db.PublishedAdvice(ctx, 50); err != nil || len(rs) != 1 || rs[0].PublicSummary != "The force met the community." {
		t.Fatalf("published after the reseal: %+v, %v", rs, err)
	}
	// More advice on it is sealed like any other.
	if _, err := db.GiveAdvice(ctx, "old-request", "u1", "Asha", "Changed: meet at the church."); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(storetest.RawDump(t, db), []byte("meet at the church")) {
		t.Error("changed advice is in the clear")
	}
}

// TestAdviceAskedMoves: requests stored with the people asked inside them
// (before migration 11) read the same people before the migration, at each
// point a kill -9 could stop it (every list copied and none removed from
// its request; one removed), after it, and after it runs again; and the
// migration leaves no request holding its list.
func TestAdviceAskedMoves(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	asked := map[string][]string{"old-1": {"u1", "u2"}, "old-2": {"u3"}, "old-3": {"u1"}}
	for i, id := range []string{"old-1", "old-2", "old-3"} {
		old := bson.D{{Key: "_id", Value: id}, {Key: "title", Value: "Incident"}, {Key: "shared", Value: "What happened."},
			{Key: "handling", Value: store.HandlingGroup}, {Key: "question", Value: "What now?"}, {Key: "groupIds", Value: bson.A{"g1"}},
			{Key: "asked", Value: asked[id]}, {Key: "deadline", Value: now.Add(4 * time.Hour)}, {Key: "remindAt", Value: now.Add(3 * time.Hour)},
			{Key: "reminded", Value: false}, {Key: "notified", Value: true}, {Key: "status", Value: store.AdviceOpen}, {Key: "createdBy", Value: "coord"},
			{Key: "createdAt", Value: now.Add(time.Duration(i) * time.Minute)}, {Key: "answers", Value: bson.D{}}}
		if _, err := db.RawDatabase().Collection("advice_requests").InsertOne(ctx, old); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string) {
		t.Helper()
		for id, want := range asked {
			r, err := db.AdviceRequest(ctx, id)
			if err != nil || fmt.Sprint(r.Asked) != fmt.Sprint(want) {
				t.Fatalf("%s: %s asked %v (%v), want %v", when, id, r.Asked, err, want)
			}
		}
		// u1 was asked by old-1 and old-3, newest first.
		rs, err := db.AdviceRequests(ctx, "u1", 50)
		if err != nil || len(rs) != 2 || rs[0].ID != "old-3" || rs[1].ID != "old-1" {
			t.Fatalf("%s: requests asking u1 = %d (%v), want old-3 and old-1", when, len(rs), err)
		}
		all, err := db.AdviceRequests(ctx, "", 50)
		if err != nil || len(all) != 3 || fmt.Sprint(all[2].Asked) != "[u1 u2]" {
			t.Fatalf("%s: every request = %d (%v), want 3 with old-1 asking u1 and u2", when, len(all), err)
		}
	}
	check("before the migration")
	for _, unsets := range []int{0, 1, -1, -1} {
		if err := db.MoveAdviceAskedForTest(ctx, unsets); err != nil {
			t.Fatal(err)
		}
		check(fmt.Sprintf("stopped after %d unsets", unsets))
	}
	n, err := db.RawDatabase().Collection("advice_requests").CountDocuments(ctx, bson.D{{Key: "asked", Value: bson.D{{Key: "$exists", Value: true}}}})
	if err != nil || n != 0 {
		t.Fatalf("after the migration %d requests still hold their lists (%v), want 0", n, err)
	}
	if _, err := db.GiveAdvice(ctx, "old-1", "u3", "Not asked", "x"); !errors.Is(err, store.ErrNotAsked) {
		t.Fatalf("u3 on old-1: %v, want ErrNotAsked", err)
	}
	if _, err := db.GiveAdvice(ctx, "old-1", "u2", "Asked", "Advice."); err != nil {
		t.Fatalf("u2 on old-1: %v", err)
	}
}

// TestAdviceAnswerLeavesTheAskedAlone: a request stores the people it
// asked in a document of their own, so an answer's write (the request
// document) does not carry them; they read back with the request.
func TestAdviceAnswerLeavesTheAskedAlone(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	r := newAdviceRequest(t, db, []string{"u1", "u2", "u3"}, time.Now().Add(time.Hour))
	if _, err := db.GiveAdvice(ctx, r.ID, "u2", "Asha", "Advice."); err != nil {
		t.Fatal(err)
	}
	raw, err := db.RawDatabase().Collection("advice_requests").FindOne(ctx, bson.D{{Key: "_id", Value: r.ID}}).Raw()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.LookupErr("asked"); err == nil {
		t.Error("the request document holds the people asked")
	}
	got, err := db.AdviceRequest(ctx, r.ID)
	if err != nil || fmt.Sprint(got.Asked) != "[u1 u2 u3]" || len(got.Answers) != 1 {
		t.Fatalf("request = %+v, %v; want u1 u2 u3 asked and one answer", got, err)
	}
	if _, err := db.GiveAdvice(ctx, r.ID, "u4", "Stranger", "x"); !errors.Is(err, store.ErrNotAsked) {
		t.Fatalf("someone not asked: %v, want ErrNotAsked", err)
	}
	if _, err := db.GiveAdvice(ctx, "no-such-request", "u1", "Asha", "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("no such request: %v, want ErrNotFound", err)
	}
}
