package powers_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"candour/disparity"
	"candour/policeuk"
	"candour/powers"
	"candour/store"
	"candour/store/storetest"
)

// TestStopSearchIsOneDefinition: stop and search is a dataset like the
// others, imported by the one Import through its File hook, but left out
// of the shared pages while its own monitor (/disparity) serves it.
func TestStopSearchIsOneDefinition(t *testing.T) {
	d := powers.StopSearch
	if d.Kind != store.PowerStopSearch || !d.Importable() || d.File == nil || d.OwnMonitor != "/disparity" {
		t.Fatalf("%+v", d)
	}
	if got, want := d.Header(), strings.Join(policeuk.Columns, ","); got != want {
		t.Errorf("header %q, want %q", got, want)
	}
	if _, ok := powers.Lookup(d.Kind); ok {
		t.Error("Lookup finds stop and search: the shared monitor would show it beside /disparity")
	}
	for _, o := range powers.All() {
		if o == d {
			t.Error("All lists stop and search: the overview would show it twice")
		}
	}
	if powers.StripSearch.StoreKind() != d.Kind {
		t.Errorf("strip searches read %q", powers.StripSearch.StoreKind())
	}
}

// TestStopSearchCountersThroughImport imports the real January 2019 file
// through powers.Import and reads the month's stored counters. Counted by
// hand from testdata/2019-01-dorset-stop-and-search.csv (156 searches, no
// vehicle-only searches): self-defined White 102 searches, 15 arrests
// (Outcome "Arrest"), 18 finds (linked "True"); Black 7, 2 arrests, 2
// finds; Asian 3, no arrest, 1 find; Mixed 4; Other 1; not stated 39.
// Officer-defined: White 130, Black 9, Other 3, Asian 2, empty 12 (not
// stated). One file, one part, keyed by the file's month.
func TestStopSearchCountersThroughImport(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	name := "2019-01-dorset-stop-and-search.csv"
	res, err := powers.Import(ctx, db, powers.StopSearch, bytes.NewReader(read(t, name)), powers.ImportOptions{Source: name, By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Force != "dorset" || res.FileMonth != "2019-01" || res.Rows != 156 || len(res.Months) != 1 || len(res.Notes) != 0 {
		t.Fatalf("result %+v", res)
	}
	m, err := db.PowerMonth(ctx, store.PowerStopSearch, "dorset", "2019-01")
	if err != nil {
		t.Fatal(err)
	}
	if m.Records != 156 || len(m.Parts) != 1 || m.Parts[0].Key != "2019-01" || m.Parts[0].Source != name || m.Parts[0].Chunks != 1 {
		t.Fatalf("month: %d records, parts %+v", m.Records, m.Parts)
	}
	type want struct{ n, arrests, finds int64 }
	all := map[[2]string]want{}
	for _, c := range m.Cells {
		if c.Dim == "all" {
			all[[2]string{c.Basis, c.Group}] = want{c.Searches, c.Arrests, c.Finds}
		}
	}
	for k, w := range map[[2]string]want{
		{disparity.SelfDefined, "White"}:         {102, 15, 18},
		{disparity.SelfDefined, "Black"}:         {7, 2, 2},
		{disparity.SelfDefined, "Asian"}:         {3, 0, 1},
		{disparity.SelfDefined, "Mixed"}:         {4, 0, 0},
		{disparity.SelfDefined, "Other"}:         {1, 0, 0},
		{disparity.SelfDefined, "Not stated"}:    {39, 2, 4},
		{disparity.OfficerDefined, "White"}:      {130, 0, 0},
		{disparity.OfficerDefined, "Black"}:      {9, 0, 0},
		{disparity.OfficerDefined, "Other"}:      {3, 0, 0},
		{disparity.OfficerDefined, "Asian"}:      {2, 0, 0},
		{disparity.OfficerDefined, "Not stated"}: {12, 0, 0},
	} {
		got := all[k]
		if k[0] == disparity.OfficerDefined {
			got.arrests, got.finds = 0, 0 // arrests and finds by officer basis are not hand counted here
		}
		if got != w {
			t.Errorf("%s %s: %+v, want %+v", k[0], k[1], got, w)
		}
	}
}
