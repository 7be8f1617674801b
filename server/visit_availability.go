package server

import (
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
)

// Availability polling before a quarter's unannounced custody visits are
// paired: a member says which weeks of the quarter they can do, for each
// group they belong to (not as its chair: chairs are not paired). The
// pairing (store.PlanQuarter) never gives anyone a week they cannot do.

type availabilityForm struct {
	Group   string   `form:"group"`
	Quarter string   `form:"quarter"`
	Weeks   []string `form:"weeks"`
	None    string   `form:"none"` // "yes": I cannot do any week
}

func (availabilityForm) messages() map[string]string { return nil }

type availabilityData struct {
	Group, Quarter choiceField
	Weeks          boxesField
	None           bool
	Answered       bool
	Planned        bool
}

// pairableGroups are the groups a person may be paired in: those they
// belong to, not as chair.
func pairableGroups(u *store.User) []string {
	var ids []string
	for _, m := range u.Memberships {
		if !m.Chair {
			ids = append(ids, m.GroupID)
		}
	}
	return ids
}

// visitAvailability shows the poll for a group and quarter (by default
// the person's first group and next quarter), with their answer.
func (s *Server) visitAvailability(c *gin.Context) {
	f := availabilityForm{Group: c.Query("group"), Quarter: c.Query("quarter")}
	if f.Group == "" {
		if ids := pairableGroups(currentUser(c)); len(ids) > 0 {
			f.Group = ids[0]
		}
	}
	if f.Quarter == "" {
		f.Quarter = store.QuarterOf(s.volunteer.Now().AddDate(0, 3, 0))
	}
	errs := &formErrors{}
	if !slices.Contains(pairableGroups(currentUser(c)), f.Group) || !hasChoice(quarterChoices(s.volunteer.Now()), f.Quarter) {
		s.notFound(c)
		return
	}
	poll, err := s.volunteer.AvailabilityPollOf(c.Request.Context(), f.Group, f.Quarter)
	if err != nil {
		s.serverError(c, err)
		return
	}
	a, answered := poll.Answers[currentUser(c).ID]
	if answered {
		f.Weeks = a.Weeks
		if len(a.Weeks) == 0 {
			f.None = "yes"
		}
	}
	s.renderAvailability(c, http.StatusOK, f, answered, errs)
}

func (s *Server) renderAvailability(c *gin.Context, status int, f availabilityForm, answered bool, errs *formErrors) {
	ctx := c.Request.Context()
	groups, err := s.volunteer.Groups(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	mine := pairableGroups(currentUser(c))
	var own []store.Group
	for _, g := range groups {
		if slices.Contains(mine, g.ID) {
			own = append(own, g)
		}
	}
	d := &availabilityData{Answered: answered, None: f.None == "yes",
		Group:   newChoices("group", "Group", f.Group, errs, groupChoices(own, "")),
		Quarter: newChoices("quarter", "Quarter", f.Quarter, errs, quarterChoices(s.volunteer.Now())),
		Weeks:   boxesField{Name: "weeks", Legend: "Which weeks can you do?", Hint: "Tick every week you could make a visit. Weeks are Monday to Sunday.", Error: errs.For("weeks")},
	}
	d.Group.LabelSize, d.Quarter.LabelSize = "s", "s"
	if _, err := s.volunteer.VisitPlanByID(ctx, f.Group+"/"+f.Quarter); err == nil {
		d.Planned = true
	} else if !apperr.Is(err, apperr.NotFound) {
		s.serverError(c, err)
		return
	}
	start, _ := store.ParseQuarter(f.Quarter)
	for _, w := range store.QuarterWeeks(start, s.volunteer.Now()) {
		k := store.WeekKey(w)
		d.Weeks.Boxes = append(d.Weeks.Boxes, gowiselyBox{Key: k, Label: "Week beginning " + w.In(london).Format("Monday 2 January"), Checked: slices.Contains(f.Weeks, k)})
	}
	s.render(c, status, "visit_availability", &Page{Title: "Your availability for unannounced visits", Errors: errs, Data: d, Form: f})
}
