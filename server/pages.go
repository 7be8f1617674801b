package server

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// landing explains the portal in plain English to anyone.
func (s *Server) landing(c *gin.Context) {
	if currentUser(c) != nil {
		c.Redirect(http.StatusSeeOther, "/home")
		return
	}
	s.render(c, http.StatusOK, "landing", &Page{Title: "Candour: community scrutiny of " + s.cfg.ForceName})
}

// accessibility and privacy show the notices rendered at start-up
// (notices.go): the operator's files, or the portal's own text.
func (s *Server) accessibility(c *gin.Context) {
	s.render(c, http.StatusOK, "notice", &Page{Title: "Accessibility statement", Data: s.notices["accessibility"]})
}

func (s *Server) privacy(c *gin.Context) {
	s.render(c, http.StatusOK, "notice", &Page{Title: "Privacy notice", Data: s.notices["privacy"]})
}

// contact is the public contact page: questions and feedback about the
// service (the phase banner's feedback link comes here), and where to go
// for what Candour is not for.
func (s *Server) contact(c *gin.Context) {
	s.render(c, http.StatusOK, "contact", &Page{Title: "Contact us", Data: s.cfg.ContactEmail})
}

// login sends people who type /login (as many do) to the sign-in page.
func (s *Server) login(c *gin.Context) {
	c.Redirect(http.StatusMovedPermanently, "/sign-in")
}
