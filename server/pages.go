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
