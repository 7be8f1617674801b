package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"math/big"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
	qrcode "github.com/skip2/go-qrcode"

	"candour/apperr"
	"candour/store"
)

// Recovery codes let someone sign in when their authenticator app is lost:
// ten, each working once, shown once when two-factor is set up (or made
// again from the account page), and stored only as hashes. Each is 10
// characters from an alphabet without look-alikes (about 49 bits), so a
// fast hash is enough: nobody can try every code against a stolen hash
// in useful time, and each guess at sign-in counts as a failed sign-in.

const (
	recoveryCount    = 10
	recoveryLength   = 10
	recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"
)

// newRecoveryCodes draws the codes, shown as "abcde-fghjk".
func newRecoveryCodes() []string {
	codes := make([]string, recoveryCount)
	for i := range codes {
		var b strings.Builder
		for j := range recoveryLength {
			if j == recoveryLength/2 {
				b.WriteByte('-')
			}
			n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(recoveryAlphabet)))) // crypto/rand never fails
			b.WriteByte(recoveryAlphabet[n.Int64()])
		}
		codes[i] = b.String()
	}
	return codes
}

// recoveryHash is what is stored for a code: bound to the account, so
// one account's hash says nothing about another's.
func recoveryHash(userID, code string) string {
	code = strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ':
			return -1
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return r
	}, code)
	sum := sha256.Sum256([]byte("candour recovery code\x00" + userID + "\x00" + code))
	return hex.EncodeToString(sum[:])
}

// issueRecoveryCodes makes ten new codes for u (replacing any left) and
// returns them to show once.
func (s *Server) issueRecoveryCodes(c *gin.Context, u *store.User) ([]string, error) {
	codes := newRecoveryCodes()
	hashes := make([]string, len(codes))
	for i, code := range codes {
		hashes[i] = recoveryHash(u.ID, code)
	}
	if err := s.secondFactor.SetRecoveryCodes(c.Request.Context(), u.ID, hashes); err != nil {
		return nil, err
	}
	return codes, nil
}

// twoFactorDoneData is the confirmation page after enrolment.
type twoFactorDoneData struct {
	Codes []string
	Next  string
}

// renderTwoFactorDone is the confirmation page: two-factor is on, and here
// are the recovery codes, shown this once.
func (s *Server) renderTwoFactorDone(c *gin.Context, title string, codes []string, next string) {
	s.render(c, http.StatusOK, "twofactor_done", &Page{Title: title, Data: twoFactorDoneData{Codes: codes, Next: next}, NoIndex: true})
}

type recoveryForm struct {
	Code string `form:"code" binding:"required,max=40"`
}

func (recoveryForm) messages() map[string]string {
	return map[string]string{
		"code.required": "Enter one of your recovery codes",
		"code":          "Enter a recovery code like abcde-fghjk",
	}
}

// recoveryCodeForm asks for a recovery code instead of the app's code.
func (s *Server) recoveryCodeForm(c *gin.Context) {
	u := s.pendingUser(c)
	if u == nil || !u.TOTPEnabled {
		c.Redirect(http.StatusSeeOther, "/sign-in")
		return
	}
	s.render(c, http.StatusOK, "twofactor_recovery", &Page{Title: "Enter a recovery code", Form: recoveryForm{}, Back: "/sign-in/two-factor"})
}

// recoveryCode signs in with a recovery code, which then stops working.
// A wrong one counts as a failed sign-in, as a wrong security code does.
func (s *Server) recoveryCode(c *gin.Context) {
	u := s.pendingUser(c)
	if u == nil || !u.TOTPEnabled {
		s.redirect(c, "/sign-in")
		return
	}
	var f recoveryForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	page := &Page{Title: "Enter a recovery code", Form: recoveryForm{}, Back: "/sign-in/two-factor"}
	if errs.Any() {
		s.formAgain(c, "twofactor_recovery", page, errs.Err())
		return
	}
	// From the two-factor budget, as a security code (signin_throttle.go).
	right, err := s.checkSecondFactor(c, u, "recovery code", func(ctx context.Context) (bool, error) {
		err := s.secondFactor.UseRecoveryCode(ctx, u.ID, recoveryHash(u.ID, f.Code))
		if apperr.Is(err, apperr.NotFound) {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		s.serverError(c, err)
		return
	}
	if !right {
		s.formAgain(c, "twofactor_recovery", page, apperr.Invalidf("code", "That recovery code is wrong or has already been used"))
		return
	}
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditRecoveryUsed, Target: "user:" + u.ID,
		Detail: fmt.Sprintf("%d left", max(len(u.RecoveryCodes)-1, 0))})
	s.completeSignIn(c, u)
}

// accountRecoveryCodes makes new recovery codes (the old ones stop
// working) and shows them once.
func (s *Server) accountRecoveryCodes(c *gin.Context) {
	u := currentUser(c)
	if !u.TOTPEnabled {
		s.redirect(c, "/account")
		return
	}
	codes, err := s.issueRecoveryCodes(c, u)
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditRecoveryIssued, Target: "user:" + u.ID})
	s.renderTwoFactorDone(c, "New recovery codes", codes, "/account")
}

// keyGroups shows a two-factor key in groups of four, as people type it.
func keyGroups(key string) string {
	var parts []string
	for i := 0; i < len(key); i += 4 {
		parts = append(parts, key[i:min(i+4, len(key))])
	}
	return strings.Join(parts, " ")
}

// totpQR draws the otpauth link of u's pending key as an SVG QR code, on
// the page itself (no image request to secure). Each dark module is a
// 1×1 square in the viewBox; colours are attributes (the CSP forbids
// inline styles).
func (s *Server) totpQR(u *store.User) (template.HTML, error) {
	issuer := "Candour " + s.cfg.ForceName
	link := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + issuer + ":" + u.Email,
		RawQuery: url.Values{"secret": {u.TOTPSecret}, "issuer": {issuer}}.Encode()}
	q, err := qrcode.New(link.String(), qrcode.Medium)
	if err != nil {
		return "", err
	}
	bits := q.Bitmap() // with its quiet zone
	var path strings.Builder
	for y, row := range bits {
		for x, dark := range row {
			if dark {
				fmt.Fprintf(&path, "M%d %dh1v1h-1z", x, y)
			}
		}
	}
	n := len(bits)
	return template.HTML(fmt.Sprintf(`<svg class="app-qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="200" height="200" role="img" aria-label="QR code for your authenticator app. If you cannot scan it, type the key shown below instead." shape-rendering="crispEdges"><rect width="%d" height="%d" fill="#ffffff"></rect><path d="%s" fill="#0b0c0c"></path></svg>`,
		n, n, n, n, path.String())), nil // only numbers in it
}
