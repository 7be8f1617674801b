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

type inviteForm struct {
	Name      string `form:"name" binding:"required,max=200"`
	Email     string `form:"email" binding:"required,email,max=254"`
	Role      string `form:"role" binding:"required"`
	PartnerID string `form:"partner"`
}

func (inviteForm) messages() map[string]string {
	return map[string]string{
		"name.required":  "Enter the person's full name",
		"name":           "Full name must be 200 characters or fewer",
		"email.required": "Enter the person's email address",
		"email":          "Enter an email address in the correct format, like name@example.com",
		"role":           "Select the person's role",
	}
}

type inviteData struct {
	Role, Partner choiceField
}

// personInviteForm asks for a new account's details. ?partner=ID comes from
// a partner organisation's page and chooses the organisation and role.
func (s *Server) personInviteForm(c *gin.Context) {
	f := inviteForm{PartnerID: c.Query("partner")}
	if f.PartnerID != "" {
		f.Role = string(store.RolePartner)
	}
	s.renderInvite(c, http.StatusOK, f, &formErrors{})
}

// emailTaken words the store's duplicate for the forms that make an
// account.
func emailTaken(err error) error {
	return apperr.Reword(err, apperr.Duplicate, "email", "An account with this email address already exists")
}

// personInvite creates an invited account and emails it a single-use link
// to set a password.
func (s *Server) personInvite(c *gin.Context) {
	var f inviteForm
	form, ok := s.submitForm(c, &f, "account", nil, func(status int, errs *formErrors) { s.renderInvite(c, status, f, errs) })
	if !ok {
		return
	}
	ctx := c.Request.Context()
	if !form.ok(s.checkRoleAndPartner(ctx, store.Role(f.Role), f.PartnerID, form.errs)) {
		return
	}
	u := &store.User{Name: f.Name, Email: f.Email, Role: store.Role(f.Role), Status: store.StatusInvited, PartnerID: f.PartnerID}
	if !form.ok(emailTaken(s.admin.CreateUser(ctx, u))) {
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditUserCreated, Target: "user:" + u.ID, Detail: "role " + string(u.Role)})
	if err := s.sendInvitation(c, u); err != nil {
		s.serverError(c, err)
		return
	}
	s.flash(c, "Invitation sent to "+u.Email)
	s.redirect(c, "/admin/people/"+u.ID)
}

// personReinvite sends a new invitation to someone who has not yet set a
// password; earlier links stop working.
func (s *Server) personReinvite(c *gin.Context) {
	person, ok := s.loadPerson(c)
	if !ok {
		return
	}
	if person.Status != store.StatusInvited {
		s.errorPage(c, http.StatusConflict, "You cannot send this person an invitation",
			"Only accounts whose status is \"Invited\" can be sent a new invitation. Someone who has forgotten their password can reset it from the sign-in page; a disabled account must be enabled first.")
		return
	}
	if err := s.sendInvitation(c, person); err != nil {
		s.serverError(c, err)
		return
	}
	s.flash(c, "A new invitation has been sent to "+person.Email+". Earlier invitation links no longer work.")
	s.redirect(c, "/admin/people/"+person.ID)
}

// sendInvitation revokes u's earlier invitation links, makes a new one,
// queues the email and audits it.
func (s *Server) sendInvitation(c *gin.Context, u *store.User) error {
	ctx := c.Request.Context()
	me := currentUser(c)
	if _, err := s.admin.RevokeTokens(ctx, u.ID, store.TokenInvitation); err != nil {
		return err
	}
	secret, err := s.admin.CreateToken(ctx, store.TokenInvitation, u.ID, me.ID, store.InvitationLife)
	if err != nil {
		return err
	}
	body := fmt.Sprintf(`Hello %s,

%s has invited you to Candour, the portal %s uses for community scrutiny, as: %s.

To accept, open this link and choose a password:
%s

The link works once only, and for 7 days. If it has expired, ask your engagement coordinator to send a new one.

If you were not expecting this invitation, you can ignore this email.`,
		u.Name, me.Name, s.cfg.ForceName, words.Role(string(u.Role)), s.link("/invitation/"+secret))
	if err := s.queueMail(ctx, u.Email, "Your invitation to Candour", body); err != nil {
		return err
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditInvitation, Target: "user:" + u.ID, Detail: "link valid for 7 days"})
	return nil
}

// renderInvite shows the invitation form, with errors when there are some.
func (s *Server) renderInvite(c *gin.Context, status int, f inviteForm, errs *formErrors) {
	partners, err := s.admin.Partners(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	d := inviteData{
		Role:    newChoices("role", "Role", f.Role, errs, roleChoices(true)),
		Partner: newChoices("partner", "Partner organisation", f.PartnerID, errs, partnerChoices(partners)),
	}
	d.Role.LabelSize = "m"
	d.Partner.Hint = "Only for partner organisation workers"
	s.render(c, status, "person_invite", &Page{Title: "Invite someone", Form: f, Errors: errs, Data: d})
}

// partnerChoices lists the organisations for a select, after "None".
func partnerChoices(ps []store.Partner) []choice {
	cs := []choice{{Value: "", Label: "None"}}
	for _, p := range ps {
		cs = append(cs, choice{Value: p.ID, Label: p.Name})
	}
	return cs
}

// checkRoleAndPartner checks a role and organisation together: a partner
// organisation worker belongs to one organisation that exists, and nobody
// else belongs to any.
func (s *Server) checkRoleAndPartner(ctx context.Context, role store.Role, partnerID string, errs *formErrors) error {
	if !role.Valid() {
		errs.Add("role", "Select the person's role")
		return nil
	}
	if role != store.RolePartner {
		if partnerID != "" {
			errs.Add("partner", "Only partner organisation workers belong to an organisation: choose None, or the partner organisation worker role")
		}
		return nil
	}
	if partnerID == "" {
		errs.Add("partner", "Select the partner organisation this person works for")
		return nil
	}
	_, err := s.admin.Partner(ctx, partnerID)
	if apperr.Is(err, apperr.NotFound) {
		errs.Add("partner", "Select a partner organisation from the list")
		return nil
	}
	return err
}
