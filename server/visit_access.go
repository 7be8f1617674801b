package server

import (
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"candour/store"
	"candour/words"
)

// visitAuditActions are the portal's own audit actions, listed after the
// store's in the audit log's filter (auditActionChoices).
var visitAuditActions = []string{auditVisitCreated, auditVisitChanged, auditVisitPlanned, auditFindingSubmitted,
	auditVisitSignedOff, auditFindingResponse, auditFeedReset, auditVisitsExported, auditBWVViewing, auditBWVExported, auditTrainingRecorded}

// Audit actions for visits.
const (
	auditVisitCreated     = "visit-created"
	auditVisitChanged     = "visit-changed"
	auditVisitPlanned     = "visits-planned"
	auditFindingSubmitted = "finding-submitted"
	auditVisitSignedOff   = "visit-signed-off"
	auditFindingResponse  = "finding-response"
	auditFeedReset        = "calendar-feed-reset"
	auditVisitsExported   = "visits-exported"
	auditBWVViewing       = "bwv-viewing-recorded"
	auditBWVExported      = "bwv-log-exported"
	auditTrainingRecorded = "training-recorded"
)

// visitAccess is what one person may see and do with one visit.
type visitAccess struct {
	See       bool // the visit exists for them at all
	ShowTime  bool // the day and time (unannounced visits: the pair and the chair)
	Manage    bool // change it (staff, or a chair of its group)
	Chair     bool // chairs its group
	Attending bool // has a seat (or is one of the pair)
	Member    bool // belongs to its group
	Raise     bool // may raise a recommendation from its findings (staff, or its chair)
}

// accessTo decides visitAccess: the policy table says what the person's
// role may do with visits at all (visits.view; visits.every: every
// group's visits; visits.chair: chairing a group; recommendations.raise),
// and this is the one row-level check on top, from their memberships
// (copied on their account, so no read is needed) and the visit's seats.
func accessTo(u *store.User, v *store.Visit) visitAccess {
	a := seeVisit(u, v)
	// A chair raises recommendations only for the group they chair.
	a.Raise = a.See && allowed(u.Role, "recommendations.raise") && (!allowed(u.Role, "visits.chair") || a.Chair)
	return a
}

// seeVisit is accessTo's part about seeing, changing and sitting on a
// visit.
func seeVisit(u *store.User, v *store.Visit) visitAccess {
	if u == nil || !allowed(u.Role, "visits.view") {
		return visitAccess{}
	}
	a := visitAccess{Attending: v.Attending(u.ID)}
	for _, m := range u.Memberships {
		if m.GroupID == v.GroupID {
			a.Member = true
			a.Chair = m.Chair && allowed(u.Role, "visits.chair")
		}
	}
	switch {
	case allowed(u.Role, "visits.every"):
		// Every group's visits; an unannounced one's time only for the
		// pair and its chair, and only they change it.
		a.See = true
		a.ShowTime = !v.Unannounced
		a.Manage = !v.Unannounced
	case !a.Member:
		return visitAccess{}
	case v.Unannounced:
		a.See = a.Chair || a.Attending
		a.ShowTime = a.See
	default:
		a.See, a.ShowTime, a.Manage = true, true, a.Chair
	}
	return a
}

// loadVisit reads the visit named by :id that the person may see; a
// visit they may not see is "not found" to them.
func (s *Server) loadVisit(c *gin.Context) (*store.Visit, visitAccess, bool) {
	v, ok := loadByID(s, c, s.visits.Visit)
	if !ok {
		return nil, visitAccess{}, false
	}
	a := accessTo(currentUser(c), v)
	if !a.See {
		s.notFound(c)
		return nil, a, false
	}
	return v, a, true
}

// visitGroupIDs lists the groups whose visits a person sees in the
// calendar: nil (all) for staff, their own groups for members.
func visitGroupIDs(u *store.User) []string {
	if allowed(u.Role, "visits.every") {
		return nil
	}
	ids := []string{}
	for _, m := range u.Memberships {
		ids = append(ids, m.GroupID)
	}
	return ids
}

// chairedGroups lists the groups a chair chairs.
func chairedGroups(u *store.User) map[string]bool {
	out := map[string]bool{}
	if !allowed(u.Role, "visits.chair") {
		return out
	}
	for _, m := range u.Memberships {
		if m.Chair {
			out[m.GroupID] = true
		}
	}
	return out
}

// visitWhen says when a visit is, as far as the reader may know.
func visitWhen(v store.Visit, showTime bool) string {
	if v.Unannounced && (!showTime || !v.TimeSet) {
		return "Week beginning " + v.Week.In(london).Format("Monday 2 January 2006")
	}
	st, en := v.Start.In(london), v.End.In(london)
	return st.Format("Monday 2 January 2006, 3:04pm") + " to " + en.Format("3:04pm")
}

func ragTag(r string) string {
	switch r {
	case "green":
		return "govuk-tag--green"
	case "amber":
		return "govuk-tag--yellow"
	case "red":
		return "govuk-tag--red"
	}
	return "govuk-tag--grey"
}

// Choices for the visit forms.

func visitTypeChoices(blank string) []choice {
	var cs []choice
	if blank != "" {
		cs = append(cs, choice{Value: "", Label: blank})
	}
	for _, t := range store.VisitTypes {
		cs = append(cs, choice{Value: t, Label: words.VisitType(t)})
	}
	return cs
}

func ragChoices() []choice {
	return []choice{{Value: "green", Label: "Green", Hint: "Good: positive feedback"}, {Value: "amber", Label: "Amber", Hint: "Some concern: advice needed"},
		{Value: "red", Label: "Red", Hint: "Serious concern: escalate to a senior officer"}}
}

// parseClock reads a time of day like "10:30", "9.15" or "14:00".
func parseClock(s string) (int, int, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ".", ":")
	h, m, ok := strings.Cut(s, ":")
	if !ok {
		m = "0"
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, 0, false
	}
	return hh, mm, true
}

// at combines a day with a time of day in UK time.
func at(day time.Time, h, m int) time.Time {
	d := day.In(london)
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, london)
}

// visitLink is the visit's page, for messages.
func (s *Server) visitLink(v *store.Visit) string { return s.link("/visits/" + v.ID) }
