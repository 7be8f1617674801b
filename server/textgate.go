package server

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"golang.org/x/text/unicode/norm"
)

// The one input gate for text. Every value of every form posted to the
// portal passes normaliseText before any handler sees it (the
// normaliseInput middleware on every route, in routes.go): Unicode NFC;
// C0 and C1 control characters removed except tab and newline (a
// carriage return from a textarea's CRLF goes, leaving the newline); the
// bidirectional overrides and isolates removed (U+202A-U+202E,
// U+2066-U+2069: they disguise text, "Trojan Source"), with the line and
// paragraph separators and a stray byte-order mark; and spaces trimmed at
// both ends. Validation then sees what is stored: nothing raw reaches the
// store, CSV or iCalendar.
//
// Passwords are left exactly as typed (fields whose name contains
// "password"): changing them would lock out anyone whose password holds
// such a character, and they are never shown.
func normaliseText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0): // C0, DEL, C1
			return -1
		case (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069): // bidi overrides and isolates
			return -1
		case r == 0x2028 || r == 0x2029 || r == 0xfeff:
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(norm.NFC.String(s))
}

// normaliseValues passes every value but passwords through the gate.
func normaliseValues(form map[string][]string) {
	for k, vs := range form {
		if strings.Contains(k, "password") {
			continue
		}
		for i := range vs {
			vs[i] = normaliseText(vs[i])
		}
	}
}

// normaliseInput is the gate's middleware: it parses the body of every
// state-changing request (urlencoded or multipart) and normalises every
// value in place, so handlers that bind a form and handlers that read a
// field alike get the normalised text.
func (s *Server) normaliseInput(c *gin.Context) {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		c.Next()
		return
	}
	// checkCSRF has parsed the body already (for its token).
	_ = c.Request.ParseForm()
	if strings.HasPrefix(c.ContentType(), "multipart/") {
		_ = c.Request.ParseMultipartForm(MaxUploadBytes)
	}
	normaliseValues(c.Request.PostForm)
	normaliseValues(c.Request.Form)
	if c.Request.MultipartForm != nil {
		normaliseValues(c.Request.MultipartForm.Value)
	}
	if s.gateSeen != nil {
		s.gateSeen(c)
	}
	c.Next()
}
