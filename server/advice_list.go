package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/store"
)

// adviceRow is one request in the list.
type adviceRow struct {
	Request  store.AdviceRequest
	Open     bool
	When     string // the deadline, in words
	Answered int
	Mine     *store.Advice // the reader's own answer (members)
}

type adviceListData struct {
	Staff bool
	Rows  []adviceRow
}

// adviceList shows staff every request and a member those they were asked.
func (s *Server) adviceList(c *gin.Context) {
	u := currentUser(c)
	every := allowed(u.Role, "advice.manage")
	askedOf := u.ID
	if every {
		askedOf = ""
	}
	rs, err := s.adviceDB.AdviceRequests(c.Request.Context(), askedOf, 50)
	if err != nil {
		s.serverError(c, err)
		return
	}
	now := s.adviceDB.Now()
	d := &adviceListData{Staff: every}
	for _, r := range rs {
		row := adviceRow{Request: r, Open: r.Open(now), When: adviceWhen(r.Deadline, now), Answered: len(r.Answers)}
		if a, ok := r.Answers[u.ID]; ok {
			row.Mine = &a
		}
		d.Rows = append(d.Rows, row)
	}
	s.render(c, http.StatusOK, "advice_list", &Page{Title: "Critical-incident advice", Data: d})
}
