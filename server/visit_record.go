package server

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"candour/store"
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

type recordFormData struct {
	Visit               *store.Visit
	SelfEth, OfficerEth choiceField
	BWV, Grounds, RAG   choiceField
	Date                dateField
	Gowisely            []gowiselyBox
	New                 bool
	FromSample          *store.RecordReview // the police.uk fields of a record from the session's sample
}

func recordFormOf(r store.RecordReview, n int, version int) recordForm {
	d := partsOf(r.Date)
	f := recordForm{Version: version, N: strconv.Itoa(n), Reference: r.Reference, Day: d.Day, Month: d.Month, Year: d.Year,
		Legislation: r.Legislation, Object: r.Object, Outcome: r.Outcome, SelfEthnicity: r.SelfEthnicity, OfficerEthnicity: r.OfficerEthnicity,
		BWV: r.BWV, Grounds: r.Grounds, RAG: r.RAG, Comment: r.Comment}
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
	if ok && n < 0 && len(f.Records) >= maxRecordsPerFinding {
		// The finding is one document, saved whole: keep it well inside
		// the store's document size.
		errs.Add("reference", fmt.Sprintf("One finding can hold up to %d records: submit these and tell the chair about the rest", maxRecordsPerFinding))
	}
	r := form.check(errs)
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

// maxRecordsPerFinding caps a review's records (a variable for tests).
var maxRecordsPerFinding = 200

type recordIndexForm struct {
	Version int    `form:"version"`
	N       string `form:"n"`
}

func (recordIndexForm) messages() map[string]string { return nil }

// check validates what the tags cannot and builds the record.
func (f recordForm) check(errs *formErrors) store.RecordReview {
	date, msg := dateParts{f.Day, f.Month, f.Year}.parse("The date of the record")
	if msg == "" && date.IsZero() {
		msg = "Enter the date of the stop or search"
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
	for _, k := range store.Gowisely {
		d.Gowisely = append(d.Gowisely, gowiselyBox{Key: k, Label: store.GowiselyLabel(k), Checked: slices.Contains(f.Gowisely, k)})
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
