package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"candour/apperr"
	"candour/store"
)

const sessionCookie = "candour_session"

// Session value keys. Values are strings only.
const (
	keyUserID     = "uid"
	keyCSRF       = "csrf"
	keyFlash      = "flash"
	keyPending2FA = "pending2fa" // user id between password and code
	keyRole       = "role"       // role at sign-in; a change signs the person out
)

// sessionStore is a gorilla/sessions Store. A signed-in session (or one
// half-way through two-factor) lives in the database and the cookie holds
// only its signed random id, so it can be revoked (sign out, sign out
// everywhere) and idles out on the server. A signed-out visitor's few
// values (the CSRF token, a flash message, where to go after signing in)
// travel in the signed cookie itself: nothing is stored for visitors, which
// keeps anonymous use anonymous and the sessions collection small.
type sessionStore struct {
	db      sessionDB
	codecs  []securecookie.Codec
	secure  bool
	idle    func(role string) time.Duration
	options sessions.Options
}

var _ sessions.Store = (*sessionStore)(nil)

func newSessionStore(db sessionDB, key []byte, secure bool, idle func(string) time.Duration) *sessionStore {
	return &sessionStore{
		db:     db,
		codecs: sessionCodecs(key),
		secure: secure,
		idle:   idle,
		options: sessions.Options{
			Path: "/", HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
			MaxAge: 0, // a browser-session cookie; the server decides expiry
		},
	}
}

// Get returns the request's session, cached for the request.
func (ss *sessionStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(ss, name)
}

// New loads the session named in the cookie, or starts an empty one.
func (ss *sessionStore) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(ss, name)
	opts := ss.options
	sess.Options = &opts
	sess.IsNew = true
	c, err := r.Cookie(name)
	if err != nil {
		return sess, nil
	}
	var state map[string]string
	if err := securecookie.DecodeMulti(name, c.Value, &state, ss.codecs...); err != nil {
		return sess, nil // a forged or stale cookie is simply no session
	}
	id := state[cookieSessionID]
	if id == "" {
		// A visitor's values, valid until their expiry.
		exp, _ := strconv.ParseInt(state[cookieExpires], 10, 64)
		if ss.db.Now().Unix() >= exp {
			return sess, nil
		}
		for k, v := range state {
			if k != cookieExpires {
				sess.Values[k] = v
			}
		}
		sess.IsNew = false
		return sess, nil
	}
	doc, err := ss.db.Session(r.Context(), id)
	if apperr.Is(err, apperr.NotFound) {
		return sess, nil
	}
	if err != nil {
		return sess, err
	}
	sess.ID = id
	sess.IsNew = false
	for k, v := range doc.Values {
		sess.Values[k] = v
	}
	sess.Values[lastSeenKey] = doc.LastSeen
	return sess, nil
}

const lastSeenKey = "\x00lastSeen" // not stored; lets touch skip needless writes

// Keys inside the cookie.
const (
	cookieSessionID = "\x00sid" // a stored session's id
	cookieExpires   = "\x00exp" // a visitor's values expire (unix seconds)
)

// stored reports whether a session must live in the database: once someone
// is signed in, or between their password and their two-factor code.
func stored(sess *sessions.Session) bool {
	uid, _ := sess.Values[keyUserID].(string)
	pending, _ := sess.Values[keyPending2FA].(string)
	return uid != "" || pending != ""
}

// setCookie encodes state into the session cookie.
func (ss *sessionStore) setCookie(w http.ResponseWriter, sess *sessions.Session, state map[string]string) error {
	encoded, err := securecookie.EncodeMulti(sess.Name(), state, ss.codecs...)
	if err != nil {
		return fmt.Errorf("session: encode cookie: %w", err)
	}
	http.SetCookie(w, sessions.NewCookie(sess.Name(), encoded, sess.Options))
	return nil
}

// Save writes the session and its cookie; MaxAge < 0 deletes both.
func (ss *sessionStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	ctx := r.Context()
	if sess.Options.MaxAge < 0 {
		if sess.ID != "" {
			if err := ss.db.DeleteSession(ctx, sess.ID); err != nil {
				return err
			}
		}
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", sess.Options))
		return nil
	}
	if !stored(sess) && sess.ID == "" {
		state := map[string]string{cookieExpires: strconv.FormatInt(ss.db.Now().Add(ss.idle("")).Unix(), 10)}
		for k, v := range sess.Values {
			ks, ok1 := k.(string)
			vs, ok2 := v.(string)
			if ok1 && ok2 && ks != lastSeenKey {
				state[ks] = vs
			}
		}
		return ss.setCookie(w, sess, state)
	}
	isNew := sess.ID == ""
	if isNew {
		sess.ID = store.RandomSecret()
	}
	doc := ss.document(sess)
	save := ss.db.UpdateSession // never bring back a session revoked meanwhile
	if isNew {
		save = ss.db.SaveSession
	}
	if err := save(ctx, sess.ID, doc); err != nil {
		return err
	}
	sess.Values[lastSeenKey] = doc.LastSeen
	if !isNew {
		return nil // the cookie already names this id
	}
	return ss.setCookie(w, sess, map[string]string{cookieSessionID: sess.ID})
}

func (ss *sessionStore) document(sess *sessions.Session) *store.Session {
	now := ss.db.Now().UTC()
	doc := &store.Session{Values: map[string]string{}, LastSeen: now}
	for k, v := range sess.Values {
		ks, ok1 := k.(string)
		vs, ok2 := v.(string)
		if ok1 && ok2 && ks != lastSeenKey {
			doc.Values[ks] = vs
		}
	}
	doc.UserID = doc.Values[keyUserID]
	doc.ExpiresAt = now.Add(ss.idle(doc.Values[keyRole]))
	return doc
}

// touch moves a signed-in session's idle expiry on, at most once a minute.
func (ss *sessionStore) touch(ctx context.Context, sess *sessions.Session) error {
	if sess.ID == "" {
		return nil
	}
	last, _ := sess.Values[lastSeenKey].(time.Time)
	now := ss.db.Now().UTC()
	if now.Sub(last) < time.Minute {
		return nil
	}
	role, _ := sess.Values[keyRole].(string)
	sess.Values[lastSeenKey] = now
	return ss.db.TouchSession(ctx, sess.ID, now, now.Add(ss.idle(role)))
}

// rotate gives the session a new id (at sign-in), deleting the old document,
// so that an id planted before sign-in is worthless after it.
func (ss *sessionStore) rotate(ctx context.Context, sess *sessions.Session) error {
	if sess.ID != "" {
		if err := ss.db.DeleteSession(ctx, sess.ID); err != nil {
			return err
		}
	}
	sess.ID = ""
	return nil
}

// SessionCookieValue is the cookie value naming stored session id, signed
// with key, as the portal writes it (the benchmark mints sessions with it).
func SessionCookieValue(key []byte, id string) (string, error) {
	return securecookie.EncodeMulti(sessionCookie, map[string]string{cookieSessionID: id}, sessionCodecs(key)...)
}

// sessionCodecs sign the session cookie with key (signed, not encrypted:
// it holds a random id, or a visitor's CSRF token and flash). The first
// writes every cookie, as JSON; the second reads a cookie written before
// 7 December 2026 in gob, gorilla's default, until it expires (a
// browser-session cookie, at most 30 days by its signed timestamp), so
// nobody is signed out by the change. gob compiled a decoder for the map's
// type on every request that carried a cookie: 13 % of the CPU of a
// signed-in POST (docs/performance-history.md, "Ninth round"). Both check
// the same signature and the same timestamp.
func sessionCodecs(key []byte) []securecookie.Codec {
	return []securecookie.Codec{
		securecookie.New(key, nil).SetSerializer(securecookie.JSONEncoder{}),
		securecookie.New(key, nil), // gob: cookies written before the change
	}
}
