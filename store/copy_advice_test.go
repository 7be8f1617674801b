package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"candour/store"
	"candour/store/storetest"
)

// The lists of advice requests and a request by _id follow every change at
// once (on the embedded server they come from copies in memory): a new
// request, an answer, a published summary and its withdrawal; and what a
// caller does to what it got does not reach the next caller.
func TestAdviceListsFollowEveryChange(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	db.SetClock(func() time.Time { return now })
	older := newAdviceRequest(t, db, []string{"u1"}, now.Add(4*time.Hour))
	now = now.Add(time.Minute)
	newer := newAdviceRequest(t, db, []string{"u1", "u2"}, now.Add(4*time.Hour))
	ids := func(rs []store.AdviceRequest, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	same := func(what string, got []string, want ...string) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %v, want %v", what, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: %v, want %v", what, got, want)
			}
		}
	}
	same("every request, newest first", ids(db.AdviceRequests(ctx, "", 50)), newer.ID, older.ID)
	same("u2's", ids(db.AdviceRequests(ctx, "u2", 50)), newer.ID)
	same("the newest one", ids(db.AdviceRequests(ctx, "", 1)), newer.ID)
	same("nothing published", ids(db.PublishedAdvice(ctx, 50)))

	if _, err := db.GiveAdvice(ctx, older.ID, "u1", "Asha", "Meet at the library."); err != nil {
		t.Fatal(err)
	}
	rs, err := db.AdviceRequests(ctx, "u1", 50)
	if err != nil || len(rs) != 2 || rs[1].Answers["u1"].Text != "Meet at the library." {
		t.Fatalf("after an answer: %+v (%v)", rs, err)
	}
	rs[1].Answers["u1"] = store.Advice{Text: "changed by a caller"}
	rs[1].Asked[0] = "someone else"
	if r, err := db.AdviceRequest(ctx, older.ID); err != nil || r.Answers["u1"].Text != "Meet at the library." {
		t.Fatalf("the request by id after an answer: %+v (%v)", r, err)
	}
	same("u1's, after a caller changed its copy", ids(db.AdviceRequests(ctx, "u1", 50)), newer.ID, older.ID)

	if err := db.PublishAdviceSummary(ctx, older.ID, "We met the community at the library.", "Coordinator"); err != nil {
		t.Fatal(err)
	}
	same("one published", ids(db.PublishedAdvice(ctx, 50)), older.ID)
	now = now.Add(time.Minute)
	if err := db.PublishAdviceSummary(ctx, newer.ID, "A second summary.", "Coordinator"); err != nil {
		t.Fatal(err)
	}
	same("two published, newest published first", ids(db.PublishedAdvice(ctx, 50)), newer.ID, older.ID)
	if err := db.UnpublishAdviceSummary(ctx, newer.ID); err != nil {
		t.Fatal(err)
	}
	same("one withdrawn", ids(db.PublishedAdvice(ctx, 50)), older.ID)
	third := newAdviceRequest(t, db, []string{"u2"}, now.Add(4*time.Hour))
	same("a third request", ids(db.AdviceRequests(ctx, "u2", 50)), third.ID, newer.ID)
}

// TestAdviceListShowsEachReaderTheirOwn: the list's rows (AdviceList) are the
// requests of AdviceRequests, newest first, each with how many were asked
// and answered, whether a summary is published, and only the reader's own
// answer.
func TestAdviceListShowsEachReaderTheirOwn(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	db.SetClock(func() time.Time { return now })
	older := newAdviceRequest(t, db, []string{"u1"}, now.Add(4*time.Hour))
	now = now.Add(time.Minute)
	newer := newAdviceRequest(t, db, []string{"u1", "u2", "u3"}, now.Add(4*time.Hour))
	if _, err := db.GiveAdvice(ctx, older.ID, "u1", "Asha", "Meet at the library."); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GiveAdvice(ctx, newer.ID, "u2", "Ben", "Open the station."); err != nil {
		t.Fatal(err)
	}
	if err := db.PublishAdviceSummary(ctx, older.ID, "We met the community at the library.", "Coordinator"); err != nil {
		t.Fatal(err)
	}
	type row struct {
		id, title, mine    string
		asked, answered    int
		published, openNow bool
	}
	list := func(askedOf, reader string, limit int) []row {
		t.Helper()
		ls, err := db.AdviceList(ctx, askedOf, reader, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []row
		for _, l := range ls {
			r := row{id: l.ID, title: l.Title, asked: l.Asked, answered: l.Answered, published: l.Published, openNow: l.Open(now)}
			if l.Mine != nil {
				r.mine = l.Mine.Text
			}
			out = append(out, r)
		}
		return out
	}
	title := "Fatal collision, Boscombe"
	for _, c := range []struct {
		what            string
		askedOf, reader string
		limit           int
		want            []row
	}{
		{"staff, every request", "", "coord", 50, []row{
			{id: newer.ID, title: title, asked: 3, answered: 1, openNow: true},
			{id: older.ID, title: title, asked: 1, answered: 1, published: true, openNow: true}}},
		{"u1's, with their answer", "u1", "u1", 50, []row{
			{id: newer.ID, title: title, asked: 3, answered: 1, openNow: true},
			{id: older.ID, title: title, mine: "Meet at the library.", asked: 1, answered: 1, published: true, openNow: true}}},
		{"u2's", "u2", "u2", 50, []row{{id: newer.ID, title: title, mine: "Open the station.", asked: 3, answered: 1, openNow: true}}},
		{"the newest one", "", "u2", 1, []row{{id: newer.ID, title: title, mine: "Open the station.", asked: 3, answered: 1, openNow: true}}},
		{"nobody's", "u9", "u9", 50, nil},
	} {
		if got := list(c.askedOf, c.reader, c.limit); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: %+v, want %+v", c.what, got, c.want)
		}
	}
}
