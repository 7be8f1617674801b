package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/store"
)

// adviceRow is one request in the list.
type adviceRow struct {
	Request store.AdviceListing // with the reader's own answer (members)
	Open    bool
	When    string // the deadline, in words
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
	rs, err := s.adviceDB.AdviceList(c.Request.Context(), askedOf, u.ID, 50)
	if err != nil {
		s.serverError(c, err)
		return
	}
	now := s.adviceDB.Now()
	d := &adviceListData{Staff: every, Rows: make([]adviceRow, 0, len(rs))}
	for _, r := range rs {
		d.Rows = append(d.Rows, adviceRow{Request: r, Open: r.Open(now), When: adviceWhen(r.Deadline, now)})
	}
	s.render(c, http.StatusOK, "advice_list", &Page{Title: "Critical-incident advice", Data: d})
}
