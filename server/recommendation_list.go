package server

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"candour/store"
)

type recListData struct {
	Rows                         []recRow
	Status, Area, Group, Source  choiceField
	Owner                        string
	Overdue                      checkboxField
	Filtered, CanEdit, CanExport bool
	CanSeeDashboard, CanImport   bool
	Pages                        pager
}

// recRow is one line of the register.
type recRow struct {
	Rec       store.RecSummary
	GroupName string
	Overdue   bool
}

// recommendationList shows the register, newest first, filtered by a GET
// form on indexed fields, one page at a time.
func (s *Server) recommendationList(c *gin.Context) {
	ctx := c.Request.Context()
	names, groups, err := groupNamesIn(ctx, s.recs)
	if err != nil {
		s.serverError(c, err)
		return
	}
	now := s.recs.Now()
	f := store.RecommendationFilter{Status: c.Query("status"), Area: c.Query("area"), GroupID: c.Query("group"),
		Source: c.Query("source"), OwnerDept: c.Query("owner"), Overdue: c.Query("overdue") == "true", Now: now,
		Page: pageNumber(c.Query("page"))}
	role := currentUser(c).Role
	d := &recListData{
		Status: newChoices("status", "Status", f.Status, nil, recStatusChoices("Any status")),
		Area:   newChoices("area", "Race Action Plan area", f.Area, nil, areaChoices("Any area")),
		Group:  newChoices("group", "Raised by", f.GroupID, nil, groupChoices(groups, "Any group")),
		Source: newChoices("source", "Source", f.Source, nil, sourceChoices("Any source")),
		Owner:  f.OwnerDept,
		Overdue: checkboxField{Name: "overdue", Legend: "Overdue", Label: "Only overdue recommendations",
			Checked: f.Overdue},
		Filtered:  f.Status != "" || f.Area != "" || f.GroupID != "" || f.Source != "" || f.OwnerDept != "" || f.Overdue,
		CanEdit:   allowed(role, "recommendations.edit"),
		CanExport: allowed(role, "recommendations.export"), CanImport: allowed(role, "recommendations.import"),
		CanSeeDashboard: allowed(role, "recommendations.dashboard"),
	}
	page := &Page{Title: "Recommendations", Data: d}
	if err := checkChoices(&d.Status, &d.Area, &d.Group, &d.Source); err != nil {
		s.formAgain(c, "recommendation_list", page, err)
		return
	}
	rs, more, err := s.recs.ListRecommendations(ctx, f)
	if err != nil {
		s.serverError(c, err)
		return
	}
	d.Rows = recRows(rs, names, now)
	d.Pages = newPager(map[string]string{"status": f.Status, "area": f.Area, "group": f.GroupID, "source": f.Source,
		"owner": f.OwnerDept, "overdue": c.Query("overdue")}, f.Page, more)
	s.render(c, http.StatusOK, "recommendation_list", page)
}

func recRows(rs []store.RecSummary, names map[string]string, now time.Time) []recRow {
	rows := make([]recRow, len(rs))
	for i, r := range rs {
		rows[i] = recRow{Rec: r, GroupName: names[r.GroupID], Overdue: r.Overdue(now)}
	}
	return rows
}
