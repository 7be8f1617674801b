package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/store"
)

type partnerData struct {
	Partner      *store.Partner
	KindLabel    string
	Workers      []store.User
	CanSeePeople bool // administrators open workers' accounts and invite new ones
}

// partnerShow shows an organisation and the people who work for it.
func (s *Server) partnerShow(c *gin.Context) {
	ctx := c.Request.Context()
	p, err := s.admin.Partner(ctx, c.Param("id"))
	if err != nil {
		s.fail(c, err) // 404 for ErrNotFound (render.go)
		return
	}
	workers, err := s.admin.PartnerWorkers(ctx, p.ID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	d := partnerData{Partner: p, KindLabel: partnerKindLabel(p.Kind), Workers: workers,
		CanSeePeople: allowed(currentUser(c).Role, "people.edit")}
	s.render(c, http.StatusOK, "partner", &Page{Title: p.Name, Data: d})
}
