package powers

import (
	"strings"
	"testing"
)

// TestMissingTimesSayLongerOnlyByTheDifference: the sentence rests on the
// interval for the difference in medians (stats.MedianDifference), not on
// the two medians' intervals overlapping. Hand counts in
// stats/bootstrap_test.go: Black 1 × 2 h and 9 × 5 h against White 8 × 2 h
// and 2 × 5 h overlap (5 to 5 against 2 to 5) but differ by 3 to 3 hours:
// longer. Asian, the same times as White people, differ by 0 to 0 hours
// (D is −3, 0 or 3 with P = 0.0064, 0.9873, 0.0064): no clear difference.
// Mixed, all 10 found within 1 hour, were found sooner.
func TestMissingTimesSayLongerOnlyByTheDifference(t *testing.T) {
	rep := &Report{Groups: []GroupFigures{{Group: "Asian"}, {Group: "Black"}, {Group: "Mixed"}, {Group: "White"}}}
	hist := map[string]map[string]int64{
		"White": {"2": 8, "5": 2},
		"Black": {"2": 1, "5": 9},
		"Asian": {"2": 8, "5": 2},
		"Mixed": {"1": 10},
	}
	mt := missingTimes(rep, hist)
	g := map[string]GroupTimes{}
	for _, x := range mt.Groups {
		g[x.Group] = x
	}
	if b := g["Black"]; !b.Longer || b.Shorter || b.Difference.Low != 3 || b.DifferenceText() != "+3 hours (+3 to +3)" {
		t.Errorf("Black: %+v %q", b.Difference, b.DifferenceText())
	}
	if a := g["Asian"]; a.Longer || a.Shorter || a.Difference.Low > 0 || a.Difference.High < 0 {
		t.Errorf("Asian: %+v", a.Difference)
	}
	// Mixed: every episode 1 hour, White's median 2 or (P = 0.0064) 5: the
	// difference is −1 or −4, wholly below 0.
	if m := g["Mixed"]; !m.Shorter || m.Longer || m.Difference.High != -1 {
		t.Errorf("Mixed: %+v", m.Difference)
	}
	s := strings.Join(MissingSentences(mt), "\n")
	for _, want := range []string{
		"Black people reported missing took longer to be found than White people: half were found within 5 hours (5 to 5), against 2 hours (2 to 5) for White people; the 95% interval for the difference, +3 hours (+3 to +3), leaves out 0.",
		"Asian people: no clear difference from White people in the time to be found",
		"Asian people: no clear difference from White people in the time to be found (median 2 hours (2 to 5), against 2 hours (2 to 5); the 95% interval for the difference, 0 hours (0 to 0), includes 0).",
		"People of Mixed or Multiple ethnicity reported missing were found sooner than White people: half were found within 1 hour (1 to 1), against 2 hours (2 to 5) for White people; the 95% interval for the difference, -1 hour (-1 to -1), leaves out 0.",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("sentences lack %q:\n%s", want, s)
		}
	}
}
