package demo

import (
	"context"
	"fmt"
	"time"

	"candour/store"
)

// seedCustodyReports gives the demo's past custody visit (seedVisits) its
// report to the national standard, submitted and confirmed by its pair,
// and adds two more past visits by the same pair: one reported (submitted,
// waiting for the second visitor, with issues the scheme manager has taken
// up) and one planned but not made, so the scheme manager's list, the
// force's view and the quarterly return all have something to show.
func seedCustodyReports(ctx context.Context, db *store.Store) error {
	vs, err := db.CustodyVisits(ctx)
	if err != nil {
		return err
	}
	now := db.Now()
	var made *store.Visit
	for i := range vs {
		if !vs[i].Unannounced && vs[i].Past(now) && len(vs[i].Attendees) == 2 {
			made = &vs[i]
			break
		}
	}
	if made == nil {
		return fmt.Errorf("seed custody reports: no past custody visit with a pair")
	}
	pair := made.Attendees
	users, err := db.UsersByID(ctx, pair)
	if err != nil {
		return err
	}
	at := func(v *store.Visit, minutes int) time.Time {
		return v.Start.Add(time.Duration(minutes) * time.Minute).UTC()
	}
	allYes := func(except ...string) map[string]string {
		m := map[string]string{}
		for _, k := range store.CustodyChecks {
			m[k] = "yes"
		}
		for _, k := range except {
			m[k] = "no"
		}
		m["reading"], m["exercise"] = "notasked", "notasked"
		return m
	}

	r1 := &store.CustodyReport{ID: made.ID, GroupID: made.GroupID, Suite: made.Location, Arrived: at(made, 0), Admitted: at(made, 6),
		Held: 7, Offered: 6, Seen: 4, Declined: 1, NotSeen: 1, CountsSet: true, Content: store.CustodyContent{
			DelayReason: "The custody sergeant was booking in a detainee and asked us to wait.",
			Detainees: []store.CustodyDetainee{
				{Number: "DO/04512/26", Outcome: store.DetaineeSeen, Vulnerable: "child", SeenFirst: "yes", Checks: allYes(), RecordCheck: "checked",
					Comment: "Aged 16; an appropriate adult was on the way. Said the staff had been kind."},
				{Number: "DO/04498/26", Outcome: store.DetaineeSeen, Vulnerable: "no", Checks: allYes("food"), RecordCheck: "checked",
					Comment: "Had waited over three hours for a drink of water."},
				{Number: "DO/04501/26", Outcome: store.DetaineeSeen, Vulnerable: "adult", SeenFirst: "yes", Checks: allYes(), RecordCheck: "refused"},
				{Number: "DO/04507/26", Outcome: store.DetaineeSeen, Vulnerable: "no", Checks: allYes(), RecordCheck: "notchecked"},
				{Number: "DO/04493/26", Outcome: store.DetaineeDeclined, Vulnerable: "no"},
				{Number: "DO/04510/26", Outcome: store.DetaineeNotSeen, NotSeenReason: "In interview with a solicitor", Vulnerable: "no"},
			},
			Matters: "One detainee had waited over three hours for a drink of water.",
			Answer:  "The sergeant took water to the detainee at once and reminded the detention officers to offer drinks at every cell visit.",
			Issues:  []store.CustodyIssue{{Category: "welfare", Text: "Drinks are not offered at every cell visit: one detainee waited over three hours for water."}},
		}}
	if err := fileDemoReport(ctx, db, r1, pair[0], users[pair[0]].Name); err != nil {
		return err
	}
	r1.Content.Addendum = "The toilet flush in cell 3 was out of order; the sergeant had reported it."
	if err := db.ConfirmCustodyReport(ctx, r1, r1.Version, pair[1], users[pair[1]].Name); err != nil {
		return fmt.Errorf("seed custody report: %w", err)
	}

	// An earlier visit, reported, with issues the scheme manager raised.
	earlier := &store.Visit{Type: store.VisitCustody, GroupID: made.GroupID, Location: "Bournemouth custody suite",
		Start: made.Start.AddDate(0, 0, -25).Add(9 * time.Hour), End: made.Start.AddDate(0, 0, -25).Add(10 * time.Hour),
		Capacity: 2, MinVetting: made.MinVetting, CreatedBy: made.CreatedBy, Attendees: pair}
	if err := db.RecordVisit(ctx, earlier); err != nil {
		return fmt.Errorf("seed custody visit: %w", err)
	}
	r2 := &store.CustodyReport{ID: earlier.ID, GroupID: earlier.GroupID, Suite: earlier.Location, Arrived: at(earlier, 0), Admitted: at(earlier, 25),
		Held: 3, Offered: 2, Seen: 1, Declined: 0, NotSeen: 1, CountsSet: true, Content: store.CustodyContent{
			DelayReason: "A disturbance in the suite: staff kept us in the lobby until it was safe.",
			Detainees: []store.CustodyDetainee{
				{Number: "DO/03977/26", Outcome: store.DetaineeSeen, Vulnerable: "no", Checks: allYes("bedding"), RecordCheck: "checked",
					Comment: "No blanket in the cell; it was cold."},
				{Number: "DO/03981/26", Outcome: store.DetaineeNotSeen, NotSeenReason: "Asleep", Vulnerable: "no"},
			},
			Matters: "No blanket in cell 2.",
			Answer:  "A blanket was brought while we were there.",
			Issues: []store.CustodyIssue{
				{Category: "welfare", Text: "The suite had run out of blankets overnight.", Raised: true, RaisedAt: now.Add(-10 * 24 * time.Hour).UTC(),
					Response: "Custody has doubled the overnight stock and added blankets to the nightly check.", ResponseAt: now.Add(-3 * 24 * time.Hour).UTC()},
				{Category: "delay", Text: "We waited 25 minutes in the lobby; we were not told why until we asked."},
			},
		}}
	if err := fileDemoReport(ctx, db, r2, pair[1], users[pair[1]].Name); err != nil {
		return err
	}

	// A visit planned and not made (the pair were ill).
	missed := &store.Visit{Type: store.VisitCustody, GroupID: made.GroupID, Location: "Poole custody suite",
		Start: made.Start.AddDate(0, 0, -8).Add(8 * time.Hour), End: made.Start.AddDate(0, 0, -8).Add(9 * time.Hour),
		Capacity: 2, MinVetting: made.MinVetting, CreatedBy: made.CreatedBy, Attendees: pair}
	if err := db.RecordVisit(ctx, missed); err != nil {
		return fmt.Errorf("seed custody visit: %w", err)
	}
	return nil
}

// fileDemoReport stores and submits a demo report.
func fileDemoReport(ctx context.Context, db *store.Store, r *store.CustodyReport, by, name string) error {
	if err := db.SaveCustodyReport(ctx, r, 0); err != nil {
		return fmt.Errorf("seed custody report: %w", err)
	}
	if err := db.SubmitCustodyReport(ctx, r, r.Version, by, name); err != nil {
		return fmt.Errorf("seed custody report: %w", err)
	}
	return nil
}
