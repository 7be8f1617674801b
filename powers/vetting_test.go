package powers_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

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
	// Importing the same file again replaces its months: the same figures.
	if res, err = importVetting(t, db, b); err != nil || len(res.Replaced) != 6 {
		t.Fatalf("re-import %+v %v", res, err)
	}
	check(buildVetting(t, db, "", ""))
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
	add := func(r powers.VettingRow) {
		cs := []powers.Count{r.Decisions, r.Refused, r.Withdrawn}
		for i, c := range cs {
			if err := k.Cell(r.Group+" "+measures[i], c.State, c.Value); err != nil {
				t.Fatal(err)
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
	if res.Withheld != 4 || len(res.Pinned) > 0 || len(res.Undecided) > 0 {
		t.Fatalf("attack on the published table: %d withheld, pinned %v, undecided %v", res.Withheld, res.Pinned, res.Undecided)
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
	if !powers.IsRefusal(err) {
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
