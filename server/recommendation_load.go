package server

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
	"candour/words"
)

// loadRecommendation reads the recommendation named in the path; it
// answers 404 itself.
func (s *Server) loadRecommendation(c *gin.Context) (*store.Recommendation, bool) {
	return loadByID(s, c, s.recs.Recommendation)
}

// actor is the signed-in person as the register records them.
func actor(c *gin.Context) store.Actor {
	u := currentUser(c)
	return store.Actor{ID: u.ID, Name: u.Name}
}

// chairsGroup reports whether the signed-in person chairs group id.
func (s *Server) chairsGroup(ctx context.Context, u *store.User, groupID string) (bool, error) {
	m, err := s.recs.Membership(ctx, groupID, u.ID)
	if apperr.Is(err, apperr.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return m.Chair, nil
}

// changeFailed answers a change the store refused: a stale form or a lost
// race (409, nothing overwritten), a status change the lifecycle does not
// allow (409 saying what is possible now, in the error's message) or an
// unknown id (404). It reports false when err is none of these.
func (s *Server) changeFailed(c *gin.Context, r *store.Recommendation, err error) bool {
	switch {
	case s.stale(c, err, "Someone else has changed this recommendation",
		"The recommendation changed after you opened the form, so nothing you entered has been saved and nothing has been overwritten. "+
			"Go back to the recommendation and reload it to see the latest version, then make your change again if it is still needed."):
	case apperr.Is(err, apperr.NotFound), apperr.Is(err, apperr.Conflict):
		s.fail(c, err, "You cannot make that change")
	default:
		return false
	}
	return true
}

// transitionRefused answers 409 for a status change the lifecycle (or the
// person's role) does not allow, saying which changes are possible now.
func (s *Server) transitionRefused(c *gin.Context, from, to string, allowed []string) {
	s.errorPage(c, http.StatusConflict, "You cannot make that change",
		words.TransitionRefused(from, to, allowed))
}

// afterChange audits a change, mails the followers (except whoever made
// it), leaves a flash message and goes back to the recommendation.
func (s *Server) afterChange(c *gin.Context, r *store.Recommendation, action, detail, flash string) {
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: action, Target: "recommendation:" + r.ID, Detail: detail})
	if err := s.mailFollowers(c.Request.Context(), r, me.ID, detail); err != nil {
		// The change is saved; a missing notification is logged, not shown.
		s.log.ErrorContext(c.Request.Context(), "mail followers", "err", err, "recommendation", r.ID)
	}
	s.flash(c, flash)
	s.redirect(c, "/recommendations/"+r.ID)
}

// mailFollowers tells everyone who follows r (but not its author) what changed.
func (s *Server) mailFollowers(ctx context.Context, r *store.Recommendation, authorID, what string) error {
	var ids []string
	for _, f := range r.Followers {
		if f != authorID {
			ids = append(ids, f)
		}
	}
	return s.mailUsers(ctx, s.recs, ids, "A recommendation you follow has changed", func(u store.User) string {
		return fmt.Sprintf("Hello %s,\n\nA recommendation you follow has changed: %s\n\n%s\n\nRead it:\n%s\n\nTo stop these emails, open the recommendation and choose \"Stop following\".",
			u.Name, r.Title, what, s.link("/recommendations/"+r.ID))
	})
}

// Choices for the register's forms and filters.

func recStatusChoices(blank string) []choice {
	var cs []choice
	if blank != "" {
		cs = append(cs, choice{Value: "", Label: blank})
	}
	for _, st := range store.RecStatuses {
		cs = append(cs, choice{Value: st, Label: words.RecStatus(st)})
	}
	return cs
}

func areaChoices(blank string) []choice {
	var cs []choice
	if blank != "" {
		cs = append(cs, choice{Value: "", Label: blank})
	}
	hints := map[string]string{
		"represented": "A workforce that reflects the communities it serves",
		"respected":   "Black people are not over-policed",
		"involved":    "Communities are involved in how they are policed",
		"protected":   "Black people are not under-protected",
	}
	for _, a := range store.RAPAreas {
		c := choice{Value: a, Label: words.RAPArea(a)}
		if blank == "" {
			c.Hint = hints[a]
		}
		cs = append(cs, c)
	}
	return cs
}

func sourceChoices(blank string) []choice {
	cs := []choice{{Value: "", Label: blank}}
	for _, src := range store.RecSources {
		cs = append(cs, choice{Value: src, Label: words.RecSource(src)})
	}
	return cs
}

func priorityChoices() []choice {
	return []choice{{Value: "high", Label: "High"}, {Value: "medium", Label: "Medium"}, {Value: "low", Label: "Low"}}
}

func groupChoices(gs []store.Group, blank string) []choice {
	cs := []choice{{Value: "", Label: blank}}
	for _, g := range gs {
		cs = append(cs, choice{Value: g.ID, Label: g.Name})
	}
	return cs
}

// recTag picks the GOV.UK tag colour for a recommendation's status.
func recTag(status string) string {
	switch status {
	case store.RecRaised, store.RecAwaiting:
		return "govuk-tag--blue"
	case store.RecAccepted, store.RecAcceptedInPart, store.RecInProgress:
		return "govuk-tag--light-blue"
	case store.RecNotAccepted:
		return "govuk-tag--orange"
	case store.RecImplemented:
		return "govuk-tag--turquoise"
	case store.RecVerified:
		return "govuk-tag--green"
	}
	return "govuk-tag--grey"
}
