package disparity_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"candour/disparity"
	"candour/policeuk"
	"candour/powers"
	"candour/store"
	"candour/store/storetest"
)

const dataDir = "../testdata/"

func importFile(t *testing.T, db *store.Store, name string) *powers.ImportResult {
	t.Helper()
	b, err := os.ReadFile(dataDir + name)
	if err != nil {
		t.Fatal(err)
	}
	res, err := powers.Import(context.Background(), db, powers.StopSearch, bytes.NewReader(b), powers.ImportOptions{Source: name})
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return res
}

func loadPopulation(t *testing.T, db *store.Store) {
	t.Helper()
	f, err := os.Open(dataDir + "census2021-ts021-dorset-force-area.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := disparity.ImportPopulation(context.Background(), db, f, "dorset", "census2021-ts021")
	if err != nil {
		t.Fatal(err)
	}
	// testdata/README.md: White 733,925; Asian 17,856; Mixed 15,529; Other 7,150; Black 5,315; total 779,775.
	want := map[string]int64{"White": 733925, "Asian": 17856, "Mixed": 15529, "Other": 7150, "Black": 5315}
	for g, n := range want {
		if p.Groups[g] != n {
			t.Errorf("population %s = %d, want %d", g, p.Groups[g], n)
		}
	}
	if p.Total != 779775 {
		t.Errorf("total population = %d, want 779775", p.Total)
	}
}

// buildReport is stop and search's report, as every page shows it: the
// shared report over its definition.
func buildReport(ctx context.Context, db *store.Store, force, from, to, basis string) (*powers.Report, error) {
	return powers.BuildBasis(ctx, db, powers.StopSearch, force, from, to, basis)
}

func figures(rep *powers.Report, group string) powers.GroupFigures { return rep.Group(group) }

func near(p *float64, want, tol float64) bool { return p != nil && math.Abs(*p-want) <= tol }

// TestJanuary2019AgainstHandCountedFigures checks the report for the real
// Dorset file against counts made by hand from the file (see the comments).
func TestJanuary2019AgainstHandCountedFigures(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	loadPopulation(t, db)
	res := importFile(t, db, "2019-01-dorset-stop-and-search.csv")
	if res.Rows != 156 || res.Force != "dorset" || len(res.Months) != 1 || res.Months[0] != "2019-01" {
		t.Fatalf("import = %+v, want 156 rows of dorset 2019-01", res)
	}
	if res.UnrecognisedTotal() != 0 {
		t.Errorf("unrecognised values in a clean file: %+v", res.Unrecognised)
	}
	rep, err := buildReport(ctx, db, "dorset", "2019-01", "2019-01", disparity.SelfDefined)
	if err != nil {
		t.Fatal(err)
	}
	// By hand, self-defined: White 99 English/Welsh/.. + 2 any other White + 1 Irish = 102;
	// Black 3 Caribbean + 2 African + 2 any other Black = 7; Mixed 3 + 1 = 4;
	// Asian Indian + Pakistani + any other Asian = 3; Other 1; not stated 37 + 2 empty = 39.
	wantSearches := map[string]int64{"White": 102, "Black": 7, "Mixed": 4, "Asian": 3, "Other": 1}
	for g, n := range wantSearches {
		if got := figures(rep, g).Events; got != n {
			t.Errorf("%s searches = %d, want %d", g, got, n)
		}
	}
	if rep.Events != 156 || rep.NotStated != 39 || math.Abs(rep.NotStatedShare-0.25) > 1e-9 {
		t.Errorf("total %d, not stated %d (%.4f), want 156, 39 (0.25)", rep.Events, rep.NotStated, rep.NotStatedShare)
	}
	black := figures(rep, "Black")
	// Rate 7/5315×1000 = 1.3170; ratio (7/5315)/(102/733925) = 9.4765, 95% CI 4.408 to 20.371.
	if !near(black.Rate, 1.3170, 0.0001) || !near(black.Ratio, 9.4765, 0.0001) ||
		!near(black.RatioLow, 4.408, 0.001) || !near(black.RatioHigh, 20.371, 0.001) {
		t.Errorf("Black figures = rate %v ratio %v (%v to %v)", *black.Rate, *black.Ratio, *black.RatioLow, *black.RatioHigh)
	}
	white := figures(rep, "White")
	if !near(white.Ratio, 1, 1e-12) {
		t.Errorf("White ratio = %v, want 1", white.Ratio)
	}
	// Arrests ("Arrest") and finds (linked = True), counted in the file:
	// White 15 and 18 of 102; Black 2 and 2 of 7.
	if white.Share("arrest").K != 15 || white.Share("find").K != 18 || black.Share("arrest").K != 2 || black.Share("find").K != 2 {
		t.Errorf("arrests/finds: White %d/%d, Black %d/%d; want 15/18 and 2/2", white.Share("arrest").K, white.Share("find").K, black.Share("arrest").K, black.Share("find").K)
	}
	if !near(white.Share("arrest").Estimate, 15.0/102, 1e-12) || !near(black.Share("find").Estimate, 2.0/7, 1e-12) {
		t.Errorf("arrest rate White %v, find rate Black %v", *white.Share("arrest").Estimate, *black.Share("find").Estimate)
	}
	// Officer-defined: White 130, Black 9, Other 3, Asian 2, not stated 12.
	off, err := buildReport(ctx, db, "dorset", "", "", disparity.OfficerDefined)
	if err != nil {
		t.Fatal(err)
	}
	if figures(off, "Black").Events != 9 || figures(off, "White").Events != 130 || off.NotStated != 12 {
		t.Errorf("officer-defined: Black %d White %d not stated %d", figures(off, "Black").Events, figures(off, "White").Events, off.NotStated)
	}
	// The legislation with the stray space is kept as given.
	found := false
	for _, r := range rep.Breakdowns["legislation"] {
		found = found || r.Value == "Criminal Justice and Public Order Act 1994 (section 60)"
	}
	if !found {
		t.Error("legislation breakdown lacks section 60")
	}
}

func TestOldVocabularyAndRepeatImport(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	loadPopulation(t, db)
	importFile(t, db, "2016-11-dorset-stop-and-search.csv")
	importFile(t, db, "2016-11-dorset-stop-and-search.csv") // again: replaces, never doubles
	rep, err := buildReport(ctx, db, "dorset", "2016-11", "2016-11", disparity.SelfDefined)
	if err != nil {
		t.Fatal(err)
	}
	// By hand from the coded labels: White W1 156 + W9 8 + W2 1 = 165; Black B1 11 + B2 1 + B9 1 = 13;
	// Mixed M1 4 + M9 2 + M2 2 + M3 1 = 9; Asian A9 5 + A1 1 + A3 1 = 7; not stated NS 35.
	for g, n := range map[string]int64{"White": 165, "Black": 13, "Mixed": 9, "Asian": 7, "Other": 0} {
		if got := figures(rep, g).Events; got != n {
			t.Errorf("%s = %d, want %d", g, got, n)
		}
	}
	if rep.Events != 229 || rep.NotStated != 35 {
		t.Errorf("searches %d not stated %d, want 229 and 35", rep.Events, rep.NotStated)
	}
	// "Suspect arrested" is the old word for an arrest: 42 in the file.
	var arrests int64
	for _, g := range rep.Groups {
		arrests += g.Share("arrest").K
	}
	m, _ := db.PowerMonth(ctx, store.PowerStopSearch, "dorset", "2016-11")
	for _, c := range m.Cells {
		if c.Basis == disparity.SelfDefined && c.Dim == "all" && c.Group == "Not stated" {
			arrests += c.Arrests
		}
	}
	if arrests != 42 {
		t.Errorf("arrests = %d, want 42", arrests)
	}
	// Records kept, in chunks, exactly once.
	if m.Records != 229 || len(m.Parts) != 1 || m.Parts[0].Chunks != 1 {
		t.Errorf("month has %d records in %+v", m.Records, m.Parts)
	}
}

func TestBadFilesAreRefusedAndStoreNothing(t *testing.T) {
	good, err := os.ReadFile(dataDir + "2019-01-dorset-stop-and-search.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(good), "\n")
	cases := []struct {
		name, content, want string
	}{
		{"wrong header", strings.Replace(string(good), "Gender", "Sex", 1), "line 1, column 7"},
		{"truncated", strings.Join(lines[:40], "") + lines[40][:30], "line 41"},
		{"empty", "", "empty"},
		{"not csv at all", "<html>hello</html>\n", "line 1"},
		{"bad date", strings.Join(lines[:3], "") + strings.Replace(lines[3], "2019-01-01T00:00:00+00:00", "yesterday", 1), "line 4, column 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := storetest.Open(t)
			_, err := powers.Import(context.Background(), db, powers.StopSearch, strings.NewReader(tc.content),
				powers.ImportOptions{Source: "2019-01-dorset-stop-and-search.csv"})
			var fe *policeuk.FormatError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a format error mentioning %q", err, tc.want)
			}
			if _, err := db.PowerMonth(context.Background(), store.PowerStopSearch, "dorset", "2019-01"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("a refused file stored something: %v", err)
			}
		})
	}
}

func TestUnrecognisedValuesAreKeptAndCounted(t *testing.T) {
	db := storetest.Open(t)
	good, _ := os.ReadFile(dataDir + "2019-01-dorset-stop-and-search.csv")
	odd := strings.Replace(string(good), "White - English/Welsh/Scottish/Northern Irish/British", "Martian", 2)
	res, err := powers.Import(context.Background(), db, powers.StopSearch, strings.NewReader(odd), powers.ImportOptions{Source: "2019-01-dorset-stop-and-search.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unrecognised) != 1 || res.Unrecognised[0].Value != "Martian" || res.Unrecognised[0].Count != 2 ||
		res.Unrecognised[0].Column != "Self-defined ethnicity" {
		t.Fatalf("unrecognised = %+v, want Martian ×2 in Self-defined ethnicity", res.Unrecognised)
	}
	loadPopulation(t, db)
	rep, _ := buildReport(context.Background(), db, "dorset", "", "", disparity.SelfDefined)
	if rep.Unrecognised != 2 || figures(rep, "White").Events != 100 {
		t.Fatalf("report: unrecognised %d, White %d; want 2 and 100", rep.Unrecognised, figures(rep, "White").Events)
	}
}

func TestSentencesSayTheFiguresPlainly(t *testing.T) {
	db := storetest.Open(t)
	loadPopulation(t, db)
	importFile(t, db, "2019-01-dorset-stop-and-search.csv")
	rep, err := buildReport(context.Background(), db, "dorset", "", "", disparity.SelfDefined)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(powers.Sentences(rep), "\n")
	for _, want := range []string{
		"Black people were 9.5 times as likely as White people to be searched (95% interval 4.4 to 20.4); this rests on only 7 searches",
		// The interval includes 1: no "times as likely", the figure with its interval.
		"People of other ethnic groups: no clear difference from White people (1.0 times as likely to be searched, but the 95% interval, 0.1 to 7.2, includes 1); this rests on only 1 search,",
		"25% of person searches (39 of 156) had no self-defined ethnicity recorded.",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("sentences lack %q:\n%s", want, all)
		}
	}
}

func TestDrawSampleKeepsToTheFilterAndSize(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	importFile(t, db, "2019-01-dorset-stop-and-search.csv")
	rnd := rand.New(rand.NewPCG(1, 2))
	// Black self-defined: 7 records in the file, so asking for 50 gives all 7.
	all, seen, err := disparity.DrawSample(ctx, db, disparity.SampleFilter{Force: "dorset", From: "2019-01", To: "2019-01", Group: "Black", Size: 50}, rnd)
	if err != nil || seen != 7 || len(all) != 7 {
		t.Fatalf("Black sample: %d drawn of %d matching (%v), want 7 of 7", len(all), seen, err)
	}
	for _, r := range all {
		if !strings.HasPrefix(r.Fields[policeuk.ColSelfEthnicity], "Black") {
			t.Errorf("%s is not a Black self-defined record: %q", r.Ref, r.Fields[policeuk.ColSelfEthnicity])
		}
	}
	// Section 1 PACE searches: 27 in the file; a sample of 5 is 5 distinct ones.
	f := disparity.SampleFilter{Force: "dorset", From: "2019-01", To: "2019-01", Legislation: "Police and Criminal Evidence Act 1984 (section 1)", Size: 5}
	five, seen, err := disparity.DrawSample(ctx, db, f, rnd)
	if err != nil || seen != 27 || len(five) != 5 {
		t.Fatalf("PACE sample: %d of %d (%v), want 5 of 27", len(five), seen, err)
	}
	refs := map[string]bool{}
	for _, r := range five {
		if refs[r.Ref] || r.Fields[policeuk.ColLegislation] != f.Legislation {
			t.Errorf("duplicate or off-filter record %s", r.Ref)
		}
		refs[r.Ref] = true
	}
	// Every record can be drawn: over many draws each of the 27 turns up.
	hit := map[string]bool{}
	for range 60 {
		s, _, _ := disparity.DrawSample(ctx, db, f, rnd)
		for _, r := range s {
			hit[r.Ref] = true
		}
	}
	if len(hit) != 27 {
		t.Errorf("over 60 draws %d of the 27 records appeared", len(hit))
	}
	if _, _, err := disparity.DrawSample(ctx, db, disparity.SampleFilter{Force: "dorset", Size: 51}, rnd); err == nil {
		t.Error("a sample of 51 was allowed")
	}
}
