package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"candour/apperr"
	"candour/config"
	"candour/store"
)

// Sign-in through the force's identity provider (OpenID Connect: the
// authorization code flow with PKCE, a state and a nonce), for staff
// accounts only, and only when CANDOUR_OIDC_ISSUER is set. A person signs
// in as the existing active account whose email address matches the
// provider's verified email claim; nobody is created here. Admin and CCU
// accounts still take the portal's own second step (two-factor).
//
// The state, nonce and PKCE verifier travel in the signed session cookie
// of the browser that started, are used once, and expire after
// oidcFlowFor.

const (
	keyOIDCState    = "oidc_state"
	keyOIDCNonce    = "oidc_nonce"
	keyOIDCVerifier = "oidc_verifier"
	keyOIDCStarted  = "oidc_started"

	oidcFlowFor = 10 * time.Minute

	msgOIDCFailed   = "We could not sign you in with your force account. The email address of your force account must match a staff account in Candour. Ask your administrator, or sign in with your email address and password."
	msgOIDCExpired  = "Your sign-in took too long or was started in another window. Select the button to start again."
	msgOIDCDown     = "The sign-in service of your force is not answering. Try again later, or sign in with your email address and password."
	msgOIDCRefused  = "The sign-in service of your force did not sign you in. Select the button to try again."
	oidcDetailStart = "identity provider: "
)

// oidcFlow is the provider's configuration, discovered on first use (so
// that the portal starts while the provider is unreachable) and kept.
type oidcFlow struct {
	cfg      config.OIDC
	redirect string
	now      func() time.Time

	mu       sync.Mutex
	provider *oidc.Provider
}

func newOIDCFlow(cfg config.Config, now func() time.Time) *oidcFlow {
	if !cfg.OIDC.Enabled() {
		return nil
	}
	return &oidcFlow{cfg: cfg.OIDC, redirect: cfg.BaseURL + "/sign-in/oidc/callback", now: now}
}

// config discovers the provider (once it has answered) and returns the
// OAuth 2 configuration and the ID token verifier: the audience must be
// our client id, the issuer the configured one, the signature the
// provider's and the token unexpired by the store's clock.
func (f *oidcFlow) config(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.provider == nil {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		p, err := oidc.NewProvider(ctx, f.cfg.Issuer)
		if err != nil {
			return nil, nil, fmt.Errorf("oidc: discover %s: %w", f.cfg.Issuer, err)
		}
		f.provider = p
	}
	oc := &oauth2.Config{ClientID: f.cfg.ClientID, ClientSecret: f.cfg.ClientSecret, Endpoint: f.provider.Endpoint(),
		RedirectURL: f.redirect, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
	v := f.provider.Verifier(&oidc.Config{ClientID: f.cfg.ClientID, Now: f.now, SupportedSigningAlgs: []string{oidc.RS256, oidc.ES256}})
	return oc, v, nil
}

// signInView is the sign-in page's own data: the identity provider's
// button, when it is on.
type signInView struct{ OIDCLabel string }

// signInPage is the sign-in page with form f.
func (s *Server) signInPage(f signInForm) *Page {
	p := &Page{Title: "Sign in", Form: f}
	if s.oidc != nil {
		p.Data = signInView{OIDCLabel: s.oidc.cfg.Label}
	}
	return p
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// oidcStart sends the browser to the provider with a fresh state, nonce
// and PKCE challenge.
func (s *Server) oidcStart(c *gin.Context) {
	if s.oidc == nil {
		s.notFound(c)
		return
	}
	if currentUser(c) != nil {
		c.Redirect(http.StatusSeeOther, "/home")
		return
	}
	oc, _, err := s.oidc.config(c.Request.Context())
	if err != nil {
		s.log.WarnContext(c.Request.Context(), "identity provider unavailable", "err", err)
		s.oidcFailed(c, apperr.New(apperr.Unavailable, "oidc", msgOIDCDown))
		return
	}
	state, nonce, verifier := randomToken(), randomToken(), oauth2.GenerateVerifier()
	sess := s.session(c)
	sess.Values[keyOIDCState] = state
	sess.Values[keyOIDCNonce] = nonce
	sess.Values[keyOIDCVerifier] = verifier
	sess.Values[keyOIDCStarted] = strconv.FormatInt(s.signIns.Now().Unix(), 10) // a visitor's cookie holds strings only
	markSessionDirty(c)
	s.redirect(c, oc.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)))
}

// oidcCallback finishes the flow: the state must be this browser's, the
// code is exchanged with the PKCE verifier, the ID token must verify and
// carry this browser's nonce and a verified email address of an active
// staff account.
func (s *Server) oidcCallback(c *gin.Context) {
	if s.oidc == nil {
		s.notFound(c)
		return
	}
	ctx := c.Request.Context()
	sess := s.session(c)
	state, _ := sess.Values[keyOIDCState].(string)
	nonce, _ := sess.Values[keyOIDCNonce].(string)
	verifier, _ := sess.Values[keyOIDCVerifier].(string)
	startedAt, _ := sess.Values[keyOIDCStarted].(string)
	started, _ := strconv.ParseInt(startedAt, 10, 64)
	for _, k := range []string{keyOIDCState, keyOIDCNonce, keyOIDCVerifier, keyOIDCStarted} {
		delete(sess.Values, k) // once only, whatever happens next
	}
	markSessionDirty(c)
	refuse := func(msg, detail string) {
		s.audit(c, store.AuditEvent{Action: store.AuditSignInFailed, Detail: oidcDetailStart + detail})
		s.oidcFailed(c, apperr.New(apperr.Invalid, "oidc", msg))
	}
	if state == "" || subtle.ConstantTimeCompare([]byte(state), []byte(c.Query("state"))) != 1 ||
		s.signIns.Now().Sub(time.Unix(started, 0)) > oidcFlowFor {
		refuse(msgOIDCExpired, "no matching sign-in in progress (state)")
		return
	}
	if e := c.Query("error"); e != "" {
		refuse(msgOIDCRefused, "the provider answered "+clip(e, 64))
		return
	}
	code := c.Query("code")
	if code == "" || len(code) > 4096 {
		refuse(msgOIDCRefused, "no authorization code")
		return
	}
	oc, idv, err := s.oidc.config(ctx)
	if err != nil {
		s.log.WarnContext(ctx, "identity provider unavailable", "err", err)
		s.oidcFailed(c, apperr.New(apperr.Unavailable, "oidc", msgOIDCDown))
		return
	}
	xctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tok, err := oc.Exchange(xctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		refuse(msgOIDCRefused, "code exchange refused: "+clip(err.Error(), 200))
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		refuse(msgOIDCRefused, "no ID token")
		return
	}
	idt, err := idv.Verify(xctx, raw)
	if err != nil {
		refuse(msgOIDCFailed, "ID token refused: "+clip(err.Error(), 200))
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		refuse(msgOIDCFailed, "ID token refused: wrong nonce")
		return
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified *bool  `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil || claims.Email == "" || claims.EmailVerified == nil || !*claims.EmailVerified {
		refuse(msgOIDCFailed, "no verified email claim (subject "+clip(idt.Subject, 64)+")")
		return
	}
	u, err := s.signIns.UserByEmail(ctx, claims.Email)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		s.fail(c, err)
		return
	}
	if u == nil || u.Status != store.StatusActive || !slices.Contains(s.oidc.cfg.Roles, string(u.Role)) {
		refuse(msgOIDCFailed, "no active staff account for "+clip(store.NormaliseEmail(claims.Email), 254))
		return
	}
	s.log.InfoContext(ctx, "signed in through the identity provider", "user", u.ID, "subject", idt.Subject)
	s.continueSignIn(c, u)
}

// oidcFailed shows the sign-in page with err's message against the
// provider's button, with the status of err's code (422, or 503 when the
// provider does not answer).
func (s *Server) oidcFailed(c *gin.Context, err *apperr.Error) {
	errs := &formErrors{}
	errs.Add(err.Field, err.Message)
	p := s.signInPage(signInForm{})
	p.Errors = errs
	s.render(c, statusOf(err.Code), "signin", p) // saves the session: the flow's values are gone
}

// clip shortens s to at most n bytes for an audit detail.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
