package server

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"candour/store"
)

// task is one thing a person should do next, shown on their home page.
type task struct {
	Text, Href, Link string
}

type homeGroup struct {
	Group      store.Group
	Membership store.Membership
	Lapsing    bool // vetting expires within 60 days
	Lapsed     bool
}

type homeData struct {
	Tasks  []task
	Groups []homeGroup
	Visits *homeVisits // next visits (visit_home.go)
}

// home says what needs doing next for the signed-in person: account tasks
// (two-factor, vetting renewal) and their role's work (home_tasks.go).
func (s *Server) home(c *gin.Context) {
	u := currentUser(c)
	ctx := c.Request.Context()
	var d homeData
	if !u.TOTPEnabled {
		d.Tasks = append(d.Tasks, task{Text: "Protect your account with two-factor authentication.", Href: "/account/two-factor", Link: "Set up two-factor authentication"})
	}
	ms, err := s.homePage.UserMemberships(ctx, u.ID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	now := time.Now()
	for _, m := range ms {
		g, err := s.homePage.Group(ctx, m.GroupID)
		if err != nil {
			continue // group removed
		}
		hg := homeGroup{Group: *g, Membership: m, Lapsed: m.VettingLapsed(now),
			Lapsing: !m.VettingExpires.IsZero() && m.VettingExpires.Sub(now) < 60*24*time.Hour}
		if hg.Lapsed {
			d.Tasks = append(d.Tasks, task{Text: "Your vetting for " + g.Name + " has expired. Contact your engagement coordinator to renew it."})
		} else if hg.Lapsing {
			d.Tasks = append(d.Tasks, task{Text: "Your vetting for " + g.Name + " expires on " + m.VettingExpires.In(london).Format("2 January 2006") + ". Contact your engagement coordinator to renew it."})
		}
		d.Groups = append(d.Groups, hg)
	}
	// A member's diary (their bookings) serves both their tasks and their
	// next visits: it is read once.
	var diary *store.Diary
	if u.Role == store.RoleChair || u.Role == store.RoleMember {
		if diary, err = s.homePage.Diary(ctx, u.ID); err != nil {
			s.serverError(c, err)
			return
		}
	}
	more, err := s.roleTasks(c, u, diary)
	if err != nil {
		s.serverError(c, err)
		return
	}
	d.Tasks = append(d.Tasks, more...)
	if d.Visits, err = s.homeVisits(c, diary); err != nil {
		s.serverError(c, err)
		return
	}
	s.render(c, http.StatusOK, "home", &Page{Title: "Home", Data: d})
}
