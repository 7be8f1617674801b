package server

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// TestTrainingRecordsSignUpAndPairing: the coordinator records training; a visit
// that needs it refuses a member without it, with a clear message, until
// it is recorded; the pairing leaves out a member whose training lapses
// before the quarter ends.
func TestTrainingRecordsSignUpAndPairing(t *testing.T) {
	w := newVisitWorld(t)
	ctx := context.Background()
	coord, chair := w.as(w.coord), w.as(w.chair)
	page := "/training/" + w.m1.ID
	// (A member refused the records, and bad dates: TestTrainingBadDatesWithFakes.)
	var r response

	// A panel session that needs panel training.
	form := visitFormAt(w.panel.ID, tomorrow10(w.a), "3")
	form.Set("training", "panel-training")
	id := w.createVisit(chair, form)
	r = w.as(w.m1).submit("/visits/"+id, "/visits/"+id+"/sign-up", nil)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "This visit needs training you have no record of") {
		t.Fatalf("sign-up without training: %d", r.Status)
	}
	tomorrow := tomorrow10(w.a)
	good := url.Values{"kind": {"panel-training"}, "completed-day": {"10"}, "completed-month": {"9"}, "completed-year": {"2026"},
		"expires-day": {tomorrow.Format("2")}, "expires-month": {tomorrow.Format("1")}, "expires-year": {tomorrow.Format("2006")}}
	if r := coord.submit(page, page, good); r.Status != http.StatusSeeOther {
		t.Fatalf("record training: %d\n%s", r.Status, r.Body)
	}
	if r := w.as(w.m1).submit("/visits/"+id, "/visits/"+id+"/sign-up", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("sign-up with training to the end of the visit's day: %d\n%s", r.Status, r.Body)
	}
	if n := w.a.auditCount(auditTrainingRecorded, "user:"+w.m1.ID); n != 1 {
		t.Errorf("%d training records audited, want 1", n)
	}

	// Pairing with custody induction needed: m1 and m2 hold it to the
	// quarter's last day, m3 (vetted enough for the test) only to the day
	// before: m3 is not paired.
	next := store.QuarterOf(w.a.store.Now().AddDate(0, 3, 0))
	qStart, _ := store.ParseQuarter(next)
	lastDay := qStart.AddDate(0, 3, -1)
	if err := w.a.store.PutMembership(ctx, &store.Membership{GroupID: w.panel.ID, UserID: w.m3.ID, VettingLevel: "NPPV2"}); err != nil {
		t.Fatal(err)
	}
	for u, last := range map[string]time.Time{w.m1.ID: lastDay, w.m2.ID: lastDay, w.m3.ID: lastDay.AddDate(0, 0, -1)} {
		if err := w.a.store.SetTraining(ctx, u, store.TrainingRecord{Kind: "custody-induction", Completed: qStart.AddDate(-1, 0, 0), Expires: last.UTC()}); err != nil {
			t.Fatal(err)
		}
	}
	plan := url.Values{"group": {w.panel.ID}, "quarter": {next}, "locations": {"Weymouth custody suite"}, "minVetting": {"NPPV2"},
		"training": {"custody-induction"}, "confirmed": {"yes"}}
	if r := chair.submit("/visits/plan", "/visits/plan", plan); r.Status != http.StatusSeeOther {
		t.Fatalf("plan: %d\n%s", r.Status, r.Body)
	}
	p, err := w.a.store.VisitPlanByID(ctx, w.panel.ID+"/"+next)
	if err != nil || len(p.Pairs) != 1 || slices.Contains([]string{p.Pairs[0].A, p.Pairs[0].B}, w.m3.ID) || len(p.Unpaired) != 0 {
		t.Fatalf("plan = %+v (%v): want m1 and m2 paired, m3 not eligible", p, err)
	}
}
