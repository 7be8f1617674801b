package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/store"
)

type workerForm struct {
	Name  string `form:"name" binding:"required,max=200"`
	Email string `form:"email" binding:"required,email,max=254"`
}

func (workerForm) messages() map[string]string {
	return map[string]string{
		"name.required":  "Enter the worker's full name",
		"name":           "Full name must be 200 characters or fewer",
		"email.required": "Enter the worker's email address",
		"email":          "Enter an email address in the correct format, like name@example.com",
	}
}

// loadPartner reads the organisation in the path; it answers 404 itself.
func (s *Server) loadPartner(c *gin.Context) (*store.Partner, bool) {
	return loadByID(s, c, s.ccu.Partner)
}

// ccuInviteForm asks for a partner worker's name and email.
func (s *Server) ccuInviteForm(c *gin.Context) {
	p, ok := s.loadPartner(c)
	if !ok {
		return
	}
	s.render(c, http.StatusOK, "ccu_invite", &Page{Title: "Invite a worker from " + p.Name, Data: p, Form: workerForm{}})
}

// ccuInvite lets the CCU, which registers partner organisations, invite
// their workers: an invited account with the partner role, tied to the
// organisation, and a single-use link by mail to set a password.
func (s *Server) ccuInvite(c *gin.Context) {
	p, ok := s.loadPartner(c)
	if !ok {
		return
	}
	var f workerForm
	form, ok := s.submitForm(c, &f, "account", nil, func(status int, errs *formErrors) {
		s.render(c, status, "ccu_invite", &Page{Title: "Invite a worker from " + p.Name, Data: p, Form: f, Errors: errs})
	})
	if !ok || !form.ok(nil) {
		return
	}
	u := &store.User{Name: f.Name, Email: f.Email, Role: store.RolePartner, Status: store.StatusInvited, PartnerID: p.ID}
	if !form.ok(emailTaken(s.ccu.CreateUser(c.Request.Context(), u))) {
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditUserCreated, Target: "user:" + u.ID,
		Detail: "role partner, " + p.Name})
	if err := s.sendInvitation(c, u); err != nil {
		s.serverError(c, err)
		return
	}
	s.flash(c, "Invitation sent to "+u.Email)
	s.redirect(c, "/admin/partners/"+p.ID)
}
