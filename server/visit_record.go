package server

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"candour/store"
	"candour/words"
)

// recordForm is one stop-and-search (or use-of-force) record reviewed by a
// panel member; one record per page, so it works on a phone.
type recordForm struct {
	Version          int      `form:"version"`
	N                string   `form:"n"`      // index of the record changed; "" for a new one
	Sample           string   `form:"sample"` // index in the session's sample of the record reviewed; "" for one typed in
	Reference        string   `form:"reference" binding:"required,max=100"`
	Day              string   `form:"date-day"`
	Month            string   `form:"date-month"`
	Year             string   `form:"date-year"`
	Legislation      string   `form:"legislation" binding:"required,max=200"`
	Object           string   `form:"object" binding:"required,max=200"`
	Outcome          string   `form:"outcome" binding:"required,max=200"`
	SelfEthnicity    string   `form:"selfEthnicity"`
	OfficerEthnicity string   `form:"officerEthnicity"`
	BWV              string   `form:"bwv"`
	Grounds          string   `form:"grounds"`
	Gowisely         []string `form:"gowisely"`
	RAG              string   `form:"rag"`
	Comment          string   `form:"comment" binding:"max=4000"`
	// Use-of-force records only.
	Tactics       []string `form:"tactics"`
	Reasons       []string `form:"reasons"`
	ImpactFactors []string `form:"impactFactors"`
	SubjectInjury string   `form:"subjectInjury"`
	OfficerInjury string   `form:"officerInjury"`
	Deescalation  string   `form:"deescalation"`
	BWVReviewed   string   `form:"bwvReviewed"`
}

func (recordForm) messages() map[string]string {
	return map[string]string{
		"reference.required":   "Enter the record's reference",
		"reference":            "The reference must be 100 characters or fewer",
		"legislation.required": "Enter the legislation used, like PACE section 1",
		"legislation":          "The legislation must be 200 characters or fewer",
		"object.required":      "Enter the object of the search, like controlled drugs",
		"object":               "The object must be 200 characters or fewer",
		"outcome.required":     "Enter the outcome, like no further action",
		"outcome":              "The outcome must be 200 characters or fewer",
		"comment":              "The comment must be 4,000 characters or fewer",
	}
}

// censusEthnicities are the Census 2021 categories (self-defined), plus a
// record that does not say.
var censusEthnicities = []string{
	"Asian, Asian British or Asian Welsh: Bangladeshi", "Asian, Asian British or Asian Welsh: Chinese", "Asian, Asian British or Asian Welsh: Indian",
	"Asian, Asian British or Asian Welsh: Pakistani", "Asian, Asian British or Asian Welsh: Other Asian",
	"Black, Black British, Black Welsh, Caribbean or African: African", "Black, Black British, Black Welsh, Caribbean or African: Caribbean",
	"Black, Black British, Black Welsh, Caribbean or African: Other Black",
	"Mixed or Multiple ethnic groups: White and Asian", "Mixed or Multiple ethnic groups: White and Black African",
	"Mixed or Multiple ethnic groups: White and Black Caribbean", "Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups",
	"White: English, Welsh, Scottish, Northern Irish or British", "White: Irish", "White: Gypsy or Irish Traveller", "White: Roma", "White: Other White",
	"Other ethnic group: Arab", "Other ethnic group: Any other ethnic group",
	"Not stated",
}

func ethnicityChoices() []choice {
	cs := []choice{{Value: "", Label: "Choose from the record"}}
	for _, e := range censusEthnicities {
		label := e
		if e == "Not stated" {
			label = "Not stated on the record (or the person preferred not to say)"
		}
		cs = append(cs, choice{Value: e, Label: label})
	}
	return cs
}

func officerEthnicityChoices() []choice {
	return []choice{{Value: "", Label: "Choose from the record"}, {Value: "Asian", Label: "Asian"}, {Value: "Black", Label: "Black"},
		{Value: "Mixed", Label: "Mixed"}, {Value: "Other", Label: "Other"}, {Value: "White", Label: "White"}, {Value: "Not stated", Label: "Not stated"}}
}

type gowiselyBox struct {
	Key, Label string
	Checked    bool
}

// boxesField is a fieldset of checkboxes, each ticked or not: the
// use-of-force tactics, reasons and impact factors.
type boxesField struct {
	Name, Legend, Hint, Error string
	Boxes                     []gowiselyBox
}

func newBoxes(name, legend, hint string, keys, ticked []string, errs *formErrors) boxesField {
	b := boxesField{Name: name, Legend: legend, Hint: hint, Error: errs.For(name)}
	for _, k := range keys {
		b.Boxes = append(b.Boxes, gowiselyBox{Key: k, Label: words.Force(k), Checked: slices.Contains(ticked, k)})
	}
	return b
}

type recordFormData struct {
	Visit               *store.Visit
	SelfEth, OfficerEth choiceField
	BWV, Grounds, RAG   choiceField
	Date                dateField
	Gowisely            []gowiselyBox
	New                 bool
	FromSample          *store.RecordReview // the police.uk fields of a record from the session's sample
	// Use-of-force records.
	Force                                           bool
	Tactics, Reasons, Impact                        boxesField
	SubjectInjury, OfficerInjury, Deesc, BWVReviewd choiceField
}

func recordFormOf(r store.RecordReview, n int, version int) recordForm {
	d := partsOf(r.Date)
	f := recordForm{Version: version, N: strconv.Itoa(n), Reference: r.Reference, Day: d.Day, Month: d.Month, Year: d.Year,
		Legislation: r.Legislation, Object: r.Object, Outcome: r.Outcome, SelfEthnicity: r.SelfEthnicity, OfficerEthnicity: r.OfficerEthnicity,
		BWV: r.BWV, Grounds: r.Grounds, RAG: r.RAG, Comment: r.Comment}
	if uf := r.Force; uf != nil {
		f.Tactics, f.Reasons, f.ImpactFactors = uf.Tactics, uf.Reasons, uf.ImpactFactors
		f.SubjectInjury, f.OfficerInjury, f.Deescalation, f.BWVReviewed = uf.SubjectInjury, uf.OfficerInjury, uf.Deescalation, "no"
		if uf.BWVReviewed {
			f.BWVReviewed = "yes"
		}
	}
	for _, k := range store.Gowisely {
		if r.Gowisely[k] {
			f.Gowisely = append(f.Gowisely, k)
		}
	}
	return f
}

func (s *Server) visitRecordForm(c *gin.Context) {
	v, _, f, ok := s.findingWriter(c)
	if !ok {
		return
	}
	if !store.ReviewsRecords(v.Type) || f.Status == store.FindingSubmitted {
		s.redirect(c, "/visits/"+v.ID+"/findings")
		return
	}
	n, ok := recordIndex(c.Query("n"), len(f.Records))
	if !ok {
		s.notFound(c)
		return
	}
	form := recordForm{Version: f.Version}
	if n >= 0 {
		form = recordFormOf(f.Records[n], n, f.Version)
	} else if c.Query("sample") != "" {
		ps, err := s.visitSample(c, v)
		if err != nil {
			s.serverError(c, err)
			return
		}
		k, ok := sampleIndex(c.Query("sample"), ps)
		if !ok {
			s.notFound(c)
			return
		}
		form = fromSample(form, ps, k)
	}
	s.renderRecordForm(c, http.StatusOK, v, form, &formErrors{})
}

// fromSample fills the police.uk fields of f from record k of the sample:
// the member adds only the review. On a save the server fills them again
// from the sample, so what is kept is what police.uk published.
func fromSample(f recordForm, ps *store.PanelSample, k int) recordForm {
	r := sampledRecord(ps.Records[k])
	d := partsOf(r.Date)
	f.Sample, f.Reference, f.Day, f.Month, f.Year = strconv.Itoa(k), r.Reference, d.Day, d.Month, d.Year
	f.Legislation, f.Object, f.Outcome, f.SelfEthnicity, f.OfficerEthnicity = r.Legislation, r.Object, r.Outcome, r.SelfEthnicity, r.OfficerEthnicity
	return f
}

// visitRecordSave adds or changes one reviewed record in the draft.
func (s *Server) visitRecordSave(c *gin.Context) {
	v, _, f, ok := s.findingWriter(c)
	if !ok {
		return
	}
	var form recordForm
	errs, ok := s.bind(c, &form)
	if !ok {
		return
	}
	if !store.ReviewsRecords(v.Type) {
		s.errorPage(c, http.StatusUnprocessableEntity, "This visit does not review records", "Write up this visit on the findings page. Nothing has been saved.")
		return
	}
	n, ok := recordIndex(form.N, len(f.Records))
	if !ok {
		errs.Add("reference", "That record is no longer in your draft: go back to your findings")
	}
	if form.Sample != "" {
		ps, err := s.visitSample(c, v)
		if err != nil {
			s.serverError(c, err)
			return
		}
		k, inSample := sampleIndex(form.Sample, ps)
		if !inSample {
			errs.Add("reference", "That record is no longer in this session's sample: go back to your findings")
			form.Sample = ""
		} else {
			form = fromSample(form, ps, k)
			errs.Drop("reference", "date", "legislation", "object", "outcome") // filled from the sample, not typed
		}
	}
	if ok && n < 0 && len(f.Records) >= s.recordsPerFinding {
		// The finding is one document, saved whole: keep it well inside
		// the store's document size.
		errs.Add("reference", fmt.Sprintf("One finding can hold up to %d records: submit these and tell the chair about the rest", s.recordsPerFinding))
	}
	if v.Type == store.VisitUseOfForce {
		// A use-of-force record has no legislation or object of a search.
		errs.Drop("legislation", "object")
	}
	r := form.check(errs, v.Type)
	if errs.Any() {
		s.renderRecordForm(c, http.StatusUnprocessableEntity, v, form, errs)
		return
	}
	next := *f
	next.Records = append([]store.RecordReview{}, f.Records...)
	if n < 0 {
		next.Records = append(next.Records, r)
	} else {
		next.Records[n] = r
	}
	if !s.saveFinding(c, v, &next, form.Version, false) {
		return
	}
	s.flash(c, "Record "+r.Reference+" saved in your draft")
	s.redirect(c, "/visits/"+v.ID+"/findings")
}

// visitRecordRemove takes one record out of the draft.
func (s *Server) visitRecordRemove(c *gin.Context) {
	v, _, f, ok := s.findingWriter(c)
	if !ok {
		return
	}
	var form recordIndexForm
	if _, ok := s.bind(c, &form); !ok {
		return
	}
	n, ok := recordIndex(form.N, len(f.Records))
	if !ok || n < 0 {
		s.errorPage(c, http.StatusUnprocessableEntity, "That record is not in your draft", "Go back to your findings and reload them. Nothing has been changed.")
		return
	}
	next := *f
	next.Records = append(append([]store.RecordReview{}, f.Records[:n]...), f.Records[n+1:]...)
	if !s.saveFinding(c, v, &next, form.Version, false) {
		return
	}
	s.flash(c, "Record removed from your draft")
	s.redirect(c, "/visits/"+v.ID+"/findings")
}

type recordIndexForm struct {
	Version int    `form:"version"`
	N       string `form:"n"`
}

func (recordIndexForm) messages() map[string]string { return nil }

// check validates what the tags cannot and builds the record. A
// use-of-force record asks the use-of-force questions instead of the
// search's (reasonable grounds, GOWISELY).
func (f recordForm) check(errs *formErrors, visitType string) store.RecordReview {
	date, msg := dateParts{f.Day, f.Month, f.Year}.parse("The date of the record")
	if msg == "" && date.IsZero() {
		msg = "Enter the date of the stop or search"
		if visitType == store.VisitUseOfForce {
			msg = "Enter the date force was used"
		}
	}
	if msg != "" {
		errs.Add("date", msg)
	}
	if f.SelfEthnicity == "" || !hasChoice(ethnicityChoices(), f.SelfEthnicity) {
		errs.Add("selfEthnicity", "Choose the person's self-defined ethnicity from the record, or \"Not stated\"")
	}
	if f.OfficerEthnicity == "" || !hasChoice(officerEthnicityChoices(), f.OfficerEthnicity) {
		errs.Add("officerEthnicity", "Choose the officer-defined ethnicity from the record, or \"Not stated\"")
	}
	if !hasChoice(bwvChoices(), f.BWV) {
		errs.Add("bwv", "Say whether body-worn video was available")
	}
	if visitType == store.VisitUseOfForce {
		return f.checkForce(errs, date)
	}
	if !hasChoice(groundsChoices(), f.Grounds) {
		errs.Add("grounds", "Say whether the record shows reasonable grounds")
	}
	if !hasChoice(ragChoices(), f.RAG) {
		errs.Add("rag", "Rate the record green, amber or red")
	}
	if (f.RAG == "amber" || f.RAG == "red") && f.Comment == "" {
		errs.Add("comment", "Say why you rated the record "+f.RAG)
	}
	g := map[string]bool{}
	for _, k := range store.Gowisely {
		g[k] = false
	}
	for _, k := range f.Gowisely {
		if _, ok := g[k]; !ok {
			errs.Add("gowisely", "Tick only the GOWISELY elements listed")
			continue
		}
		g[k] = true
	}
	return store.RecordReview{Reference: f.Reference, Date: date.UTC(), Legislation: f.Legislation, Object: f.Object, Outcome: f.Outcome,
		SelfEthnicity: f.SelfEthnicity, OfficerEthnicity: f.OfficerEthnicity, BWV: f.BWV, Grounds: f.Grounds, Gowisely: g, RAG: f.RAG, Comment: f.Comment}
}

// checkForce validates the use-of-force questions and builds the record:
// the RAG and comment are the panel's view of whether the force used was
// proportionate.
func (f recordForm) checkForce(errs *formErrors, date time.Time) store.RecordReview {
	pick := func(field string, got, keys []string, none, wrong string) []string {
		if len(got) == 0 && none != "" {
			errs.Add(field, none)
		}
		var out []string
		for _, k := range keys { // in the list's order, each once
			if slices.Contains(got, k) {
				out = append(out, k)
			}
		}
		for _, k := range got {
			if !slices.Contains(keys, k) {
				errs.Add(field, wrong)
				break
			}
		}
		return out
	}
	uf := &store.UseOfForce{
		Tactics:       pick("tactics", f.Tactics, store.ForceTactics, "Tick at least one tactic the record shows", "Tick only the tactics listed"),
		Reasons:       pick("reasons", f.Reasons, store.ForceReasons, "Tick at least one reason the officer gave", "Tick only the reasons listed"),
		ImpactFactors: pick("impactFactors", f.ImpactFactors, store.ForceImpactFactors, "", "Tick only the impact factors listed"),
		SubjectInjury: f.SubjectInjury, OfficerInjury: f.OfficerInjury, Deescalation: f.Deescalation, BWVReviewed: f.BWVReviewed == "yes",
	}
	if !hasChoice(injuryChoices(), f.SubjectInjury) {
		errs.Add("subjectInjury", "Say whether the person was injured")
	}
	if !hasChoice(injuryChoices(), f.OfficerInjury) {
		errs.Add("officerInjury", "Say whether an officer was injured")
	}
	if !hasChoice(deescalationChoices(), f.Deescalation) {
		errs.Add("deescalation", "Say whether the officer tried to de-escalate")
	}
	if !hasChoice(yesNoChoices, f.BWVReviewed) {
		errs.Add("bwvReviewed", "Say whether the panel watched the body-worn video")
	}
	if f.BWVReviewed == "yes" && f.BWV == "no" {
		errs.Add("bwvReviewed", "You said there was no body-worn video: the panel cannot have watched it")
	}
	if !hasChoice(ragChoices(), f.RAG) {
		errs.Add("rag", "Rate how proportionate the force was: green, amber or red")
	}
	if (f.RAG == "amber" || f.RAG == "red") && f.Comment == "" {
		errs.Add("comment", "Say why you rated the force used "+f.RAG)
	}
	return store.RecordReview{Reference: f.Reference, Date: date.UTC(), Outcome: f.Outcome,
		SelfEthnicity: f.SelfEthnicity, OfficerEthnicity: f.OfficerEthnicity, BWV: f.BWV, RAG: f.RAG, Comment: f.Comment, Force: uf}
}

// proportionalityChoices are the RAG ratings in a use-of-force panel's
// words.
func proportionalityChoices() []choice {
	return []choice{{Value: "green", Label: "Green: proportionate", Hint: "Positive feedback to the officer"},
		{Value: "amber", Label: "Amber: some concern", Hint: "Advice for the officer"},
		{Value: "red", Label: "Red: not proportionate", Hint: "Escalate to a senior officer"}}
}

func injuryChoices() []choice {
	return []choice{{Value: "none", Label: "No injury"}, {Value: "minor", Label: "Minor injury"}, {Value: "severe", Label: "Severe injury"}}
}

func deescalationChoices() []choice {
	return []choice{{Value: "yes", Label: "Yes"}, {Value: "no", Label: "No"}, {Value: "unclear", Label: "Cannot tell"}}
}

func bwvChoices() []choice {
	return []choice{{Value: "yes", Label: "Yes"}, {Value: "partial", Label: "Partly"}, {Value: "no", Label: "No"}}
}

func groundsChoices() []choice {
	return []choice{{Value: "yes", Label: "Yes"}, {Value: "no", Label: "No"}, {Value: "unsure", Label: "Unsure"}}
}

func (s *Server) renderRecordForm(c *gin.Context, status int, v *store.Visit, f recordForm, errs *formErrors) {
	d := &recordFormData{Visit: v, New: f.N == "",
		SelfEth:    newChoices("selfEthnicity", "Self-defined ethnicity", f.SelfEthnicity, errs, ethnicityChoices()),
		OfficerEth: newChoices("officerEthnicity", "Officer-defined ethnicity", f.OfficerEthnicity, errs, officerEthnicityChoices()),
		BWV:        newChoices("bwv", "Was body-worn video available?", f.BWV, errs, bwvChoices()),
		Grounds:    newChoices("grounds", "Does the record show reasonable grounds?", f.Grounds, errs, groundsChoices()),
		RAG:        newChoices("rag", "Rating", f.RAG, errs, ragChoices()),
		Date: dateField{Name: "date", Legend: "Date of the stop or search", Hint: "For example, 14 10 2026", Error: errs.For("date"),
			Day: f.Day, Month: f.Month, Year: f.Year, LegendSize: "s"},
	}
	for _, ch := range []*choiceField{&d.SelfEth, &d.OfficerEth, &d.BWV, &d.Grounds, &d.RAG} {
		ch.LabelSize = "s"
	}
	d.BWV.Inline, d.Grounds.Inline = true, true
	if v.Type == store.VisitUseOfForce {
		d.Force = true
		d.RAG = newChoices("rag", "Was the force used proportionate?", f.RAG, errs, proportionalityChoices())
		d.Tactics = newBoxes("tactics", "Which tactics were used?", "Tick each one the record or the video shows", store.ForceTactics, f.Tactics, errs)
		d.Reasons = newBoxes("reasons", "What reasons did the officer give?", "Tick each reason on the record", store.ForceReasons, f.Reasons, errs)
		d.Impact = newBoxes("impactFactors", "Impact factors", "What the officer said affected their decision, if anything", store.ForceImpactFactors, f.ImpactFactors, errs)
		d.SubjectInjury = newChoices("subjectInjury", "Was the person injured?", f.SubjectInjury, errs, injuryChoices())
		d.OfficerInjury = newChoices("officerInjury", "Was an officer injured?", f.OfficerInjury, errs, injuryChoices())
		d.Deesc = newChoices("deescalation", "Did the officer try to de-escalate first?", f.Deescalation, errs, deescalationChoices())
		d.BWVReviewd = newChoices("bwvReviewed", "Did the panel watch the body-worn video?", f.BWVReviewed, errs, yesNoChoices)
		d.BWVReviewd.Hint = "Record each viewing in the session's viewing log too"
		d.Date.Legend = "Date force was used"
		for _, ch := range []*choiceField{&d.RAG, &d.SubjectInjury, &d.OfficerInjury, &d.Deesc, &d.BWVReviewd} {
			ch.LabelSize = "s"
		}
		d.SubjectInjury.Inline, d.OfficerInjury.Inline, d.Deesc.Inline, d.BWVReviewd.Inline = true, true, true, true
	}
	for _, k := range store.Gowisely {
		d.Gowisely = append(d.Gowisely, gowiselyBox{Key: k, Label: words.Gowisely(k), Checked: slices.Contains(f.Gowisely, k)})
	}
	if f.Sample != "" {
		r := store.RecordReview{Reference: f.Reference, Legislation: f.Legislation, Object: f.Object, Outcome: f.Outcome,
			SelfEthnicity: f.SelfEthnicity, OfficerEthnicity: f.OfficerEthnicity}
		if t, msg := (dateParts{f.Day, f.Month, f.Year}).parse("The date"); msg == "" {
			r.Date = t
		}
		d.FromSample = &r
	}
	title := "Add a record you reviewed"
	if d.FromSample != nil {
		title = "Review record " + f.Reference
	}
	if !d.New {
		title = "Change record " + f.Reference
	}
	s.render(c, status, "visit_record_form", &Page{Title: title, Errors: errs, Data: d, Form: f})
}

// forceWords names use-of-force codes for a page: "Shield, Baton (drawn or
// used)", or "None recorded".
func forceWords(keys []string) string {
	if len(keys) == 0 {
		return "None recorded"
	}
	ls := make([]string, len(keys))
	for i, k := range keys {
		ls[i] = words.Force(k)
	}
	return strings.Join(ls, ", ")
}
