package demo

import (
	"bytes"
	"context"
	"os"
	"testing"

	"candour/stats"
	"candour/store"
	"candour/store/storetest"
	"candour/survey"
	"candour/survey/surveytest"
)

// TestSeedSurveys: the demo has a baseline and a published survey with
// the about-you section, whose counters equal a recount, and whose results
// show the disparity the demo was built with.
func TestSeedSurveys(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	if err := SeedSurveys(ctx, db); err != nil {
		t.Fatal(err)
	}
	svs, err := db.Surveys(ctx)
	if err != nil || len(svs) != 2 {
		t.Fatalf("%d surveys (%v)", len(svs), err)
	}
	var main *store.Survey
	for i := range svs {
		if svs[i].BaselineID != "" {
			main = &svs[i]
		}
	}
	if main == nil || !main.AboutYou || main.State(store.Day(db.Now())) != store.SurveyOpen {
		t.Fatalf("the spring survey: %+v", main)
	}
	ts, _ := db.Tallies(ctx, main.ID, 1)
	re, _ := db.Recount(ctx, main, 1)
	if len(ts) != len(re) {
		t.Fatalf("%d counters, %d in the recount", len(ts), len(re))
	}
	r, err := survey.Build(main, 1, ts)
	if err != nil {
		t.Fatal(err)
	}
	if r.Respondents.N != 360 {
		t.Errorf("%d respondents", r.Respondents.N)
	}
	fair := r.Questions[2].Breakdown(store.AboutEthnicity)
	for i, col := range fair.Columns {
		if col.Value == "Black" {
			if c := fair.Measures[0].Cells[i]; !c.HasRatio || !c.Flag || c.Ratio.Estimate >= 1 {
				t.Errorf("Black respondents' agreement that the police are fair: %+v", c)
			}
		}
	}
}

// TestDemoSurveysAgainstTheAttack attacks both demo surveys through their
// published CSV (survey/surveytest, stats/disclosuretest) and fails if any
// "fewer than 10" count is recovered exactly.
//
// NOT PASSING YET (issue 11): under today's rule the attack recovers 27
// counts of the spring survey exactly and pins 141 within ±5
// (docs/surveys.md, "Not done yet"). Set CANDOUR_ATTACK_AUDIT=1 to run it.
func TestDemoSurveysAgainstTheAttack(t *testing.T) {
	if os.Getenv("CANDOUR_ATTACK_AUDIT") == "" {
		t.Skip("known failure, see the comment: set CANDOUR_ATTACK_AUDIT=1 to run")
	}
	db := storetest.Open(t)
	ctx := context.Background()
	if err := SeedSurveys(ctx, db); err != nil {
		t.Fatal(err)
	}
	svs, err := db.Surveys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range svs {
		sv := &svs[i]
		ts, err := db.Tallies(ctx, sv.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		r, err := survey.Build(sv, 1, ts)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := survey.WriteCSV(&buf, survey.Flatten(r)); err != nil {
			t.Fatal(err)
		}
		k, err := surveytest.Read(&buf, sv, 1, ts)
		if err != nil {
			t.Fatal(err)
		}
		res, err := k.Attack(stats.ProtectionMargin)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d counts fewer than 10, %d pinned within ±5, %d recovered exactly, %d undecided", sv.Title, res.Withheld, len(res.Pinned), len(res.Exact), len(res.Undecided))
		for _, p := range res.Pinned {
			t.Logf("  %s", p)
		}
		for _, e := range res.Exact {
			t.Errorf("%s: %s recovered exactly from the published figures", sv.Title, e)
		}
	}
}
