package server

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"candour/store"
	"candour/words"
)

// The forms on a recommendation's page. Each carries the version it was
// made from, so a change made meanwhile by someone else is never
// overwritten.

type statusForm struct {
	Version      int    `form:"version"`
	To           string `form:"to"`
	Reason       string `form:"reason" binding:"max=4000"`
	Evidence     string `form:"evidence" binding:"max=4000"`
	Links        string `form:"links" binding:"max=2000"`
	SupersededBy string `form:"supersededBy" binding:"max=100"`
	Note         string `form:"note" binding:"max=2000"`
}

func (statusForm) messages() map[string]string {
	return map[string]string{
		"reason":       "The reason must be 4,000 characters or fewer",
		"evidence":     "The evidence must be 4,000 characters or fewer",
		"links":        "The links must be 2,000 characters or fewer in all",
		"supersededBy": "Enter the reference of the recommendation that replaces this one",
		"note":         "The note must be 2,000 characters or fewer",
	}
}

type progressForm struct {
	Version int    `form:"version"`
	Note    string `form:"progressNote" binding:"required,max=4000"`
	Percent string `form:"percent"`
}

func (progressForm) messages() map[string]string {
	return map[string]string{
		"progressNote.required": "Enter what has happened",
		"progressNote":          "The update must be 4,000 characters or fewer",
	}
}

type verifyForm struct {
	Version  int    `form:"version"`
	Decision string `form:"decision"`
	Comment  string `form:"comment" binding:"max=4000"`
}

func (verifyForm) messages() map[string]string {
	return map[string]string{"comment": "The comment must be 4,000 characters or fewer"}
}

type publicForm struct {
	Version        int    `form:"version"`
	PublicTitle    string `form:"publicTitle" binding:"max=200"`
	PublicSummary  string `form:"publicSummary" binding:"max=4000"`
	PublicResponse string `form:"publicResponse" binding:"max=4000"`
	ChairAgreed    bool   `form:"chairAgreed"`
}

func (publicForm) messages() map[string]string {
	return map[string]string{
		"publicTitle":    "The public title must be 200 characters or fewer",
		"publicSummary":  "The public summary must be 4,000 characters or fewer",
		"publicResponse": "The force's public response must be 4,000 characters or fewer",
	}
}

// versionForm is a form that only confirms an action (agree, publish, follow).
type versionForm struct {
	Version int  `form:"version"`
	On      bool `form:"on"`
}

func (versionForm) messages() map[string]string { return nil }

type recShowData struct {
	Rec        *store.Recommendation
	GroupName  string
	Overdue    bool
	Open       bool
	History    []store.HistoryEntry // newest first
	Replaced   *store.Recommendation
	CanEdit    bool
	IsChair    bool // the signed-in person chairs the raising group
	CanFollow  bool
	Following  bool
	Next       string // the lifecycle's next steps, in words
	Status     choiceField
	StatusForm statusForm
	Progress   progressForm
	Verify     verifyForm
	Decision   choiceField
	Public     publicForm
	Agreed     checkboxField
}

func (s *Server) recommendationShow(c *gin.Context) {
	r, ok := s.loadRecommendation(c)
	if !ok {
		return
	}
	s.renderRec(c, http.StatusOK, r, &formErrors{}, nil)
}

// renderRec shows a recommendation with its forms; typed, when not nil, is
// the form the person sent (kept on error).
func (s *Server) renderRec(c *gin.Context, status int, r *store.Recommendation, errs *formErrors, typed any) {
	ctx := c.Request.Context()
	u := currentUser(c)
	names, _, err := groupNamesIn(ctx, s.recs)
	if err != nil {
		s.serverError(c, err)
		return
	}
	isChair, err := s.chairsGroup(ctx, u, r.GroupID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	d := &recShowData{Rec: r, GroupName: names[r.GroupID], Overdue: r.Overdue(s.recs.Now()), Open: store.RecOpen(r.Status),
		CanEdit: allowed(u.Role, "recommendations.edit"), IsChair: isChair && allowed(u.Role, "recommendations.chair"),
		CanFollow: allowed(u.Role, "recommendations.follow"), Following: r.Following(u.ID),
		Next:       words.StatusList(store.NextStatuses(r.Status)),
		StatusForm: statusForm{Version: r.Version}, Progress: progressForm{Version: r.Version, Percent: strconv.Itoa(r.Percent)},
		Verify: verifyForm{Version: r.Version},
		Public: publicForm{Version: r.Version, PublicTitle: r.PublicTitle, PublicSummary: r.PublicSummary, PublicResponse: r.PublicResponse},
	}
	for i := len(r.History) - 1; i >= 0; i-- {
		d.History = append(d.History, r.History[i])
	}
	if r.SupersededBy != "" {
		if rep, err := s.recs.Recommendation(ctx, r.SupersededBy); err == nil {
			d.Replaced = rep
		}
	}
	switch f := typed.(type) {
	case statusForm:
		d.StatusForm = f
	case progressForm:
		d.Progress = f
	case verifyForm:
		d.Verify = f
	case publicForm:
		d.Public = f
	}
	var next []choice
	for _, st := range staffTargets(r.Status) {
		next = append(next, choice{Value: st, Label: words.RecStatus(st), Hint: statusHints[st]})
	}
	d.Status = newChoices("to", "Change the status to", d.StatusForm.To, errs, next)
	d.Status.LabelSize = "s"
	d.Decision = newChoices("decision", "Has the force done what it said?", d.Verify.Decision, errs, []choice{
		{Value: "verify", Label: "Yes, verify it", Hint: "The group has seen the evidence and is satisfied"},
		{Value: "refuse", Label: "No, send it back", Hint: "It goes back to in progress with your comment"},
	})
	d.Decision.LabelSize = "s"
	d.Agreed = checkboxField{Name: "chairAgreed", Legend: "Chair's agreement", Label: "The chair of the raising group has agreed this wording",
		Hint: "Tick only if they agreed it outside Candour, for example at a meeting. Otherwise the chair agrees it here when they next sign in.", Checked: d.Public.ChairAgreed}
	s.render(c, status, "recommendation_show", &Page{Title: r.Title, Errors: errs, Data: d})
}

// statusHints say what each status change needs.
var statusHints = map[string]string{
	store.RecAwaiting:       "Send it to the force owner for a response",
	store.RecAcceptedInPart: "Give the reason for the part not accepted",
	store.RecNotAccepted:    "Give the reason: the force must explain why it will not act",
	store.RecImplemented:    "Describe the evidence, with links",
	store.RecSuperseded:     "Give the reference of the recommendation that replaces it",
}

// staffTargets are the statuses staff may choose now: verification (and
// refusing it) is for the raising group's chair.
func staffTargets(from string) []string {
	var out []string
	for _, st := range store.NextStatuses(from) {
		if st == store.RecVerified || (from == store.RecImplemented && st == store.RecInProgress) {
			continue
		}
		out = append(out, st)
	}
	return out
}
