package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
	"candour/words"
)

type memberForm struct {
	Email   string `form:"email" binding:"required,email,max=254"`
	Vetting string `form:"vetting" binding:"required"`
	Day     string `form:"expires-day"`
	Month   string `form:"expires-month"`
	Year    string `form:"expires-year"`
	Chair   bool   `form:"chair"`
}

func (memberForm) messages() map[string]string {
	return map[string]string{
		"email.required": "Enter the email address of the person's account",
		"email":          "Enter an email address in the correct format, like name@example.com",
		"vetting":        "Select the person's vetting level",
	}
}

// memberSave adds a person to a group or updates their vetting and chair
// status. Making a group member chair promotes their account to group chair.
func (s *Server) memberSave(c *gin.Context) {
	g, ok := s.loadGroup(c)
	if !ok {
		return
	}
	var f memberForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	expires := checkVetting(f, errs)
	var u *store.User
	if !errs.Any() {
		var err error
		if u, err = s.memberAccount(ctx, f.Email, errs); err != nil {
			s.serverError(c, err)
			return
		}
	}
	if errs.Any() {
		s.renderGroup(c, http.StatusUnprocessableEntity, g, groupFormOf(g), f, errs)
		return
	}
	m := &store.Membership{GroupID: g.ID, UserID: u.ID, Chair: f.Chair, VettingLevel: f.Vetting, VettingExpires: expires}
	verb := "added to"
	old, err := s.admin.Membership(ctx, g.ID, u.ID)
	switch {
	case err == nil:
		m.JoinedAt, verb = old.JoinedAt, "updated in"
	case !apperr.Is(err, apperr.NotFound):
		s.serverError(c, err)
		return
	}
	if err := s.admin.PutMembership(ctx, m); err != nil {
		s.serverError(c, err)
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditMembership, Target: "user:" + u.ID,
		Detail: fmt.Sprintf("%s %s (group:%s): %s", verb, g.Name, g.ID, membershipSummary(m))})
	msg := u.Name + " " + verb + " " + g.Name
	if f.Chair && u.Role == store.RoleMember {
		if err := s.admin.SetRole(ctx, u.ID, store.RoleChair); err != nil {
			s.serverError(c, err)
			return
		}
		s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditRoleChange, Target: "user:" + u.ID,
			Detail: fmt.Sprintf("%s → %s (chairs %s)", store.RoleMember, store.RoleChair, g.Name)})
		msg += ". Their account is now a group chair account: they will sign in again to use it."
	}
	s.flash(c, msg)
	s.redirect(c, "/admin/groups/"+g.ID)
}

// checkVetting validates the vetting level and expiry date and returns the
// date (zero when there is none).
func checkVetting(f memberForm, errs *formErrors) time.Time {
	if !hasChoice(vettingChoices(), f.Vetting) {
		errs.Add("vetting", "Select the person's vetting level")
		return time.Time{}
	}
	date := dateParts{Day: f.Day, Month: f.Month, Year: f.Year}
	expires, msg := date.parse("The expiry date")
	switch {
	case msg != "":
		errs.Add("expires", msg)
	case f.Vetting == "none" && !date.blank():
		errs.Add("expires", "Leave the expiry date blank when the person has no vetting, or select their vetting level")
	case f.Vetting != "none" && date.blank():
		errs.Add("expires", "Enter the date the person's vetting expires")
	}
	return expires
}

// memberAccount finds the account that may join a group: it must exist, be
// a group member or chair, and not be disabled. Problems become form errors.
func (s *Server) memberAccount(ctx context.Context, email string, errs *formErrors) (*store.User, error) {
	u, err := s.admin.UserByEmail(ctx, email)
	switch {
	case apperr.Is(err, apperr.NotFound):
		errs.Add("email", "There is no account with this email address. Invite the person first")
		return nil, nil
	case err != nil:
		return nil, err
	case !inGroupRole(u.Role):
		errs.Add("email", "Only group members and chairs can join a group. This account's role is: "+words.Role(string(u.Role)))
		return nil, nil
	case u.Status == store.StatusDisabled:
		errs.Add("email", "This account is disabled. Enable it on the person's page first")
		return nil, nil
	}
	return u, nil
}

func membershipSummary(m *store.Membership) string {
	s := "vetting " + m.VettingLevel
	if !m.VettingExpires.IsZero() {
		s += " until " + m.VettingExpires.In(london).Format(time.DateOnly)
	}
	if m.Chair {
		s += ", chair"
	}
	return s
}

// memberRemove takes a person out of a group. Their account and role stay
// as they are.
// memberRemoveConfirm asks before a member is taken off a group (their
// sign-ups, pairs and vetting record for it go with them).
func (s *Server) memberRemoveConfirm(c *gin.Context) {
	g, ok := s.loadGroup(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	userID := c.Param("userId")
	if _, err := s.admin.Membership(ctx, g.ID, userID); err != nil {
		s.fail(c, err) // 404 for someone not in the group (render.go)
		return
	}
	name := "this person"
	if u, err := s.admin.User(ctx, userID); err == nil {
		name = u.Name
	}
	s.confirm(c, "Are you sure you want to remove "+name+" from "+g.Name+"?", confirmation{Caption: g.Name,
		Body:   []string{name + " will no longer see the group's visits or be able to sign up for them. Their vetting details for this group are deleted: to add them again you will need to enter them again."},
		Action: "/admin/groups/" + g.ID + "/members/" + userID + "/remove", Button: "Yes, remove " + name, Destructive: true,
		Cancel: "/admin/groups/" + g.ID})
}

func (s *Server) memberRemove(c *gin.Context) {
	g, ok := s.loadGroup(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	userID := c.Param("userId")
	err := s.admin.RemoveMembership(ctx, g.ID, userID)
	if err != nil {
		s.fail(c, err) // 404 for ErrNotFound (render.go)
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditMembership, Target: "user:" + userID,
		Detail: fmt.Sprintf("removed from %s (group:%s)", g.Name, g.ID)})
	name := "The person"
	if u, err := s.admin.User(ctx, userID); err == nil {
		name = u.Name
	}
	s.flash(c, name+" removed from "+g.Name)
	s.redirect(c, "/admin/groups/"+g.ID)
}
