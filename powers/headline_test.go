package powers_test

import (
	"bytes"
	"context"
	"reflect"
	"testing"

	"candour/disparity"
	"candour/powers"
	"candour/store/storetest"
)

// TestHeadlineIsTheReportsFigures: the overview's Headline gives exactly
// BuildBasis's period and group figures (rates, ratios, flags and the
// suppression that decides what is shown), without the breakdowns, the
// month trend or the Focus subset, for a dataset read by police.uk's
// reader (stop and search, both bases), one reading another's counters
// (strip searches), one that suppresses (vehicle stops) and one with a
// Focus (custody strip searches). Anchored by hand: January 2019, Black
// people 9.48 times as likely as White people to be searched (4.41 to
// 20.37; TestSharedReportOfStopSearch), vehicle stops Black 92.06 times
// as likely (52.3 to 162.0; docs/disparity.md).
func TestHeadlineIsTheReportsFigures(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	loadPopulation(t, db)
	importStopSearch(t, db, "2019-01-dorset-stop-and-search.csv", "2018-08-dorset-stop-and-search.csv")
	if _, err := importVehicle(t, db, read(t, "vehicle-stops-example.csv")); err != nil {
		t.Fatal(err)
	}
	if _, err := powers.Import(ctx, db, powers.CustodyStripSearch, bytes.NewReader(read(t, "custody-strip-search-example.csv")),
		powers.ImportOptions{Force: "dorset", Source: "custody.csv", By: "test"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		d     *powers.Dataset
		basis string
	}{
		{powers.StopSearch, disparity.SelfDefined}, {powers.StopSearch, disparity.OfficerDefined},
		{powers.StripSearch, disparity.SelfDefined}, {powers.VehicleStops, disparity.SelfDefined},
		{powers.CustodyStripSearch, disparity.SelfDefined},
	} {
		whole, err := powers.BuildBasis(ctx, db, c.d, "dorset", "", "", c.basis)
		if err != nil {
			t.Fatal(err)
		}
		head, err := powers.Headline(ctx, db, c.d, "dorset", "", "", c.basis)
		if err != nil {
			t.Fatal(err)
		}
		if len(whole.MonthsWithData) == 0 || c.d != powers.StripSearch && len(whole.Breakdowns) == 0 {
			t.Fatalf("%s: nothing to compare (%v months, %d breakdowns)", c.d.Kind, whole.MonthsWithData, len(whole.Breakdowns))
		}
		if head.Period != whole.Period || !reflect.DeepEqual(head.MonthsWithData, whole.MonthsWithData) || !reflect.DeepEqual(head.Groups, whole.Groups) ||
			head.Events != whole.Events || head.NotStated != whole.NotStated {
			t.Errorf("%s %s: headline %q %+v, report %q %+v", c.d.Kind, c.basis, head.Period, head.Groups, whole.Period, whole.Groups)
		}
		if len(head.Breakdowns) != 0 || head.Months != nil || head.Focus != nil {
			t.Errorf("%s: the headline worked out %d breakdowns, %d months, focus %v", c.d.Kind, len(head.Breakdowns), len(head.Months), head.Focus != nil)
		}
	}
	jan, err := powers.Headline(ctx, db, powers.StopSearch, "dorset", "2019-01", "2019-01", disparity.SelfDefined)
	if b := jan.Group("Black"); err != nil || !near(b.Ratio, 9.4765, 0.0001) || !near(b.RatioLow, 4.408, 0.001) || !near(b.RatioHigh, 20.371, 0.001) || !b.Flag {
		t.Errorf("January 2019 Black: %v %+v", err, b)
	}
	vs, err := powers.Headline(ctx, db, powers.VehicleStops, "dorset", "", "", disparity.SelfDefined)
	if b := vs.Group("Black"); err != nil || b.Events != 20 || !near(b.Ratio, 92.06, 0.01) || !near(b.RatioLow, 52.3, 0.05) || !near(b.RatioHigh, 162.0, 0.05) {
		t.Errorf("vehicle stops Black: %v %+v", err, b)
	}
}
