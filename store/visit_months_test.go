package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func openTest(t *testing.T) *Store {
	t.Helper()
	return openTestAny(t)
}

// monthsAgree checks that the month documents show exactly the visits, as
// they are now.
func monthsAgree(t *testing.T, s *Store, from, to time.Time) {
	t.Helper()
	ctx := context.Background()
	all, err := s.scanVisits(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var want []Visit
	for _, v := range all {
		if !v.CalendarDay().Before(from) && v.CalendarDay().Before(to) {
			want = append(want, v)
		}
	}
	got, err := s.Visits(ctx, VisitFilter{From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Visit{}
	for _, v := range got {
		byID[v.ID] = v
	}
	if len(got) != len(want) {
		t.Fatalf("calendar shows %d visits, want %d", len(got), len(want))
	}
	for _, w := range want {
		g, ok := byID[w.ID]
		w = scheduleOf(w)
		if !ok || g.Rev != w.Rev || g.Location != w.Location || g.SeatsTaken != 0 || g.Attendees != nil || !g.Start.Equal(w.Start) {
			t.Fatalf("calendar copy of %s = %+v, want %+v", w.ID, g, w)
		}
	}
}

// TestVisitMonthsFollowTheVisits: the calendar's month copies follow the
// schedule (not the seats) through sign-ups, cancellations and edits that
// move a visit to another month; a lost copy is put right by the repair.
func TestVisitMonthsFollowTheVisits(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	now := time.Now()
	ms := []Membership{{GroupID: "g", VettingLevel: "NPPV3"}}
	var vs []*Visit
	for i := range 4 {
		st := now.AddDate(0, 0, 3+i*20)
		v := &Visit{Type: VisitCustody, GroupID: "g", Location: "x", Start: st, End: st.Add(time.Hour), Capacity: 3, MinVetting: "none"}
		if err := s.CreateVisit(ctx, v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, London)
	to := from.AddDate(0, 6, 0)
	done := make(chan error)
	for _, u := range []string{"a", "b", "c", "d", "e"} {
		go func() { _, err := s.SignUp(ctx, vs[0].ID, u, ms); done <- err }()
	}
	for range 5 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	monthsAgree(t, s, from, to)
	if _, err := s.CancelSignUp(ctx, vs[0].ID, "a"); err != nil {
		t.Fatal(err)
	}
	// Move the second visit two months on.
	v1 := vs[1]
	ch := VisitChange{Type: v1.Type, Location: v1.Location, MinVetting: v1.MinVetting, Start: v1.Start.AddDate(0, 2, 0), End: v1.End.AddDate(0, 2, 0), Capacity: 3}
	if _, err := s.UpdateVisit(ctx, v1.ID, 1, ch); err != nil {
		t.Fatal(err)
	}
	monthsAgree(t, s, from, to)
	// A crash between a visit's write and its copy: the repair puts it right.
	if _, err := s.c("visits").UpdateOne(ctx, bson.D{{Key: "_id", Value: vs[2].ID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "location", Value: "moved"}}}, {Key: "$inc", Value: bson.D{{Key: "rev", Value: 1}}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.dropMonthCopy(ctx, MonthKey(vs[3].Start), vs[3].ID); err != nil {
		t.Fatal(err)
	}
	n, err := s.RepairVisitMonths(ctx)
	if err != nil || n != 2 {
		t.Fatalf("repair fixed %d (%v), want 2", n, err)
	}
	monthsAgree(t, s, from, to)
	if n, _ := s.RepairVisitMonths(ctx); n != 0 {
		t.Fatalf("second repair fixed %d", n)
	}
}

// TestPanelTallyFollowsSubmissions: submitting adds to the group's tally
// once; the repair rebuilds a lost tally from the findings.
func TestPanelTallyFollowsSubmissions(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	oct := time.Date(2026, 10, 14, 18, 0, 0, 0, London)
	recs := []RecordReview{{Grounds: "no", RAG: "red", SelfEthnicity: "White: Irish"}, {Grounds: "yes", RAG: "green", SelfEthnicity: "Not stated"}}
	for _, u := range []string{"a", "b"} {
		f := &Finding{VisitID: "v", UserID: u, GroupID: "g", VisitType: VisitStopSearch, VisitStart: oct, Records: recs}
		if err := s.SaveFinding(ctx, f, 0, false); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveFinding(ctx, f, 1, true); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := s.PanelTallyOf(ctx, "g")
	want := map[string]TrendCount{"2026-10": {Records: 4, NoGrounds: 2, Red: 2}}
	if !reflect.DeepEqual(got.Months, want) || got.Ethnicity["White: Irish"] != (TrendCount{Records: 2, NoGrounds: 2, Red: 2}) ||
		got.Ethnicity["Not stated"] != (TrendCount{Records: 2}) {
		t.Fatalf("tally = %+v", got)
	}
	// A use-of-force review is counted apart from the searches: 2 records,
	// one without de-escalation and with the person injured (minor), rated
	// red; the other with a severe injury, rated amber.
	force := []RecordReview{
		{RAG: "red", SelfEthnicity: "White: Irish", Force: &UseOfForce{Deescalation: "no", SubjectInjury: "minor"}},
		{RAG: "amber", SelfEthnicity: "White: Irish", Force: &UseOfForce{Deescalation: "yes", SubjectInjury: "severe"}},
	}
	uof := &Finding{VisitID: "w", UserID: "a", GroupID: "g", VisitType: VisitUseOfForce, VisitStart: oct, Records: force}
	if err := s.SaveFinding(ctx, uof, 0, false); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveFinding(ctx, uof, 1, true); err != nil {
		t.Fatal(err)
	}
	got, _ = s.PanelTallyOf(ctx, "g")
	wantForce := TrendCount{Records: 2, Red: 1, NoDeescalation: 1, SubjectInjured: 2}
	if !reflect.DeepEqual(got.Months, want) || got.ForceEthnicity["White: Irish"] != wantForce || got.ForceMonths["2026-10"] != wantForce {
		t.Fatalf("tally with use of force = %+v", got)
	}
	if _, err := s.c("panel_tallies").DeleteOne(ctx, bson.D{{Key: "_id", Value: "g"}}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.RepairPanelTallies(ctx); err != nil || n != 1 {
		t.Fatalf("repair changed %d (%v)", n, err)
	}
	if again, _ := s.PanelTallyOf(ctx, "g"); !reflect.DeepEqual(again.Months, want) || again.ForceEthnicity["White: Irish"] != wantForce {
		t.Fatalf("rebuilt tally = %+v", again)
	}
	if n, _ := s.RepairPanelTallies(ctx); n != 0 {
		t.Fatalf("second repair changed %d", n)
	}
}
