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

func (s *Server) accessibility(c *gin.Context) {
	s.render(c, http.StatusOK, "accessibility", &Page{Title: "Accessibility statement"})
}

func (s *Server) privacy(c *gin.Context) {
	s.render(c, http.StatusOK, "privacy", &Page{Title: "Privacy notice"})
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
