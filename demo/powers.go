package demo

import (
	"bytes"
	"context"
	"embed"
	"fmt"

	"candour/disparity"
	"candour/powers"
	"candour/store"
)

// powersDemoData is what the demo imports for the other powers: the Home
// Office's use of force tables for Dorset (real), and the vehicle stops
// file, which is not real: no force publishes its section 163 records, so
// it is the example written for the tests (testdata/README.md); the same
// for vetting decisions, which identify people and are never published,
// and for the drivers by ethnic group vehicle stops are per 1,000 of (no
// public table gives them).
//
//go:embed data/vetting-decisions-example.csv data/missing-people-example.csv
//go:embed data/drivers-dorset-example.csv
//go:embed data/vehicle-stops-example.csv data/use-of-force-incidents-example.csv data/custody-strip-search-example.csv data/use-of-force-dorset-2018-19-by-ethnicity-extract.csv data/use-of-force-dorset-2019-20-by-ethnicity-extract.csv
var powersDemoData embed.FS

// seedPowers loads the example drivers and imports the example vehicle stops, two years of use of
// force, the example vetting decisions and missing people (neither published) and publishes
// the others and strip searches (read from the stop-and-search months seedStopSearch imported)
// and vehicle stops, so each activity's monitor and public page has
// something to show; and draws a verifiable panel sample of the newest
// month's strip searches (seedSample).
func seedPowers(ctx context.Context, db *store.Store, by *store.User) error {
	// Drivers first, so the vehicle stops the demo publishes are per
	// 1,000 drivers: made up, and the page quotes that they are.
	drivers := "drivers-dorset-example.csv"
	b, err := powersDemoData.ReadFile("data/" + drivers)
	if err != nil {
		return err
	}
	if _, err := disparity.ImportDrivers(ctx, db, bytes.NewReader(b), disparity.DriversOptions{Force: "dorset",
		Made: "an example, not real figures: licence holders by self-defined ethnicity as a force's own survey might give them", Period: "2024",
		Source: drivers, By: by.Email}); err != nil {
		return fmt.Errorf("%s: %w", drivers, err)
	}
	for _, ex := range []struct {
		d    *powers.Dataset
		name string
	}{
		{powers.VehicleStops, "vehicle-stops-example.csv"},
		{powers.UseOfForceIncidents, "use-of-force-incidents-example.csv"},
		{powers.CustodyStripSearch, "custody-strip-search-example.csv"},
	} {
		if err := seedExample(ctx, db, by, ex.d, ex.name); err != nil {
			return err
		}
	}
	for _, year := range []string{"2018-19", "2019-20"} {
		name := "use-of-force-dorset-" + year + "-by-ethnicity-extract.csv"
		b, err := powersDemoData.ReadFile("data/" + name)
		if err != nil {
			return err
		}
		if _, err := powers.Import(ctx, db, powers.UseOfForce, bytes.NewReader(b), powers.ImportOptions{Force: "dorset", Year: year, Source: name, By: by.Email}); err != nil {
			return fmt.Errorf("use of force %s: %w", year, err)
		}
	}
	if err := db.PublishPower(ctx, &store.PowerPublication{Kind: powers.UseOfForce.Kind, Force: "dorset", From: "2018-19", To: "2019-20", PublishedBy: by.Email}); err != nil {
		return err
	}
	// Vetting decisions (for the CCU's monitor) and missing people: the
	// examples written for the tests, imported and never published.
	for _, ex := range []struct {
		d    *powers.Dataset
		name string
	}{
		{powers.Vetting, "vetting-decisions-example.csv"},
		{powers.MissingPeople, "missing-people-example.csv"},
	} {
		b, err := powersDemoData.ReadFile("data/" + ex.name)
		if err != nil {
			return err
		}
		if _, err := powers.Import(ctx, db, ex.d, bytes.NewReader(b), powers.ImportOptions{Force: "dorset", Source: ex.name, By: by.Email}); err != nil {
			return fmt.Errorf("%s: %w", ex.d.Title, err)
		}
	}
	forces, err := db.PowerForces(ctx, powers.StripSearch.StoreKind())
	if err != nil || len(forces["dorset"].Months) == 0 {
		return err // no stop-and-search data in this demo
	}
	months := forces["dorset"].Months
	newest := months[len(months)-1]
	if err := db.PublishPower(ctx, &store.PowerPublication{Kind: powers.StripSearch.Kind, Force: "dorset", From: newest, To: newest, PublishedBy: by.Email}); err != nil {
		return err
	}
	return seedSample(ctx, db, by, newest)
}

// seedSample draws a verifiable panel sample of month's strip searches
// the way a coordinator does on the web (docs/disparity.md, *Verifiable
// samples*): a seed from the operating system, the commitment stored and
// audited before the draw, then the draw with that seed, which reveals
// it. So the demo's sample page shows the commitment, the seed and how to
// check them.
func seedSample(ctx context.Context, db *store.Store, by *store.User, month string) error {
	f := disparity.SampleFilter{Force: "dorset", From: month, To: month, Removal: true, Size: 5}
	seed, err := disparity.NewSeed()
	if err != nil {
		return err
	}
	ps := &store.PanelSample{Force: f.Force, From: f.From, To: f.To, Removal: f.Removal, Size: f.Size, DrawnBy: by.Email,
		Commitment: disparity.Commitment(seed, f), Seed: seed.String()}
	if err := db.CommitPanelSample(ctx, ps); err != nil {
		return err
	}
	if err := db.Audit(ctx, store.AuditEvent{ActorID: by.ID, Actor: by.Email, Action: store.AuditSampleCommitted, Target: "sample:" + ps.ID,
		Detail: fmt.Sprintf("commitment %s, %s to %s, %d records", ps.Commitment, f.From, f.To, f.Size)}); err != nil {
		return err
	}
	recs, matching, err := disparity.DrawSample(ctx, db, f, disparity.SeededRand(seed))
	if err != nil {
		return err
	}
	if err := db.DrawPanelSample(ctx, ps.ID, recs, matching, by.Email); err != nil {
		return err
	}
	return db.Audit(ctx, store.AuditEvent{ActorID: by.ID, Actor: by.Email, Action: store.AuditSampleDrawn, Target: "sample:" + ps.ID,
		Detail: fmt.Sprintf("%d of %d matching records, %s to %s, seed %s (commitment %s)", len(recs), matching, f.From, f.To, ps.Seed, ps.Commitment)})
}

// seedExample imports one of the example files written for the tests (not
// real records) and publishes the months it holds.
func seedExample(ctx context.Context, db *store.Store, by *store.User, d *powers.Dataset, name string) error {
	b, err := powersDemoData.ReadFile("data/" + name)
	if err != nil {
		return err
	}
	res, err := powers.Import(ctx, db, d, bytes.NewReader(b), powers.ImportOptions{Force: "dorset", Source: name, By: by.Email})
	if err != nil {
		return fmt.Errorf("%s: %w", d.Title, err)
	}
	from, to := res.ByMonth[0].Month, res.ByMonth[len(res.ByMonth)-1].Month
	return db.PublishPower(ctx, &store.PowerPublication{Kind: d.Kind, Force: "dorset", From: from, To: to, PublishedBy: by.Email})
}
