package server

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
	"candour/words"
)

// findingForm is the part of the findings form every visit type has; the
// sections' ratings and comments are read by name (rag-KEY, comment-KEY).
type findingForm struct {
	Version   int    `form:"version"`
	Action    string `form:"action"` // "save" or "submit"
	Consent   bool   `form:"consentGiven"`
	Proposals string `form:"proposals" binding:"max=4000"`
}

func (findingForm) messages() map[string]string {
	return map[string]string{"proposals": "The proposed recommendations must be 4,000 characters or fewer"}
}

type sectionField struct {
	Key, Label, Comment string
	RAG                 choiceField
	CommentError        string
}

type findingFormData struct {
	Visit     *store.Visit
	When      string
	Finding   *store.Finding
	Records   bool // a record-review panel
	Custody   bool
	Sections  []sectionField
	Consent   checkboxField
	Proposals string
	Sample    []sampleRow // the records drawn for this session, if any
}

// findingWriter loads the visit and checks that the person may write
// findings for it: an attendee, once it has started. Anyone else gets a
// clear 422 and nothing changes.
func (s *Server) findingWriter(c *gin.Context) (*store.Visit, visitAccess, *store.Finding, bool) {
	v, a, ok := s.loadVisit(c)
	if !ok {
		return nil, a, nil, false
	}
	if !a.Attending {
		s.errorPage(c, http.StatusUnprocessableEntity, "You did not attend this visit",
			"Only the people who went on a visit write findings for it. Nothing has been saved.")
		return nil, a, nil, false
	}
	if !v.Past(s.visits.Now()) {
		s.errorPage(c, http.StatusUnprocessableEntity, "This visit has not happened yet",
			"You can write up your findings once the visit has started. Nothing has been saved.")
		return nil, a, nil, false
	}
	u := currentUser(c)
	f, err := s.visits.Finding(c.Request.Context(), store.FindingID(v.ID, u.ID))
	if apperr.Is(err, apperr.NotFound) {
		f = &store.Finding{VisitID: v.ID, GroupID: v.GroupID, VisitType: v.Type, VisitStart: v.Start, UserID: u.ID, AuthorName: u.Name}
	} else if err != nil {
		s.serverError(c, err)
		return nil, a, nil, false
	}
	if f.Status == store.FindingSubmitted && c.Request.Method == http.MethodPost {
		s.errorPage(c, http.StatusConflict, "Your findings are already submitted",
			"Submitted findings are locked so the chair signs off what you sent. Nothing has been changed.")
		return nil, a, nil, false
	}
	return v, a, f, true
}

func (s *Server) visitFindingForm(c *gin.Context) {
	v, a, f, ok := s.findingWriter(c)
	if !ok {
		return
	}
	if f.Status == store.FindingSubmitted {
		s.flash(c, "Your findings are submitted and locked")
		s.redirect(c, "/visits/"+v.ID)
		return
	}
	s.renderFindingForm(c, http.StatusOK, v, a, f, findingForm{Version: f.Version, Consent: f.ConsentGiven, Proposals: f.Proposals}, &formErrors{})
}

// visitFindingSave saves the draft. "Submit findings" saves it too, after
// checking it is complete, and then asks for confirmation
// (visitFindingSubmitConfirm): submitting locks it.
func (s *Server) visitFindingSave(c *gin.Context) {
	v, a, f, ok := s.findingWriter(c)
	if !ok {
		return
	}
	var form findingForm
	errs, ok := s.bind(c, &form)
	if !ok {
		return
	}
	submit := form.Action == "submit"
	next := *f
	next.ConsentGiven, next.Proposals = form.Consent, form.Proposals
	next.Sections = nil
	for _, key := range store.SectionsFor(v.Type) {
		next.Sections = append(next.Sections, store.FindingSection{Key: key, RAG: c.PostForm("rag-" + key), Comment: c.PostForm("comment-" + key)})
	}
	checkFinding(v, &next, submit, errs)
	if errs.Any() {
		s.renderFindingForm(c, http.StatusUnprocessableEntity, v, a, &next, form, errs)
		return
	}
	if !s.saveFinding(c, v, &next, form.Version, false) {
		return
	}
	if submit {
		s.redirect(c, "/visits/"+v.ID+"/findings/submit")
		return
	}
	s.flash(c, "Draft saved")
	s.redirect(c, "/visits/"+v.ID+"/findings")
}

// checkFinding applies the rules for a draft, and with submit those for
// sending it to the chair (every section rated, concerns explained, a
// record for a record-review panel).
func checkFinding(v *store.Visit, f *store.Finding, submit bool, errs *formErrors) {
	for _, sec := range f.Sections {
		key := sec.Key
		if sec.RAG != "" && !hasChoice(ragChoices(), sec.RAG) {
			errs.Add("rag-"+key, "Choose green, amber or red")
		}
		if len(sec.Comment) > 4000 {
			errs.Add("comment-"+key, "The comment must be 4,000 characters or fewer")
		}
		if submit && sec.RAG == "" {
			errs.Add("rag-"+key, "Rate "+lowerFirst(words.Section(key))+" green, amber or red")
		}
		if submit && (sec.RAG == "amber" || sec.RAG == "red") && sec.Comment == "" {
			errs.Add("comment-"+key, "Say what the concern was about "+lowerFirst(words.Section(key)))
		}
		if key == "conversations" && sec.Comment != "" && !f.ConsentGiven {
			errs.Add("consentGiven", "Record conversations only with the detainee's consent: confirm they agreed, or remove what they said")
		}
	}
	if submit && store.ReviewsRecords(v.Type) && len(f.Records) == 0 {
		errs.Add("records", "Add at least one record you reviewed before you submit")
	}
}

// visitFindingSubmitConfirm asks before findings are submitted: they are
// locked then, and go to the chair to sign off.
func (s *Server) visitFindingSubmitConfirm(c *gin.Context) {
	v, _, f, ok := s.findingWriter(c)
	if !ok {
		return
	}
	if f.Status == store.FindingSubmitted {
		s.flash(c, "Your findings are submitted and locked")
		s.redirect(c, "/visits/"+v.ID)
		return
	}
	body := []string{"The chair of the group will read and sign them off, and the force will respond to them."}
	if n := len(f.Records); n > 0 {
		body = append([]string{fmt.Sprintf("You reviewed %d %s.", n, map[bool]string{true: "record", false: "records"}[n == 1])}, body...)
	}
	s.confirm(c, "Are you sure you want to submit your findings?", confirmation{Caption: words.VisitType(v.Type) + ": " + v.Location,
		Body: body, Warning: "Once submitted, your findings are locked: you cannot change them.",
		Action: "/visits/" + v.ID + "/findings/submit", Hidden: []hiddenField{{"version", strconv.Itoa(f.Version)}},
		Button: "Yes, submit my findings", Cancel: "/visits/" + v.ID + "/findings"})
}

// visitFindingSubmit submits the saved draft, which locks it.
func (s *Server) visitFindingSubmit(c *gin.Context) {
	v, a, f, ok := s.findingWriter(c)
	if !ok {
		return
	}
	var form findingForm
	if _, ok := s.bind(c, &form); !ok {
		return
	}
	errs := &formErrors{}
	if checkFinding(v, f, true, errs); errs.Any() {
		s.renderFindingForm(c, http.StatusUnprocessableEntity, v, a, f, findingForm{Version: f.Version, Consent: f.ConsentGiven, Proposals: f.Proposals}, errs)
		return
	}
	if !s.saveFinding(c, v, f, form.Version, true) {
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditFindingSubmitted, Target: "visit:" + v.ID})
	s.flash(c, "Findings submitted. The chair of the group will sign them off.")
	s.redirect(c, "/visits/"+v.ID)
}

// saveFinding stores a finding, answering a lost race or a lock itself.
func (s *Server) saveFinding(c *gin.Context, v *store.Visit, f *store.Finding, version int, submit bool) bool {
	err := s.visits.SaveFinding(c.Request.Context(), f, version, submit)
	switch {
	case err == nil:
		return true
	case s.stale(c, err, "Your findings changed in another window",
		"They were saved somewhere else after you opened this page, so nothing here has been saved. Go back to the findings and reload them."):
	default: // locked (store.ErrLocked says so), 404, 500
		s.fail(c, err, "Your findings are already submitted")
	}
	return false
}

func (s *Server) renderFindingForm(c *gin.Context, status int, v *store.Visit, a visitAccess, f *store.Finding, form findingForm, errs *formErrors) {
	d := &findingFormData{Visit: v, When: visitWhen(*v, a.ShowTime), Finding: f, Records: store.ReviewsRecords(v.Type), Custody: v.Type == store.VisitCustody,
		Proposals: form.Proposals,
		Consent: checkboxField{Name: "consentGiven", Legend: "Consent", Label: "The detainees we spoke to agreed to talk to us",
			Hint: "Only speak to detainees, and only record what they said, with their consent", Checked: form.Consent, Error: errs.For("consentGiven")}}
	for _, key := range store.SectionsFor(v.Type) {
		sec := f.Section(key)
		rag := newChoices("rag-"+key, "Rating", sec.RAG, errs, ragChoices())
		rag.Inline, rag.Small, rag.LabelSize = true, true, "s"
		rag.Hint = ""
		d.Sections = append(d.Sections, sectionField{Key: key, Label: words.Section(key), Comment: sec.Comment, RAG: rag,
			CommentError: errs.For("comment-" + key)})
	}
	ps, err := s.visitSample(c, v)
	if err != nil {
		s.serverError(c, err)
		return
	}
	if ps != nil {
		d.Sample = sampleRows(ps, f)
	}
	s.render(c, status, "visit_finding_form", &Page{Title: "Your findings", Errors: errs, Data: d, Form: form})
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}

// recordIndex reads ?n= or the form's n: the record being changed, or -1
// for a new one.
func recordIndex(s string, count int) (int, bool) {
	if s == "" {
		return -1, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n >= count {
		return 0, false
	}
	return n, true
}
