package server

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// confirmation is GOV.UK's "Are you sure" page in front of an action that
// cannot be undone: a GET shows it, and its one button posts to the
// action's own route; Cancel goes back. It needs no JavaScript.
type confirmation struct {
	Caption     string
	Body        []string
	Warning     string
	Action      string // where the button posts
	Hidden      []hiddenField
	Button      string
	Destructive bool // a red button (removing, cancelling)
	Cancel      string
}

type hiddenField struct{ Name, Value string }

// confirm renders a confirmation page titled with its question.
func (s *Server) confirm(c *gin.Context, question string, d confirmation) {
	s.render(c, http.StatusOK, "confirm", &Page{Title: question, Data: d, Back: d.Cancel})
}
