package server

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"candour/store"
)

// personSubjectAccess downloads everything Candour holds about an account
// holder (UK GDPR article 15), as JSON, for an administrator answering a
// subject access request. It is a POST with a form token because it is
// audited (subject-access-exported). Anonymous reporters and survey
// respondents cannot be identified, so there is nothing to produce for them.
func (s *Server) personSubjectAccess(c *gin.Context) {
	person, ok := s.loadPerson(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	groups, err := s.admin.Groups(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	sa, err := s.admin.SubjectAccessFor(ctx, person.ID, func(id string) string {
		for _, g := range groups {
			if g.ID == id {
				return g.Name
			}
		}
		return id
	})
	if err != nil {
		s.serverError(c, err)
		return
	}
	body, err := json.MarshalIndent(sa, "", "  ")
	if err != nil {
		s.serverError(c, err)
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditSubjectAccess, Target: "user:" + person.ID})
	c.Header("Content-Disposition", `attachment; filename="subject-access-`+person.ID+`-`+s.admin.Now().In(london).Format(time.DateOnly)+`.json"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
}
