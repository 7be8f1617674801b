package powers_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"candour/apperr"
	"candour/powers"
	"candour/store"
	"candour/store/storetest"
)

func importMissing(t *testing.T, db *store.Store, b []byte) (*powers.ImportResult, error) {
	t.Helper()
	return powers.Import(context.Background(), db, powers.MissingPeople, bytes.NewReader(b), powers.ImportOptions{Force: "dorset", Source: "missing-people-example.csv", By: "test"})
}

// TestMissingPeopleAgainstHandCounts imports testdata/missing-people-example.csv
// (79 episodes written for this test, see testdata/README.md). Hours to
// find, sorted, by hand:
//
//	White (40): 1×4, 2×4, 3×4, 4×4, 6×4, 8×4, 12×4, 30×4, 48×4, 72×4
//	Black (24): 3×3, 10×3, 20×3, 24×3, 36×2, 100×8, not yet found ×2
//	Asian 3 and not stated 12, 5 hours each.
//
// One White episode runs from 00:30 to 03:30 UK time on 30 March 2025,
// when the clocks went forward at 01:00: 2 hours, not 3. One Black episode
// reported at 2025-03-31T23:30:00Z (00:30 BST) is filed in April.
func TestMissingPeopleAgainstHandCounts(t *testing.T) {
	db := storetest.Open(t)
	loadPopulation(t, db)
	b := read(t, "missing-people-example.csv")
	res, err := importMissing(t, db, b)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 79 || len(res.ByMonth) != 2 {
		t.Fatalf("import %+v", res)
	}
	// March: White 20 episodes, 4 of them 2 hours (the one over the clock
	// change among them: 3 hours would make 5 of 3 hours); Black 11 (the
	// twelfth is April's).
	march, err := db.PowerMonth(context.Background(), powers.MissingPeople.Kind, "dorset", "2025-03")
	if err != nil {
		t.Fatal(err)
	}
	cell := func(dim, value, group string) int64 {
		var n int64
		for _, c := range march.Cells {
			if c.Dim == dim && c.Value == value && c.Group == group {
				n += c.Searches
			}
		}
		return n
	}
	if cell("hours", "2", "White") != 4 || cell("hours", "3", "White") != 4 || cell("all", "", "Black") != 11 || cell("all", "", "White") != 20 {
		t.Errorf("March: White 2 hours %d, 3 hours %d; Black %d, White %d", cell("hours", "2", "White"), cell("hours", "3", "White"), cell("all", "", "Black"), cell("all", "", "White"))
	}
	mt, err := powers.BuildMissingTimes(context.Background(), db, "dorset", "", "")
	if err != nil {
		t.Fatal(err)
	}
	rep := mt.Report
	w, bl := rep.Group("White"), rep.Group("Black")
	// Episodes per 1,000 residents: Black 24/5,315 against White 40/733,925:
	// ratio 82.85, SE = sqrt(1/24 − 1/5315 + 1/40 − 1/733925) = 0.2576,
	// interval 49.98 to 137.33.
	if !near(bl.Ratio, 82.851, 5e-3) || !near(bl.RatioLow, 49.98, 5e-3) || !near(bl.RatioHigh, 137.33, 5e-3) || !bl.Flag {
		t.Errorf("Black ratio %+v", bl)
	}
	// Shares with Wilson intervals (open episodes count as not found):
	// found within 24 hours White 28/40 = 70% (54.57% to 81.93%), Black 12/24 =
	// 50% (31.43% to 68.57%); within 72 hours White 40/40 (91.24% to 100%),
	// Black 14/24 (38.84% to 75.53%); repeats White 10/40 (14.19% to 40.19%),
	// Black 10/24 (24.47% to 61.17%).
	for _, c := range []struct {
		g       powers.GroupFigures
		i       int
		k, n    int64
		lo, hi  float64
		summary string
	}{
		{w, 0, 28, 40, 0.54570, 0.81925, "White 24h"}, {bl, 0, 12, 24, 0.31427, 0.68573, "Black 24h"},
		{w, 1, 40, 40, 0.91238, 1, "White 72h"}, {bl, 1, 14, 24, 0.38835, 0.75532, "Black 72h"},
		{w, 2, 10, 40, 0.14187, 0.40194, "White repeats"}, {bl, 2, 10, 24, 0.24468, 0.61165, "Black repeats"},
	} {
		sh := c.g.Shares[c.i]
		if sh.K != c.k || sh.N != c.n || !near(sh.Low, c.lo, 5e-5) || !near(sh.High, c.hi, 5e-5) {
			t.Errorf("%s: %+v", c.summary, sh)
		}
	}
	times := map[string]powers.GroupTimes{}
	for _, g := range mt.Groups {
		times[g.Group] = g
	}
	// White median, 40 episodes: rank ⌈40 × 0.5⌉ = 20, the 20th smallest, 6 hours.
	// Interval (Binomial(40, 0.5)): P(B ≤ 13) = 0.01924 ≤ 2.5% < P(B ≤ 14) =
	// 0.04035, so l = 14; by symmetry u = 27: the 14th (4 hours) to the 27th (12
	// hours), coverage 1 − 2 × 0.01924 = 0.9615.
	wm := times["White"].Median
	if wm == nil || wm.Hours != 6 || wm.LowRank != 14 || wm.HighRank != 27 || wm.Low != 4 || wm.High != 12 || !near(&wm.Coverage, 0.96152, 5e-5) {
		t.Errorf("White median %+v", wm)
	}
	// White 90th percentile: rank 36, 48 hours; P(B ≤ 31) = 0.0155 for
	// Binomial(40, 0.9), l = 32 (30 hours); P(B ≥ 40) = 0.9^40 = 0.0148, u = 40
	// (72 hours).
	if p := times["White"].P90; p == nil || p.Hours != 48 || p.Low != 30 || p.High != 72 {
		t.Errorf("White 90th percentile %+v", p)
	}
	// Black median, 24 episodes: rank 12, 24 hours; P(B ≤ 6) = 0.01133 ≤ 2.5% <
	// P(B ≤ 7) = 0.03196, so l = 7 (20 hours) and u = 18 (100 hours).
	bm := times["Black"].Median
	if bm == nil || bm.Hours != 24 || bm.Low != 20 || bm.High != 100 {
		t.Errorf("Black median %+v", bm)
	}
	// The difference, Black − White, 24 − 6 = 18 hours, with the exact
	// percentile bootstrap interval (stats.MedianDifference). A resample's
	// median is at most x when at least half its draws are: Black's is at
	// most 10 hours with P(Binomial(24, 6/24) ≥ 12) = 0.0072, at most 20
	// with P(Binomial(24, 9/24) ≥ 12) = 0.1462; White's is at least 12 hours
	// with P(Binomial(40, 24/40) ≤ 19) = 0.0744. Over every pair of medians,
	// P(D ≤ 9) = 0.0192 < 2.5% ≤ P(D ≤ 12) = 0.1009 (12 = 20 − 8), and
	// P(D ≤ 92) = 0.9154 < 97.5% ≤ P(D ≤ 94) = 0.9805 (94 = 100 − 6): the
	// interval, 12 to 94 hours, leaves out 0, so Black people took longer.
	if g := times["Black"]; g.Difference == nil || g.Difference.Low != 12 || g.Difference.High != 94 || !g.Longer || g.DifferenceText() != "+18 hours (+12 to +94)" {
		t.Errorf("Black − White %+v %q", g.Difference, g.DifferenceText())
	}
	// Black 90th percentile: rank ⌈21.6⌉ = 22, 100 hours; no upper end
	// (P(B ≥ 24) = 0.9^24 = 0.080 > 2.5%).
	if p := times["Black"].P90; p == nil || p.Hours != 100 || p.HasHigh || p.Low != 100 {
		t.Errorf("Black 90th percentile %+v", p)
	}
	if times["Asian"].Median != nil || !times["Asian"].Withheld {
		t.Errorf("Asian (3 episodes) has times: %+v", times["Asian"])
	}
	s := strings.Join(powers.MissingSentences(mt), "\n")
	if want := "Black people reported missing took longer to be found than White people: half were found within 24 hours (20 to 100), against 6 hours (4 to 12) for White people; the 95% interval for the difference, +18 hours (+12 to +94), leaves out 0."; !strings.Contains(s, want) {
		t.Errorf("sentences lack %q:\n%s", want, s)
	}
}

// TestMissingPeopleRefusals: bad times, a found time before the report
// and a person key that is not a hash (a name) are refused, naming lines.
func TestMissingPeopleRefusals(t *testing.T) {
	db := storetest.Open(t)
	key := strings.Repeat("ab", 32)
	file := powers.MissingPeople.Header() + "\n" +
		"2025-03-02T09:00:00,2025-03-02T10:00:00Z,Low,White: Irish,18-24," + key + "\n" +
		"2025-03-02T09:00:00,2025-03-01T10:00:00Z,Low,White: Irish,18-24," + key + "\n" +
		"2025-03-02T09:00:00,,High,White: Irish,18-24,Jane Smith\n" +
		"2025-03-02,,High,White: Irish,18-24," + key + "\n"
	_, err := powers.Import(context.Background(), db, powers.MissingPeople, strings.NewReader(file), powers.ImportOptions{Force: "dorset"})
	if !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"line 3, Found at: is before the time", "line 4, Person key: is not a person key", `line 5, Reported at: "2025-03-02" is not a time`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal lacks %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "Jane") {
		t.Error("the refusal repeats a name")
	}
	if ms, err := db.PowerMonths(context.Background(), powers.MissingPeople.Kind, "dorset", "", ""); err != nil || len(ms) != 0 {
		t.Fatalf("stored after a refusal: %v %v", ms, err)
	}
}

// TestMissingPeopleRepeatsByKey: an episode is a repeat when its person
// key, the SHA-256 it spells, came earlier in the file. 30 White episodes
// in March 2025: 10 people, then the same 10 keys written in capitals
// (the same SHA-256: 10 repeats), then 10 keys that differ from the
// first 10 only in their last digit (10 other people). Repeats 10 of 30.
func TestMissingPeopleRepeatsByKey(t *testing.T) {
	db := storetest.Open(t)
	loadPopulation(t, db)
	var file strings.Builder
	file.WriteString(powers.MissingPeople.Header() + "\n")
	episode := func(key string) {
		file.WriteString("2025-03-02T09:00:00,2025-03-02T10:00:00Z,Low,White: Irish,18-24," + key + "\n")
	}
	for i := range 10 {
		episode(fmt.Sprintf("%063xa", i))
	}
	for i := range 10 {
		episode(strings.ToUpper(fmt.Sprintf("%063xa", i)))
	}
	for i := range 10 {
		episode(fmt.Sprintf("%063xb", i))
	}
	if _, err := importMissing(t, db, []byte(file.String())); err != nil {
		t.Fatal(err)
	}
	rep := build(t, db, powers.MissingPeople, "", "")
	if sh := rep.Group("White").Shares[2]; sh.K != 10 || sh.N != 30 {
		t.Errorf("White repeats %d of %d, want 10 of 30", sh.K, sh.N)
	}
}
