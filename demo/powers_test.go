package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"testing"

	"candour/disparity"
	"candour/powers"
	"candour/store"
)

// The demo publishes strip searches for its newest police.uk month, the
// example vehicle stops (65 rows, March and April 2024, per 1,000 of the
// example drivers) and both years of
// use of force, and imports the example vetting decisions without
// publishing them.
func TestDemoSeedPublishesEachPower(t *testing.T) {
	db, _, _ := seeded(t)
	ctx := context.Background()
	for kind, want := range map[string][2]string{powers.StripSearch.Kind: {"2019-01", "2019-01"}, powers.VehicleStops.Kind: {"2024-03", "2024-04"}, powers.UseOfForce.Kind: {"2018-19", "2019-20"},
		powers.UseOfForceIncidents.Kind: {"2024-03", "2024-04"}, powers.CustodyStripSearch.Kind: {"2024-03", "2024-05"}} {
		pubs, err := db.PowerPublications(ctx, kind)
		if err != nil || len(pubs) != 1 || pubs[0].From != want[0] || pubs[0].To != want[1] {
			t.Errorf("%s published %+v %v, want %v", kind, pubs, err, want)
		}
	}
	rep, err := powers.Build(ctx, db, powers.VehicleStops, "dorset", "", "")
	if err != nil || rep.Events != 65 {
		t.Fatalf("vehicle stops %v, %v", rep, err)
	}
	// Per 1,000 of the example drivers (Black 20 of 4,000: 5.0).
	if rep.PerWhom() != "drivers" || rep.Group("Black").Population != 4000 || rep.Group("Black").Rate == nil || *rep.Group("Black").Rate != 5.0 {
		t.Errorf("vehicle stops per %s: %+v", rep.PerWhom(), rep.Group("Black"))
	}
	// Vetting decisions are there for the CCU (226, testdata/README.md) and never published.
	vr, err := powers.BuildVetting(ctx, db, "dorset", "", "")
	if err != nil || vr.Total.Decisions.Value != 226 {
		t.Fatalf("vetting %+v, %v", vr, err)
	}
	if mt, err := powers.BuildMissingTimes(ctx, db, "dorset", "", ""); err != nil || mt.Report.Events != 79 {
		t.Fatalf("missing people %v", err)
	}
	if pubs, err := db.PowerPublications(ctx, powers.Vetting.Kind); err != nil || len(pubs) != 0 {
		t.Fatalf("vetting published: %+v %v", pubs, err)
	}
	// A verifiable panel sample of January 2019's strip searches, drawn:
	// its commitment is the SHA-256 of the revealed seed, a line break and
	// the filter's seven lines (written out here by hand), and drawing
	// again with the seed gives the same records (22 strip searches that
	// month, powers_test.go, so 5 of 22).
	samples, err := db.PanelSamples(ctx)
	if err != nil || len(samples) != 1 {
		t.Fatalf("panel samples %+v %v, want one", samples, err)
	}
	ps := samples[0]
	sum := sha256.Sum256([]byte(ps.Seed + "\nforce=dorset\nfrom=2019-01\nto=2019-01\nlegislation=\ngroup=\nremoval=true\nsize=5"))
	if ps.Pending || ps.Commitment != hex.EncodeToString(sum[:]) || len(ps.Records) != 5 || ps.Matching != 22 {
		t.Fatalf("sample: pending %v, commitment %s (want %x), %d records of %d", ps.Pending, ps.Commitment, sum, len(ps.Records), ps.Matching)
	}
	seed, err := disparity.ParseSeed(ps.Seed)
	if err != nil {
		t.Fatal(err)
	}
	again, _, err := disparity.DrawSample(ctx, db, disparity.SampleFilter{Force: "dorset", From: "2019-01", To: "2019-01", Removal: true, Size: 5}, disparity.SeededRand(seed))
	if err != nil || !slices.EqualFunc(again, ps.Records, func(a, b store.SampledRecord) bool { return a.Ref == b.Ref }) {
		t.Fatalf("drawn again from the seed: %v %v, stored %v", again, err, ps.Records)
	}
}
