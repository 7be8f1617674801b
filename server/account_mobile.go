package server

import (
	"net/http"
	"strings"
	"unicode"

	"github.com/gin-gonic/gin"

	"candour/store"
)

// mobileForm is the person's mobile number for urgent requests.
type mobileForm struct {
	Mobile string `form:"mobile" binding:"max=30"`
}

func (mobileForm) messages() map[string]string {
	return map[string]string{"mobile": "Enter a UK mobile number, like 07700 900 982"}
}

// ukMobile normalises a UK mobile number to +447…, or reports false.
// Spaces, dashes and brackets are allowed as typed.
func ukMobile(s string) (string, bool) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case unicode.IsDigit(r):
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	n := b.String()
	switch {
	case strings.HasPrefix(n, "+447") && len(n) == 13:
		return n, true
	case strings.HasPrefix(n, "447") && len(n) == 12:
		return "+" + n, true
	case strings.HasPrefix(n, "07") && len(n) == 11:
		return "+44" + n[1:], true
	}
	return "", false
}

func (s *Server) accountMobileForm(c *gin.Context) {
	s.render(c, http.StatusOK, "account_mobile", &Page{Title: "Your mobile number", Form: mobileForm{Mobile: currentUser(c).Mobile}, Back: "/account"})
}

// accountMobileSave sets or (left empty) removes the number.
func (s *Server) accountMobileSave(c *gin.Context) {
	var f mobileForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	n := ""
	if strings.TrimSpace(f.Mobile) != "" && !errs.Any() {
		var valid bool
		if n, valid = ukMobile(f.Mobile); !valid {
			errs.Add("mobile", "Enter a UK mobile number, like 07700 900 982")
		}
	}
	if errs.Any() {
		s.render(c, http.StatusUnprocessableEntity, "account_mobile", &Page{Title: "Your mobile number", Form: f, Errors: errs, Back: "/account"})
		return
	}
	me := currentUser(c)
	if err := s.accounts.SetMobile(c.Request.Context(), me.ID, n); err != nil {
		s.serverError(c, err)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditMobileChanged, Target: "user:" + me.ID})
	if n == "" {
		s.flash(c, "Mobile number removed. Urgent requests will come by email only.")
	} else {
		s.flash(c, "Mobile number saved. Urgent requests will also come by text message.")
	}
	s.redirect(c, "/account")
}
