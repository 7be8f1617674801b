package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// A report's or referral's answers travel, until it is sent, in an
// encrypted, signed cookie scoped to the flow's pages (/report/new or
// /referrals/new), as a survey's do (survey_cookie.go): nothing is stored
// on the server before Send, and the cookie is deleted on Send and on
// "Exit this page". It is a strictly necessary cookie (the form cannot work
// without it), a session cookie that ends when the browser closes, and it
// expires after draftLife whatever the browser does.

const (
	draftParts = 12   // 12 × 3,800 bytes: under the server's 64 KiB header limit with room to spare
	draftChunk = 3800 // bytes per cookie, under browsers' 4 KB
	draftLife  = 2 * time.Hour
)

// draft is what the cookie holds.
type draft struct {
	UserID  string  `json:"u,omitempty"` // a partner's drafts are theirs only: another account on the browser starts afresh
	Answers answers `json:"a"`
	Expires int64   `json:"e"`
}

// errDraftTooLong is shown when the answers no longer fit the cookie.
const errDraftTooLong = "Your answers are too long to keep: shorten this answer"

func (f *flow) cookieName() string { return "candour_" + f.Kind }

// readDraft returns the answers kept so far (none if there is no cookie,
// or it is forged, expired or someone else's).
func (s *Server) readDraft(c *gin.Context, f *flow) answers {
	var b strings.Builder
	for i := range draftParts {
		ck, err := c.Request.Cookie(f.cookieName() + strconv.Itoa(i))
		if err != nil {
			break
		}
		b.WriteString(ck.Value)
	}
	if b.Len() == 0 {
		return answers{}
	}
	var d draft
	if err := s.surveys.codec.Decode(f.cookieName(), b.String(), &d); err != nil {
		return answers{}
	}
	if time.Now().Unix() > d.Expires || d.UserID != draftOwner(c) || d.Answers == nil {
		return answers{}
	}
	return d.Answers
}

// draftOwner is the signed-in person's id, or "" for an anonymous reporter.
func draftOwner(c *gin.Context) string {
	if u := currentUser(c); u != nil {
		return u.ID
	}
	return ""
}

// writeDraft keeps a in the cookie; it reports false when they do not fit.
func (s *Server) writeDraft(c *gin.Context, f *flow, a answers) (bool, error) {
	enc, err := s.surveys.codec.Encode(f.cookieName(), draft{UserID: draftOwner(c), Answers: a, Expires: time.Now().Add(draftLife).Unix()})
	if err != nil {
		return false, err
	}
	if len(enc) > draftParts*draftChunk {
		return false, nil
	}
	for i := range draftParts {
		from := i * draftChunk
		if from >= len(enc) {
			s.clearDraftPart(c.Writer, f, i)
			continue
		}
		to := min(from+draftChunk, len(enc))
		http.SetCookie(c.Writer, &http.Cookie{Name: f.cookieName() + strconv.Itoa(i), Value: enc[from:to], Path: f.Base,
			HttpOnly: true, Secure: s.surveys.secure, SameSite: http.SameSiteLaxMode})
	}
	return true, nil
}

// deleteDraft removes every part of the flow's cookie.
func (s *Server) deleteDraft(w http.ResponseWriter, f *flow) {
	for i := range draftParts {
		s.clearDraftPart(w, f, i)
	}
}

func (s *Server) clearDraftPart(w http.ResponseWriter, f *flow, i int) {
	http.SetCookie(w, &http.Cookie{Name: f.cookieName() + strconv.Itoa(i), Value: "", Path: f.Base, MaxAge: -1,
		HttpOnly: true, Secure: s.surveys.secure, SameSite: http.SameSiteLaxMode})
}

// exitURL is where "Exit this page" goes: GOV.UK's default, a page that
// looks ordinary on a shared screen.
const exitURL = "https://www.bbc.co.uk/weather"

// exitPage is "Exit this page": it deletes every draft this browser holds
// (a report, a referral and, when named, a survey's answers) and leaves for
// an ordinary page. It is a GET so that it works as a plain link without
// JavaScript; it changes nothing but the browser's own cookies.
func (s *Server) exitPage(c *gin.Context) {
	s.deleteDraft(c.Writer, publicFlow)
	s.deleteDraft(c.Writer, partnerFlow)
	if id := c.Query("survey"); hexID(id) {
		s.deleteProgress(c.Writer, id)
	}
	c.Redirect(http.StatusSeeOther, exitURL)
}

// exitHref is the "Exit this page" link for a page at path, or "" where
// there is none: every page of an anonymous report (and a reporter's
// return with their receipt) and of a partner's referral.
func exitHref(path string) string {
	if path == "/report" || strings.HasPrefix(path, "/report/") || path == "/referrals/new" || strings.HasPrefix(path, "/referrals/new/") {
		return "/exit"
	}
	return ""
}

// hexID reports whether id looks like a record id (24 hex digits).
func hexID(id string) bool {
	if len(id) != 24 {
		return false
	}
	for _, r := range id {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}

// DraftCookies are the cookies of someone at check your answers of a
// report (kind store.KindAnonymous, userID "") or a partner's referral
// (store.KindPartner, the worker's id) with the given answers, encrypted
// with the portal's session key as the portal writes them (the benchmark
// sends reports and referrals with them).
func DraftCookies(sessionKey []byte, kind, userID string, a map[string]string) ([]*http.Cookie, error) {
	f := publicFlow
	if kind == partnerFlow.Kind {
		f = partnerFlow
	}
	parts := newSurveyParts(sessionKey, false)
	enc, err := parts.codec.Encode(f.cookieName(), draft{UserID: userID, Answers: a, Expires: time.Now().Add(draftLife).Unix()})
	if err != nil {
		return nil, err
	}
	var cs []*http.Cookie
	for i := 0; i*draftChunk < len(enc); i++ {
		to := min((i+1)*draftChunk, len(enc))
		cs = append(cs, &http.Cookie{Name: f.cookieName() + strconv.Itoa(i), Value: enc[i*draftChunk : to], Path: f.Base})
	}
	return cs, nil
}
