package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
)

type personForm struct {
	Name      string `form:"name" binding:"required,max=200"`
	Role      string `form:"role" binding:"required"`
	Status    string `form:"status" binding:"required"`
	PartnerID string `form:"partner"`
}

func (personForm) messages() map[string]string {
	return map[string]string{
		"name.required": "Enter the person's full name",
		"name":          "Full name must be 200 characters or fewer",
		"role":          "Select the person's role",
		"status":        "Select whether the account is active or disabled",
	}
}

type personData struct {
	Person       *store.User
	Organisation *store.Partner // the partner organisation, for partner workers
	Groups       []personGroup
	Self         bool
	Role         choiceField
	Status       choiceField
	Partner      choiceField
}

type personGroup struct {
	Group               store.Group
	Membership          store.Membership
	Lapsed, ExpiresSoon bool
}

// personShow shows an account, its groups and the form to change it.
func (s *Server) personShow(c *gin.Context) {
	person, ok := s.loadPerson(c)
	if !ok {
		return
	}
	f := personForm{Name: person.Name, Role: string(person.Role), Status: person.Status, PartnerID: person.PartnerID}
	s.renderPerson(c, http.StatusOK, person, f, &formErrors{})
}

// personSave changes an account's name, role, status and organisation. A
// role change signs the person out (the session middleware sees it);
// disabling ends their sessions and revokes their emailed links.
func (s *Server) personSave(c *gin.Context) {
	person, ok := s.loadPerson(c)
	if !ok {
		return
	}
	var f personForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	if err := s.checkPerson(ctx, currentUser(c), person, f, errs); err != nil {
		s.serverError(c, err)
		return
	}
	if errs.Any() {
		s.renderPerson(c, http.StatusUnprocessableEntity, person, f, errs)
		return
	}
	before, err := s.admin.UpdateUser(ctx, person.ID, store.UserUpdate{Name: f.Name, Role: store.Role(f.Role), Status: f.Status, PartnerID: f.PartnerID, WasStatus: person.Status})
	if s.stale(c, err, "This account changed while you were editing it",
		"For example, the person may have accepted their invitation. Go back, reload the page and make your change again. Nothing has been saved.") {
		return
	}
	if err != nil {
		s.fail(c, err) // 404 for an unknown account (render.go)
		return
	}
	if f.Status == store.StatusDisabled && before.Status != store.StatusDisabled {
		if err := s.shutOut(ctx, person.ID); err != nil {
			s.serverError(c, err)
			return
		}
	}
	s.auditPersonChange(c, before, f)
	msg := "Changes to " + f.Name + " saved"
	if before.Role != store.Role(f.Role) {
		msg += ". They will need to sign in again to use their new role."
	}
	s.flash(c, msg)
	s.redirect(c, "/admin/people/"+person.ID)
}

// checkPerson validates the edit form against the account as it is: a
// known role and status, the organisation rule, nobody in a group without a
// group role, and no administrator locking themselves out.
func (s *Server) checkPerson(ctx context.Context, me, person *store.User, f personForm, errs *formErrors) error {
	if err := s.checkRoleAndPartner(ctx, store.Role(f.Role), f.PartnerID, errs); err != nil {
		return err
	}
	if !hasChoice(statusChoices(person), f.Status) {
		errs.Add("status", "Select whether the account is active or disabled")
	}
	if me.ID == person.ID && f.Role != string(store.RoleAdmin) {
		errs.Add("role", "You cannot remove your own administrator role. Ask another administrator to do it")
	}
	if me.ID == person.ID && f.Status == store.StatusDisabled {
		errs.Add("status", "You cannot disable your own account. Ask another administrator to do it")
	}
	if inGroupRole(person.Role) && !inGroupRole(store.Role(f.Role)) {
		ms, err := s.admin.UserMemberships(ctx, person.ID)
		if err != nil {
			return err
		}
		if len(ms) > 0 {
			groups := "1 group"
			if len(ms) > 1 {
				groups = fmt.Sprintf("%d groups", len(ms))
			}
			errs.Add("role", person.Name+" is in "+groups+". Remove them from their groups before giving them a role that cannot belong to a group")
		}
	}
	return nil
}

// inGroupRole reports whether accounts with role r may belong to groups.
func inGroupRole(r store.Role) bool { return r == store.RoleMember || r == store.RoleChair }

// shutOut ends a disabled account's sessions and revokes its emailed links,
// so that neither an open browser nor an old invitation lets it back in.
func (s *Server) shutOut(ctx context.Context, userID string) error {
	if _, err := s.admin.DeleteUserSessions(ctx, userID); err != nil {
		return err
	}
	_, err := s.admin.RevokeTokens(ctx, userID, store.TokenInvitation, store.TokenPasswordReset)
	return err
}

// auditPersonChange records a role change as its own event, and any other
// change (status, name, organisation) as an account change.
func (s *Server) auditPersonChange(c *gin.Context, before *store.User, f personForm) {
	me := currentUser(c)
	ev := store.AuditEvent{ActorID: me.ID, Actor: me.Email, Target: "user:" + before.ID}
	if before.Role != store.Role(f.Role) {
		ev.Action, ev.Detail = store.AuditRoleChange, string(before.Role)+" → "+f.Role
		s.audit(c, ev)
	}
	var changes []string
	if before.Status != f.Status {
		changes = append(changes, "status "+before.Status+" → "+f.Status)
	}
	if before.Name != f.Name {
		changes = append(changes, "name changed")
	}
	if before.PartnerID != f.PartnerID {
		changes = append(changes, "organisation "+orNone(before.PartnerID)+" → "+orNone(f.PartnerID))
	}
	if len(changes) > 0 {
		ev.Action, ev.Detail = store.AuditUserChange, strings.Join(changes, "; ")
		s.audit(c, ev)
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// statusChoices are the statuses an admin may give an account: an account
// that has never set a password is "invited" rather than "active".
func statusChoices(u *store.User) []choice {
	enabled := choice{Value: store.StatusActive, Label: "Active", Hint: "Can sign in"}
	if u.PasswordHash == "" {
		enabled = choice{Value: store.StatusInvited, Label: "Invited", Hint: "Has not set a password yet, and can accept their invitation"}
	}
	return []choice{enabled, {Value: store.StatusDisabled, Label: "Disabled", Hint: "Cannot sign in or accept an invitation"}}
}

// loadPerson reads the account named in the path; it answers 404 itself.
func (s *Server) loadPerson(c *gin.Context) (*store.User, bool) {
	return loadByID(s, c, s.admin.User)
}

// renderPerson shows the person page with the edit form as given.
func (s *Server) renderPerson(c *gin.Context, status int, person *store.User, f personForm, errs *formErrors) {
	ctx := c.Request.Context()
	d := personData{Person: person, Self: currentUser(c).ID == person.ID}
	groups, err := s.personGroups(ctx, person.ID)
	partners, err2 := s.admin.Partners(ctx)
	if err = errors.Join(err, err2); err != nil {
		s.serverError(c, err)
		return
	}
	d.Groups = groups
	for i := range partners {
		if partners[i].ID == person.PartnerID {
			d.Organisation = &partners[i]
		}
	}
	d.Role = newChoices("role", "Role", f.Role, errs, roleChoices(true))
	d.Status = newChoices("status", "Status", f.Status, errs, statusChoices(person))
	d.Partner = newChoices("partner", "Partner organisation", f.PartnerID, errs, partnerChoices(partners))
	d.Partner.Hint = "Only for partner organisation workers"
	s.render(c, status, "person", &Page{Title: person.Name, Form: f, Errors: errs, Data: d})
}

// personGroups lists the groups a person belongs to with their membership.
func (s *Server) personGroups(ctx context.Context, userID string) ([]personGroup, error) {
	ms, err := s.admin.UserMemberships(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out []personGroup
	now := time.Now()
	for _, m := range ms {
		g, err := s.admin.Group(ctx, m.GroupID)
		if apperr.Is(err, apperr.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, personGroup{Group: *g, Membership: m, Lapsed: m.VettingLapsed(now), ExpiresSoon: m.VettingExpiresSoon(now)})
	}
	return out, nil
}
