package demo

import (
	"context"
	"testing"

	"candour/store"
)

// TestSeedCustodyReports: the demo has a scheme manager, two submitted
// custody visit reports that meet the rules a real one must (counts that
// agree with the lines, custody numbers, reasons), one confirmed, and one
// custody visit planned and not made.
func TestSeedCustodyReports(t *testing.T) {
	db, _, _ := seeded(t)
	ctx := context.Background()
	sm, err := db.UserByEmail(ctx, "schememanager@candour.example")
	if err != nil || sm.Role != store.RoleSchemeManager || sm.Status != store.StatusActive {
		t.Fatalf("the demo scheme manager: %+v, %v", sm, err)
	}
	now := db.Now()
	rs, err := db.SubmittedCustodyReports(ctx, now.AddDate(-1, 0, 0), now)
	if err != nil || len(rs) != 2 {
		t.Fatalf("%d submitted reports (%v), want 2", len(rs), err)
	}
	confirmed := 0
	for _, x := range rs {
		r, err := db.CustodyReport(ctx, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.CheckSubmit(); err != nil {
			t.Errorf("report %s would not be accepted: %v", r.Suite, err)
		}
		for _, d := range r.Content.Detainees {
			if err := store.CheckDetainee(d); err != nil {
				t.Errorf("report %s, detainee %s: %v", r.Suite, d.Number, err)
			}
		}
		if r.Status == store.CustodyConfirmed {
			confirmed++
		}
	}
	if confirmed != 1 {
		t.Errorf("%d confirmed reports, want 1", confirmed)
	}
	vs, err := db.CustodyVisits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	missed := 0
	for _, q := range []store.FinancialQuarter{store.FinancialQuarterOf(now), store.FinancialQuarterOf(now).Previous()} {
		missed += store.CustodyReturnOf(q, vs, rs, now).PlannedNotMade
	}
	if missed != 1 {
		t.Errorf("%d visits planned and not made in the last two quarters, want 1", missed)
	}
}
