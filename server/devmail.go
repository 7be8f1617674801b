package server

import (
	"net/http"
	"regexp"

	"github.com/gin-gonic/gin"

	"candour/store"
)

// devMessage is an outbox message with the links in its body picked out,
// so they can be followed with one click.
type devMessage struct {
	store.Mail
	Links []string
}

var linkRe = regexp.MustCompile(`https?://[^\s<>"]+`)

// devMail lists the newest outbox messages, so that in development (where
// there is usually no mail server) invitation and reset links can be
// followed. The route exists only outside production; the check here is a
// second lock on the same door.
func (s *Server) devMail(c *gin.Context) {
	if s.cfg.Production() {
		s.notFound(c)
		return
	}
	ms, err := s.devOutbox.RecentMail(c.Request.Context(), 50)
	if err != nil {
		s.serverError(c, err)
		return
	}
	out := make([]devMessage, len(ms))
	for i, m := range ms {
		out[i] = devMessage{Mail: m, Links: linkRe.FindAllString(m.Body, -1)}
	}
	s.render(c, http.StatusOK, "devmail", &Page{Title: "Mail sent (development)", Data: out, NoIndex: true})
}
