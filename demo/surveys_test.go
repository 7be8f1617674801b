package demo

import (
	"bytes"
	"context"
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
	// Black respondents' agreement that the police are fair is published:
	// 35 of 111. Its comparison with White respondents is not, on this
	// survey: the "Other" group has 3 respondents, so its answers are
	// withheld counts the audit must protect ±5 (issue 11), and the cheapest
	// witnesses it finds withhold the White group's counts for this
	// question. That loss of a headline comparison is known and left for the
	// audit's choice of what to withhold (docs/surveys.md); the test pins
	// what is published, and that nothing is compared with a withheld base.
	fair := r.Questions[2].Breakdown(store.AboutEthnicity)
	for i, col := range fair.Columns {
		c := fair.Measures[0].Cells[i]
		switch col.Value {
		case "Black":
			if !c.Share.Has || c.Share.Count.N != 35 || c.Share.Base.N != 111 {
				t.Errorf("Black respondents' agreement that the police are fair: %+v", c)
			}
		case "White":
			if c.Share.Has || c.HasRatio {
				t.Errorf("White respondents' agreement is shown although the audit withholds it: %+v", c)
			}
		}
		if c.HasRatio && !c.Share.Has {
			t.Errorf("%s: a ratio from a withheld share: %+v", col.Value, c)
		}
	}
}

// TestDemoSurveysAgainstTheAttack attacks both demo surveys through their
// published CSV (survey/surveytest, stats/disclosuretest), with the audit's
// witnesses checked by the attack against its own relations, and fails if
// any withheld count of 1 to 9 can be narrowed to less than 5 either side
// of its value, or if the attack cannot decide one.
func TestDemoSurveysAgainstTheAttack(t *testing.T) {
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
		cert, err := survey.Certificate(sv, 1, ts)
		if err != nil {
			t.Fatal(err)
		}
		surveytest.Claim(k, sv.Version(1), cert)
		res, err := k.Attack(stats.ProtectionMargin)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d withheld counts of 1 to 9, %d pinned within ±5, %d recovered exactly, %d undecided", sv.Title, res.Withheld, len(res.Pinned), len(res.Exact), len(res.Undecided))
		if res.Withheld < 100 {
			t.Errorf("%s: only %d counts of 1 to 9: the demo should have many", sv.Title, res.Withheld)
		}
		for _, p := range res.Pinned {
			t.Errorf("%s: pinned: %s", sv.Title, p)
		}
		for _, u := range res.Undecided {
			t.Errorf("%s: undecided: %s", sv.Title, u)
		}
	}
}
