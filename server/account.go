package server

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
)

type passwordChangeForm struct {
	Current  string `form:"current-password" binding:"required,max=1000"`
	Password string `form:"new-password" binding:"required,max=1000"`
	Confirm  string `form:"confirm-password" binding:"required,max=1000"`
}

func (passwordChangeForm) messages() map[string]string {
	return map[string]string{
		"current-password.required": "Enter your current password",
		"current-password":          "Your current password is wrong",
		"new-password.required":     "Enter a new password",
		"new-password":              "Password must be 1000 characters or fewer",
		"confirm-password.required": "Enter the new password again",
		"confirm-password":          "Enter the same password twice",
	}
}

type accountData struct {
	Groups  []string // "Name" or "Name (chair)"
	Partner string   // the partner organisation's name, if any
}

func (s *Server) account(c *gin.Context) { s.renderAccount(c, http.StatusOK, &formErrors{}) }

// renderAccount shows the account's details and its forms, with the
// password form's errors when there are some.
func (s *Server) renderAccount(c *gin.Context, status int, errs *formErrors) {
	u := currentUser(c)
	ctx := c.Request.Context()
	var d accountData
	ms, err := s.accounts.UserMemberships(ctx, u.ID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	for _, m := range ms {
		g, err := s.accounts.Group(ctx, m.GroupID)
		if apperr.Is(err, apperr.NotFound) {
			continue // group removed
		}
		if err != nil {
			s.serverError(c, err)
			return
		}
		name := g.Name
		if m.Chair {
			name += " (chair)"
		}
		d.Groups = append(d.Groups, name)
	}
	if u.PartnerID != "" {
		p, err := s.accounts.Partner(ctx, u.PartnerID)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			s.serverError(c, err)
			return
		}
		if p != nil {
			d.Partner = p.Name
		}
	}
	s.render(c, status, "account", &Page{Title: "Your account", Form: passwordChangeForm{}, Errors: errs, Data: d})
}

// passwordChange sets a new password after checking the current one, and
// signs the account out on every other device; this browser stays signed in.
func (s *Server) passwordChange(c *gin.Context) {
	u := currentUser(c)
	var f passwordChangeForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	if errs.For("current-password") == "" {
		// A wrong current password counts as a failed sign-in, so a
		// borrowed session cannot be used to guess it.
		try, key, err := s.takeTry(c, u, "password-change")
		if err != nil {
			s.serverError(c, err)
			return
		}
		if try.LockedNow {
			s.lockedOut(c, u, "password changes", try, false)
		}
		switch {
		case !try.OK:
			s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditSignInFailed, Target: "user:" + u.ID, Detail: "current password refused unchecked: too many tries"})
			errs.Add("current-password", "You have entered a wrong password too many times. Try again later")
		case !s.hasher.Verify(u.PasswordHash, f.Current):
			s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditSignInFailed, Target: "user:" + u.ID, Detail: "wrong current password"})
			errs.Add("current-password", "Your current password is wrong")
		default:
			s.forgetTries(c, key)
		}
	}
	addErrors(errs, checkNewPassword(errs, "new-password", f.Password, "confirm-password", f.Confirm), nil)
	if errs.Any() {
		inPageOrder(errs, "current-password", "new-password", "confirm-password")
		s.renderAccount(c, http.StatusUnprocessableEntity, errs)
		return
	}
	if err := s.accounts.ChangePassword(c.Request.Context(), u.ID, s.hasher.Hash(f.Password)); err != nil {
		s.serverError(c, err)
		return
	}
	n, err := s.endAllSessions(c, u)
	if err != nil {
		s.serverError(c, err)
		return
	}
	// endAllSessions deleted this browser's session too: it carries on under
	// a new id, with a new form token.
	sess := s.session(c)
	if err := s.sessions.rotate(c.Request.Context(), sess); err != nil {
		s.serverError(c, err)
		return
	}
	delete(sess.Values, keyCSRF)
	markSessionDirty(c)
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditPasswordSet, Target: "user:" + u.ID,
		Detail: fmt.Sprintf("on the account page; %d other sessions ended", max(n-1, 0))})
	s.flash(c, "Your password has been changed. You have been signed out on every other device.")
	s.redirect(c, "/account")
}

// inPageOrder sorts an error summary to follow the fields down the page.
func inPageOrder(errs *formErrors, fields ...string) {
	slices.SortStableFunc(errs.Items, func(a, b fieldError) int {
		return slices.Index(fields, a.Field) - slices.Index(fields, b.Field)
	})
}

// signOutEverywhere ends every session of the account, this one included.
func (s *Server) signOutEverywhere(c *gin.Context) {
	u := currentUser(c)
	n, err := s.accounts.DeleteUserSessions(c.Request.Context(), u.ID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	sess := s.session(c)
	sess.Options.MaxAge = -1
	markSessionDirty(c)
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditSignOutAll, Target: "user:" + u.ID,
		Detail: fmt.Sprintf("%d sessions ended", n)})
	s.redirect(c, "/sign-in?signed-out=everywhere")
}

const accountTwoFactorTitle = "Set up two-factor authentication"

// accountTwoFactorForm lets anyone signed in turn on two-factor
// authentication (admin and CCU accounts already have it).
func (s *Server) accountTwoFactorForm(c *gin.Context) {
	u := currentUser(c)
	if u.TOTPEnabled {
		c.Redirect(http.StatusSeeOther, "/account")
		return
	}
	s.renderSetup(c, u, accountTwoFactorTitle)
}

func (s *Server) accountTwoFactor(c *gin.Context) {
	u := currentUser(c)
	if u.TOTPEnabled || u.TOTPSecret == "" {
		s.redirect(c, "/account")
		return
	}
	if !s.confirmEnrolment(c, u, "twofactor_setup", accountTwoFactorTitle) {
		return
	}
	codes, err := s.issueRecoveryCodes(c, u)
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.renderTwoFactorDone(c, "Two-factor authentication is set up", codes, "/account")
}
