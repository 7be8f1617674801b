//go:build !race

package survey

import (
	"strconv"
	"testing"

	"candour/stats"
)

// This file is built only without the race detector, so make test must
// run it in a run of its own without -race:
//
//	go test -tags ferretdb_no_postgresql -count=1 -run '^TestAttackFindsNothingOnGeneratedSurveys$' ./survey/
//
// TestAttackFindsNothingOnGeneratedSurveys starts no goroutine, and
// nothing it calls does (the survey's audit, the attack's linear programs,
// surveytest reading the CSV: pure computation in the test's own
// goroutine), so the race detector has nothing to find in it; under -race
// it was two thirds of this package's CPU (13 s of 19 s; 6.6 s without).
// The same audit and attack still run under -race in
// TestHiddenGroupNotRecovered, TestSmallNotStatedNotRecovered and the
// demo's TestDemoSurveysAgainstTheAttack.

// TestAttackFindsNothingOnGeneratedSurveys: surveys with many small cells,
// attacked through everything published at once (surveytest reads the
// CSV, which carries every figure of the results page, the public summary
// and `candour report survey`); no withheld count of 1 to 9 may be
// narrowed to less than 5 either side of its value (no lower than 0). The
// audit's witnesses are handed to the attack, which checks each against
// the relations it worked out for itself from the CSV and the
// questionnaire; where a witness does not check out it searches on its own.
func TestAttackFindsNothingOnGeneratedSurveys(t *testing.T) {
	for _, c := range []struct {
		n    int
		seed uint64
	}{{60, 1}, {150, 4}, {400, 3}} {
		t.Run(strconv.Itoa(c.n), func(t *testing.T) {
			sv, ts := smallCellSurvey(t, c.n, c.seed)
			rl := buildRelease(newSource(sv, sv.Version(1), ts))
			if rl.witnesses == nil {
				t.Fatal("the audit fell back to withholding everything")
			}
			shown, withheld := 0, 0
			for i, st := range rl.mask {
				switch {
				case !rl.Public[i] || rl.Constants[i]:
				case st == stats.Shown:
					shown++
				case st == stats.Secondary:
					withheld++
				}
			}
			res := attack(t, sv, ts)
			if res.Withheld < 20 {
				t.Fatalf("only %d counts are fewer than 10: the test needs small cells", res.Withheld)
			}
			for _, u := range res.Undecided {
				t.Errorf("undecided: %s", u)
			}
			for _, p := range res.Pinned {
				t.Errorf("pinned: %s", p)
			}
			t.Logf("%d respondents: %d counts of 1 to 9 withheld, none pinned; %d more withheld to protect them, %d shown", c.n, res.Withheld, withheld, shown)
		})
	}
}
