package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/sessions"

	"candour/apperr"
	"candour/store"
)

type ctxKey string

// ctxRequestID keys the request id in a request's context; the gin keys
// name values on a Gin context (plain strings, as Gin's Set takes).
const ctxRequestID ctxKey = "requestID"

const (
	ginUser    = "candour.user"
	ginSession = "candour.session"
	ginDirty   = "candour.sessionDirty"
)

// requestID gives every request an id, in the response header and on every
// log line written while handling it.
func (s *Server) requestID(c *gin.Context) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	c.Header("X-Request-Id", id)
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), ctxRequestID, id))
	c.Next()
}

// requestIDHandler adds the request id to slog records.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id, ok := ctx.Value(ctxRequestID).(string); ok {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(a)}
}

func (h requestIDHandler) WithGroup(n string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(n)}
}

// accessLog logs one line a request: method, route, status, duration. It
// never logs addresses, user agents or query strings: anonymous reporters
// and survey respondents use this portal, and links carry secrets.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	status := c.Writer.Status()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	elapsed := time.Since(start)
	if anonymousRoute(route) || strings.HasPrefix(route, "/static") {
		// Anonymous reporters' and respondents' requests leave no dated
		// line (anonymousRoute, referral_notify.go), and no count either: anyone polling
		// the metrics would see when a report or a response was sent.
		// Static files are left out too: a reporter's browser fetches them.
		return
	}
	s.metrics.observe(c.Request.Method, route, status, elapsed)
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case status >= 400:
		level = slog.LevelWarn
	case route == "/healthz" || route == "/readyz":
		level = slog.LevelDebug
	}
	s.log.Log(c.Request.Context(), level, "request", "method", c.Request.Method, "route", route,
		"status", status, "duration_ms", float64(elapsed.Microseconds())/1000)
}

// recovery turns a panic into a styled 500 with the stack logged.
func (s *Server) recovery(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if err, ok := r.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(r)
			}
			s.serverError(c, fmt.Errorf("panic: %v", r))
		}
	}()
	c.Next()
}

// contentSecurityPolicy allows only our own scripts, styles and images: no
// inline script or style anywhere.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries.
func (s *Server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
	if s.cfg.Production() {
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	if !strings.HasPrefix(c.Request.URL.Path, "/static/") {
		h.Set("Cache-Control", "no-store")
	}
	c.Next()
}

// MaxFormBytes caps request bodies (1 MiB).
const MaxFormBytes = 1 << 20

// limitBody rejects declared oversized bodies at once and caps the rest:
// 1 MiB for forms, more for the data upload routes.
func (s *Server) limitBody(c *gin.Context) {
	limit := int64(MaxFormBytes)
	if p := c.Request.URL.Path; strings.HasPrefix(p, "/disparity/") || strings.HasPrefix(p, "/powers/") && strings.HasSuffix(p, "/import") {
		limit = MaxUploadBytes
	}
	if strings.HasPrefix(c.Request.URL.Path, "/meetings/") && strings.HasSuffix(c.Request.URL.Path, "/papers") {
		limit = MaxPaperBytes + MaxFormBytes // the paper and the form around it
	}
	if strings.HasPrefix(c.Request.URL.Path, "/expenses/visit/") {
		limit = MaxReceipts*MaxPaperBytes + MaxFormBytes // the receipts and the claim around them
	}
	if c.Request.ContentLength > limit {
		s.tooLarge(c)
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	c.Next()
}

// loadSession reads the session and the signed-in user, if any. An expired,
// revoked or unknown session is simply "signed out".
func (s *Server) loadSession(c *gin.Context) {
	sess, err := s.sessions.Get(c.Request, sessionCookie)
	if err != nil {
		s.serverError(c, err)
		return
	}
	c.Set(ginSession, sess)
	if uid, _ := sess.Values[keyUserID].(string); uid != "" {
		u, err := s.users.User(c.Request.Context(), uid)
		role, _ := sess.Values[keyRole].(string)
		switch {
		case apperr.Is(err, apperr.NotFound):
			delete(sess.Values, keyUserID)
		case err != nil:
			s.serverError(c, err)
			return
		case u.Status != store.StatusActive || string(u.Role) != role:
			// Disabled, or the role changed: sign in again with the new rights.
			delete(sess.Values, keyUserID)
			markSessionDirty(c)
		default:
			c.Set(ginUser, u)
			if err := s.sessions.touch(c.Request.Context(), sess); err != nil {
				s.serverError(c, err)
				return
			}
		}
	}
	c.Next()
}

func (s *Server) session(c *gin.Context) *sessions.Session {
	v, ok := c.Get(ginSession)
	if !ok {
		return nil
	}
	return v.(*sessions.Session)
}

func markSessionDirty(c *gin.Context) { c.Set(ginDirty, true) }

// saveSession writes the session if this request changed it.
func (s *Server) saveSession(c *gin.Context) error {
	sess := s.session(c)
	if sess == nil || !c.GetBool(ginDirty) {
		return nil
	}
	c.Set(ginDirty, false)
	return s.sessions.Save(c.Request, c.Writer, sess)
}

// currentUser is the signed-in person, or nil.
func currentUser(c *gin.Context) *store.User {
	v, ok := c.Get(ginUser)
	if !ok {
		return nil
	}
	return v.(*store.User)
}

// csrfToken returns the session's token, creating the session if needed.
func (s *Server) csrfToken(c *gin.Context) string {
	sess := s.session(c)
	if sess == nil {
		return ""
	}
	tok, _ := sess.Values[keyCSRF].(string)
	if tok == "" {
		tok = store.RandomSecret()
		sess.Values[keyCSRF] = tok
		markSessionDirty(c)
	}
	return tok
}

// checkCSRF rejects a state-changing request whose form token does not match
// the session's, with a styled 403.
func (s *Server) checkCSRF(c *gin.Context) {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		c.Next()
		return
	}
	want, _ := s.session(c).Values[keyCSRF].(string)
	got := c.Request.Header.Get("X-CSRF-Token")
	if got == "" {
		got = c.PostForm("csrf_token")
		var mbe *http.MaxBytesError
		if err := c.Request.ParseForm(); errors.As(err, &mbe) {
			s.tooLarge(c)
			return
		}
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		s.errorPage(c, http.StatusForbidden, "Your form has expired", "For your security, forms stop working after a while or when you sign in or out. Go back, reload the page and try again.")
		return
	}
	c.Next()
}

// authorize applies the policy table to the route's action: anonymous
// visitors are sent to sign in, signed-in people without the right get 403.
func (s *Server) authorize(action string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if isPublic(action) {
			c.Next()
			return
		}
		u := currentUser(c)
		if u == nil {
			if c.Request.Method == http.MethodGet {
				if sess := s.session(c); sess != nil {
					sess.Values["next"] = c.Request.URL.RequestURI()
					markSessionDirty(c)
				}
			}
			s.redirect(c, "/sign-in")
			c.Abort()
			return
		}
		if !allowed(u.Role, action) {
			s.forbidden(c)
			return
		}
		c.Next()
	}
}
