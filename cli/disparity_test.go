package cli

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// TestDisparityCommandRefusals: every refusal is a usage error (exit 2)
// with a message that says what is wrong, and stores nothing.
func TestDisparityCommandRefusals(t *testing.T) {
	env := testEnv(t, nil)
	data := "testdata/"
	cl := commandLine{t, env}
	runArgs, refused := cl.run, cl.refused
	refused("the file name says the force is dorset, but --force says wiltshire",
		"import", "stop-search", "--force", "wiltshire", data+"2018-08-dorset-stop-and-search.csv")
	// A broken second file: the first is not stored either.
	broken := t.TempDir() + "/2018-09-dorset-stop-and-search.csv"
	if err := os.WriteFile(broken, []byte("Type,Date\nPerson search,2018-09-01\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	refused("nothing was stored from any file", "import", "stop-search", data+"2018-08-dorset-stop-and-search.csv", broken)
	refused("not for the Wiltshire police force area",
		"import", "population", "--force", "wiltshire", data+"census2021-ts021-dorset-force-area.csv")
	refused("no stop and search data for dorset", "publish", "disparity", "--force", "dorset", "--from", "2018-08", "--to", "2018-09")
	refused("is not a police force area", "publish", "disparity", "--force", "dorst", "--from", "2018-08", "--to", "2018-09")
	// The refused files stored nothing: there is still no data to report.
	refused("no Census population for dorset", "report", "disparity", "--force", "dorset")

	// Reverse month order, then publishing without a population is refused.
	for _, f := range []string{"2018-09-dorset-stop-and-search.csv", "2018-08-dorset-stop-and-search.csv"} {
		out, err := runArgs("import", "stop-search", data+f)
		if err != nil || !strings.Contains(out, "by month "+f[:7]+" (") {
			t.Fatalf("import %s: %v\n%s", f, err, out)
		}
	}
	refused("no Census population for dorset", "publish", "disparity", "--force", "dorset", "--from", "2018-08", "--to", "2018-09")
	if out, err := runArgs("import", "population", "--force", "dorset", data+"census2021-ts021-dorset-force-area.csv"); err != nil ||
		!strings.Contains(out, "E06000058 Bournemouth, Christchurch and Poole: 400195") {
		t.Fatalf("population: %v\n%s", err, out)
	}
	refused("no searches for dorset in January 2019", "publish", "disparity", "--force", "dorset", "--from", "2019-01", "--to", "2019-01")
	out, err := runArgs("report", "disparity", "--force", "dorset", "--format", "text")
	if err != nil || !strings.HasPrefix(out, "Dorset, August to September 2018 (both months have data), self-defined ethnicity") ||
		!strings.Contains(out, "Black people were 16.7 times as likely as White people to be searched (95% interval 11.0 to 25.2)") {
		t.Errorf("text report: %v\n%s", err, out)
	}
	if out, err := runArgs("publish", "disparity", "--force", "dorset", "--from", "2018-08", "--to", "2018-09"); err != nil || !strings.Contains(out, "Published dorset") {
		t.Errorf("publish: %v %s", err, out)
	}
	// Confirmed on purpose, the force given wins.
	if out, err := runArgs("import", "stop-search", "--force", "wiltshire", "--force-override", data+"2018-08-dorset-stop-and-search.csv"); err != nil ||
		!strings.Contains(out, "stored for wiltshire") {
		t.Errorf("override: %v %s", err, out)
	}
}

// TestDisparityReportRecomputedByHand checks what `candour report
// disparity` prints for August and September 2018 (the two real BST files,
// imported September first) against figures worked out by hand from the
// files and the Census table in testdata/:
//
// Searches by self-defined group, Aug + Sep (every row a person search):
// White 83+2 + 115+7 = 207; Black 7+4 + 7+5+2 = 25; Asian 3+2+1 + 1+1+1+1
// = 10; Mixed 2+1 + 1+1 = 5; Other 0 + 1 = 1; not stated 39 + 28+1 = 68.
// 207+25+10+5+1+68 = 316 = 144+172 rows.
// Residents: White 733,925; Asian 17,856; Mixed 15,529; Other 7,150.
//
// Rate per 1,000: Asian 10/17,856×1000 = 0.560; White 207/733,925×1000 =
// 0.282; Mixed 5/15,529×1000 = 0.322; Other 1/7,150×1000 = 0.140.
// Per year (2 months with data, ×12÷2 = ×6): Asian 3.360, White 1.692.
//
// Ratio to White, Wald on the log scale:
// Asian RR = 0.5600/0.28205 = 1.99; SE = √(1/10 − 1/17856 + 1/207 −
// 1/733925) = √0.104774 = 0.32369; exp(ln 1.9856 ± 1.96×0.32369) =
// exp(0.68593 ± 0.63443) = 1.05 to 3.74: leaves out 1. Gap (Newcombe) =
// 0.278 per 1,000, 0.019 to 0.750: leaves out 0. So flagged: "2.0 times
// as likely (95% interval 1.1 to 3.7)".
// Mixed RR = 0.32198/0.28205 = 1.14; SE = √(1/5 − 1/15529 + 1/207 −
// 1/733925) = √0.204765 = 0.45251; exp(0.13242 ± 0.88692) = 0.47 to 2.77:
// includes 1, so "no clear difference", never "were … times as likely".
// Other RR = 0.13986/0.28205 = 0.50; SE = √(1 − 1/7150 + 1/207 − 1/733925)
// = √1.004690 = 1.00234; exp(−0.70142 ± 1.96459) = 0.07 to 3.54.
// Not stated: 68 of 316 person searches = 21.5%, printed 22%.
// Arrests among Asian searches: 1 of 10 (August, "Asian/Asian British -
// Any other Asian background", Outcome "Arrest"), Wilson 95%: centre (0.1 +
// 1.9208/10)/(1 + 3.8415/10) = 0.21103, half-width 1.96×√(0.009 +
// 0.0096040)/1.38415 = 0.19314: 1.8% to 40.4%.
func TestDisparityReportRecomputedByHand(t *testing.T) {
	env := testEnv(t, nil)
	ctx := context.Background()
	run1 := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := Run(ctx, args, env, strings.NewReader(""), &out, &errOut); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut.String())
		}
		return out.String()
	}
	run1("import", "population", "--force", "dorset", "testdata/census2021-ts021-dorset-force-area.csv")
	run1("import", "stop-search", "testdata/2018-09-dorset-stop-and-search.csv", "testdata/2018-08-dorset-stop-and-search.csv")
	out := run1("report", "disparity", "--force", "dorset", "--from", "2018-08", "--to", "2018-09", "--format", "text")
	for _, want := range []string{
		"Asian people were 2.0 times as likely as White people to be searched (95% interval 1.1 to 3.7).",
		"People of Mixed or Multiple ethnicity: no clear difference from White people (1.1 times as likely to be searched, but the 95% interval, 0.5 to 2.8, includes 1); this rests on only 5 searches",
		"People of other ethnic groups: no clear difference from White people (0.5 times as likely to be searched, but the 95% interval, 0.1 to 3.5, includes 1); this rests on only 1 search",
		"22% of person searches (68 of 316) had no self-defined ethnicity recorded.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	rows := map[string][]string{
		"Asian": {"10", "17856", "0.560", "3.360", "1.99", "(1.05", "to", "3.74)", "yes", "10.0", "(1.8-40.4)"},
		"Mixed": {"5", "15529", "0.322", "1.932", "1.14", "(0.47", "to", "2.77)"},
		"Other": {"1", "7150", "0.140", "0.839", "0.50", "(0.07", "to", "3.54)"},
		"White": {"207", "733925", "0.282", "1.692", "1", "(the", "comparison)"},
	}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		want, ok := rows[f[0]]
		if !ok || len(f) < 2 || strings.Trim(f[1], "0123456789") != "" {
			continue // not a table row (the sentences start with the group too)
		}
		delete(rows, f[0])
		if len(f) < len(want)+1 || strings.Join(f[1:len(want)+1], " ") != strings.Join(want, " ") {
			t.Errorf("%s row %q, want it to start %q", f[0], line, strings.Join(want, " "))
		}
		if f[0] == "Mixed" || f[0] == "Other" {
			if strings.Contains(line, "yes") {
				t.Errorf("%s is flagged although its interval includes 1: %q", f[0], line)
			}
		}
	}
	if len(rows) != 0 {
		t.Errorf("no table row for %v", rows)
	}
	for _, banned := range []string{"Mixed or Multiple ethnicity were", "other ethnic groups were"} {
		if strings.Contains(out, banned) {
			t.Errorf("report says %q although the interval includes 1", banned)
		}
	}
}
