package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"candour/store"
	"candour/store/storetest"
)

// TestCustodyIssueCountsRepairedAtStart: reports submitted before the
// issue counts existed (written here the old way: the stored documents
// without issuesRaised and issuesAnswered) made the scheme manager's home
// page call every issue "to raise". After a restart, with no command, the
// start-up repair works the counts out from each report's sealed content;
// a second run changes nothing; a run stopped part-way is finished by the
// next start.
//
// The reports, and the follow-up counts worked out by hand:
//
//	report  issues (category: raised? answered?)                 raised answered
//	A       rights: yes, yes; welfare: yes, no; conditions: no    2      1
//	B       health: yes, yes                                      1      1
//	C       delay: no; other: no                                  0      0
//	D       a draft with one issue (not the scheme manager's: never counted)
//
//	to raise  (3-2) + (1-1) + (2-0) = 3    (the old way: 3 + 1 + 2 = 6)
//	awaiting  (2-1) + (1-1) + (0-0) = 1    (the old way: 0)
//	to read   A, B and C, none opened yet  = 3
func TestCustodyIssueCountsRepairedAtStart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := storetest.Options(t)
	sl := storetest.Sealer(t) // the same keys across the restarts
	open := storetest.Reopener(t, o, sl)
	db := open()
	t.Cleanup(func() { // the store open at the end, after the restarts
		if o.URI != "" {
			_ = db.DropDatabase(ctx)
		}
		_ = db.Close(ctx)
	})

	type issue struct {
		cat              string
		raised, answered bool
	}
	file := func(hoursAgo int, submit bool, issues ...issue) string {
		v := custodyVisit(t, db, "Weymouth", time.Now().Add(-time.Duration(hoursAgo)*time.Hour).Truncate(time.Minute))
		r := &store.CustodyReport{ID: v.ID, GroupID: v.GroupID, Suite: v.Location, Arrived: v.Start.UTC(), Admitted: v.Start.UTC(), CountsSet: true}
		for _, is := range issues {
			r.Content.Issues = append(r.Content.Issues, store.CustodyIssue{Category: is.cat, Text: "About " + is.cat})
		}
		if err := db.SaveCustodyReport(ctx, r, 0); err != nil {
			t.Fatal(err)
		}
		if !submit {
			return v.ID
		}
		if err := db.SubmitCustodyReport(ctx, r, r.Version, "p1", "Pat One"); err != nil {
			t.Fatal(err)
		}
		got, err := db.CustodyReport(ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i, is := range issues {
			if is.raised {
				got.Content.Issues[i].Raised, got.Content.Issues[i].RaisedAt = true, time.Now()
			}
			if is.answered {
				got.Content.Issues[i].Response, got.Content.Issues[i].ResponseAt = "The force replaced the blankets", time.Now()
			}
		}
		if err := db.UpdateCustodyIssues(ctx, got, got.Version); err != nil {
			t.Fatal(err)
		}
		return v.ID
	}
	file(10, true, issue{"rights", true, true}, issue{"welfare", true, false}, issue{"conditions", false, false})
	file(20, true, issue{"health", true, true})
	file(30, true, issue{"delay", false, false}, issue{"other", false, false})
	draft := file(40, false, issue{"rights", false, false})

	want := store.CustodyFollowUp{ToRead: 3, ToRaise: 3, Awaiting: 1}
	if got, err := db.CustodyFollowUps(ctx); err != nil || got != want {
		t.Fatalf("follow-ups as saved today = %+v (%v), want %+v", got, err, want)
	}

	// The old way: reports stored before the counts existed.
	reports := db.RawDatabase().Collection("custody_reports")
	oldWay := func() {
		t.Helper()
		res, err := reports.UpdateMany(ctx, bson.D{}, bson.D{{Key: "$unset", Value: bson.D{{Key: "issuesRaised", Value: ""}, {Key: "issuesAnswered", Value: ""}}}})
		if err != nil || res.MatchedCount != 4 {
			t.Fatalf("unset the counts on %d reports (%v), want 4", res.MatchedCount, err)
		}
		db.ForgetCopies()
		if got, err := db.CustodyFollowUps(ctx); err != nil || got != (store.CustodyFollowUp{ToRead: 3, ToRaise: 6, Awaiting: 0}) {
			t.Fatalf("follow-ups of the old reports = %+v (%v), want every issue to raise (else this test proves nothing)", got, err)
		}
	}
	restart := func() {
		t.Helper()
		if err := db.Close(ctx); err != nil {
			t.Fatal(err)
		}
		db = open()
		reports = db.RawDatabase().Collection("custody_reports")
	}
	versions := func() map[string]int {
		t.Helper()
		cur, err := reports.Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var rs []store.CustodyReport
		if err := cur.All(ctx, &rs); err != nil {
			t.Fatal(err)
		}
		m := map[string]int{}
		for _, r := range rs {
			m[r.ID] = r.Version
		}
		return m
	}
	oldWay()
	before := versions()

	restart()
	done, err := db.RepairAtStart(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := done.Fixed["custody report issue counts"]; got != 3 {
		t.Fatalf("the repair gave %d reports their counts, want 3 (A, B and C; not the draft): %v", got, done.Fixed)
	}
	if got, err := db.CustodyFollowUps(ctx); err != nil || got != want {
		t.Fatalf("follow-ups after the restart = %+v (%v), want %+v", got, err, want)
	}
	if got := versions(); len(got) != 4 || got[draft] != before[draft] {
		t.Fatalf("versions %v, before %v", got, before)
	} else {
		for id, v := range before {
			if got[id] != v {
				t.Errorf("report %s moved from version %d to %d: an open form would be refused", id, v, got[id])
			}
		}
	}
	if err := reports.FindOne(ctx, bson.D{{Key: "_id", Value: draft}, {Key: "issuesRaised", Value: bson.D{{Key: "$exists", Value: true}}}}).Err(); err == nil {
		t.Error("the draft was given counts: the repair reads only submitted reports")
	}

	again, err := db.Repair(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := again.Fixed["custody report issue counts"]; n != 0 {
		t.Fatalf("a second run changed %d reports", n)
	}

	// Stopped part-way: the run is cut off (its context cancelled, as a
	// kill would) as it sends its second report's update.
	oldWay()
	stopAt, sent := 2, 0
	cut, cancel := context.WithCancel(ctx)
	stop := db.TraceCommands(func(command, coll string) {
		if command == "update" && coll == "custody_reports" {
			if sent++; sent == stopAt {
				cancel()
			}
		}
	})
	_, err = db.RepairAtStart(cut)
	stop()
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("the cut-off run: %v, want it cancelled", err)
	}
	restart()
	done, err = db.RepairAtStart(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The first report was written before the cut, the second may or may
	// not have been: the next start does the rest.
	if n := done.Fixed["custody report issue counts"]; n < 1 || n > 2 {
		t.Fatalf("the start after the cut-off run gave %d reports their counts, want 1 or 2 of 3", n)
	}
	if got, err := db.CustodyFollowUps(ctx); err != nil || got != want {
		t.Fatalf("follow-ups after the cut-off run and a restart = %+v (%v), want %+v", got, err, want)
	}
}
