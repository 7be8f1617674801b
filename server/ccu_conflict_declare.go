package server

import (
	"github.com/gin-gonic/gin"

	"candour/store"
)

// ccuConflictDeclare adds a declared conflict. The audit event says that
// one was declared, not whom it is with.
func (s *Server) ccuConflictDeclare(c *gin.Context) {
	var f conflictForm
	form, ok := s.submitForm(c, &f, "declaration", nil, func(status int, errs *formErrors) { s.renderConflicts(c, status, f, errs) })
	if !ok || !form.ok(f.check()) {
		return
	}
	me := currentUser(c)
	cf, err := s.conflicts.DeclareConflict(c.Request.Context(), me.ID, store.ConflictPerson{Name: f.Name, Force: f.Force, Collar: f.Collar, Connection: f.Connection})
	if !form.ok(err) {
		return
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditConflictDeclared, Target: "conflict:" + cf.ID})
	s.flash(c, "Conflict of interest declared")
	s.redirect(c, "/ccu/conflicts")
}
