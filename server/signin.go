package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
)

type signInForm struct {
	Email    string `form:"email" binding:"required,email,max=254"`
	Password string `form:"password" binding:"required,max=1000"`
}

func (signInForm) messages() map[string]string {
	return map[string]string{
		"email.required":    "Enter your email address",
		"email.email":       "Enter an email address in the correct format, like name@example.com",
		"email":             "Enter an email address in the correct format, like name@example.com",
		"password.required": "Enter your password",
		"password":          "Enter your password",
	}
}

// msgSignInFailed never says which of the two was wrong, nor whether the
// account is locked: any of those would tell an attacker something.
const msgSignInFailed = "The email address or password is wrong"

func (s *Server) signInForm(c *gin.Context) {
	if currentUser(c) != nil {
		c.Redirect(http.StatusSeeOther, "/home")
		return
	}
	p := s.signInPage(signInForm{})
	// The session is gone after signing out, so the message comes in the link.
	switch c.Query("signed-out") {
	case "1":
		p.Flash = "You have been signed out."
	case "everywhere":
		p.Flash = "You have been signed out on every device."
	}
	s.render(c, http.StatusOK, "signin", p)
}

// signIn checks the password. Admin and CCU accounts then go to the
// two-factor step; everyone else is signed in.
func (s *Server) signIn(c *gin.Context) {
	var f signInForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	f.Password = strings.TrimRight(f.Password, "\r\n")
	page := s.signInPage(signInForm{Email: f.Email})
	if errs.Any() {
		s.formAgain(c, "signin", page, errs.Err())
		return
	}
	ctx := c.Request.Context()
	u, err := s.signIns.UserByEmail(ctx, f.Email)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		s.serverError(c, err)
		return
	}
	if u == nil || !u.CanSignIn() {
		s.hasher.Verify(s.hasher.DummyHash(), f.Password) // same cost as a real check
		s.audit(c, store.AuditEvent{Actor: store.NormaliseEmail(f.Email), Action: store.AuditSignInFailed, Detail: "unknown or inactive account"})
		s.signInFailed(c, page)
		return
	}
	try, err := s.takeSignInTry(c, u)
	if err != nil {
		s.serverError(c, err)
		return
	}
	if !try.OK {
		// Refused unchecked, but at the same cost and with the same words.
		s.hasher.Verify(s.hasher.DummyHash(), f.Password)
		s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditSignInFailed, Target: "user:" + u.ID,
			Detail: "refused unchecked: too many tries (" + try.where() + ")"})
		s.signInFailed(c, page)
		return
	}
	if try.LockedNow {
		s.lockedOut(c, u, "sign-in from "+try.where()+"s", try.Attempt, !try.known)
	}
	if !s.hasher.Verify(u.PasswordHash, f.Password) {
		s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditSignInFailed, Target: "user:" + u.ID,
			Detail: "wrong password (" + try.where() + ")"})
		s.signInFailed(c, page)
		return
	}
	s.forgetTries(c, try.key)
	// Admin and CCU accounts always need a code; anyone who turned
	// two-factor on needs one too.
	s.continueSignIn(c, u)
}

func (s *Server) signInFailed(c *gin.Context, page *Page) {
	s.formAgain(c, "signin", page, apperr.Invalidf("email", "%s", msgSignInFailed))
}

// completeSignIn starts a fresh session for u: a new id (so an id planted
// before sign-in is useless), a new CSRF token, and the role it was granted.
func (s *Server) completeSignIn(c *gin.Context, u *store.User) {
	if next, ok := s.startSession(c, u); ok {
		s.redirect(c, next)
	}
}

// startSession signs u in on a fresh session id, audits it and returns
// where to go next; it answers the request itself on an error (ok false).
func (s *Server) startSession(c *gin.Context, u *store.User) (next string, ok bool) {
	ctx := c.Request.Context()
	sess := s.session(c)
	next, _ = sess.Values["next"].(string)
	if err := s.sessions.rotate(ctx, sess); err != nil {
		s.serverError(c, err)
		return "", false
	}
	for k := range sess.Values {
		delete(sess.Values, k)
	}
	sess.Values[keyUserID] = u.ID
	sess.Values[keyRole] = string(u.Role)
	markSessionDirty(c)
	s.markDevice(c, u)
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditSignIn, Target: "user:" + u.ID})
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		next = "/home"
	}
	return next, true
}

// signOut ends this session on the server, so replaying its cookie gets
// the sign-in page.
func (s *Server) signOut(c *gin.Context) {
	u := currentUser(c)
	sess := s.session(c)
	sess.Options.MaxAge = -1
	markSessionDirty(c)
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditSignOut, Target: "user:" + u.ID})
	s.redirect(c, "/sign-in?signed-out=1")
}

// audit records an event; a failure to audit is logged loudly but does not
// undo what the person did.
func (s *Server) audit(c *gin.Context, e store.AuditEvent) {
	// Not cancelled with the request: a browser that goes away must not
	// leave what it did unaudited.
	if err := s.auditLog.Audit(context.WithoutCancel(c.Request.Context()), e); err != nil {
		s.log.ErrorContext(c.Request.Context(), "audit failed", "err", err, "action", e.Action)
	}
}
