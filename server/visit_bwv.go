package server

import (
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"candour/store"
)

// The body-worn video viewing log of a panel session (College of Policing
// guidance on body-worn video: who viewed which footage, when and why).
// People at the session record their own viewings; the group's chair and
// staff record anyone's, read the whole log and download it as CSV. The
// log is append-only: nothing on these pages changes or removes an entry.

// bwvForm is one viewing.
type bwvForm struct {
	Viewer     string `form:"viewer"`
	FootageRef string `form:"footageRef" binding:"required,max=100"`
	Time       string `form:"time"`
	Purpose    string `form:"purpose"`
	Detail     string `form:"detail" binding:"max=500"`
}

func (bwvForm) messages() map[string]string {
	return map[string]string{
		"footageRef.required": "Enter the footage reference, as it appears on the video system",
		"footageRef":          "The footage reference must be 100 characters or fewer",
		"detail":              "The purpose must be 500 characters or fewer",
	}
}

// bwvAccess is what one person may do with a session's log.
type bwvAccess struct {
	Record bool // record a viewing (their own at least)
	All    bool // read every entry, record anyone's, download the CSV (chair, staff)
}

func bwvAccessTo(u *store.User, v *store.Visit, a visitAccess) bwvAccess {
	all := a.Chair || (allowed(u.Role, "visits.every") && a.See)
	return bwvAccess{Record: all || a.Attending, All: all}
}

// loadBWVLog reads the session named by :id and decides access: a visit
// that reviews no records has no log (404); someone who may see the visit
// but was not at it, and neither chairs nor runs it, gets 403.
func (s *Server) loadBWVLog(c *gin.Context) (*store.Visit, bwvAccess, bool) {
	v, a, ok := s.loadVisit(c)
	if !ok {
		return nil, bwvAccess{}, false
	}
	if !store.ReviewsRecords(v.Type) {
		s.notFound(c)
		return nil, bwvAccess{}, false
	}
	ba := bwvAccessTo(currentUser(c), v, a)
	if !ba.Record {
		s.forbidden(c)
		return nil, bwvAccess{}, false
	}
	return v, ba, true
}

func bwvPurposeChoices() []choice {
	return []choice{
		{Value: "scrutiny", Label: "Scrutiny of the encounter", Hint: "Watching how the officers behaved"},
		{Value: "record-check", Label: "Checking the written record", Hint: "Comparing the record with what the footage shows"},
		{Value: "learning", Label: "Identifying learning for officers"},
		{Value: "other", Label: "Another purpose", Hint: "Say what it was below"},
	}
}

func bwvPurposeLabel(p string) string {
	for _, c := range bwvPurposeChoices() {
		if c.Value == p {
			return c.Label
		}
	}
	return p
}

// bwvViewers are the people a viewing may be recorded for: the session's
// attendees, and the person recording (a chair or coordinator watching).
// Someone who may record only their own gets only themselves.
func (s *Server) bwvViewers(c *gin.Context, v *store.Visit, ba bwvAccess) ([]choice, map[string]store.User, error) {
	me := currentUser(c)
	ids := []string{me.ID}
	if ba.All {
		for _, id := range v.Attendees {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	users, err := s.visits.UsersByID(c.Request.Context(), ids)
	if err != nil {
		return nil, nil, err
	}
	var cs []choice
	for _, id := range ids {
		if u, ok := users[id]; ok {
			label := u.Name
			if id == me.ID {
				label += " (you)"
			}
			cs = append(cs, choice{Value: id, Label: label})
		}
	}
	return cs, users, nil
}

type bwvRow struct {
	store.BWVViewing
	When, PurposeLabel string
}

type bwvLogData struct {
	Visit   *store.Visit
	When    string
	Access  bwvAccess
	Entries []bwvRow
	Viewer  choiceField
	Purpose choiceField
	Time    inputField
}

// visitBWVLog shows the log and the form to record a viewing.
func (s *Server) visitBWVLog(c *gin.Context) {
	v, ba, ok := s.loadBWVLog(c)
	if !ok {
		return
	}
	f := bwvForm{Viewer: currentUser(c).ID}
	if now := s.visits.Now().In(london); sameDay(now, v.Start) {
		f.Time = now.Format("15:04")
	}
	s.renderBWVLog(c, http.StatusOK, v, ba, f, &formErrors{})
}

func sameDay(a, b time.Time) bool {
	a, b = a.In(london), b.In(london)
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}

func (s *Server) renderBWVLog(c *gin.Context, status int, v *store.Visit, ba bwvAccess, f bwvForm, errs *formErrors) {
	viewers, _, err := s.bwvViewers(c, v, ba)
	if err != nil {
		s.serverError(c, err)
		return
	}
	all, err := s.visits.BWVViewings(c.Request.Context(), v.ID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	me := currentUser(c)
	d := &bwvLogData{Visit: v, When: visitWhen(*v, true), Access: ba,
		Viewer:  newChoices("viewer", "Who watched it?", f.Viewer, errs, viewers),
		Purpose: newChoices("purpose", "Why was it watched?", f.Purpose, errs, bwvPurposeChoices()),
		Time: input("time", "Time it was watched", f.Time, errs.For("time"), "size=s", "width=5",
			"hint=On the day of the session, for example 18:40"),
	}
	d.Viewer.LabelSize, d.Purpose.LabelSize = "s", "s"
	for _, e := range all {
		if !ba.All && e.ViewerID != me.ID {
			continue // a member reads only their own viewings
		}
		d.Entries = append(d.Entries, bwvRow{BWVViewing: e, When: e.ViewedAt.In(london).Format("2 January 2006, 15:04"), PurposeLabel: bwvPurposeLabel(e.Purpose)})
	}
	s.render(c, status, "visit_bwv", &Page{Title: "Body-worn video viewing log", Errors: errs, Data: d, Form: f})
}
