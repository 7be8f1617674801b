package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
)

// custodyAuditActions are the custody report pages' audit actions, listed
// after the store's in the audit log's filter (auditActionChoices).
var custodyAuditActions = []string{auditCustodySaved, auditCustodySubmitted, auditCustodyConfirmed, auditCustodyViewed,
	auditCustodyIssues, auditCustodyReturn, auditCustodyReturnCSV, auditCustodyForce}

// Audit actions for custody visit reports.
const (
	auditCustodySaved     = "custody-report-saved"
	auditCustodySubmitted = "custody-report-submitted"
	auditCustodyConfirmed = "custody-report-confirmed"
	auditCustodyViewed    = "custody-report-viewed"
	auditCustodyIssues    = "custody-issues-followed-up"
	auditCustodyReturn    = "custody-return-viewed"
	auditCustodyReturnCSV = "custody-return-exported"
	auditCustodyForce     = "custody-force-view"
)

// custodyWriter loads the custody visit named by :id and its report for
// one of its pair: a visit the person may not see is 404, anything but a
// custody visit they attended (once started) is a clear 422. The report is
// a new draft when none is stored yet.
func (s *Server) custodyWriter(c *gin.Context) (*store.Visit, *store.CustodyReport, bool) {
	v, a, ok := s.loadVisit(c)
	if !ok {
		return nil, nil, false
	}
	switch {
	case v.Type != store.VisitCustody:
		s.notFound(c)
		return nil, nil, false
	case !a.Attending:
		s.errorPage(c, http.StatusUnprocessableEntity, "You did not make this visit",
			"Only the custody visitors who made a visit write its report. Nothing has been saved.")
		return nil, nil, false
	case !v.Past(s.custody.Now()):
		s.errorPage(c, http.StatusUnprocessableEntity, "This visit has not happened yet",
			"You can write the report once the visit has started. Nothing has been saved.")
		return nil, nil, false
	}
	r, err := s.custody.CustodyReport(c.Request.Context(), v.ID)
	if apperr.Is(err, apperr.NotFound) {
		r = &store.CustodyReport{ID: v.ID, GroupID: v.GroupID, Suite: v.Location, Status: store.CustodyDraft}
		if v.Unannounced {
			r.Week = v.Week
		}
	} else if err != nil {
		s.serverError(c, err)
		return nil, nil, false
	}
	return v, r, true
}

// custodyDraft is custodyWriter for changes: a submitted report is locked.
func (s *Server) custodyDraft(c *gin.Context) (*store.Visit, *store.CustodyReport, bool) {
	v, r, ok := s.custodyWriter(c)
	if !ok {
		return nil, nil, false
	}
	if r.Status != store.CustodyDraft {
		s.errorPage(c, http.StatusConflict, "The report is already submitted",
			"A submitted report is locked so the scheme manager reads what you sent. Nothing has been changed.")
		return nil, nil, false
	}
	return v, r, true
}

// saveCustody stores the pair's draft, answering a lost race or a lock.
func (s *Server) saveCustody(c *gin.Context, r *store.CustodyReport, version int) bool {
	err := s.custody.SaveCustodyReport(c.Request.Context(), r, version)
	switch {
	case s.stale(c, err, "The report changed while you were writing",
		"Your partner saved the report after you opened this page, so nothing here has been saved. Go back to the report to see their changes."):
	case err != nil: // locked once submitted, 404, 500
		s.fail(c, apperr.Reword(err, apperr.Conflict, "", "A submitted report is locked. Nothing has been changed."), "The report is already submitted")
	default:
		me := currentUser(c)
		s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditCustodySaved, Target: "visit:" + r.ID})
		return true
	}
	return false
}

// Labels for the report's choices.
var (
	custodyCheckLabels = map[string]string{
		"rights": "Rights and entitlements explained", "legal": "Access to legal advice", "food": "Food and drink",
		"bedding": "Bedding", "hygiene": "Washing and toilet (hygiene)", "medical": "Medical attention",
		"reading": "Reading material", "exercise": "Exercise", "cell": "Cell condition",
	}
	checkAnswerLabels  = map[string]string{"yes": "Yes", "no": "No", "notasked": "Not asked"}
	outcomeLabels      = map[string]string{store.DetaineeSeen: "Seen", store.DetaineeDeclined: "Declined a visit", store.DetaineeNotSeen: "Not seen"}
	vulnerableLabels   = map[string]string{"no": "No", "adult": "Yes, a vulnerable adult", "child": "Yes, a child (under 18)"}
	recordCheckLabels  = map[string]string{"checked": "Yes, with the detainee's consent", "refused": "No, the detainee did not consent", "notchecked": "No, not checked"}
	issueCategoryLabel = map[string]string{
		"rights": "Rights and entitlements", "health": "Health and medical care", "welfare": "Welfare: food, drink, bedding, hygiene",
		"conditions": "Cell and suite conditions", "records": "Custody records", "delay": "Delays and access for visitors", "other": "Anything else",
	}
)

func choicesOf(keys []string, labels map[string]string) []choice {
	cs := make([]choice, 0, len(keys))
	for _, k := range keys {
		cs = append(cs, choice{Value: k, Label: labels[k]})
	}
	return cs
}

// custodyLabel words one of a report's stored choices for a page: kind is
// outcome, check, answer, vulnerable, record or issue.
func custodyLabel(kind, key string) string {
	m := map[string]map[string]string{"outcome": outcomeLabels, "check": custodyCheckLabels, "answer": checkAnswerLabels,
		"vulnerable": vulnerableLabels, "record": recordCheckLabels, "issue": issueCategoryLabel}[kind]
	if l, ok := m[key]; ok {
		return l
	}
	return "Not answered"
}
