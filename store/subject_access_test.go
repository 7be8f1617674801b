package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"candour/store"
	"candour/store/storetest"
)

// TestSubjectAccessHoldsTheirWork: a member with one of each kind of the
// scheme's work (a custody visit and their part in its report, a BWV
// viewing, an availability answer, a training record, an expenses claim,
// advice with the force's response, a meeting attendance mark) finds each
// in their export; another member's in the same shared records (the same
// visit's other visitor, the same session, poll, request and meeting) and
// in records of their own are not in it. A custody visit still to come is
// listed without its time.
func TestSubjectAccessHoldsTheirWork(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	ana := &store.User{Email: "ana@example.org", Name: "Ana", Role: store.RoleMember, Status: store.StatusActive}
	ben := &store.User{Email: "ben@example.org", Name: "Ben", Role: store.RoleMember, Status: store.StatusActive}
	for _, u := range []*store.User{ana, ben} {
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC().Truncate(time.Minute)
	visit := func(suite string, start time.Time, who ...string) *store.Visit {
		v := &store.Visit{Type: store.VisitCustody, GroupID: "g1", Location: suite, Start: start, End: start.Add(2 * time.Hour), Capacity: 2,
			MinVetting: "NPPV2", Attendees: who, CreatedBy: "chair"}
		if err := db.RecordVisit(ctx, v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	// Custody: a visit both made (Ana submitted the report, Ben confirmed
	// it), one Ben made with someone else, one Ana is paired for next month.
	both := visit("Weymouth", now.Add(-72*time.Hour), ana.ID, ben.ID)
	r := &store.CustodyReport{ID: both.ID, Suite: "Weymouth", Arrived: both.Start, Admitted: both.Start, CountsSet: true,
		Content: store.CustodyContent{Matters: "DETAINEE-MATTER"}}
	if err := db.SaveCustodyReport(ctx, r, 0); err != nil {
		t.Fatal(err)
	}
	if err := db.SubmitCustodyReport(ctx, r, r.Version, ana.ID, ana.Name); err != nil {
		t.Fatal(err)
	}
	visit("Poole", now.Add(-48*time.Hour), ben.ID, "someone")
	future := visit("Bournemouth", now.Add(30*24*time.Hour), ana.ID, "someone")

	// BWV: one viewing each in one session.
	for _, v := range []store.BWVViewing{{VisitID: "panel1", FootageRef: "BWV-ANA-1", ViewerID: ana.ID, ViewerName: "Ana", ViewedAt: now, Purpose: "scrutiny"},
		{VisitID: "panel1", FootageRef: "BWV-BEN-1", ViewerID: ben.ID, ViewerName: "Ben", ViewedAt: now, Purpose: "learning"}} {
		if err := db.RecordBWVViewing(ctx, &v); err != nil {
			t.Fatal(err)
		}
	}
	// Availability: one poll, one answer each.
	if err := db.SetAvailability(ctx, "g1", "2027-Q1", ana.ID, []string{"2027-01-04"}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetAvailability(ctx, "g1", "2027-Q1", ben.ID, []string{"2027-02-22"}); err != nil {
		t.Fatal(err)
	}
	// Training: a different kind each.
	if err := db.SetTraining(ctx, ana.ID, store.TrainingRecord{Kind: "custody-induction", Completed: now.AddDate(0, -1, 0), Expires: now.AddDate(1, 0, 0), RecordedBy: "coord"}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetTraining(ctx, ben.ID, store.TrainingRecord{Kind: "panel-training", Completed: now, Expires: now.AddDate(1, 0, 0), RecordedBy: "coord"}); err != nil {
		t.Fatal(err)
	}
	// Expenses: a claim each for the visit they both made. Ana's: 37 miles
	// at 45p = 1,665p, and 450p parking: 2,115p.
	if err := db.CreateClaim(ctx, &store.ExpenseClaim{VisitID: both.ID, VisitDate: both.Start, VisitLabel: "Weymouth custody visit", UserID: ana.ID,
		UserName: "Ana", Miles: 37, ParkingPence: 450, Receipts: []store.Paper{{ID: "p1", Name: "ana-parking.pdf"}}}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateClaim(ctx, &store.ExpenseClaim{VisitID: both.ID, VisitDate: both.Start, VisitLabel: "Weymouth custody visit", UserID: ben.ID,
		UserName: "Ben", Miles: 12, Receipts: []store.Paper{{ID: "p2", Name: "ben-bus.pdf"}}}); err != nil {
		t.Fatal(err)
	}
	// Advice: both asked, both answer, the force responds to Ana's; a
	// second request asks Ben alone.
	adv := newAdviceRequest(t, db, []string{ana.ID, ben.ID}, now.Add(4*time.Hour))
	if _, err := db.GiveAdvice(ctx, adv.ID, ana.ID, "Ana", "ANA-ADVICE"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GiveAdvice(ctx, adv.ID, ben.ID, "Ben", "BEN-ADVICE"); err != nil {
		t.Fatal(err)
	}
	if err := db.RespondToAdvice(ctx, adv.ID, ana.ID, store.OutcomePartly, "FORCE-TO-ANA", "coord"); err != nil {
		t.Fatal(err)
	}
	if err := db.RespondToAdvice(ctx, adv.ID, ben.ID, store.OutcomeActed, "FORCE-TO-BEN", "coord"); err != nil {
		t.Fatal(err)
	}
	benOnly := &store.AdviceRequest{Title: "BEN-ONLY-INCIDENT", Shared: "x", Handling: store.HandlingGroup, Question: "q", Asked: []string{ben.ID},
		Deadline: now.Add(2 * time.Hour), CreatedBy: "coord"}
	if err := db.CreateAdviceRequest(ctx, benOnly); err != nil {
		t.Fatal(err)
	}
	// Meetings: one both were marked at, one only Ben was.
	m := newMeeting(t, db)
	if err := db.MarkAttendance(ctx, m.ID, ana.ID, store.AttendPresent); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkAttendance(ctx, m.ID, ben.ID, store.AttendApologies); err != nil {
		t.Fatal(err)
	}
	other := &store.Meeting{GroupID: "g1", Title: "BEN-ONLY-MEETING", Start: now, End: now.Add(time.Hour), CreatedBy: "coord"}
	if err := db.CreateMeeting(ctx, other); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkAttendance(ctx, other.ID, ben.ID, store.AttendPresent); err != nil {
		t.Fatal(err)
	}

	sa, err := db.SubjectAccessFor(ctx, ana.ID, func(id string) string { return "Group " + id })
	if err != nil {
		t.Fatal(err)
	}
	if len(sa.Custody) != 2 {
		t.Fatalf("custody visits: %+v, want the Weymouth visit and the one to come", sa.Custody)
	}
	for _, cv := range sa.Custody {
		switch cv.Visit {
		case both.ID:
			if cv.Suite != "Weymouth" || !cv.Start.Equal(both.Start) || !cv.Submitted || cv.Confirmed || cv.ReportStatus != store.CustodySubmitted {
				t.Errorf("the visit made: %+v", cv)
			}
		case future.ID:
			if cv.Suite != "Bournemouth" || !cv.Start.IsZero() {
				t.Errorf("the visit to come: %+v, want no time", cv)
			}
		default:
			t.Errorf("a custody visit Ana was not on: %+v", cv)
		}
	}
	for _, b := range sa.Bookings {
		if b.Visit == future.ID && !b.Start.IsZero() {
			t.Errorf("the booking of the visit to come has its time: %+v", b)
		}
	}
	if len(sa.BWVViewings) != 1 || sa.BWVViewings[0].FootageRef != "BWV-ANA-1" || sa.BWVViewings[0].Purpose != "scrutiny" {
		t.Errorf("BWV viewings: %+v", sa.BWVViewings)
	}
	if len(sa.Availability) != 1 || sa.Availability[0].Group != "Group g1" || sa.Availability[0].Quarter != "2027-Q1" ||
		strings.Join(sa.Availability[0].Weeks, ",") != "2027-01-04" {
		t.Errorf("availability: %+v", sa.Availability)
	}
	if len(sa.Training) != 1 || sa.Training[0].Kind != "custody-induction" {
		t.Errorf("training: %+v", sa.Training)
	}
	if len(sa.Expenses) != 1 || sa.Expenses[0].Miles != 37 || sa.Expenses[0].MileagePence != 1665 || sa.Expenses[0].TotalPence != 2115 ||
		strings.Join(sa.Expenses[0].Receipts, ",") != "ana-parking.pdf" || sa.Expenses[0].Status != store.ClaimWaiting {
		t.Errorf("expenses: %+v", sa.Expenses)
	}
	if len(sa.Advice) != 1 || sa.Advice[0].Advice != "ANA-ADVICE" || sa.Advice[0].Response != "FORCE-TO-ANA" ||
		sa.Advice[0].Outcome != "Acted on in part" || sa.Advice[0].Title != "Fatal collision, Boscombe" {
		t.Errorf("advice: %+v", sa.Advice)
	}
	if len(sa.Meetings) != 1 || sa.Meetings[0].Meeting != m.ID || sa.Meetings[0].Mark != "Present" || sa.Meetings[0].Title != "Monthly meeting" {
		t.Errorf("meetings: %+v", sa.Meetings)
	}
	body, err := json.Marshal(sa)
	if err != nil {
		t.Fatal(err)
	}
	for _, theirs := range []string{ben.ID, "Poole", "BWV-BEN-1", "learning", "2027-02-22", "panel-training", "ben-bus.pdf", "BEN-ADVICE", "FORCE-TO-BEN",
		"BEN-ONLY-INCIDENT", "BEN-ONLY-MEETING", "Apologies", "DETAINEE-MATTER", "coord"} {
		if strings.Contains(string(body), theirs) {
			t.Errorf("Ana's export holds %q, which is not hers", theirs)
		}
	}
}

// TestSubjectAccessEmptySectionsAreEmptyLists: a member with none of the
// scheme's work gets every work section as an empty list in the download
// ([]: "there is none"), never null, which a reader could take for "not
// looked at".
func TestSubjectAccessEmptySectionsAreEmptyLists(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	cat := &store.User{Email: "cat@example.org", Name: "Cat", Role: store.RoleMember, Status: store.StatusActive}
	if err := db.CreateUser(ctx, cat); err != nil {
		t.Fatal(err)
	}
	sa, err := db.SubjectAccessFor(ctx, cat.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(sa)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"custodyVisits", "bodyWornVideoViewings", "availabilityAnswers", "trainingRecords", "expenseClaims", "criticalIncidentAdvice", "meetingAttendance"} {
		if s := string(got[k]); s != "[]" {
			t.Errorf("%s = %s, want []", k, s)
		}
	}
}
