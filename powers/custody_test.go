package powers_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"candour/disparity"
	"candour/powers"
	"candour/store/storetest"
)

// TestCustodyStripSearchesAgainstHandCounts imports
// testdata/custody-strip-search-example.csv (117 rows written for this
// test, see testdata/README.md). By hand, self-defined ethnicity:
// children (Child Yes, 10 to 17) White 24, Black 21, Asian 12, Mixed 2 =
// 59; adults White 40, Black 12, Asian 5, Other 3, not stated 10 (8 "Not
// stated", 2 empty) = 70. All: White 64, Black 33, Asian 17, Mixed 2,
// Other 3, not stated 10 = 129. Boundary rows: 2024-03-31T00:30:00Z is 00:30 GMT
// (the clocks go forward at 01:00 UTC): March; 2024-03-31T23:30:00Z is
// 00:30 BST on 1 April: April; 2024-04-30T23:30:00Z is 1 May in BST: May;
// "2024-03-31 23:59" is London time: March. So March 65, April 63, May 1.
func TestCustodyStripSearchesAgainstHandCounts(t *testing.T) {
	db := storetest.Open(t)
	loadPopulation(t, db)
	res, err := powers.Import(context.Background(), db, powers.CustodyStripSearch, bytes.NewReader(read(t, "custody-strip-search-example.csv")),
		powers.ImportOptions{Force: "dorset", Source: "custody-strip-search-example.csv", By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	want := []disparity.MonthRows{{Month: "2024-03", Rows: 65}, {Month: "2024-04", Rows: 63}, {Month: "2024-05", Rows: 1}}
	if res.Rows != 129 || len(res.ByMonth) != 3 || res.ByMonth[0] != want[0] || res.ByMonth[1] != want[1] || res.ByMonth[2] != want[2] {
		t.Fatalf("import %+v", res)
	}
	rep := build(t, db, powers.CustodyStripSearch, "", "")
	if rep.Events != 129 || rep.NotStated != 10 {
		t.Fatalf("events %d, not stated %d; want 129, 10", rep.Events, rep.NotStated)
	}
	b, w := rep.Group("Black"), rep.Group("White")
	// Black 33 × 1000 / 5,315 = 6.2088; White 64 × 1000 / 733,925 = 0.087202.
	// Ratio 71.200, SE = sqrt(1/33 − 1/5315 + 1/64 − 1/733925) = 0.21387:
	// exp(ln 71.2 ± 1.96 × 0.21387) = 46.82 to 108.28.
	if b.Events != 33 || w.Events != 64 || !near(b.Rate, 6.2088, 5e-4) || !near(w.Rate, 0.087202, 5e-6) ||
		!near(b.Ratio, 71.200, 5e-3) || !near(b.RatioLow, 46.82, 5e-3) || !near(b.RatioHigh, 108.27, 1e-2) || !b.Flag || b.Suppressed {
		t.Errorf("Black %+v", b)
	}
	// Mixed 2, Other 3: fewer than 10, withheld. Their sum, 5, is the shown
	// total less the rest (129 − 64 − 33 − 17 − 10), so Mixed could be at
	// most 5, not its 2 + 5: the audit (stats.Protect) withholds the
	// smallest other count with them, not stated (10), which it is offered
	// first. Asian (17) is shown.
	for _, g := range []string{"Mixed", "Other"} {
		if gf := rep.Group(g); !gf.Suppressed || gf.Rate != nil {
			t.Errorf("%s shown: %+v", g, gf)
		}
	}
	if !rep.NotStatedSuppressed || rep.Group("Asian").Suppressed {
		t.Errorf("not stated withheld %v, Asian withheld %v", rep.NotStatedSuppressed, rep.Group("Asian").Suppressed)
	}
	// Found something, Wilson: White 18 of 64 = 28.1% (18.59% to 40.13%);
	// Black 12 of 33 = 36.4% (22.19% to 53.38%). Of children: White 24 of
	// 64 (26.67% to 49.75%), Black 21 of 33 = 63.6% (46.62% to 77.81%).
	for _, c := range []struct {
		group string
		i     int
		k, n  int64
		l, h  float64
	}{
		{"White", 0, 18, 64, 0.18593, 0.40134}, {"Black", 0, 12, 33, 0.22187, 0.53384},
		{"White", 1, 24, 64, 0.26666, 0.4975}, {"Black", 1, 21, 33, 0.46616, 0.77813},
	} {
		sh := rep.Group(c.group).Shares[c.i]
		if sh.K != c.k || sh.N != c.n || !near(sh.Low, c.l, 5e-4) || !near(sh.High, c.h, 5e-4) {
			t.Errorf("%s %s: %+v", c.group, sh.Key, sh)
		}
	}

	// Children first: White 24, Black 21, Asian 12, Mixed 2 (59). No rates (no
	// population of children); Mixed 2 withheld, and since 59 − 24 − 21 −
	// 12 would give it away, the audit withholds not stated (0, offered
	// first, which alone does not protect it) and the smallest shown
	// count, Asian 12. White and Black are shown.
	ch := rep.Focus
	if ch == nil || ch.Events != 59 || !ch.NoRates {
		t.Fatalf("children %+v", ch)
	}
	cw, cb, cm := ch.Group("White"), ch.Group("Black"), ch.Group("Mixed")
	if cm.Events != 2 || !cm.Suppressed || cw.Rate != nil || cw.Ratio != nil {
		t.Errorf("children: Mixed %+v, White %+v", cm, cw)
	}
	if cw.Suppressed || cb.Suppressed || !ch.Group("Asian").Suppressed || !ch.NotStatedSuppressed {
		t.Errorf("children withheld: White %v, Black %v, Asian %v, not stated %v", cw.Suppressed, cb.Suppressed, ch.Group("Asian").Suppressed, ch.NotStatedSuppressed)
	}
	// Appropriate adult present, of children's searches where it was
	// recorded: White 14 of 24 = 58.3% (38.83% to 75.53%); Black 11 of 21 =
	// 52.4% (32.37% to 71.66%). Found something: White 10 of 24 (24.47% to
	// 61.17%), Black 10 of 21 (28.34% to 67.63%).
	for _, c := range []struct {
		gf   powers.GroupFigures
		i    int
		k, n int64
		l, h float64
	}{
		{cw, 0, 14, 24, 0.38834, 0.75533}, {cb, 0, 11, 21, 0.32369, 0.71656},
		{cw, 1, 10, 24, 0.24467, 0.61166}, {cb, 1, 10, 21, 0.28344, 0.67631},
	} {
		sh := c.gf.Shares[c.i]
		if sh.K != c.k || sh.N != c.n || !near(sh.Low, c.l, 5e-4) || !near(sh.High, c.h, 5e-4) {
			t.Errorf("children %s %s: %+v", c.gf.Group, sh.Key, sh)
		}
	}
	words := strings.Join(powers.Sentences(ch), " ")
	if strings.Contains(words, "times as likely") || strings.Contains(words, "no comparison") {
		t.Errorf("children's sentences compare rates: %s", words)
	}
	// Only totals by custody suite: Bournemouth 75, Weymouth 54.
	if rows := rep.Breakdowns["Custody suite"]; len(rows) != 2 || rows[0].Value != "Bournemouth" || rows[0].Records != 75 || rows[0].ByGroup != nil {
		t.Errorf("suites %+v", rows)
	}
}

// TestCustodyStripSearchRefusals: a file with wrong lines is refused
// naming each, and nothing is stored; a file carrying the custody number
// is refused by its header.
func TestCustodyStripSearchRefusals(t *testing.T) {
	head := powers.CustodyStripSearch.Header() + "\n"
	good := "2024-03-04 10:00,Poole,Not stated,,25 to 34,No,,Concealed drugs,No\n"
	for _, c := range []struct {
		name, file string
		want       []string
	}{
		{"bad lines", head + good +
			"2024-03-04 10:00,Poole,Not stated,,14 to 17,No,,Concealed drugs,No\n" +
			"2024-03-04 10:00,Poole,White: Irish,White,14 to 17,Yes,,Concealed drugs,No\n" +
			"04/03/2024,Poole,Martian,,25 to 34,No,,Strip,Maybe\n",
			[]string{`line 3, Child: is "No" but the age band is "14 to 17"`, `line 4, Appropriate adult present: is empty: say Yes or No for a child`,
				`line 5, Date and time: "04/03/2024" is not a date`, `line 5, Self-defined ethnicity: "Martian"`,
				`line 5, Reason code: "Strip" is not one of`, `line 5, Anything found: "Maybe"`}},
		{"custody number", "Custody number," + head + "CN1," + good, []string{"line 1: the header has 10 columns, expected the 9"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := storetest.Open(t)
			_, err := powers.Import(context.Background(), db, powers.CustodyStripSearch, strings.NewReader(c.file), powers.ImportOptions{Force: "dorset"})
			var fe *powers.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
			if fs, _ := db.PowerForces(context.Background(), powers.CustodyStripSearch.Kind); len(fs) != 0 {
				t.Errorf("something was stored: %+v", fs)
			}
		})
	}
}
