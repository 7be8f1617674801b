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
