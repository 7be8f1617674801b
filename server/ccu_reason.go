package server

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"candour/store"
)

// reasonLabels are the force's access reasons as the question offers them.
var reasonLabels = map[string]string{
	store.ReasonAssessment:    "Assessing what was reported",
	store.ReasonInvestigation: "An investigation",
	store.ReasonSafeguarding:  "Safeguarding someone",
	store.ReasonDisclosure:    "Disclosure to another force",
	store.ReasonSupervision:   "Supervising the case or an analyst",
	store.ReasonAudit:         "An audit or inspection",
	store.ReasonOther:         "Another reason",
}

func reasonChoices() []choice {
	cs := make([]choice, len(store.AccessReasons))
	for i, r := range store.AccessReasons {
		cs[i] = choice{Value: r, Label: reasonLabels[r]}
	}
	return cs
}

// reasonForm is the answer to "Why do you need to open this case?".
type reasonForm struct {
	Reason string `form:"reason"`
	Other  string `form:"other"`
}

func (reasonForm) messages() map[string]string { return nil }

// check validates the reason: one from the list, and words for "other".
func (f *reasonForm) check(errs *formErrors, verb string) {
	switch {
	case !oneOf(f.Reason, store.AccessReasons):
		errs.Add("reason", "Choose why you need to "+verb+" this case")
	case f.Reason == store.ReasonOther && f.Other == "":
		errs.Add("other", "Say why you need to "+verb+" this case")
	}
	if utf8.RuneCountInString(f.Other) > 300 {
		errs.Add("other", "Your reason must be 300 characters or fewer")
	}
}

// value is the reason as the audit event records it.
func (f reasonForm) value() string {
	if f.Reason == store.ReasonOther {
		return store.ReasonOther + ": " + f.Other
	}
	return f.Reason
}

// reasonLabel is a stored reason in words, for the review pages.
func reasonLabel(v string) string {
	if l, ok := reasonLabels[v]; ok {
		return l
	}
	if v == "" {
		return "None given"
	}
	if words, ok := strings.CutPrefix(v, store.ReasonOther+": "); ok {
		return reasonLabels[store.ReasonOther] + ": " + words
	}
	return v
}

// sessionReasonKey names the session value holding the reason given for
// one case: asked once per case per session.
func sessionReasonKey(id string) string { return "reason:" + id }

// caseReason is the reason given for case id in this session, or "".
func (s *Server) caseReason(c *gin.Context, id string) string {
	sess := s.session(c)
	if sess == nil {
		return ""
	}
	v, _ := sess.Values[sessionReasonKey(id)].(string)
	return v
}

type ccuReasonData struct {
	Referral *store.Referral
	Reason   choiceField
	Other    inputField
}

func (s *Server) renderReason(c *gin.Context, r *store.Referral, f reasonForm, status int, errs *formErrors) {
	d := &ccuReasonData{Referral: r,
		Reason: newChoices("reason", "Your reason", f.Reason, errs, reasonChoices()),
		Other:  input("other", "If you chose another reason, say what it is", f.Other, errs.For("other"), "autocomplete=off"),
	}
	d.Reason.LabelSize = "m"
	s.render(c, status, "ccu_reason", &Page{Title: "Why do you need to open " + r.Ref + "?", Data: d, Errors: errs, NoIndex: true})
}

// ccuReasonForm asks the analyst why they need to open a referral or
// report, before anything of it is shown. Reading the triage fields to
// name the case decrypts nothing.
func (s *Server) ccuReasonForm(c *gin.Context) {
	r, ok := loadByID(s, c, s.ccu.Referral)
	if !ok {
		return
	}
	s.renderReason(c, r, reasonForm{}, http.StatusOK, &formErrors{})
}

// ccuReason keeps the reason for this case in the session and opens it.
// Without a reason nothing is kept and nothing is shown (422).
func (s *Server) ccuReason(c *gin.Context) {
	r, ok := loadByID(s, c, s.ccu.Referral)
	if !ok {
		return
	}
	var f reasonForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	if f.check(errs, "open"); errs.Any() {
		s.renderReason(c, r, f, http.StatusUnprocessableEntity, errs)
		return
	}
	s.session(c).Values[sessionReasonKey(r.ID)] = f.value()
	markSessionDirty(c)
	s.redirect(c, "/ccu/referrals/"+r.ID)
}
