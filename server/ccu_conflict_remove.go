package server

import (
	"github.com/gin-gonic/gin"

	"candour/store"
)

// ccuConflictRemove takes back one of the analyst's own declarations (a
// connection that has ended). Another account's id is a 404.
func (s *Server) ccuConflictRemove(c *gin.Context) {
	me := currentUser(c)
	if err := s.conflicts.RemoveConflict(c.Request.Context(), me.ID, c.Param("id")); err != nil {
		s.fail(c, err) // another account's declaration is not found: 404
		return
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditConflictRemoved, Target: "conflict:" + c.Param("id")})
	s.flash(c, "Conflict of interest removed")
	s.redirect(c, "/ccu/conflicts")
}
