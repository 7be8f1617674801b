package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// TestHomePagesListTheWork: each role's home page counts the work waiting
// for them, from the summaries and copies the store keeps, and the count
// moves as the work is done.
func TestHomePagesListTheWork(t *testing.T) {
	w := newVisitWorld(t)
	a := w.a
	ctx := context.Background()
	has := func(c *client, want string) bool {
		t.Helper()
		r := c.get("/home")
		if r.Status != 200 {
			t.Fatalf("home: %d", r.Status)
		}
		return strings.Contains(r.Body, want)
	}

	// The CCU: three referrals, one assessed and asked a question.
	ccu := a.newUser(store.RoleCCU, "ccu@example.org")
	_, pc := a.newPartnerUser("Refuge Dorset", "worker@refuge.example")
	var ids []string
	for range 3 {
		ids = append(ids, submitReferral(t, pc, referralAnswers("HOME")))
	}
	cc := a.client()
	cc.signIn(ccu)
	if !has(cc, "3 referrals to assess") {
		t.Error("the CCU home does not count 3 referrals to assess")
	}
	if _, err := a.store.AssessReferral(ctx, ids[0], 1, store.Assessment{Status: store.RefMoreInfo, Risk: "medium"}); err != nil {
		t.Fatal(err)
	}
	if err := a.store.AddRefMessage(ctx, ids[0], store.FromCCU, "Analyst", "Which station was it?"); err != nil {
		t.Fatal(err)
	}
	if !has(cc, "2 referrals to assess") {
		t.Error("after one assessment the CCU home does not count 2")
	}
	if !has(pc, "The Counter Corruption Unit asked you a question about CCU-00001.") || !has(pc, `href="/referrals/`+ids[0]+`"`) {
		t.Error("the partner's home does not say the CCU asked a question")
	}

	// A member went on a visit two hours ago: their findings wait.
	start := a.store.Now().Add(-2 * time.Hour)
	v := &store.Visit{Type: store.VisitStopSearch, GroupID: w.panel.ID, Location: "Kings Park Community Hub", Start: start, End: start.Add(time.Hour),
		Capacity: 4, MinVetting: "NPPV2", Attendees: []string{w.m1.ID}}
	if err := a.store.RecordVisit(ctx, v); err != nil {
		t.Fatalf("record visit: %v", err)
	}
	m1, chair, coord := w.as(w.m1), w.as(w.chair), w.as(w.coord)
	if !has(m1, "Write up your findings from stop and search") || !has(m1, `href="/visits/`+v.ID+`/findings"`) {
		t.Error("the member's home does not ask for their findings")
	}
	f := &store.Finding{VisitID: v.ID, GroupID: v.GroupID, VisitType: v.Type, VisitStart: v.Start, UserID: w.m1.ID, AuthorName: w.m1.Name,
		Records: []store.RecordReview{{Reference: "DOR-1", RAG: "green", Grounds: "yes"}}}
	if err := a.store.SaveFinding(ctx, f, 0, true); err != nil {
		t.Fatal(err)
	}
	if has(m1, "Write up your findings") {
		t.Error("the member is still asked for findings they submitted")
	}
	if !has(chair, "1 finding to sign off") {
		t.Error("the chair's home does not count the finding to sign off")
	}
	if err := a.store.SignOffVisit(ctx, v.ID, w.chair.Name); err != nil {
		t.Fatal(err)
	}
	if has(chair, "to sign off") || !has(coord, "1 signed-off finding to respond to") {
		t.Error("after sign-off: the chair still counts it, or the coordinator does not")
	}
	if _, err := a.store.RespondToFinding(ctx, store.FindingID(v.ID, w.m1.ID), "Officers briefed.", "Coordinator"); err != nil {
		t.Fatal(err)
	}
	if has(coord, "respond to") {
		t.Error("the coordinator still counts an answered finding")
	}

	// The coordinator: an overdue recommendation and vetting about to lapse.
	rec := &store.Recommendation{Title: "Explain stop and search rights", Wording: "The panel recommends...", Source: "scrutiny-panel",
		GroupID: w.panel.ID, Area: "respected", Priority: "high", OwnerDept: "Neighbourhood Policing", OwnerName: "Chief Inspector",
		DueAt: a.store.Now().AddDate(0, 0, 1)}
	if err := a.store.CreateRecommendation(ctx, rec, store.Actor{ID: w.coord.ID, Name: w.coord.Name}); err != nil {
		t.Fatal(err)
	}
	if has(coord, "overdue") {
		t.Error("a recommendation due tomorrow is counted overdue")
	}
	a.advance(72 * time.Hour)
	coord, chair = w.as(w.coord), w.as(w.chair) // the sessions timed out
	if !has(coord, "1 recommendation overdue") {
		t.Error("the coordinator's home does not count the overdue recommendation")
	}
	if err := a.store.PutMembership(ctx, &store.Membership{GroupID: w.panel.ID, UserID: w.m2.ID, VettingLevel: "NPPV2", VettingExpires: a.store.Now().AddDate(0, 0, 10)}); err != nil {
		t.Fatal(err)
	}
	if !has(coord, "1 member&#39;s vetting expires in the next 30 days") {
		t.Error("the coordinator's home does not count vetting about to expire")
	}

	// The chair: public wording waiting for agreement.
	if _, err := a.store.ChangeRecommendation(ctx, rec.ID, rec.Version, func(r *store.Recommendation, now time.Time) (store.HistoryEntry, error) {
		return r.SetPublicWording("Know your rights", "We asked for it.", "Leaflets are being printed.", false, store.Actor{ID: w.coord.ID, Name: w.coord.Name}, now)
	}); err != nil {
		t.Fatal(err)
	}
	if !has(chair, "1 recommendation&#39;s public wording waits for your agreement") {
		t.Error("the chair's home does not say wording waits for agreement")
	}
}
