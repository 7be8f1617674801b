package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"candour/policeuk"
	"candour/store"
)

// TestPanelSessionReviewsADrawnSample walks a record-review panel: the
// chair draws records from the real January 2019 Dorset file and attaches
// them to the session; a member who attends picks one and finds its
// police.uk fields filled in (and kept from the sample, whatever the form
// says); the member proposes a recommendation and the chair raises it,
// pre-filled.
func TestPanelSessionReviewsADrawnSample(t *testing.T) {
	w := newVisitWorld(t)
	a := w.a
	ctx := context.Background()
	coord, chair, m1 := w.as(w.coord), w.as(w.chair), w.as(w.m1)
	coord.upload("/disparity/import", "/disparity/import", "files",
		map[string][]byte{"2019-01-dorset-stop-and-search.csv": readData(t, "2019-01-dorset-stop-and-search.csv")}, nil)
	id := w.createVisit(chair, visitFormAt(w.panel.ID, time.Now().Add(72*time.Hour), "4"))
	if r := m1.submit("/visits/"+id, "/visits/"+id+"/sign-up", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("sign up: %d", r.Status)
	}
	r := chair.submit("/disparity/samples/new", "/disparity/samples/new", url.Values{"force": {"dorset"}, "from": {"2019-01"}, "to": {"2019-01"}, "group": {"Black"}, "size": {"3"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("commit: %d", r.Status)
	}
	r = chair.submit(r.Location, r.Location+"/draw", nil) // after the commitment (verifiable samples)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("draw: %d", r.Status)
	}
	sample := r.Location
	sampleID := strings.TrimPrefix(sample, "/disparity/samples/")

	// The chair attaches it to the session; members cannot open samples.
	if r := m1.get(sample); r.Status != http.StatusForbidden {
		t.Fatalf("member on a sample: %d, want 403", r.Status)
	}
	if r := chair.get(sample); !strings.Contains(r.Body, `<option value="`+id+`"`) {
		t.Fatalf("the sample page does not offer the session:\n%s", r.Body)
	}
	if r := chair.submit(sample, sample+"/attach", url.Values{"visit": {"000000000000000000000000"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("attach to an unknown visit: %d, want 422", r.Status)
	}
	if r := chair.submit(sample, sample+"/attach", url.Values{"visit": {id}}); r.Status != http.StatusSeeOther || r.Location != "/visits/"+id {
		t.Fatalf("attach: %d to %q", r.Status, r.Location)
	}
	if v, _ := a.store.Visit(ctx, id); v.SampleID != sampleID {
		t.Fatalf("visit's sample = %q, want %q", v.SampleID, sampleID)
	}
	if r := m1.get("/visits/" + id); !strings.Contains(r.Body, "3 police.uk records are attached for this session to review.") {
		t.Error("the visit page does not tell the member about the records")
	}

	// After the session starts, the member reviews the first record.
	a.advance(73 * time.Hour)
	m1, chair = w.as(w.m1), w.as(w.chair) // the sessions timed out
	page := m1.get("/visits/" + id + "/findings")
	links := regexp.MustCompile(`findings/record\?sample=(\d+)">Review (dorset/2019-01/#\d+)<`).FindAllStringSubmatch(page.Body, -1)
	if len(links) != 3 {
		t.Fatalf("%d records offered on the findings page, want 3:\n%s", len(links), page.Body)
	}
	ps, err := a.store.PanelSample(ctx, sampleID)
	if err != nil {
		t.Fatal(err)
	}
	rec := ps.Records[0]
	form := m1.get("/visits/" + id + "/findings/record?sample=0")
	if form.Status != http.StatusOK || !strings.Contains(form.Body, "From police.uk") || !strings.Contains(form.Body, "Review record "+rec.Ref) ||
		!strings.Contains(form.Body, rec.Fields[policeuk.ColLegislation]) {
		t.Fatalf("record form from the sample: %d\n%s", form.Status, form.Body)
	}
	if strings.Contains(form.Body, `id="legislation"`) {
		t.Error("the police.uk fields are offered for typing")
	}
	// Only the review is the member's: a changed legislation is ignored.
	post := url.Values{"version": {"0"}, "sample": {"0"}, "reference": {"tampered"}, "legislation": {"Made up Act"},
		"bwv": {"yes"}, "grounds": {"no"}, "gowisely": {"grounds"}, "rag": {"red"}, "comment": {"Grounds not recorded"}}
	if r := m1.submit("/visits/"+id+"/findings/record?sample=0", "/visits/"+id+"/findings/record", post); r.Status != http.StatusSeeOther {
		t.Fatalf("save the review: %d\n%s", r.Status, r.Body)
	}
	f, err := a.store.Finding(ctx, store.FindingID(id, w.m1.ID))
	if err != nil || len(f.Records) != 1 {
		t.Fatalf("finding = %+v (%v)", f, err)
	}
	got := f.Records[0]
	if got.Reference != rec.Ref || got.Legislation != rec.Fields[policeuk.ColLegislation] || !strings.HasPrefix(got.SelfEthnicity, "Black, Black British") ||
		got.Date.In(london).Format("2006-01-02") != rec.Fields[policeuk.ColDate][:10] || got.RAG != "red" {
		t.Fatalf("stored review = %+v, want the sample's fields with the member's review", got)
	}
	if r := m1.get("/visits/" + id + "/findings"); !strings.Contains(r.Body, "Reviewed</strong> "+rec.Ref) {
		t.Error("the findings page does not mark the record reviewed")
	}

	// The member proposes a recommendation; the chair raises it, pre-filled.
	submitFindings(t, m1, id, url.Values{"action": {"submit"}, "version": {"1"}, "proposals": {"Brief officers on recording grounds\nEvery search record should say what the officer saw."}})
	link := "/recommendations/new?" + url.Values{"finding": {store.FindingID(id, w.m1.ID)}}.Encode()
	if r := chair.get("/visits/" + id); !strings.Contains(r.Body, `href="`+strings.ReplaceAll(link, "&", "&amp;")+`"`) || !strings.Contains(r.Body, "Raise the proposed recommendation") {
		t.Fatalf("the chair is not offered the proposal to raise:\n%s", r.Body)
	}
	r = chair.get(link)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `value="Brief officers on recording grounds"`) ||
		!strings.Contains(r.Body, "Every search record should say what the officer saw.") {
		t.Fatalf("raise form not pre-filled: %d\n%s", r.Status, r.Body)
	}
	if r := m1.get(link); r.Status != http.StatusForbidden {
		t.Errorf("member on the raise form: %d, want 403", r.Status)
	}
	other := a.newUser(store.RoleChair, "other-chair@example.org")
	if err := a.store.PutMembership(ctx, &store.Membership{GroupID: w.iag.ID, UserID: other.ID, Chair: true, VettingLevel: "NPPV2"}); err != nil {
		t.Fatal(err)
	}
	if r := w.as(other).get(link); r.Status != http.StatusNotFound {
		t.Errorf("another group's chair on the finding: %d, want 404", r.Status)
	}
	today := partsOf(a.store.Now())
	raise := url.Values{"title": {"Brief officers on recording grounds"}, "wording": {"Every search record should say what the officer saw."},
		"source": {"visit-finding"}, "group": {w.panel.ID}, "sourceLink": {"/visits/" + id + "#finding-" + w.m1.ID},
		"raised-day": {today.Day}, "raised-month": {today.Month}, "raised-year": {today.Year}, "area": {"respected"}, "priority": {"medium"},
		"ownerDept": {"Neighbourhood Policing"}, "ownerName": {"Chief Inspector"}}
	bad := url.Values{}
	for k, v := range raise {
		bad[k] = v
	}
	bad.Set("group", w.iag.ID)
	if r := chair.submit(link, "/recommendations/new", bad); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("a chair raising for a group they do not chair: %d, want 422", r.Status)
	}
	if r := chair.submit(link, "/recommendations/new", raise); r.Status != http.StatusSeeOther {
		t.Fatalf("raise: %d\n%s", r.Status, r.Body)
	}
	recs, _ := a.store.AllRecommendations(ctx, store.RecommendationFilter{})
	if len(recs) != 1 || recs[0].GroupID != w.panel.ID || recs[0].Source != "visit-finding" {
		t.Fatalf("recommendations = %+v", recs)
	}
}

// TestCensus2021Of maps every self-defined ethnicity label in the real
// police.uk files kept in testdata/ (2011 wording and the coded labels
// used before 2019) to the review form's Census 2021 categories, by hand.
func TestCensus2021Of(t *testing.T) {
	for label, want := range map[string]string{
		"White - English/Welsh/Scottish/Northern Irish/British": "White: English, Welsh, Scottish, Northern Irish or British",
		"White - White British (W1)":                            "White: English, Welsh, Scottish, Northern Irish or British",
		"White - Irish":                                         "White: Irish",
		"White - White Irish (W2)":                              "White: Irish",
		"White - Any other White background":                    "White: Other White",
		"White - Any other White ethnic background (W9)":        "White: Other White",
		"Other ethnic group - Not stated":                       "Not stated",
		"Not Stated (NS)":                                       "Not stated",
		"":                                                      "Not stated",
		"Black or Black British - Caribbean (B1)":               "Black, Black British, Black Welsh, Caribbean or African: Caribbean",
		"Black/African/Caribbean/Black British - Caribbean":     "Black, Black British, Black Welsh, Caribbean or African: Caribbean",
		"Black/African/Caribbean/Black British - African":       "Black, Black British, Black Welsh, Caribbean or African: African",
		"Black or Black British - African (B2)":                 "Black, Black British, Black Welsh, Caribbean or African: African",
		"Black/African/Caribbean/Black British - Any other Black/African/Caribbean background": "Black, Black British, Black Welsh, Caribbean or African: Other Black",
		"Black or Black British - Any other Black ethnic background (B9)":                      "Black, Black British, Black Welsh, Caribbean or African: Other Black",
		"Asian/Asian British - Pakistani":                                                      "Asian, Asian British or Asian Welsh: Pakistani",
		"Asian/Asian British - Bangladeshi":                                                    "Asian, Asian British or Asian Welsh: Bangladeshi",
		"Asian or Asian British - Bangladeshi (A3)":                                            "Asian, Asian British or Asian Welsh: Bangladeshi",
		"Asian/Asian British - Indian":                                                         "Asian, Asian British or Asian Welsh: Indian",
		"Asian or Asian British - Indian (A1)":                                                 "Asian, Asian British or Asian Welsh: Indian",
		"Asian/Asian British - Any other Asian background":                                     "Asian, Asian British or Asian Welsh: Other Asian",
		"Asian or Asian British - Any other Asian ethnic background (A9)":                      "Asian, Asian British or Asian Welsh: Other Asian",
		"Mixed - White and Black Caribbean (M1)":                                               "Mixed or Multiple ethnic groups: White and Black Caribbean",
		"Mixed/Multiple ethnic groups - White and Black Caribbean":                             "Mixed or Multiple ethnic groups: White and Black Caribbean",
		"Mixed - White and Black African (M2)":                                                 "Mixed or Multiple ethnic groups: White and Black African",
		"Mixed/Multiple ethnic groups - White and Black African":                               "Mixed or Multiple ethnic groups: White and Black African",
		"Mixed - White and Asian (M3)":                                                         "Mixed or Multiple ethnic groups: White and Asian",
		"Mixed - Any other Mixed ethnic background (M9)":                                       "Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups",
		"Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background":            "Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups",
		"Other ethnic group - Any other ethnic group":                                          "Other ethnic group: Any other ethnic group",
	} {
		if got := census2021Of(label); got != want {
			t.Errorf("census2021Of(%q) = %q, want %q", label, got, want)
		}
		if !hasChoice(ethnicityChoices(), census2021Of(label)) {
			t.Errorf("%q maps to %q, which the form does not offer", label, census2021Of(label))
		}
	}
}
