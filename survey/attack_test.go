package survey

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"candour/apperr"
	"candour/stats"
	"candour/stats/disclosuretest"
	"candour/store"
	"candour/survey/surveytest"
)

// smallCellSurvey is a published survey with every kind of question the
// results break down, the about-you section, and n generated responses
// from a population with small groups (most respondents White, a few in
// each other group, rare religions and ages), so that many cells are 1 to 9.
func smallCellSurvey(t *testing.T, n int, seed uint64) (*store.Survey, []store.Tally) {
	t.Helper()
	sv := &store.Survey{ID: "gen" + strconv.FormatUint(seed, 10), Title: "Generated", AboutYou: true, Draft: []store.Question{
		{ID: "q1", Type: store.QSingle, Text: "Contact in the last year?", Required: true, Options: store.NewOptions([]string{"Yes", "No"}, nil)},
		{ID: "q2", Type: store.QAgree, Text: "Treated with respect", ShowIfQ: "q1", ShowIfA: "o1"},
		{ID: "q3", Type: store.QAgree, Text: "The police are fair"},
		{ID: "q4", Type: store.QRating, Text: "Confidence"},
		{ID: "q5", Type: store.QMultiple, Text: "What would help", Options: store.NewOptions([]string{"Patrols", "Explanations", "Complaints"}, nil)},
		{ID: "q6", Type: store.QNumber, Text: "Times stopped"},
	}}
	if err := sv.Publish(time.Now()); err != nil {
		t.Fatal(err)
	}
	v := sv.Current()
	rng := rand.New(rand.NewPCG(seed, 7))
	weighted := func(opts []string, weights []int) string {
		total := 0
		for _, w := range weights {
			total += w
		}
		x := rng.IntN(total)
		for i, w := range weights {
			if x < w {
				return opts[i]
			}
			x -= w
		}
		return opts[len(opts)-1]
	}
	eth := []string{"white_british", "white_irish", "white_other", "black_african", "black_caribbean", "black_other", "asian_indian",
		"asian_pakistani", "mixed_white_black_caribbean", "other_arab", "pnts", ""}
	ethW := []int{60, 3, 6, 8, 7, 2, 4, 2, 3, 1, 3, 2}
	agree := []string{"sa", "a", "n", "d", "sd", "dk"}
	var as []store.Answers
	for range n {
		a := store.Answers{}
		if e := weighted(eth, ethW); e != "" {
			a[store.AboutEthnicity] = []string{e}
		}
		a[store.AboutAge] = []string{weighted([]string{"16_24", "25_34", "35_44", "45_54", "55_64", "65_74", "75", "pnts"}, []int{3, 10, 12, 12, 10, 6, 2, 2})}
		if rng.IntN(6) > 0 {
			a[store.AboutSex] = []string{weighted([]string{"female", "male", "pnts"}, []int{10, 10, 1})}
		}
		a[store.AboutReligion] = []string{weighted([]string{"none", "christian", "muslim", "hindu", "jewish", "sikh", "pnts"}, []int{20, 20, 3, 1, 1, 1, 2})}
		a["q1"] = []string{weighted([]string{"o1", "o2"}, []int{1, 2})}
		if a["q1"][0] == "o1" && rng.IntN(8) > 0 {
			a["q2"] = []string{weighted(agree, []int{4, 6, 3, 2, 2, 1})}
		}
		if rng.IntN(10) > 0 {
			a["q3"] = []string{weighted(agree, []int{5, 8, 4, 3, 2, 1})}
		}
		if rng.IntN(5) > 0 {
			a["q4"] = []string{"r" + weighted([]string{"3", "5", "6", "7", "8", "9", "10", "0"}, []int{2, 4, 5, 6, 5, 2, 1, 1})}
		}
		if rng.IntN(3) > 0 {
			a["q5"] = []string{"o" + strconv.Itoa(1+rng.IntN(3))}
			if rng.IntN(3) == 0 && a["q5"][0] != "o3" {
				a["q5"] = append(a["q5"], "o3")
			}
		}
		if rng.IntN(2) == 0 {
			a["q6"] = []string{strconv.Itoa(rng.IntN(3))}
		}
		checked, err := v.Check(a)
		if problems := apperr.All(err); len(problems) > 0 {
			t.Fatalf("generated answer: %s %s", problems[0].Field, problems[0].Message)
		}
		as = append(as, checked)
	}
	return sv, store.CountAnswers(sv, v, as)
}

// attack publishes the version as the CSV, reads it back as a reader
// would and bounds every "fewer than 10" count.
func attack(t *testing.T, sv *store.Survey, ts []store.Tally) *disclosuretest.Result {
	return attackUntil(t, sv, ts, 0)
}

// attackUntil is attack stopping once enough counts are pinned (0: never).
func attackUntil(t *testing.T, sv *store.Survey, ts []store.Tally, enough int) *disclosuretest.Result {
	t.Helper()
	r, err := Build(sv, 1, ts)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, Flatten(r)); err != nil {
		t.Fatal(err)
	}
	k, err := surveytest.Read(&buf, sv, 1, ts)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := Certificate(sv, 1, ts)
	if err != nil {
		t.Fatal(err)
	}
	surveytest.Claim(k, sv.Version(1), cert)
	k.Enough = enough
	res, err := k.Attack(stats.ProtectionMargin)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestUnprovenWithholdsEverything: a release the audit cannot prove is
// published with nothing but everyone's respondents: never undecided.
// Since the mover found witnesses for the "not stated" groups and for
// "prefer not to say" (issue 11), every generated survey we tried is
// proved, so the audit here is one that never proves a count (each of
// its three attempts reports an end without a witness): it withholds the
// counts of 1 to 9, the hidden groups' and those it is told to (also),
// and finds no witness for any. It does not run the real audit (three
// runs of it were a third of this package's CPU under -race, and what they
// found was thrown away); so what is published is protect's own doing.
func TestUnprovenWithholdsEverything(t *testing.T) {
	defer func(f func(context.Context, *stats.Release, int64, stats.Mover, []bool) (stats.Decision, error)) {
		proveFrom = f
	}(proveFrom)
	attempts := 0
	proveFrom = func(ctx context.Context, r *stats.Release, _ int64, _ stats.Mover, also []bool) (stats.Decision, error) {
		attempts++
		d, err := primaryOnly(ctx, r, nil)
		for i, st := range d.Mask {
			if st == stats.Shown && !r.Constants[i] && (r.Hidden[i] || also != nil && also[i]) {
				d.Mask[i] = stats.Secondary
			}
		}
		d.Unproven++
		return d, err
	}
	ForgetDecisions()
	defer ForgetDecisions()
	sv, ts := smallCellSurvey(t, 60, 1)
	rl := buildRelease(newSource(sv, sv.Version(1), ts))
	if attempts != 3 {
		t.Errorf("%d attempts at proving the release, want 3 (all, then whole questions, then everything)", attempts)
	}
	shown := 0
	for i, st := range rl.mask {
		if i > 0 && rl.Public[i] && !rl.Constants[i] && rl.Values[i] != 0 && st == stats.Shown {
			shown++
		}
	}
	if shown > 0 {
		t.Errorf("%d counts shown in an unproven release", shown)
	}
	if rl.mask[0] != stats.Shown {
		t.Fatal("everyone's respondents withheld")
	}
	r, err := Build(sv, 1, ts)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Respondents.Shown() || r.Respondents.N != 60 {
		t.Errorf("respondents %+v", r.Respondents)
	}
}

// TestAttackCatchesSubtractionSuppression: the attack on a generated
// 60-response survey released under the subtraction rule (no relation may have a lone
// withheld cell, applied to every relation of the release at once, which
// is already more than the old table-by-table rule did) pins counts. This
// is what shows the attack can fail.
func TestAttackCatchesSubtractionSuppression(t *testing.T) {
	defer func(f func(context.Context, *stats.Release, stats.Mover) (stats.Decision, error)) { auditRelease = f }(auditRelease)
	auditRelease = oneRelationAtATime
	sv, ts := smallCellSurvey(t, 60, 1)
	res := attackUntil(t, sv, ts, 5)
	if len(res.Pinned) == 0 {
		t.Fatalf("the attack found nothing under the old rule: %d pinned, %d exact of %d (%d undecided)", len(res.Pinned), len(res.Exact), res.Withheld, len(res.Undecided))
	}
	t.Logf("old rule: %d of %d counts fewer than 10 pinned within ±5, %d recovered exactly, %d undecided; e.g. %s", len(res.Pinned), res.Withheld, len(res.Exact), len(res.Undecided), res.Pinned[0])
}

// oneRelationAtATime is the old secondary suppression (stats.Suppress) run
// over the release's equalities.
func oneRelationAtATime(_ context.Context, r *stats.Release, _ stats.Mover) (stats.Decision, error) {
	var rels []stats.Relation
	for _, c := range r.Constraints {
		if !c.Equal {
			continue
		}
		var rel stats.Relation
		for _, t := range c.Terms {
			if t.Coef > 0 {
				rel.Parts = append(rel.Parts, t.Cell)
			} else {
				rel.Total = t.Cell
			}
		}
		rels = append(rels, rel)
	}
	mask := stats.Suppress(r.Values, rels)
	for i := range mask {
		if !r.Public[i] {
			mask[i] = stats.Unpublished
		}
	}
	return stats.Decision{Mask: mask}, nil
}
