package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/securecookie"

	"candour/store"
)

// Sign-in throttling follows OWASP's "device cookies" approach. A browser
// that has signed in to an account before carries a signed device cookie
// naming the account and a random nonce; it has its own budget of tries
// for that account. Every other browser ("a new browser") shares one
// budget per account. So a burst of guesses from an attacker locks new
// browsers out of the account, while the owner's known browsers still
// sign in; and the owner is told by mail when it happens.
//
// Each try is spent BEFORE the password is checked, with one conditional
// update in the store (store.TakeAttempt): 40 wrong passwords sent at once
// get 5 checked. A refused try is not checked, costs the same argon2id
// work as one that is (timing tells nothing), and is audited like any
// other; the words on the page are always the same.

// signInBudget: 5 tries, forgotten after 15 quiet minutes; locks of 15
// minutes, doubling, up to a day.
var signInBudget = store.AttemptBudget{Free: store.MaxFailures, Window: store.FailWindow, FirstLock: store.FirstLock, MaxLock: store.MaxLock}

// deviceCookie names the cookie a browser gets at a complete sign-in.
const deviceCookie = "candour_device"

// deviceCookieLife is how long a browser stays "known" without signing in.
const deviceCookieLife = 365 * 24 * time.Hour

type deviceMark struct {
	UserID string `json:"u"`
	Nonce  string `json:"n"`
}

func (s *Server) deviceCodec() *securecookie.SecureCookie {
	return securecookie.New(derivedKey(s.sessionKey, "candour device cookie"), nil).
		MaxAge(int(deviceCookieLife.Seconds())).SetSerializer(securecookie.JSONEncoder{})
}

// knownDevice is this browser's nonce for account uid, or "".
func (s *Server) knownDevice(c *gin.Context, uid string) string {
	ck, err := c.Request.Cookie(deviceCookie)
	if err != nil {
		return ""
	}
	var m deviceMark
	if s.deviceCodec().Decode(deviceCookie, ck.Value, &m) != nil || m.UserID != uid || m.Nonce == "" {
		return ""
	}
	return m.Nonce
}

// markDevice gives this browser a device cookie for u (at each complete
// sign-in, so it stays known while it is used).
func (s *Server) markDevice(c *gin.Context, u *store.User) {
	nonce := s.knownDevice(c, u.ID)
	if nonce == "" {
		nonce = store.RandomSecret()
	}
	v, err := s.deviceCodec().Encode(deviceCookie, deviceMark{UserID: u.ID, Nonce: nonce})
	if err != nil {
		s.log.ErrorContext(c.Request.Context(), "device cookie", "err", err)
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: deviceCookie, Value: v, Path: "/sign-in", MaxAge: int(deviceCookieLife.Seconds()),
		HttpOnly: true, Secure: s.cfg.Production(), SameSite: http.SameSiteLaxMode})
}

// signInTry is one spent try of a password for an account.
type signInTry struct {
	key   string
	known bool // from a browser that has signed in to the account before
	store.Attempt
}

// where says which budget a try came from, for the audit log.
func (t signInTry) where() string {
	if t.known {
		return "known browser"
	}
	return "new browser"
}

// takeSignInTry spends one try of u's password from this browser's budget.
func (s *Server) takeSignInTry(c *gin.Context, u *store.User) (signInTry, error) {
	t := signInTry{key: "signin:" + u.ID + ":new"}
	if nonce := s.knownDevice(c, u.ID); nonce != "" {
		sum := sha256.Sum256([]byte(nonce))
		t.key, t.known = "signin:"+u.ID+":device:"+hex.EncodeToString(sum[:16]), true
	}
	a, err := s.attempts.TakeAttempt(c.Request.Context(), t.key, u.ID, signInBudget)
	t.Attempt = a
	return t, err
}

// takeTry spends one try from an account's budget for something else
// than the password step (a two-factor code, the current password on the
// account page).
func (s *Server) takeTry(c *gin.Context, u *store.User, what string) (store.Attempt, string, error) {
	key := what + ":" + u.ID
	a, err := s.attempts.TakeAttempt(c.Request.Context(), key, u.ID, signInBudget)
	return a, key, err
}

// checkSecondFactor is the one way a two-factor or recovery code is
// tried: a try is spent from the account's two-factor budget first, a lock
// it starts is audited, and check (which uses the code up) runs only if the
// try is allowed. A refused or wrong code is audited as a failed sign-in
// (what names the code: "two-factor code", "recovery code"); a right one
// gives the budget back. err is a store failure.
func (s *Server) checkSecondFactor(c *gin.Context, u *store.User, what string, check func(ctx context.Context) (bool, error)) (bool, error) {
	try, key, err := s.takeTry(c, u, "twofactor")
	if err != nil {
		return false, err
	}
	if try.LockedNow {
		s.lockedOut(c, u, "two-factor codes", try, false)
	}
	right := false
	if try.OK {
		if right, err = check(c.Request.Context()); err != nil {
			return false, err
		}
	}
	if !right {
		detail := "wrong " + what
		if !try.OK {
			detail = what + " refused unchecked: too many tries"
		}
		s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditSignInFailed, Target: "user:" + u.ID, Detail: detail})
		return false, nil
	}
	s.forgetTries(c, key)
	return true, nil
}

// lockedOut audits a lock that a try just started and, for the password
// step from new browsers, tells the owner by mail.
func (s *Server) lockedOut(c *gin.Context, u *store.User, what string, a store.Attempt, tellOwner bool) {
	until := a.Until.In(london).Format("15:04 on 2 January")
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditLockedOut, Target: "user:" + u.ID,
		Detail: what + " paused until " + a.Until.Format("2006-01-02 15:04 MST")})
	if !tellOwner {
		return
	}
	body := fmt.Sprintf(`Hello %s,

Someone has tried to sign in to your Candour account with a wrong password %d times. To protect your account, signing in from browsers you have not used with Candour before is paused until %s.

Browsers where you have signed in before still work as usual.

If this was you, you can wait and try again, or reset your password: %s

If it was not you, your password has not been changed, but we recommend you choose a new one (on your account page, or with the link above). If you think your account is being targeted, tell your Candour administrator.`,
		u.Name, signInBudget.Free, until, s.link("/password-reset"))
	ctx := context.WithoutCancel(c.Request.Context())
	if err := s.queueMail(ctx, u.Email, "Someone is trying to sign in to your Candour account", body); err != nil {
		s.log.ErrorContext(ctx, "lock-out mail", "err", err)
	}
}

// forgetTries gives a budget back after a right password or code.
func (s *Server) forgetTries(c *gin.Context, key string) {
	if err := s.attempts.ForgetAttempt(context.WithoutCancel(c.Request.Context()), key); err != nil {
		s.log.ErrorContext(c.Request.Context(), "forget sign-in tries", "err", err)
	}
}
