package server

import (
	"errors"

	"github.com/gin-gonic/gin"

	"candour/store"
)

// ccuConflictRemove takes back one of the analyst's own declarations (a
// connection that has ended). Another account's id is a 404.
func (s *Server) ccuConflictRemove(c *gin.Context) {
	me := currentUser(c)
	err := s.store.RemoveConflict(c.Request.Context(), me.ID, c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(c)
		return
	}
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditConflictRemoved, Target: "conflict:" + c.Param("id")})
	s.flash(c, "Conflict of interest removed")
	s.redirect(c, "/ccu/conflicts")
}
