package survey

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"candour/stats"
	"candour/store"
)

// handSurvey is a published survey with one agreement question and the
// about-you section, and counters for 400 respondents:
//
//	          sa   a   n   d  sd  dk | answered | agree (sa+a)
//	White     45 105  40  35  20   5 |   250    |  150
//	Black     10  20  35  30  20   5 |   120    |   30
//	Asian      4   8   5   3   1   1 |    22    |   12
//	Not stated 5   6   2   2   1   0 |    16    |   11
//	All       64 139  82  70  42  11 |   408    |  203
func handSurvey(t *testing.T) (*store.Survey, []store.Tally) {
	t.Helper()
	sv := &store.Survey{ID: "s1", Title: "Confidence", AboutYou: true,
		Draft: []store.Question{{ID: "q1", Type: store.QAgree, Text: "The police in your area treat people fairly"}}}
	if err := sv.Publish(time.Now()); err != nil {
		t.Fatal(err)
	}
	rows := map[string][]int64{
		"White": {45, 105, 40, 35, 20, 5}, "Black": {10, 20, 35, 30, 20, 5},
		"Asian": {4, 8, 5, 3, 1, 1}, store.NotStated: {5, 6, 2, 2, 1, 0},
	}
	codes := []string{"sa", "a", "n", "d", "sd", "dk"}
	all := store.Tally{Version: 1, Dim: store.DimAll, Value: store.DimAll, C: map[string]map[string]int64{"q1": {}}}
	var ts []store.Tally
	for g, counts := range rows {
		tl := store.Tally{Version: 1, Dim: store.AboutEthnicity, Value: g, C: map[string]map[string]int64{"q1": {}}}
		for i, c := range codes {
			tl.C["q1"][c] = counts[i]
			tl.C["q1"][store.TallyAnswered] += counts[i]
			all.C["q1"][c] += counts[i]
			all.C["q1"][store.TallyAnswered] += counts[i]
		}
		tl.N = tl.C["q1"][store.TallyAnswered]
		all.N += tl.N
		ts = append(ts, tl)
	}
	return sv, append(ts, all)
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.0005 }

// primaryOnly withholds the counts of 1 to 9 and nothing else: the figures
// below are checked by hand without the audit's choices in the way (the
// audit's choices are checked by the attack in attack_test.go and, on
// small tables worked by hand, in stats).
func primaryOnly(_ context.Context, r *stats.Release, _ stats.Mover) (stats.Decision, error) {
	mask := make([]int, len(r.Values))
	for i, v := range r.Values {
		switch {
		case !r.Public[i]:
			mask[i] = stats.Unpublished
		case stats.Suppressed(v) && !r.Constants[i]:
			mask[i] = stats.Primary
		}
	}
	return stats.Decision{Mask: mask}, nil
}

func TestResultsAgainstHandComputedFigures(t *testing.T) {
	defer func(f func(context.Context, *stats.Release, stats.Mover) (stats.Decision, error)) { auditRelease = f }(auditRelease)
	auditRelease = primaryOnly
	sv, ts := handSurvey(t)
	r, err := Build(sv, 1, ts)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Respondents.Text(); got != "408" {
		t.Errorf("respondents %s, want 408", got)
	}
	q := r.Questions[0]
	// Overall: 203 of 408 agree; 64/408 strongly agree = 15.7% (12.5% to 19.5%).
	if got := q.Answers[0].Share; !got.Has || got.Count.N != 64 || got.Percent() != "16%" {
		t.Errorf("strongly agree overall = %+v", got)
	}
	eth := q.Breakdown(store.AboutEthnicity)
	if eth == nil {
		t.Fatal("no ethnic breakdown")
	}
	col := func(g string) int {
		for i, c := range eth.Columns {
			if c.Value == g {
				return i
			}
		}
		t.Fatalf("no column %s", g)
		return -1
	}
	agree := eth.Measures[0]
	black, white, asian := agree.Cells[col("Black")], agree.Cells[col("White")], agree.Cells[col("Asian")]
	// By hand: Black 30/120 = 0.25, Wilson 0.1811 to 0.3344; White 150/250 =
	// 0.6, Wilson 0.5382 to 0.6588. Ratio 0.4167, SE = sqrt(1/30 - 1/120 +
	// 1/150 - 1/250) = 0.16633, 0.3008 to 0.5773: excludes 1, flagged.
	// Gap -35 points, Newcombe -44.1 to -24.5 points.
	checks := []struct {
		name      string
		got, want float64
	}{
		{"Black share", black.Share.IV.Estimate, 0.25}, {"Black low", black.Share.IV.Low, 0.1811}, {"Black high", black.Share.IV.High, 0.3344},
		{"White share", white.Share.IV.Estimate, 0.6}, {"White low", white.Share.IV.Low, 0.5382}, {"White high", white.Share.IV.High, 0.6588},
		{"ratio", black.Ratio.Estimate, 0.4167}, {"ratio low", black.Ratio.Low, 0.3008}, {"ratio high", black.Ratio.High, 0.5773},
		{"gap", black.Gap.Estimate, -0.35}, {"gap low", black.Gap.Low, -0.4406}, {"gap high", black.Gap.High, -0.2454},
		// Asian 12/22 against White: ratio 0.9091 (0.6126 to 1.3490), not flagged.
		{"Asian ratio", asian.Ratio.Estimate, 0.9091}, {"Asian low", asian.Ratio.Low, 0.6126}, {"Asian high", asian.Ratio.High, 1.3490},
	}
	for _, c := range checks {
		if !near(c.got, c.want) {
			t.Errorf("%s = %.4f, want %.4f", c.name, c.got, c.want)
		}
	}
	if !black.Flag || asian.Flag || white.HasRatio {
		t.Errorf("flags: Black %v, Asian %v, White compared with itself %v", black.Flag, asian.Flag, white.HasRatio)
	}
	if got := black.RatioText(); got != "0.42 (0.30 to 0.58)" {
		t.Errorf("ratio text %q", got)
	}
	if got := black.GapText(); got != "-35 points (-44 to -25)" {
		t.Errorf("gap text %q", got)
	}
	if !eth.Columns[col("Asian")].SmallBase || eth.Columns[col("Black")].SmallBase {
		t.Error("the Asian group (22) carries the small-base warning, the Black group (120) does not")
	}
	// Every count of 1 to 9 shows "withheld" (every Asian answer; White's
	// and Black's "don't know", 5), and nothing else here. (The audit's
	// choices are checked by hand on small tables in stats, and by the
	// attack in attack_test.go.)
	cell := func(label, g string) string {
		for _, row := range eth.Rows {
			if row.Label == label {
				return row.Cells[col(g)].Count.Text()
			}
		}
		t.Fatalf("no row %s", label)
		return ""
	}
	want := map[[2]string]string{
		{"Don't know", "White"}: "withheld", {"Strongly disagree", "White"}: "20", {"Don't know", "Black"}: "withheld",
		{"Strongly agree", "Asian"}: "withheld", {"Agree", "Asian"}: "withheld", {"Neither agree nor disagree", "White"}: "40", {"Strongly agree", "Black"}: "10",
	}
	for k, w := range want {
		if got := cell(k[0], k[1]); got != w {
			t.Errorf("%s, %s = %q, want %q", k[0], k[1], got, w)
		}
	}
	for _, row := range eth.Rows {
		for i, c := range row.Cells {
			if !c.Count.Shown() && c.Has {
				t.Errorf("%s, %s: a withheld count has a percentage", row.Label, eth.Columns[i].Label)
			}
		}
	}
}

func TestCompareWithBaseline(t *testing.T) {
	// Now: 203/408 agree overall. The baseline: the same counts except 40
	// White respondents who disagreed instead of agreeing (163/408).
	sv, ts := handSurvey(t)
	sv.Versions[0].Questions[0].Key = "fair"
	now, err := Build(sv, 1, ts)
	if err != nil {
		t.Fatal(err)
	}
	_, base := handSurvey(t)
	for i := range base {
		if base[i].Dim == store.DimAll || base[i].Value == "White" {
			base[i].C["q1"]["a"] -= 40
			base[i].C["q1"]["d"] += 40
		}
	}
	then, err := Build(sv, 1, base)
	if err != nil {
		t.Fatal(err)
	}
	ms := Compare(now, then)
	if len(ms) != 2 || ms[0].Measure != "Strongly agree or agree" {
		t.Fatalf("matches %+v", ms)
	}
	// Everyone: 163/408 then, 203/408 now: +9.8 points. By hand (Newcombe):
	// Wilson 203/408 = 0.4493 to 0.5459, 163/408 = 0.3531 to 0.4478;
	// low = 0.0980 - sqrt((0.4975-0.4493)² + (0.4478-0.3995)²) = 0.0298;
	// high = 0.0980 + sqrt((0.5459-0.4975)² + (0.3995-0.3531)²) = 0.1650.
	all := ms[0].Rows[0]
	if !near(all.Change.Estimate, 40.0/408) || !near(all.Change.Low, 0.0298) || !near(all.Change.High, 0.1650) || !all.Flag {
		t.Errorf("everyone: %+v", all.Change)
	}
	for _, r := range ms[0].Rows {
		if r.Label == "Black, Black British, Black Welsh, Caribbean or African" && (r.HasChange && r.Change.Estimate != 0 || r.Flag) {
			t.Errorf("the Black group did not change: %+v", r)
		}
	}
}

func TestParseBaseline(t *testing.T) {
	csv := "matching_code,question,type,group,answer,count\n" +
		"fair,The police treat everyone fairly,agree,White,Agree,120\n" +
		"fair,The police treat everyone fairly,agree,White,Disagree,80\n" +
		"fair,The police treat everyone fairly,agree,Black,Agree,15\n" +
		"fair,The police treat everyone fairly,agree,Black,Strongly disagree,45\n" +
		"contact,Have you had contact?,single,Everyone,Yes,90\n" +
		"contact,Have you had contact?,single,Everyone,No,170\n"
	b, err := ParseBaseline(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Questions) != 2 || b.Questions[0].Key != "fair" || len(b.Questions[1].Options) != 2 {
		t.Fatalf("questions %+v", b.Questions)
	}
	sv := &store.Survey{ID: "base", AboutYou: true, Draft: b.Questions}
	if err := sv.Publish(time.Now()); err != nil {
		t.Fatal(err)
	}
	r, err := Build(sv, 1, b.Tallies)
	if err != nil {
		t.Fatal(err)
	}
	// Everyone (the sum of the groups): 135 of 260 agree.
	if got := r.Questions[0].MeasureTotal(0); got.Count.N != 135 || got.Base.N != 260 {
		t.Errorf("everyone agreeing: %+v", got)
	}
	if r.Respondents.N != 260 {
		t.Errorf("respondents %d", r.Respondents.N)
	}
	bad := map[string]string{
		"wrong header":  "code,question\n",
		"unknown group": "matching_code,question,type,group,answer,count\nfair,Q,agree,Martian,Agree,1\n",
		"bad answer":    "matching_code,question,type,group,answer,count\nfair,Q,agree,White,Yes please,1\n",
		"bad count":     "matching_code,question,type,group,answer,count\nfair,Q,agree,White,Agree,-3\n",
		"no rows":       "matching_code,question,type,group,answer,count\n",
	}
	for name, in := range bad {
		if _, err := ParseBaseline(strings.NewReader(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestBaselineShowsNotCollected: an imported baseline with only White and
// Black rows shows "not collected" for the other groups, for the about-you
// questions and for the other breakdowns, never 0.
func TestBaselineShowsNotCollected(t *testing.T) {
	csv := "matching_code,question,type,group,answer,count\n" +
		"fair,The police treat everyone fairly,agree,White,Agree,120\n" +
		"fair,The police treat everyone fairly,agree,White,Disagree,80\n" +
		"fair,The police treat everyone fairly,agree,Black,Agree,15\n" +
		"fair,The police treat everyone fairly,agree,Black,Strongly disagree,45\n"
	b, err := ParseBaseline(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	sv := &store.Survey{ID: "base", AboutYou: true, Imported: true, Draft: b.Questions}
	if err := sv.Publish(time.Now()); err != nil {
		t.Fatal(err)
	}
	r, err := Build(sv, 1, b.Tallies)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range r.Groups {
		want := map[string]string{"White": "200", "Black": "60"}[g.Value]
		if want == "" {
			want = "not collected"
		}
		if got := g.N.Text(); got != want {
			t.Errorf("respondents %s = %q, want %q", g.Value, got, want)
		}
	}
	q := r.Questions[0]
	if bd := q.Breakdown(store.AboutAge); bd == nil || !bd.NotCollected {
		t.Errorf("the age breakdown of an imported baseline is not collected: %+v", bd)
	}
	for _, qr := range r.Questions[1:] {
		if !qr.NotCollected || qr.Answered.Text() != "not collected" {
			t.Errorf("%s: %q, want not collected", qr.Q.ID, qr.Answered.Text())
		}
	}
}

// TestMixWarning: the Black share of respondents went from 60 of 400 (15%)
// to 120 of 400 (30%): 15 points, more than the 5-point threshold.
func TestMixWarning(t *testing.T) {
	mk := func(black, white int64) *Results {
		all := Count{N: black + white}
		return &Results{Respondents: all, Groups: []GroupSize{
			{Value: "Black", N: Count{N: black}, Share: share(Count{N: black}, all)},
			{Value: "White", N: Count{N: white}, Share: share(Count{N: white}, all)}}}
	}
	// White went from 85% to 70%: the same 15 points; either is the answer.
	m, ok := Mix(mk(60, 340), mk(120, 280))
	if !ok || !near(math.Abs(m.Now-m.Then), 0.15) || (m.Group != "Black" && m.Group != "White") {
		t.Fatalf("mix = %+v, %v", m, ok)
	}
	if _, ok := Mix(mk(60, 340), mk(70, 330)); ok {
		t.Error("15% to 17.5% is within the threshold")
	}
}
