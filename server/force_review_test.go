package server

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// forceRecord is a valid use-of-force record review.
func forceRecord() url.Values {
	return url.Values{"version": {"0"}, "reference": {"UOF-2026-0193"}, "date-day": {"2"}, "date-month": {"10"}, "date-year": {"2026"},
		"outcome": {"Arrested"}, "selfEthnicity": {"Black, Black British, Black Welsh, Caribbean or African: African"}, "officerEthnicity": {"Black"},
		"tactics": {"taser", "handcuffNonCompliant"}, "reasons": {"protectSelf", "effectArrest"}, "impactFactors": {"drugs"},
		"subjectInjury": {"minor"}, "officerInjury": {"none"}, "deescalation": {"no"}, "bwv": {"yes"}, "bwvReviewed": {"yes"},
		"rag": {"red"}, "comment": {"Taser drawn within seconds; no attempt to talk first"}}
}

// TestUseOfForceRecordReview: a use-of-force session asks the use-of-force
// questions (not reasonable grounds or GOWISELY); bad input is a 422 that
// keeps what was typed and stores nothing; the record is kept whole and
// shown on the visit page with the force's response. On fakes: the
// findings in a visitFakeWorld, the trends from their tally.
func TestUseOfForceRecordReview(t *testing.T) {
	w := newVisitFakeWorld(t, visitFakeNow)
	w.signUpTakesASeat()
	w.savesFindings()
	w.respondsToFindings()
	ctx := context.Background()
	form := visitFormAt(w.panel.ID, w.now().Add(time.Hour), "2")
	form.Set("type", store.VisitUseOfForce)
	id := w.createVisit(w.as(w.chair), form)
	w.as(w.m1).submit("/visits/"+id, "/visits/"+id+"/sign-up", nil)
	w.setNow(w.now().Add(2 * time.Hour))
	m1 := w.as(w.m1)
	page := m1.get("/visits/" + id + "/findings/record")
	for _, want := range []string{"Which tactics were used?", "Taser (drawn, aimed, red-dotted, arced, fired or drive-stun)", "What reasons did the officer give?",
		"Impact factors", "Was the person injured?", "Was an officer injured?", "Did the officer try to de-escalate first?",
		"Did the panel watch the body-worn video?", "Was the force used proportionate?"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the use-of-force record form lacks %q", want)
		}
	}
	if strings.Contains(page.Body, "GOWISELY") || strings.Contains(page.Body, "reasonable grounds") || strings.Contains(page.Body, "Legislation") {
		t.Error("the use-of-force form asks a search's questions")
	}

	path := "/visits/" + id + "/findings/record"
	for _, tc := range []struct {
		name, field, value, msg string
	}{
		{"no tactic", "tactics", "", "Tick at least one tactic the record shows"},
		{"a made-up tactic", "tactics", "sword", "Tick only the tactics listed"},
		{"no reason", "reasons", "", "Tick at least one reason the officer gave"},
		{"no injury answer", "subjectInjury", "", "Say whether the person was injured"},
		{"no officer injury answer", "officerInjury", "bruised", "Say whether an officer was injured"},
		{"no de-escalation answer", "deescalation", "", "Say whether the officer tried to de-escalate"},
		{"watched video that was not there", "bwv", "no", "the panel cannot have watched it"},
		{"red without a comment", "comment", "", "Say why you rated the force used red"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := forceRecord()
			if tc.value == "" {
				f.Del(tc.field)
			} else {
				f.Set(tc.field, tc.value)
			}
			r := m1.submit(path, path, f)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.msg) || !strings.Contains(r.Body, "govuk-error-summary") {
				t.Fatalf("%d, want 422 with %q", r.Status, tc.msg)
			}
			if !strings.Contains(r.Body, `value="UOF-2026-0193"`) || !strings.Contains(r.Body, `value="drugs" checked`) {
				t.Error("what was typed is lost")
			}
			if _, err := w.fv.Finding(ctx, store.FindingID(id, w.m1.ID)); err == nil {
				t.Fatal("a refused record was stored")
			}
		})
	}

	if r := m1.submit(path, path, forceRecord()); r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.Status, r.Body)
	}
	f, err := w.fv.Finding(ctx, store.FindingID(id, w.m1.ID))
	if err != nil || len(f.Records) != 1 || f.Records[0].Force == nil {
		t.Fatalf("finding = %+v (%v)", f, err)
	}
	got := f.Records[0]
	// Kept in the list's order whatever order the boxes came in.
	if !slices.Equal(got.Force.Tactics, []string{"handcuffNonCompliant", "taser"}) || !slices.Equal(got.Force.Reasons, []string{"protectSelf", "effectArrest"}) ||
		got.Force.SubjectInjury != "minor" || got.Force.Deescalation != "no" || !got.Force.BWVReviewed || got.RAG != "red" || got.Grounds != "" {
		t.Fatalf("record = %+v %+v", got, got.Force)
	}
	// Changing it shows what was saved.
	if page := m1.get(path + "?n=0"); !strings.Contains(page.Body, `value="taser" checked`) || !strings.Contains(page.Body, `value="minor" checked`) {
		t.Fatal("the change form does not show the saved record")
	}
	submitFindings(t, m1, id, url.Values{"action": {"submit"}, "version": {"1"}})
	coord := w.as(w.coord)
	field := "response-" + w.m1.ID
	if r := coord.submit("/visits/"+id, "/visits/"+id+"/findings/"+w.m1.ID+"/response", url.Values{field: {"The officer has been given advice on de-escalation."}}); r.Status != http.StatusSeeOther {
		t.Fatalf("response: %d", r.Status)
	}
	show := w.as(w.m2).get("/visits/" + id)
	for _, want := range []string{"Handcuffing (non-compliant), Taser (drawn, aimed, red-dotted, arced, fired or drive-stun)", "Person injured: Minor",
		"De-escalation attempted: no", "watched by the panel", "The officer has been given advice on de-escalation."} {
		if !strings.Contains(show.Body, want) {
			t.Errorf("the visit page lacks %q", want)
		}
	}
	// The trends page has the use-of-force section, counted apart.
	trends := w.as(w.chair).get("/visits/trends?group=" + w.panel.ID)
	if !strings.Contains(trends.Body, "1 use of force reviewed: 1 judged not proportionate, rated red (100%); no attempt to de-escalate in 1 (100%); the person injured in 1 (100%)") ||
		!strings.Contains(trends.Body, "No reviewed stop and search records have been submitted") {
		t.Fatalf("trends:\n%s", trends.Body)
	}
}

// TestUseOfForceTrendsFigures: the use-of-force trends by ethnic group
// and month, worked by hand.
func TestUseOfForceTrendsFigures(t *testing.T) {
	mk := func(rag, deesc, injury, eth string) store.RecordReview {
		return store.RecordReview{RAG: rag, SelfEthnicity: eth, Force: &store.UseOfForce{Deescalation: deesc, SubjectInjury: injury}}
	}
	black := "Black, Black British, Black Welsh, Caribbean or African: Caribbean"
	mixed := "Mixed or Multiple ethnic groups: White and Black Caribbean"
	white := "White: Other White"
	sep := time.Date(2026, 9, 9, 18, 0, 0, 0, london)
	oct := time.Date(2026, 10, 7, 18, 0, 0, 0, london)
	sub, uof := store.FindingSubmitted, store.VisitUseOfForce
	fs := []store.Finding{
		{VisitStart: sep, Status: sub, VisitType: uof, Records: []store.RecordReview{
			mk("red", "no", "minor", black), mk("green", "yes", "none", white), mk("amber", "unclear", "severe", black), mk("green", "yes", "none", white)}},
		{VisitStart: oct, Status: sub, VisitType: uof, Records: []store.RecordReview{
			mk("red", "no", "none", mixed), mk("red", "no", "minor", black), mk("green", "yes", "minor", "Not stated")}},
		// A stop-and-search review goes to the search trends, a draft nowhere.
		{VisitStart: oct, Status: sub, VisitType: store.VisitStopSearch, Records: []store.RecordReview{{Grounds: "no", RAG: "red", SelfEthnicity: black}}},
		{VisitStart: oct, Status: store.FindingDraft, VisitType: uof, Records: []store.RecordReview{mk("red", "no", "severe", black)}},
	}
	tally := store.TallyOf("g", fs)
	byMonth, byGroup, total := forceTrends(&tally)
	// By hand, 7 submitted use-of-force records:
	// September: 4 records; red 1 (25%); no de-escalation 1 (25%, "unclear"
	//   is not "no"); injured 2 (minor, severe: 50%).
	// October: 3 records; red 2 (67%); no de-escalation 2 (67%); injured 2 (67%).
	// Black (Caribbean x3): 3 records, red 2, no de-escalation 2, injured 3.
	// Mixed: 1, red 1, no de-escalation 1, injured 0. White: 2, 0, 0, 0.
	// Not stated: 1, 0, 0, 1. Total 7: red 3 (43%), no de-escalation 3
	// (43%), injured 4 (57%).
	type fig struct{ n, red, noDeesc, injured int }
	of := func(r trendRow) fig { return fig{r.Records, r.Red, r.NoDeescalation, r.SubjectInjured} }
	if len(byMonth) != 2 || byMonth[0].Label != "September 2026" || of(byMonth[0]) != (fig{4, 1, 1, 2}) || byMonth[0].InjuredPercent != 50 ||
		of(byMonth[1]) != (fig{3, 2, 2, 2}) || byMonth[1].RedPercent != 67 {
		t.Fatalf("by month = %+v", byMonth)
	}
	want := []struct {
		label string
		f     fig
	}{
		{"Black, Black British, Black Welsh, Caribbean or African", fig{3, 2, 2, 3}},
		{"Mixed or Multiple ethnic groups", fig{1, 1, 1, 0}},
		{"White", fig{2, 0, 0, 0}},
		{"Not stated", fig{1, 0, 0, 1}},
	}
	if len(byGroup) != len(want) {
		t.Fatalf("by group = %+v", byGroup)
	}
	for i, w := range want {
		if byGroup[i].Label != w.label || of(byGroup[i]) != w.f {
			t.Errorf("row %d = %s %+v, want %s %+v", i, byGroup[i].Label, of(byGroup[i]), w.label, w.f)
		}
	}
	if of(total) != (fig{7, 3, 3, 4}) || total.RedPercent != 43 || total.NoDeescPercent != 43 || total.InjuredPercent != 57 {
		t.Fatalf("total = %+v", total)
	}
	// The search trends are untouched by the use-of-force records.
	if _, _, st := panelTrends(&tally); st.Records != 1 || st.NoGrounds != 1 {
		t.Fatalf("search total = %+v", st)
	}
}
