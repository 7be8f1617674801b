package server

import (
	"net/http"
	"sort"

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

// groupList shows every group with its size and chairs. Memberships are
// read once for all groups, and only the chairs' accounts are looked up.
func (s *Server) groupList(c *gin.Context) {
	ctx := c.Request.Context()
	groups, err := s.store.Groups(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	ms, err := s.store.Memberships(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	count := map[string]int{}
	chairs := map[string][]string{} // group id → chair user ids
	var chairIDs []string
	for _, m := range ms {
		count[m.GroupID]++
		if m.Chair {
			chairs[m.GroupID] = append(chairs[m.GroupID], m.UserID)
			chairIDs = append(chairIDs, m.UserID)
		}
	}
	users, err := s.store.UsersByID(ctx, chairIDs)
	if err != nil {
		s.serverError(c, err)
		return
	}
	d := groupListData{CanEdit: allowed(currentUser(c).Role, "groups.edit")}
	for _, g := range groups {
		row := groupRow{ID: g.ID, Name: g.Name, Kind: g.Kind, Members: count[g.ID]}
		for _, id := range chairs[g.ID] {
			if u, ok := users[id]; ok {
				row.Chairs = append(row.Chairs, u.Name)
			}
		}
		sort.Strings(row.Chairs)
		d.Groups = append(d.Groups, row)
	}
	s.render(c, http.StatusOK, "group_list", &Page{Title: "Groups", Data: d})
}
