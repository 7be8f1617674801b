package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"candour/disparity"
	"candour/stats"
	"candour/store"
)

// seedVisits fills the demo calendar: past stop and search panel sessions
// with reviewed records (submitted, one signed off with the force's
// response), a past use-of-force session with its BWV viewing log, a
// past custody visit, visits to come across the types (one
// full, with a waiting list) and next quarter's unannounced custody pairs
// for the Race Action Plan Group.
func seedVisits(ctx context.Context, db *store.Store, demo map[string]*store.User) error {
	groups, err := db.Groups(ctx)
	if err != nil {
		return err
	}
	byName := map[string]string{}
	for _, g := range groups {
		byName[g.Name] = g.ID
	}
	members := map[string][]store.Membership{}
	for _, g := range groups {
		ms, err := db.GroupMembers(ctx, g.ID)
		if err != nil {
			return err
		}
		members[g.Name] = ms
	}
	coord, chair := demo["coordinator@candour.example"], demo["chair@candour.example"]
	if coord == nil || chair == nil {
		return fmt.Errorf("seed visits: the demo sign-ins are missing")
	}
	var ids []string
	for _, ms := range members {
		for _, m := range ms {
			ids = append(ids, m.UserID)
		}
	}
	users, err := db.UsersByID(ctx, ids)
	if err != nil {
		return err
	}
	notChairs := func(group string, n int) []string {
		var out []string
		for _, m := range members[group] {
			if !m.Chair && users[m.UserID].Status == store.StatusActive && len(out) < n {
				out = append(out, m.UserID)
			}
		}
		return out
	}
	today := db.Now().In(store.London)
	day := func(days, hour int) time.Time {
		return time.Date(today.Year(), today.Month(), today.Day()+days, hour, 0, 0, 0, store.London)
	}
	rng := rand.New(rand.NewPCG(2026, 3))
	sas := "Stop and Search Scrutiny Panel"

	// Past panel sessions with findings.
	for i, ago := range []int{70, 40, 12} {
		v := &store.Visit{Type: store.VisitStopSearch, GroupID: byName[sas], Location: "Kings Park Community Hub, Bournemouth (and online)",
			Start: day(-ago, 18), End: day(-ago, 20), Capacity: 6, MinVetting: "NPPV2", CreatedBy: coord.ID, CreatedAt: day(-ago-30, 9),
			Notes: "Quarterly review of a random sample of stop and search records and body-worn video.", Attendees: notChairs(sas, 3)}
		if err := db.RecordVisit(ctx, v); err != nil {
			return fmt.Errorf("seed visit: %v", err)
		}
		for j, uid := range v.Attendees {
			f := &store.Finding{VisitID: v.ID, GroupID: v.GroupID, VisitType: v.Type, VisitStart: v.Start, UserID: uid, AuthorName: users[uid].Name,
				Records: demoRecords(rng, v.Start, 4+(i+j)%3, fmt.Sprintf("%02d%d", i, j))}
			if i == 2 && j == 2 {
				// One panel member is still writing up the latest session.
				if err := db.SaveFinding(ctx, f, 0, false); err != nil {
					return err
				}
				continue
			}
			if err := db.SaveFinding(ctx, f, 0, true); err != nil {
				return err
			}
			if i == 0 {
				if _, err := db.RespondToFinding(ctx, f.ID, "The officers concerned have been given advice on recording grounds, and the red-rated search has gone to their inspector.", coord.Name); err != nil {
					return err
				}
			}
		}
		if i < 2 {
			if err := db.SignOffVisit(ctx, v.ID, chair.Name); err != nil {
				return err
			}
		}
	}

	// A past custody visit with one finding submitted.
	rap := "Police Race Action Plan Group"
	cv := &store.Visit{Type: store.VisitCustody, GroupID: byName[rap], Location: "Weymouth custody suite", Start: day(-20, 10), End: day(-20, 12),
		Capacity: 2, MinVetting: "NPPV2", CreatedBy: coord.ID, Attendees: notChairs(rap, 2), Notes: "Report to the custody sergeant; bring photo ID."}
	if err := db.RecordVisit(ctx, cv); err != nil {
		return fmt.Errorf("seed custody visit: %v", err)
	}
	cf := &store.Finding{VisitID: cv.ID, GroupID: cv.GroupID, VisitType: cv.Type, VisitStart: cv.Start, UserID: cv.Attendees[0],
		AuthorName: users[cv.Attendees[0]].Name, ConsentGiven: true, Sections: []store.FindingSection{
			{Key: "rights", RAG: "green", Comment: "All four detainees we saw had been given the notice of rights and entitlements; two had asked for a solicitor."},
			{Key: "welfare", RAG: "amber", Comment: "One detainee had waited over three hours for a drink of water."},
			{Key: "conditions", RAG: "green", Comment: "Cells clean; one toilet flush out of order and reported."},
			{Key: "conversations", RAG: "green", Comment: "Two detainees agreed to talk to us and said they had been treated respectfully."},
			{Key: "concerns", RAG: "amber", Comment: "We raised the water delay with the custody sergeant, who dealt with it at once."},
		}, Proposals: "Check detainees are offered drinks at every cell visit."}
	if err := db.SaveFinding(ctx, cf, 0, true); err != nil {
		return err
	}
	if err := seedExpenses(ctx, db, cv, users, coord); err != nil {
		return err
	}

	if err := seedForceSession(ctx, db, byName["Use of Force Scrutiny Panel"], notChairs("Use of Force Scrutiny Panel", 2), users, coord, day(-25, 18), rng); err != nil {
		return err
	}

	// Visits to come.
	member := demo["member@candour.example"]
	for _, f := range []struct {
		kind, group, where string
		days, hour, cap    int
		vetting            string
		attendees          int
		withDemoMember     bool
	}{
		{store.VisitStopSearch, sas, "Kings Park Community Hub, Bournemouth (and online)", 9, 18, 6, "NPPV2", 2, true},
		{store.VisitCustody, rap, "Bournemouth custody suite", 14, 10, 2, "NPPV2", 2, false},
		{store.VisitControlRoom, "Bournemouth, Christchurch and Poole IAG", "Force Command Centre, Winfrith", 21, 19, 4, "NPPV1", 1, false},
		{store.VisitTraining, "Dorset Rural IAG", "Police Training Centre, Winfrith", 28, 9, 5, "NPPV1", 0, false},
		{store.VisitUseOfForce, "Use of Force Scrutiny Panel", "County Hall, Dorchester", 35, 18, 6, "NPPV2", 2, false},
		{store.VisitIntelligence, rap, "Force Headquarters, Winfrith", 50, 10, 3, "NPPV3", 0, false},
		{store.VisitStopSearch, sas, "Kings Park Community Hub, Bournemouth (and online)", 99, 18, 6, "NPPV2", 0, false},
	} {
		v := &store.Visit{Type: f.kind, GroupID: byName[f.group], Location: f.where, Start: day(f.days, f.hour), End: day(f.days, f.hour+2),
			Capacity: f.cap, MinVetting: f.vetting, CreatedBy: coord.ID, Notes: "Arrive ten minutes early and sign in at reception."}
		if err := db.CreateVisit(ctx, v); err != nil {
			return fmt.Errorf("seed visit %s: %v", f.where, err)
		}
		signers := notChairs(f.group, f.attendees+1)
		if f.withDemoMember {
			signers = append([]string{member.ID}, signers...)
		}
		for _, uid := range signers {
			if _, err := db.SignUp(ctx, v.ID, uid, users[uid].Memberships); err != nil {
				continue // not eligible (vetting): the demo shows why on the page
			}
		}
	}

	if err := seedTraining(ctx, db, members, coord, today); err != nil {
		return err
	}

	// Next quarter's unannounced custody pairs for the Race Action Plan Group.
	next := store.QuarterOf(today.AddDate(0, 3, 0))
	qStart, _ := store.ParseQuarter(next)
	var eligible []string
	for _, m := range members[rap] {
		if !m.Chair && users[m.UserID].Status == store.StatusActive && store.VettingRank(m.VettingLevel) >= store.VettingRank("NPPV2") &&
			(m.VettingExpires.IsZero() || !m.VettingExpires.Before(qStart.AddDate(0, 3, 0))) {
			eligible = append(eligible, m.UserID)
		}
	}
	// A committed draw, as the chair's plan page makes one (docs/visits.md,
	// *A committed draw*): the commitment to the seed and the inputs is
	// kept on the plan and the seed is shown after the last planned week.
	// The seed comes from the demo's own generator, so the demo's pairs are
	// the same each time it is seeded.
	in, err := db.PlanInputsFor(ctx, byName[rap], next, eligible, []string{"Bournemouth custody suite", "Weymouth custody suite"}, "NPPV2")
	if err == store.ErrNoPairs {
		return nil
	}
	if err != nil {
		return fmt.Errorf("seed visit plan: %w", err)
	}
	var seed disparity.Seed
	for i := range seed {
		seed[i] = byte(rng.Uint32())
	}
	_, err = db.PlanQuarterFrom(ctx, in, chair.ID, disparity.SeededRand(seed), disparity.CommitTo(seed, in.Text), seed.String())
	if err != nil && err != store.ErrNoPairs {
		return fmt.Errorf("seed visit plan: %w", err)
	}
	return nil
}

// demoRecords invents n believable reviewed stop and search records.
func demoRecords(rng *rand.Rand, session time.Time, n int, tag string) []store.RecordReview {
	legislation := []string{"Misuse of Drugs Act 1971 (section 23)", "Police and Criminal Evidence Act 1984 (section 1)", "Criminal Justice and Public Order Act 1994 (section 60)"}
	objects := []string{"Controlled drugs", "Offensive weapons", "Stolen goods", "Article for use in theft"}
	outcomes := []string{"A no further action disposal", "Arrest", "Community resolution", "Penalty Notice for Disorder"}
	eth := []string{"White: English, Welsh, Scottish, Northern Irish or British", "White: English, Welsh, Scottish, Northern Irish or British",
		"Black, Black British, Black Welsh, Caribbean or African: African", "Black, Black British, Black Welsh, Caribbean or African: Caribbean",
		"Asian, Asian British or Asian Welsh: Bangladeshi", "Mixed or Multiple ethnic groups: White and Black Caribbean", "Not stated"}
	var rs []store.RecordReview
	for i := range n {
		e := eth[rng.IntN(len(eth))]
		grounds := []string{"yes", "yes", "yes", "no", "unsure"}[rng.IntN(5)]
		rag := "green"
		switch {
		case grounds == "no":
			rag = []string{"amber", "red"}[rng.IntN(2)]
		case grounds == "unsure":
			rag = "amber"
		}
		g := map[string]bool{}
		for _, k := range store.Gowisely {
			g[k] = rng.IntN(10) < 8
		}
		comment := ""
		if rag != "green" {
			comment = "Grounds recorded as \"smell of cannabis\" only; the video does not show the officer explaining the power used."
		}
		rs = append(rs, store.RecordReview{Reference: fmt.Sprintf("DOR-SS-%s%02d", tag, i+1), Date: session.AddDate(0, -1, -rng.IntN(25)).UTC(),
			Legislation: legislation[rng.IntN(len(legislation))], Object: objects[rng.IntN(len(objects))], Outcome: outcomes[rng.IntN(len(outcomes))],
			SelfEthnicity: e, OfficerEthnicity: string(stats.GroupOf(e)), BWV: []string{"yes", "yes", "partial", "no"}[rng.IntN(4)], Grounds: grounds,
			Gowisely: g, RAG: rag, Comment: comment})
	}
	return rs
}

// seedForceSession records a past use-of-force review session: each
// attendee reviewed four uses of force and watched body-worn video, which
// the viewing log shows.
func seedForceSession(ctx context.Context, db *store.Store, groupID string, attendees []string, users map[string]store.User, coord *store.User,
	start time.Time, rng *rand.Rand) error {
	if groupID == "" || len(attendees) == 0 {
		return nil
	}
	v := &store.Visit{Type: store.VisitUseOfForce, GroupID: groupID, Location: "County Hall, Dorchester", Start: start, End: start.Add(2 * time.Hour),
		Capacity: 6, MinVetting: "NPPV2", CreatedBy: coord.ID, CreatedAt: start.AddDate(0, 0, -30), Attendees: attendees,
		Notes: "Review of use of force forms and the body-worn video of each."}
	if err := db.RecordVisit(ctx, v); err != nil {
		return fmt.Errorf("seed use-of-force session: %v", err)
	}
	for j, uid := range attendees {
		recs := demoForceRecords(rng, start, 4, fmt.Sprint(j))
		f := &store.Finding{VisitID: v.ID, GroupID: v.GroupID, VisitType: v.Type, VisitStart: v.Start, UserID: uid, AuthorName: users[uid].Name, Records: recs}
		if err := db.SaveFinding(ctx, f, 0, true); err != nil {
			return err
		}
		for k, r := range recs {
			e := &store.BWVViewing{VisitID: v.ID, GroupID: groupID, FootageRef: "BWV-" + r.Reference[4:], ViewerID: uid, ViewerName: users[uid].Name,
				ViewedAt: start.Add(time.Duration(10+20*k+5*j) * time.Minute), Purpose: []string{"scrutiny", "record-check"}[k%2], RecordedBy: users[uid].Email}
			if err := db.RecordBWVViewing(ctx, e); err != nil {
				return err
			}
		}
	}
	if _, err := db.RespondToFinding(ctx, store.FindingID(v.ID, attendees[0]),
		"The Taser use rated red has gone to the officer's inspector; officers have been reminded to try to talk a situation down first.", coord.Name); err != nil {
		return err
	}
	return nil
}

// demoForceRecords invents n believable reviewed uses of force.
func demoForceRecords(rng *rand.Rand, session time.Time, n int, tag string) []store.RecordReview {
	eth := []string{"White: English, Welsh, Scottish, Northern Irish or British", "White: English, Welsh, Scottish, Northern Irish or British",
		"Black, Black British, Black Welsh, Caribbean or African: Caribbean", "Mixed or Multiple ethnic groups: White and Black Caribbean",
		"Asian, Asian British or Asian Welsh: Pakistani", "Not stated"}
	tactics := [][]string{{"handcuffCompliant"}, {"handcuffNonCompliant", "groundRestraint"}, {"taser"}, {"unarmedSkills", "handcuffNonCompliant"}, {"irritantSpray"}}
	reasons := [][]string{{"effectArrest"}, {"protectSelf", "effectArrest"}, {"preventHarm"}, {"protectPublic", "preventOffence"}}
	var rs []store.RecordReview
	for i := range n {
		e := eth[rng.IntN(len(eth))]
		deesc := []string{"yes", "yes", "no", "unclear"}[rng.IntN(4)]
		rag, comment := "green", ""
		if deesc != "yes" {
			rag = []string{"amber", "red"}[rng.IntN(2)]
			comment = "The video shows little attempt to talk the person down before force was used."
		}
		rs = append(rs, store.RecordReview{Reference: fmt.Sprintf("UOF-%s%02d", tag, i+1), Date: session.AddDate(0, -1, -rng.IntN(25)).UTC(),
			Outcome: []string{"Arrested", "No further action", "Detained under the Mental Health Act"}[rng.IntN(3)], SelfEthnicity: e,
			OfficerEthnicity: string(stats.GroupOf(e)), BWV: "yes", RAG: rag, Comment: comment, Force: &store.UseOfForce{
				Tactics: tactics[rng.IntN(len(tactics))], Reasons: reasons[rng.IntN(len(reasons))], ImpactFactors: [][]string{nil, {"drugs"}, {"alcohol", "crowd"}}[rng.IntN(3)],
				SubjectInjury: []string{"none", "none", "minor"}[rng.IntN(3)], OfficerInjury: []string{"none", "none", "none", "minor"}[rng.IntN(4)],
				Deescalation: deesc, BWVReviewed: true}})
	}
	return rs
}

// seedTraining records the custody visiting induction for the Race Action
// Plan Group's members and panel training for the panels' members, each
// for two years; one member's induction lapsed last month, so the demo
// shows a lapsed record.
func seedTraining(ctx context.Context, db *store.Store, members map[string][]store.Membership, coord *store.User, today time.Time) error {
	kinds := map[string]string{"Police Race Action Plan Group": "custody-induction", "Stop and Search Scrutiny Panel": "panel-training",
		"Use of Force Scrutiny Panel": "panel-training"}
	for group, kind := range kinds {
		for i, m := range members[group] {
			done := time.Date(today.Year()-1, today.Month(), 1, 0, 0, 0, 0, store.London)
			last := done.AddDate(2, 0, -1)
			if i == 1 && kind == "custody-induction" {
				done, last = done.AddDate(-2, 0, 0), time.Date(today.Year(), today.Month(), 0, 0, 0, 0, 0, store.London)
			}
			if err := db.SetTraining(ctx, m.UserID, store.TrainingRecord{Kind: kind, Completed: done.UTC(), Expires: last.UTC(), RecordedBy: coord.Email}); err != nil {
				return fmt.Errorf("seed training: %w", err)
			}
		}
	}
	return nil
}

// seedExpenses claims expenses for the past custody visit: the first of
// the pair drove 37 miles and paid £4.50 parking (approved by the
// coordinator), the second took the bus for £6.40 (waiting).
func seedExpenses(ctx context.Context, db *store.Store, v *store.Visit, users map[string]store.User, coord *store.User) error {
	for i, c := range []*store.ExpenseClaim{{Miles: 37, ParkingPence: 450}, {TransportPence: 640}} {
		uid := v.Attendees[i]
		c.VisitID, c.VisitDate, c.VisitLabel, c.UserID, c.UserName = v.ID, v.Start, "Custody visit, "+v.Location, uid, users[uid].Name
		if err := db.CreateClaim(ctx, c); err != nil {
			return fmt.Errorf("seed expenses: %w", err)
		}
	}
	if err := db.DecideClaim(ctx, store.ClaimID(v.ID, v.Attendees[0]), true, "", coord.Name); err != nil {
		return fmt.Errorf("seed expenses: %w", err)
	}
	return nil
}
