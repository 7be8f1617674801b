package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/store"
)

// ccuConflictDeclare adds a declared conflict. The audit event says that
// one was declared, not whom it is with.
func (s *Server) ccuConflictDeclare(c *gin.Context) {
	var f conflictForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	f.check(errs)
	if errs.Any() {
		s.renderConflicts(c, http.StatusUnprocessableEntity, f, errs)
		return
	}
	me := currentUser(c)
	cf, err := s.store.DeclareConflict(c.Request.Context(), me.ID, store.ConflictPerson{Name: f.Name, Force: f.Force, Collar: f.Collar, Connection: f.Connection})
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditConflictDeclared, Target: "conflict:" + cf.ID})
	s.flash(c, "Conflict of interest declared")
	s.redirect(c, "/ccu/conflicts")
}
