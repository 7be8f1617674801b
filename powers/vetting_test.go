package powers_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"candour/apperr"
	"candour/disparity"
	"candour/powers"
	"candour/stats"
	"candour/stats/disclosuretest"
	"candour/store"
	"candour/store/storetest"
)

func importVetting(t *testing.T, db *store.Store, b []byte) (*powers.ImportResult, error) {
	t.Helper()
	return powers.Import(context.Background(), db, powers.Vetting, bytes.NewReader(b), powers.ImportOptions{Force: "dorset", Source: "vetting-decisions-example.csv", By: "test"})
}

func buildVetting(t *testing.T, db *store.Store, from, to string) *powers.VettingReport {
	t.Helper()
	rep, err := powers.BuildVetting(context.Background(), db, "dorset", from, to)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestVettingAgainstHandCounts imports testdata/vetting-decisions-example.csv
// (226 decisions written for this test, see testdata/README.md). Counted by
// hand (decisions, refused, withdrawn): White 120, 10, 12; Black 40, 12, 4;
// Asian 25, 10, 2; Mixed 11, 0, 1; Other 10, 0, 0; not stated 20, 10, 3
// (one "Prefer not to say"); all 226, 42, 22. January to March 112 (one
// White decision at 2025-03-31T22:30:00Z, 23:30 BST, stays in March),
// April to June 114 (one Black decision at 2025-03-31T23:30:00Z, 00:30 BST
// on 1 April, is in April).
func TestVettingAgainstHandCounts(t *testing.T) {
	db := storetest.Open(t)
	b := read(t, "vetting-decisions-example.csv")
	res, err := importVetting(t, db, b)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 226 || len(res.ByMonth) != 6 || res.ByMonth[2].Rows != 36 || res.ByMonth[3].Rows != 40 {
		t.Fatalf("import %+v", res)
	}
	check := func(rep *powers.VettingReport) {
		t.Helper()
		row := map[string]powers.VettingRow{}
		for _, r := range rep.Rows {
			row[r.Group] = r
		}
		if tot := rep.Total; tot.Decisions != (powers.Count{Value: 226}) || tot.Refused != (powers.Count{Value: 42}) || tot.Withdrawn != (powers.Count{Value: 22}) {
			t.Errorf("total %+v", tot)
		}
		// Not stated first: 20 of 226 = 8.8%.
		if rep.NotStatedShare == nil || *rep.NotStatedShare != 20.0/226 {
			t.Errorf("not stated share %v", rep.NotStatedShare)
		}
		bl, w, as := row["Black"], row["White"], row["Asian"]
		// Black refusals 12 of 40 = 0.30, Wilson: centre (0.3 + 1.96²/80) / (1 + 1.96²/40)
		// = 0.317524, half 1.96 × sqrt(0.3 × 0.7/40 + 1.96²/6400) / 1.096037 = 0.136776:
		// 18.07% to 45.43%.
		if r := bl.RefusalRate; r == nil || !near(&r.Low, 0.18075, 5e-5) || !near(&r.High, 0.45430, 5e-5) {
			t.Errorf("Black refusal rate %+v", r)
		}
		// Against White 10 of 120: RR = 0.30 / 0.083333 = 3.6; SE = sqrt(1/12 − 1/40 +
		// 1/10 − 1/120) = sqrt(0.15) = 0.387298; exp(ln 3.6 ± 1.959964 × 0.387298) =
		// 1.6852 to 7.6906: flagged (and the gap, 0.30 − 0.083, excludes 0).
		if c := bl.RefusalRatio; !near(c.Ratio, 3.6, 1e-9) || !near(c.Low, 1.6852, 5e-4) || !near(c.High, 7.6906, 5e-4) || !c.Flag {
			t.Errorf("Black refusal ratio %+v", c)
		}
		// Asian 10 of 25 = 0.40: RR 4.8; SE = sqrt(1/10 − 1/25 + 1/10 − 1/120) = 0.389444;
		// exp(ln 4.8 ± 0.763297) = 2.2374 to 10.298.
		if c := as.RefusalRatio; !near(c.Ratio, 4.8, 1e-9) || !near(c.Low, 2.2374, 5e-4) || !near(c.High, 10.298, 5e-3) || !c.Flag {
			t.Errorf("Asian refusal ratio %+v", c)
		}
		// Mixed 0 of 11: ratio 0 with the Haldane–Anscombe interval, not flagged.
		if c := row["Mixed"].RefusalRatio; !near(c.Ratio, 0, 0) || c.Flag {
			t.Errorf("Mixed refusal ratio %+v", c)
		}
		// Withdrawals of 1 to 9 (Asian 2, Black 4, Mixed 1, not stated 3) are
		// "fewer than 10"; the total, 22, is shown, so one more must go: the
		// audit withholds White's 12 (12 + 2 + 4 + 1 + 0 + 3 = 22). Nothing is
		// worked out from a withheld count.
		for _, g := range []string{"Asian", "Black", "Mixed", "Not stated"} {
			if r := row[g]; r.Withdrawn.State != stats.Primary || r.Withdrawn.Text() != "fewer than 10" || r.WithdrawalRate != nil || r.WithdrawalRatio.Ratio != nil {
				t.Errorf("%s withdrawals shown: %+v", g, r)
			}
		}
		if w.Withdrawn.State != stats.Secondary || w.Withdrawn.Text() != "withheld" || bl.Decisions.State != stats.Shown {
			t.Errorf("White withdrawals %+v, Black decisions %+v", w.Withdrawn, bl.Decisions)
		}
		// The quarterly trend of all decisions: January to March 22 refusals of 112,
		// April to June 20 of 114; withdrawals 10 and 12.
		if len(rep.Quarters) != 2 || rep.Quarters[0].Label != "January to March 2025" || rep.Quarters[0].Total.Refused.Value != 22 ||
			rep.Quarters[0].Total.Decisions.Value != 112 || rep.Quarters[1].Total.Refused.Value != 20 || !rep.Quarters[1].Total.Withdrawn.Shown() {
			t.Errorf("quarters %+v", rep.Quarters)
		}
		s := strings.Join(powers.VettingSentences(rep), "\n")
		for _, want := range []string{"9% of the 226 decisions (20) had no self-defined ethnicity recorded.",
			"Applications from Black people were 3.6 times as likely as White applicants' to be refused (95% interval 1.7 to 7.7)."} {
			if !strings.Contains(s, want) {
				t.Errorf("sentences lack %q:\n%s", want, s)
			}
		}
	}
	check(buildVetting(t, db, "", ""))
	checkVettingBy(t, buildVetting(t, db, "", ""))
	// Importing the same file again replaces its months: the same figures.
	if res, err = importVetting(t, db, b); err != nil || len(res.Replaced) != 6 {
		t.Fatalf("re-import %+v %v", res, err)
	}
	check(buildVetting(t, db, "", ""))
}

// checkVettingBy checks the tables by sex, application type and vetting
// level against hand counts of testdata/vetting-decisions-example.csv
// (decisions, refused, withdrawn): Female 91, 18, 7; Male 90, 16, 12; not
// stated (empty) 45, 8, 3. Police officer 46, 10, 4; police staff 45, 7,
// 6; special constable 45, 9, 6; police support volunteer 45, 8, 3;
// contractor 45, 8, 3. RV 136, 26, 16; NPPV1 45, 8, 3; NPPV2 45, 8, 3.
// The audit (one release with the table by group) withholds every count of
// 1 to 9 and, so that none can be worked out: Female refusals (18) and
// Male withdrawals (12), police officers' refusals (10), and RV's refusals
// (26) and withdrawals (16).
func checkVettingBy(t *testing.T, rep *powers.VettingReport) {
	t.Helper()
	if len(rep.Breakdowns) != 3 || len(rep.Uncounted) != 0 {
		t.Fatalf("breakdowns %+v, uncounted %v", rep.Breakdowns, rep.Uncounted)
	}
	text := map[string]string{}
	for _, b := range rep.Breakdowns {
		for _, r := range b.Rows {
			text[b.Column+" "+r.Group] = r.Decisions.Text() + ", " + r.Refused.Text() + ", " + r.Withdrawn.Text()
		}
	}
	for key, want := range map[string]string{
		"Sex Female":                                "91, withheld, fewer than 10",
		"Sex Male":                                  "90, 16, withheld",
		"Sex Not stated":                            "45, fewer than 10, fewer than 10",
		"Application type Police officer":           "46, withheld, fewer than 10",
		"Application type Police staff":             "45, fewer than 10, fewer than 10",
		"Application type Special constable":        "45, fewer than 10, fewer than 10",
		"Application type Police support volunteer": "45, fewer than 10, fewer than 10",
		"Application type Contractor":               "45, fewer than 10, fewer than 10",
		"Vetting level RV":                          "136, withheld, withheld",
		"Vetting level NPPV1":                       "45, fewer than 10, fewer than 10",
		"Vetting level NPPV2":                       "45, fewer than 10, fewer than 10",
	} {
		if text[key] != want {
			t.Errorf("%s: %q, want %q", key, text[key], want)
		}
	}
	if len(text) != 11 {
		t.Errorf("%d lines, want 11 (values with no decisions are left out): %v", len(text), text)
	}
	// Male refusals 16 of 90 = 0.177778, Wilson: centre (0.177778 + 1.96²/180)
	// / (1 + 1.96²/90) = 0.199121 / 1.042683 = 0.190970, half 1.96 ×
	// sqrt(0.177778 × 0.822222/90 + 1.96²/32400) / 1.042683 = 0.078470:
	// 11.25% to 26.94%. Nothing is worked out from a withheld count.
	male := rep.Breakdowns[0].Rows[1]
	if r := male.RefusalRate; male.Group != "Male" || r == nil || !near(&r.Low, 0.11250, 5e-5) || !near(&r.High, 0.26944, 5e-5) || male.WithdrawalRate != nil {
		t.Errorf("Male: %+v", male)
	}
	if rv := rep.Breakdowns[2].Rows[0]; rv.RefusalRate != nil || rv.WithdrawalRate != nil {
		t.Errorf("RV rates from withheld counts: %+v", rv)
	}
}

// attackVetting reads the period's table as a reader would (every count
// shown, the labels of those withheld) with the relations anyone can see
// (the groups add up to the total; in each line refusals, withdrawals and
// the decisions cleared, never shown, add up to the decisions) and bounds
// every "fewer than 10" count.
func attackVetting(t *testing.T, rep *powers.VettingReport) *disclosuretest.Result {
	t.Helper()
	k := disclosuretest.New()
	measures := []string{"decisions", "refused", "withdrawn"}
	if err := k.Constant("nine", 9); err != nil {
		t.Fatal(err)
	}
	add := func(r powers.VettingRow) {
		cs := []powers.Count{r.Decisions, r.Refused, r.Withdrawn}
		for i, c := range cs {
			name := r.Group + " " + measures[i]
			if err := k.Cell(name, c.State, c.Value); err != nil {
				t.Fatal(err)
			}
			// "Fewer than 10": a reader knows it is at most 9.
			if c.State == stats.Primary {
				if err := k.AtMost([]string{name}, "nine"); err != nil {
					t.Fatal(err)
				}
			}
		}
		cleared := r.Decisions.Value - r.Refused.Value - r.Withdrawn.Value
		if err := k.Cell(r.Group+" cleared", stats.Unpublished, cleared); err != nil {
			t.Fatal(err)
		}
		if err := k.Sum([]string{r.Group + " refused", r.Group + " withdrawn", r.Group + " cleared"}, r.Group+" decisions"); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range rep.Rows {
		add(r)
	}
	add(rep.Total)
	for _, m := range measures {
		var parts []string
		for _, r := range rep.Rows {
			parts = append(parts, r.Group+" "+m)
		}
		if err := k.Sum(parts, "All "+m); err != nil {
			t.Fatal(err)
		}
	}
	// The tables by sex, application type and vetting level: each value's
	// line adds up like a group's, and each table's values add up to the
	// same totals.
	for _, b := range rep.Breakdowns {
		for _, r := range b.Rows {
			r.Group = b.Column + " " + r.Group
			add(r)
		}
		for _, m := range measures {
			var parts []string
			for _, r := range b.Rows {
				parts = append(parts, b.Column+" "+r.Group+" "+m)
			}
			if err := k.Sum(parts, "All "+m); err != nil {
				t.Fatal(err)
			}
		}
	}
	res, err := k.Attack(stats.ProtectionMargin)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestVettingTableCannotBeSubtracted attacks the published table: no
// withheld count of 1 to 9 can be narrowed to less than 5 either side of
// its value. With only the small counts withheld (no secondary
// suppression), the same attack recovers them, so the test can fail.
func TestVettingTableCannotBeSubtracted(t *testing.T) {
	db := storetest.Open(t)
	if _, err := importVetting(t, db, read(t, "vetting-decisions-example.csv")); err != nil {
		t.Fatal(err)
	}
	rep := buildVetting(t, db, "", "")
	res := attackVetting(t, rep)
	// 4 "fewer than 10" counts in the table by group, 16 in the tables by
	// sex (3), type (8) and level (4).
	if res.Withheld != 20 || len(res.Pinned) > 0 || len(res.Undecided) > 0 {
		t.Fatalf("attack on the published table: %d withheld, pinned %v, undecided %v", res.Withheld, res.Pinned, res.Undecided)
	}
	// Had the tables by sex, type and level been published without the
	// audit (only their counts of 1 to 9 withheld), subtraction gives
	// counts away: not-stated refusals by sex are 42 − 18 (Female) − 16
	// (Male) = 8 exactly, and NPPV1's refusals are 42 − 26 (RV) − NPPV2's,
	// at most 9, so 7 to 9.
	unaudited := *rep
	unaudited.Breakdowns = nil
	for _, b := range rep.Breakdowns {
		nb := powers.VettingBreakdown{Column: b.Column}
		for _, r := range b.Rows {
			for _, c := range []*powers.Count{&r.Decisions, &r.Refused, &r.Withdrawn} {
				if c.State == stats.Secondary {
					c.State = stats.Shown
				}
			}
			nb.Rows = append(nb.Rows, r)
		}
		unaudited.Breakdowns = append(unaudited.Breakdowns, nb)
	}
	pinned := map[string][2]int64{}
	for _, p := range attackVetting(t, &unaudited).Pinned {
		pinned[p.Name] = [2]int64{p.Lo, p.Hi}
	}
	if pinned["Sex Not stated refused"] != [2]int64{8, 8} || pinned["Vetting level NPPV1 refused"] != [2]int64{7, 9} {
		t.Fatalf("the attack on the tables published without the audit: %v", pinned)
	}
	// Had only one small count been withheld (Mixed's 1 withdrawal, the
	// others shown), subtraction recovers it: 22 − 12 − 2 − 4 − 0 − 3 = 1.
	for i := range rep.Rows {
		if rep.Rows[i].Group != "Mixed" {
			rep.Rows[i].Withdrawn.State = stats.Shown
		}
	}
	if res := attackVetting(t, rep); len(res.Pinned) != 1 || res.Pinned[0].Lo != 1 || res.Pinned[0].Hi != 1 {
		t.Fatalf("the attack did not recover the one withheld count: %+v", res)
	}
	// Each quarter alone is its own release: audited the same way.
	for _, q := range [][2]string{{"2025-01", "2025-03"}, {"2025-04", "2025-06"}} {
		if res := attackVetting(t, buildVetting(t, db, q[0], q[1])); len(res.Pinned) > 0 || len(res.Undecided) > 0 {
			t.Errorf("%v: pinned %v, undecided %v", q, res.Pinned, res.Undecided)
		}
	}
}

// TestVettingRefusals: a bad file is refused whole, naming every wrong line.
func TestVettingRefusals(t *testing.T) {
	db := storetest.Open(t)
	head := powers.Vetting.Header() + "\n"
	file := head +
		"2025-01-05,Police officer,RV,Cleared,White: Irish,Female\n" +
		"2025-01-06,Police officer,RV,Rejected,White: Irish,Female\n" +
		"5 January,Police staff,XX,Refused,Martian,\n"
	_, err := powers.Import(context.Background(), db, powers.Vetting, strings.NewReader(file), powers.ImportOptions{Force: "dorset"})
	if !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{`line 3, Outcome: "Rejected" is not one of`, `line 4, Decision date`, `line 4, Vetting level`, `line 4, Self-defined ethnicity`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal lacks %q: %v", want, err)
		}
	}
	if ms, err := db.PowerMonths(context.Background(), powers.Vetting.Kind, "dorset", "", ""); err != nil || len(ms) != 0 {
		t.Fatalf("stored after a refusal: %v %v", ms, err)
	}
	// Restricted: no shared list, lookup or public route finds it.
	if _, ok := powers.Lookup("vetting"); ok {
		t.Error("vetting is found by Lookup")
	}
	for _, d := range powers.All() {
		if d.Restricted {
			t.Errorf("All lists %s", d.Kind)
		}
	}
}

// TestVettingMonthImportedBeforeBreakdowns: a month stored before decisions
// were counted by sex, type and level (its counters have none) is named,
// and no table by sex, type or level is shown rather than one missing it.
func TestVettingMonthImportedBeforeBreakdowns(t *testing.T) {
	db := storetest.Open(t)
	if _, err := importVetting(t, db, read(t, "vetting-decisions-example.csv")); err != nil {
		t.Fatal(err)
	}
	old := store.PowerPart{Key: "2024-12", Source: "old.csv", Records: 12, Cells: []store.PowerCell{
		{Basis: disparity.SelfDefined, Dim: "all", Group: "White", Searches: 12},
		{Basis: disparity.SelfDefined, Dim: "Outcome", Value: powers.VettingCleared, Group: "White", Searches: 12},
	}}
	if _, err := db.PutPowerPartMonth(context.Background(), powers.Vetting.Kind, "dorset", "2024-12", old); err != nil {
		t.Fatal(err)
	}
	rep := buildVetting(t, db, "", "")
	if len(rep.Uncounted) != 1 || rep.Uncounted[0] != "2024-12" || rep.Breakdowns != nil {
		t.Fatalf("uncounted %v, breakdowns %+v", rep.Uncounted, rep.Breakdowns)
	}
	if rep := buildVetting(t, db, "2025-01", "2025-06"); len(rep.Uncounted) != 0 || len(rep.Breakdowns) != 3 {
		t.Fatalf("without the old month: uncounted %v, %d breakdowns", rep.Uncounted, len(rep.Breakdowns))
	}
}
