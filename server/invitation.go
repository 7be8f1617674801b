package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/password"
	"candour/store"
)

// newPasswordForm is the "choose a password" form behind an emailed link
// (an invitation or a password reset).
type newPasswordForm struct {
	Password string `form:"password" binding:"required,max=1000"`
	Confirm  string `form:"confirm-password" binding:"required,max=1000"`
}

func (newPasswordForm) messages() map[string]string {
	return map[string]string{
		"password.required":         "Enter a password",
		"password":                  "Password must be 1000 characters or fewer",
		"confirm-password.required": "Enter the password again",
		"confirm-password":          "Enter the same password twice",
	}
}

// linkAccount is what a "choose a password" page shows: whose account it is.
type linkAccount struct {
	Name, Email string
	Role        store.Role
}

func (s *Server) invitationForm(c *gin.Context) {
	u := s.openLink(c, store.TokenInvitation)
	if u == nil {
		return
	}
	s.render(c, http.StatusOK, "invitation", &Page{Title: "Set your password", Form: newPasswordForm{},
		Data: linkAccount{Name: u.Name, Email: u.Email, Role: u.Role}, NoIndex: true})
}

// invitationAccept sets the invited person's password, which activates the
// account, and signs them in (through two-factor enrolment where their role
// requires it).
func (s *Server) invitationAccept(c *gin.Context) {
	u := s.setPasswordFromLink(c, store.TokenInvitation, "invitation", "Set your password")
	if u == nil {
		return
	}
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditInvitationUsed, Target: "user:" + u.ID})
	s.continueSignIn(c, u)
}

// openLink checks the token of an emailed link and loads its account. When
// the link cannot be used it answers with a styled page and returns nil.
func (s *Server) openLink(c *gin.Context, kind string) *store.User {
	ctx := c.Request.Context()
	t, err := s.accounts.PeekToken(ctx, kind, c.Param("token"))
	if err != nil {
		s.badLink(c, kind, err)
		return nil
	}
	u, err := s.accounts.User(ctx, t.UserID)
	if err == nil && u.Status == store.StatusDisabled {
		err = store.ErrNotFound // a disabled account is not reopened by an old link
	}
	if err != nil {
		s.badLink(c, kind, err)
		return nil
	}
	return u
}

// setPasswordFromLink handles a "choose a password" form posted to an
// emailed link: it checks the link and the password rules, uses the link
// (once, even when two requests race) and stores the password. When it
// cannot, it answers with a page itself and returns nil.
func (s *Server) setPasswordFromLink(c *gin.Context, kind, view, title string) *store.User {
	u := s.openLink(c, kind)
	if u == nil {
		return nil
	}
	var f newPasswordForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return nil
	}
	if err := errs.With(apperr.All(checkNewPassword(errs, "password", f.Password, "confirm-password", f.Confirm))...); err != nil {
		s.formAgain(c, view, &Page{Title: title, Form: newPasswordForm{},
			Data: linkAccount{Name: u.Name, Email: u.Email, Role: u.Role}, NoIndex: true}, err)
		return nil
	}
	hash := s.hasher.Hash(f.Password)
	ctx := c.Request.Context()
	// Using the token is the one decision: of two racing requests, only one
	// gets past it, so only one password is ever stored.
	if _, err := s.accounts.UseToken(ctx, kind, c.Param("token")); err != nil {
		s.badLink(c, kind, err)
		return nil
	}
	if err := s.accounts.ChangePassword(ctx, u.ID, hash); err != nil {
		s.badLink(c, kind, err)
		return nil
	}
	return u
}

// checkNewPassword applies the password rules to a new password and checks
// that it was typed the same twice: the problem is an apperr.Invalid on its
// field (nil when there is none). A field binding refused already (errs)
// is not checked again.
func checkNewPassword(errs *formErrors, field, pw, confirmField, confirm string) error {
	if errs.For(field) != "" {
		return nil
	}
	if err := password.Check(pw); err != nil {
		return apperr.Invalidf(field, "%s", err.Error())
	}
	if errs.For(confirmField) == "" && pw != confirm {
		return apperr.Invalidf(confirmField, "Enter the same password twice")
	}
	return nil
}

// badLink answers for an emailed link that cannot be used: 404 when it is
// unknown or already used, 410 when it has expired.
func (s *Server) badLink(c *gin.Context, kind string, err error) {
	invitation := kind == store.TokenInvitation
	switch {
	case apperr.Is(err, apperr.Expired) && invitation:
		s.errorPage(c, http.StatusGone, "This invitation has expired",
			"Invitation links work for 7 days. Ask your coordinator for a new invitation.")
	case apperr.Is(err, apperr.Expired):
		s.errorPage(c, http.StatusGone, "This link has expired",
			"Links to reset a password work for 1 hour. Ask for a new link: choose \"I have forgotten my password\" on the sign-in page.")
	case apperr.Is(err, apperr.NotFound) && invitation:
		s.errorPage(c, http.StatusNotFound, "This link has been used or is wrong",
			"Each invitation link works once only. If you have already set your password, sign in. If you copied the link, check you copied all of it. If it still does not work, ask your coordinator for a new invitation.")
	case apperr.Is(err, apperr.NotFound):
		s.errorPage(c, http.StatusNotFound, "This link has been used or is wrong",
			"Each link to reset a password works once only. If you copied the link, check you copied all of it. If it still does not work, ask for a new link: choose \"I have forgotten my password\" on the sign-in page.")
	default:
		s.serverError(c, err)
	}
}

// continueSignIn follows a password that was just proven or set: accounts
// that use two-factor authentication go to the code step, or to enrolment
// when their role requires it and they have not enrolled; everyone else is
// signed in.
func (s *Server) continueSignIn(c *gin.Context, u *store.User) {
	if !u.Role.NeedsTwoFactor() && !u.TOTPEnabled {
		s.completeSignIn(c, u)
		return
	}
	sess := s.session(c)
	if err := s.sessions.rotate(c.Request.Context(), sess); err != nil {
		s.serverError(c, err)
		return
	}
	for _, k := range []string{keyUserID, keyRole, keyCSRF} {
		delete(sess.Values, k)
	}
	sess.Values[keyPending2FA] = u.ID
	markSessionDirty(c)
	if u.TOTPEnabled {
		s.redirect(c, "/sign-in/two-factor")
	} else {
		s.redirect(c, "/sign-in/two-factor/set-up")
	}
}
