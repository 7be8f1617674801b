package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
)

type resetRequestForm struct {
	Email string `form:"email" binding:"required,email,max=254"`
}

func (resetRequestForm) messages() map[string]string {
	return map[string]string{
		"email.required": "Enter your email address",
		"email":          "Enter an email address in the correct format, like name@example.com",
	}
}

func (s *Server) passwordResetRequestForm(c *gin.Context) {
	s.render(c, http.StatusOK, "password_reset_request", &Page{Title: "Reset your password", Form: resetRequestForm{}})
}

// passwordResetRequest emails a reset link to an active account. It shows
// the same page whether or not the address has an account, so that nobody
// can use it to find out who has one.
func (s *Server) passwordResetRequest(c *gin.Context) {
	var f resetRequestForm
	form, ok := s.submitForm(c, &f, "request", nil, func(status int, errs *formErrors) {
		s.render(c, status, "password_reset_request", &Page{Title: "Reset your password", Form: f, Errors: errs})
	})
	if !ok || !form.ok(nil) {
		return
	}
	// The look-up, the link and the mail happen off the request path, so
	// the answer takes as long whether or not the address has an account.
	s.resetPending.Add(1)
	select {
	case s.resets <- f.Email:
	default:
		s.resetPending.Done()
		s.log.WarnContext(c.Request.Context(), "password reset queue full: request dropped")
	}
	s.render(c, http.StatusOK, "password_reset_sent", &Page{Title: "Check your email", Data: f.Email})
}

// resetWorker answers queued reset requests one at a time: for an active
// account, a single-use link by mail (audited); for anything else, nothing.
func (s *Server) resetWorker() {
	for email := range s.resets {
		s.resetGate.Lock()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := s.sendResetLink(ctx, email); err != nil {
			s.log.Error("password reset", "err", err)
		}
		cancel()
		s.resetGate.Unlock()
		s.resetPending.Done()
	}
}

// sendResetLink queues an email with a single-use link, valid for an hour,
// if email belongs to an account that can sign in.
func (s *Server) sendResetLink(ctx context.Context, email string) error {
	u, err := s.accounts.UserByEmail(ctx, email)
	if apperr.Is(err, apperr.NotFound) || (err == nil && !u.CanSignIn()) {
		return nil
	}
	if err != nil {
		return err
	}
	secret, err := s.accounts.CreateToken(ctx, store.TokenPasswordReset, u.ID, "", store.PasswordResetLife)
	if err != nil {
		return err
	}
	body := fmt.Sprintf(`Hello %s,

Someone asked to reset the password of your Candour account. If it was you, open this link and choose a new password:
%s

The link works once only, and for 1 hour. When you change your password, you will be signed out on every device.

If you did not ask to reset your password, you can ignore this email: your password has not changed.`,
		u.Name, s.link("/password-reset/"+secret))
	if err := s.queueMail(ctx, u.Email, "Reset your Candour password", body); err != nil {
		return err
	}
	if err := s.auditLog.Audit(ctx, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditPasswordReset, Target: "user:" + u.ID, Detail: "reset link emailed"}); err != nil {
		s.log.Error("audit failed", "err", err, "action", store.AuditPasswordReset)
	}
	return nil
}

func (s *Server) passwordResetForm(c *gin.Context) {
	u := s.openLink(c, store.TokenPasswordReset)
	if u == nil {
		return
	}
	s.render(c, http.StatusOK, "password_reset", &Page{Title: "Choose a new password", Form: newPasswordForm{},
		Data: linkAccount{Name: u.Name, Email: u.Email, Role: u.Role}, NoIndex: true})
}

// passwordReset sets the new password and signs the account out on every
// device. Two-factor authentication stays as it was: the person signs in
// with the new password and their code.
func (s *Server) passwordReset(c *gin.Context) {
	u := s.setPasswordFromLink(c, store.TokenPasswordReset, "password_reset", "Choose a new password")
	if u == nil {
		return
	}
	n, err := s.endAllSessions(c, u)
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditPasswordSet, Target: "user:" + u.ID,
		Detail: fmt.Sprintf("with a reset link; %d sessions ended", n)})
	// This browser starts afresh too: its session may have been one of the
	// account's, and must not be written back now that it was deleted.
	sess := s.session(c)
	if err := s.sessions.rotate(c.Request.Context(), sess); err != nil {
		s.serverError(c, err)
		return
	}
	clear(sess.Values)
	s.flash(c, "Your password has been changed. Sign in with your new password.")
	s.redirect(c, "/sign-in")
}

// endAllSessions signs an account out everywhere after its password changed
// and cancels its other reset links. It returns how many sessions ended.
func (s *Server) endAllSessions(c *gin.Context, u *store.User) (int64, error) {
	ctx := c.Request.Context()
	n, err := s.accounts.DeleteUserSessions(ctx, u.ID)
	if err != nil {
		return 0, err
	}
	if _, err := s.accounts.RevokeTokens(ctx, u.ID, store.TokenPasswordReset); err != nil {
		return n, err
	}
	return n, nil
}
