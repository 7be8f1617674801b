package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"html/template"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"candour/apperr"
	"candour/store"
)

type codeForm struct {
	Code string `form:"code" binding:"required,len=6,numeric"`
}

func (codeForm) messages() map[string]string {
	return map[string]string{
		"code.required": "Enter the 6-digit code from your authenticator app",
		"code":          "Enter the code as 6 digits, like 123456",
	}
}

var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// checkTOTP returns the time step whose code matches, allowing one step of
// clock drift either way, or -1.
func checkTOTP(secret, code string, now time.Time) int64 {
	for _, skew := range []int64{0, -1, 1} {
		t := now.Add(time.Duration(skew) * 30 * time.Second)
		want, err := totp.GenerateCodeCustom(secret, t, totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return t.Unix() / 30
		}
	}
	return -1
}

// pendingUser is the account that passed the password step and now owes a
// code. Without one, the two-factor pages send the person to sign in.
func (s *Server) pendingUser(c *gin.Context) *store.User {
	id, _ := s.session(c).Values[keyPending2FA].(string)
	if id == "" {
		return nil
	}
	u, err := s.secondFactor.User(c.Request.Context(), id)
	if err != nil || !u.CanSignIn() {
		return nil
	}
	return u
}

func (s *Server) twoFactorForm(c *gin.Context) {
	u := s.pendingUser(c)
	if u == nil || !u.TOTPEnabled {
		c.Redirect(http.StatusSeeOther, "/sign-in")
		return
	}
	s.render(c, http.StatusOK, "twofactor", &Page{Title: "Enter your security code", Form: codeForm{}})
}

// twoFactor checks the code of an enrolled account. A wrong code counts as
// a failed sign-in (and can lock the account); a code works only once.
func (s *Server) twoFactor(c *gin.Context) {
	u := s.pendingUser(c)
	if u == nil || !u.TOTPEnabled {
		s.redirect(c, "/sign-in")
		return
	}
	var f codeForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	page := &Page{Title: "Enter your security code", Form: codeForm{}}
	if errs.Any() {
		s.formAgain(c, "twofactor", page, errs.Err())
		return
	}
	right, err := s.checkSecondFactor(c, u, "two-factor code", func(ctx context.Context) (bool, error) {
		step := checkTOTP(u.TOTPSecret, f.Code, s.secondFactor.Now())
		return step >= 0 && s.secondFactor.UseTOTPStep(ctx, u.ID, step) == nil, nil
	})
	if err != nil {
		s.serverError(c, err)
		return
	}
	if !right {
		s.formAgain(c, "twofactor", page, apperr.Invalidf("code", "The security code is wrong or has already been used. Wait for a new code and try again"))
		return
	}
	s.completeSignIn(c, u)
}

type twoFactorSetupData struct {
	Secret string        // as the app wants it typed (tests read it)
	Key    string        // in groups of four, to read and type
	QR     template.HTML // the otpauth link as an SVG QR code
}

// setupData is the set-up page's key and QR code for u's pending secret.
func (s *Server) setupData(u *store.User) (twoFactorSetupData, error) {
	qr, err := s.totpQR(u)
	return twoFactorSetupData{Secret: u.TOTPSecret, Key: keyGroups(u.TOTPSecret), QR: qr}, err
}

// twoFactorSetupForm starts enrolment for an admin or CCU account at its
// first sign-in: a new secret, shown as a QR code and as text.
func (s *Server) twoFactorSetupForm(c *gin.Context) {
	u := s.pendingUser(c)
	if u == nil || u.TOTPEnabled {
		c.Redirect(http.StatusSeeOther, "/sign-in")
		return
	}
	s.renderSetup(c, u, "Set up two-factor authentication")
}

// renderSetup shows the set-up page with u's pending key, made now if
// there is none (a reload shows the same key, so a half-done enrolment
// still works).
func (s *Server) renderSetup(c *gin.Context, u *store.User, title string) {
	if u.TOTPSecret == "" {
		secret, err := s.newTOTPSecret(c, u)
		if err != nil {
			s.serverError(c, err)
			return
		}
		u.TOTPSecret = secret
	}
	d, err := s.setupData(u)
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.render(c, http.StatusOK, "twofactor_setup", &Page{Title: title, Form: codeForm{}, Data: d})
}

func (s *Server) newTOTPSecret(c *gin.Context, u *store.User) (string, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Candour " + s.cfg.ForceName, AccountName: u.Email})
	if err != nil {
		return "", err
	}
	if err := s.secondFactor.SetTOTPSecret(c.Request.Context(), u.ID, key.Secret()); err != nil {
		return "", err
	}
	return key.Secret(), nil
}

// twoFactorSetup confirms enrolment with a first code and signs the person in.
func (s *Server) twoFactorSetup(c *gin.Context) {
	u := s.pendingUser(c)
	if u == nil || u.TOTPEnabled || u.TOTPSecret == "" {
		s.redirect(c, "/sign-in")
		return
	}
	if !s.confirmEnrolment(c, u, "twofactor_setup", "Set up two-factor authentication") {
		return
	}
	codes, err := s.issueRecoveryCodes(c, u)
	if err != nil {
		s.serverError(c, err)
		return
	}
	next, ok := s.startSession(c, u)
	if !ok {
		return
	}
	if err := s.saveSession(c); err != nil {
		s.serverError(c, err)
		return
	}
	s.renderTwoFactorDone(c, "Two-factor authentication is set up", codes, next)
}

// confirmEnrolment checks the first code against the pending secret and
// enables two-factor. On a wrong code it re-renders the page and returns false.
func (s *Server) confirmEnrolment(c *gin.Context, u *store.User, view, title string) bool {
	var f codeForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return false
	}
	d, err := s.setupData(u)
	if err != nil {
		s.serverError(c, err)
		return false
	}
	page := &Page{Title: title, Form: codeForm{}, Data: d}
	if errs.Any() {
		s.formAgain(c, view, page, errs.Err())
		return false
	}
	step := checkTOTP(u.TOTPSecret, f.Code, s.secondFactor.Now())
	if step < 0 {
		s.formAgain(c, view, page, apperr.Invalidf("code", "The security code is wrong. Check the time on your phone is right and try the new code"))
		return false
	}
	ctx := c.Request.Context()
	if err := errors.Join(s.secondFactor.UseTOTPStep(ctx, u.ID, step), s.secondFactor.EnableTOTP(ctx, u.ID)); err != nil {
		s.serverError(c, err)
		return false
	}
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditTOTPEnrolled, Target: "user:" + u.ID})
	return true
}

// totpGenerate makes the code for a time (tests and the demo use it).
func totpGenerate(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totpOpts)
}
