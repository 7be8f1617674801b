package powers_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"candour/disparity"
	"candour/powers"
	"candour/store/storetest"
)

// TestUseOfForceIncidentsAgainstHandCounts imports
// testdata/use-of-force-incidents-example.csv (40 rows written for this
// test, see testdata/README.md; no force publishes its incident records).
// By hand, officer-perceived ethnicity: White 24, Black (or Black British)
// 10, Asian (or Asian British) 2, Not reported 4. Two Black rows are dated
// 2024-03-31T23:30:00Z and 23:45Z, which are 00:30 and 00:45 BST on
// 1 April: March has 12 + 4 + 2 + 2 = 20 incidents, April 12 + 6 + 2 = 20.
func TestUseOfForceIncidentsAgainstHandCounts(t *testing.T) {
	db := storetest.Open(t)
	loadPopulation(t, db)
	res, err := powers.Import(context.Background(), db, powers.UseOfForceIncidents, bytes.NewReader(read(t, "use-of-force-incidents-example.csv")),
		powers.ImportOptions{Force: "dorset", Source: "use-of-force-incidents-example.csv", By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 40 || len(res.ByMonth) != 2 || res.ByMonth[0] != (disparity.MonthRows{Month: "2024-03", Rows: 20}) || res.ByMonth[1] != (disparity.MonthRows{Month: "2024-04", Rows: 20}) {
		t.Fatalf("import %+v", res)
	}
	rep := build(t, db, powers.UseOfForceIncidents, "", "")
	if rep.Events != 40 || rep.NotStated != 4 {
		t.Fatalf("events %d, not reported %d; want 40, 4", rep.Events, rep.NotStated)
	}
	b, w := rep.Group("Black"), rep.Group("White")
	// Black 10 × 1000 / 5,315 = 1.8815; White 24 × 1000 / 733,925 = 0.032701.
	// Ratio 57.536, SE = sqrt(1/10 − 1/5315 + 1/24 − 1/733925) = 0.37613:
	// exp(ln 57.536 ± 1.96 × 0.37613) = 27.53 to 120.26.
	if b.Events != 10 || w.Events != 24 || !near(b.Rate, 1.8815, 5e-5) || !near(w.Rate, 0.032701, 5e-7) ||
		!near(b.Ratio, 57.536, 5e-3) || !near(b.RatioLow, 27.53, 5e-3) || !near(b.RatioHigh, 120.26, 5e-3) || !b.Flag {
		t.Errorf("Black %+v", b)
	}
	// Escalation to each tactic, Wilson 95%: Taser Black 3 of 10 = 30%
	// (10.78% to 60.32%), White 2 of 24 = 8.3% (2.32% to 25.85%); ground
	// restraint Black 4 of 10 = 40% (16.82% to 68.73%), White 6 of 24 = 25%
	// (12.00% to 44.90%); handcuffing Black 8 of 10 (49.02% to 94.33%).
	for _, c := range []struct {
		group string
		i     int
		k, n  int64
		l, h  float64
	}{
		{"Black", 2, 3, 10, 0.1078, 0.6032}, {"White", 2, 2, 24, 0.0232, 0.2585},
		{"Black", 1, 4, 10, 0.1682, 0.6873}, {"White", 1, 6, 24, 0.1200, 0.4490},
		{"Black", 0, 8, 10, 0.4902, 0.9433}, {"White", 5, 0, 24, 0, 0.1380},
	} {
		sh := rep.Group(c.group).Shares[c.i]
		if sh.K != c.k || sh.N != c.n || !near(sh.Low, c.l, 5e-4) || !near(sh.High, c.h, 5e-4) {
			t.Errorf("%s %s: %+v, want %d of %d (%v to %v)", c.group, sh.Key, sh, c.k, c.n, c.l, c.h)
		}
	}
	// By main reason: Protect self White 10, Black 4, not reported 2 = 16;
	// Effect arrest 8 + 5 + 2 + 2 = 17; Prevent harm 6 + 1 = 7. Shares of
	// each group's incidents: Black protect self 4 of 10 = 40% (16.82% to
	// 68.73%), White effect arrest 8 of 24 = 33.3% (17.97% to 53.29%).
	reasons := map[string]powers.BreakdownRow{}
	for _, r := range rep.Breakdowns["Main reason"] {
		reasons[r.Value] = r
	}
	if len(reasons) != 3 || reasons["Protect self"].Records != 16 || reasons["Effect arrest"].Records != 17 || reasons["Prevent harm"].Records != 7 {
		t.Errorf("reasons %+v", reasons)
	}
	if sh := reasons["Protect self"].Shares["Black"]; sh.K != 4 || sh.N != 10 || !near(sh.Low, 0.1682, 5e-4) || !near(sh.High, 0.6873, 5e-4) {
		t.Errorf("Black protect self %+v", sh)
	}
	if sh := reasons["Effect arrest"].Shares["White"]; sh.K != 8 || sh.N != 24 || !near(sh.Low, 0.1797, 5e-4) || !near(sh.High, 0.5329, 5e-4) {
		t.Errorf("White effect arrest %+v", sh)
	}
	// Subject injury: Black 2 minor and 1 severe of 10; White 4 minor of 24.
	// Officer injury: Black 1 minor, White 2 minor. Outcome: arrested White
	// 18, Black 8, Asian 2, not reported 3 = 31; 1 fled (not reported).
	count := func(dim, value, group string) int64 {
		for _, r := range rep.Breakdowns[dim] {
			if r.Value == value {
				return r.ByGroup[group]
			}
		}
		return -1
	}
	for _, c := range []struct {
		dim, value, group string
		want              int64
	}{
		{"Subject injury", "Minor injury", "Black", 2}, {"Subject injury", "Severe injury", "Black", 1},
		{"Subject injury", "Minor injury", "White", 4}, {"Officer injury", "Minor injury", "Black", 1},
		{"Officer injury", "Minor injury", "White", 2}, {"Outcome", "Arrested", "White", 18},
		{"Outcome", "Arrested", "Black", 8}, {"Outcome", "Fled", "Not stated", 1},
	} {
		if got := count(c.dim, c.value, c.group); got != c.want {
			t.Errorf("%s %s %s: %d, want %d", c.dim, c.value, c.group, got, c.want)
		}
	}
	// Black severe injury 1 of 10 = 10% (1.79% to 40.42%).
	for _, r := range rep.Breakdowns["Subject injury"] {
		if r.Value == "Severe injury" {
			if sh := r.Shares["Black"]; sh.K != 1 || sh.N != 10 || !near(sh.Low, 0.0179, 5e-4) || !near(sh.High, 0.4042, 5e-4) {
				t.Errorf("Black severe injury %+v", sh)
			}
		}
	}
	words := strings.Join(powers.Sentences(rep), " ")
	for _, want := range []string{
		"10% of the incidents (4 of 40) had no officer-perceived ethnicity recorded.",
		"Black people were 57.5 times as likely as White people to have force used on them (95% interval 27.5 to 120.3).",
		"Of incidents of Black people, 30% (3 of 10) escalated to Taser (95% interval 11% to 60%).",
	} {
		if !strings.Contains(words, want) {
			t.Errorf("sentences lack %q:\n%s", want, words)
		}
	}
}

// TestUseOfForceTacticSharesFromTheRealTable: the Home Office table for
// Dorset, 2019-20 (testdata), by tactic, as shares of each group's uses
// ("*Total Tactics": Black 768, White 11,240). Ground restraint: Black
// 154 of 768 = 20.05% (Wilson 17.37% to 23.03%), White 2,205 of 11,240 =
// 19.62% (18.89% to 20.36%). "Handcuffing, of which": Black 393 of 768 =
// 51.17% (47.64% to 54.69%).
func TestUseOfForceTacticSharesFromTheRealTable(t *testing.T) {
	db := storetest.Open(t)
	loadPopulation(t, db)
	importForce(t, db, "use-of-force-dorset-2019-20-by-ethnicity-extract.csv", "2019-20")
	rep := build(t, db, powers.UseOfForce, "2019-20", "2019-20")
	rows := map[string]powers.BreakdownRow{}
	for _, r := range rep.Breakdowns["Tactic"] {
		rows[r.Value] = r
	}
	for _, c := range []struct {
		tactic, group string
		k, n          int64
		l, h          float64
	}{
		{"Ground restraint", "Black", 154, 768, 0.1737, 0.2303},
		{"Ground restraint", "White", 2205, 11240, 0.1889, 0.2036},
		{"Handcuffing, of which", "Black", 393, 768, 0.4764, 0.5469},
	} {
		sh := rows[c.tactic].Shares[c.group]
		if sh.K != c.k || sh.N != c.n || !near(sh.Low, c.l, 5e-4) || !near(sh.High, c.h, 5e-4) {
			t.Errorf("%s %s: %+v", c.tactic, c.group, sh)
		}
	}
	if _, ok := rows["Ground restraint"].Shares["Mixed"]; ok {
		t.Error("Mixed, not recorded, has a share")
	}
}
