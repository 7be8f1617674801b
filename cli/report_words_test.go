package cli

import (
	"testing"

	"candour/powers"
)

// TestRatioText keeps the clause of disparity's
// TestVehicleOnlyOfficerMixedAndUnrecognisedLabels that checked the
// report's ratio words when they moved into `candour report`: officers
// do not record Mixed, so its ratio says so rather than "no ratio".
func TestRatioText(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, c := range []struct {
		g    powers.GroupFigures
		want string
	}{
		{powers.GroupFigures{Group: "Mixed", NotRecorded: true}, "not a category officers record"},
		{powers.GroupFigures{Group: "Other"}, "no ratio"},
		{powers.GroupFigures{Group: "White", Ratio: f(1)}, "1 (the comparison)"},
		{powers.GroupFigures{Group: "Asian", Ratio: f(2.5)}, "2.50 (no interval)"},
		{powers.GroupFigures{Group: "Black", Ratio: f(9.4765), RatioLow: f(4.408), RatioHigh: f(20.371)}, "9.48 (4.41 to 20.37)"},
	} {
		if got := ratioText(c.g); got != c.want {
			t.Errorf("ratioText(%+v) = %q, want %q", c.g, got, c.want)
		}
	}
}
