package server

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

type groupRow struct {
	ID, Name, Kind string
	Members        int
	Chairs         []string
}

type groupListData struct {
	Groups  []groupRow
	CanEdit bool
}

// groupList shows every group with its size and chairs, from the summary
// each group document keeps (see store.syncGroupSummary).
func (s *Server) groupList(c *gin.Context) {
	ctx := c.Request.Context()
	groups, err := s.admin.Groups(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	d := groupListData{CanEdit: allowed(currentUser(c).Role, "groups.edit")}
	for _, g := range groups {
		d.Groups = append(d.Groups, groupRow{ID: g.ID, Name: g.Name, Kind: g.Kind, Members: g.MemberCount, Chairs: g.ChairNames})
	}
	s.render(c, http.StatusOK, "group_list", &Page{Title: "Groups", Data: d})
}
