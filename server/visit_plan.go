package server

import (
	"candour/apperr"
	"candour/disparity"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"candour/store"
)

// planForm is a chair's request to plan a quarter of unannounced visits.
type planForm struct {
	Group      string `form:"group"`
	Quarter    string `form:"quarter"`
	Locations  string `form:"locations" binding:"required,max=2000"`
	MinVetting string `form:"minVetting"`
	Training   string `form:"training"`  // training pair members need for the whole quarter, or ""
	Confirmed  string `form:"confirmed"` // "yes" from the confirmation page
}

func (planForm) messages() map[string]string {
	return map[string]string{
		"locations.required": "Enter at least one custody suite",
		"locations":          "The list of custody suites must be 2,000 characters or fewer",
	}
}

type plannedPair struct {
	Names    string
	Location string
	Week     string
	VisitID  string
}

type plannedQuarter struct {
	GroupName, Quarter string
	Pairs              []plannedPair
	Unpaired           string
	// The draw's commitment, and once the last planned week is over its
	// seed and inputs, to draw it again (docs/visits.md).
	Commitment, Seed, Inputs string
	RevealAfter              string
}

type planData struct {
	Group, Quarter, MinVetting choiceField
	Training                   choiceField
	Plans                      []plannedQuarter
}

// quarterChoices are this quarter and the next three.
func quarterChoices(now time.Time) []choice {
	var cs []choice
	start, _ := store.ParseQuarter(store.QuarterOf(now))
	for i := range 4 {
		q := store.QuarterOf(start.AddDate(0, 3*i, 0))
		qs, _ := store.ParseQuarter(q)
		cs = append(cs, choice{Value: q, Label: fmt.Sprintf("%s (%s to %s)", q, qs.Format("January"), qs.AddDate(0, 2, 0).Format("January 2006"))})
	}
	return cs
}

func (s *Server) visitPlanForm(c *gin.Context) {
	s.renderPlan(c, http.StatusOK, planForm{MinVetting: "NPPV2", Quarter: store.QuarterOf(s.visits.Now().AddDate(0, 3, 0))}, &formErrors{})
}

// visitPlan pairs the group's eligible members at random and gives each
// pair a custody suite and a week of the quarter. Each member of a pair is
// emailed their partner, suite and week: the day and time they choose
// together, and only they and the chair ever see it.
func (s *Server) visitPlan(c *gin.Context) {
	var f planForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	me := currentUser(c)
	if !chairedGroups(me)[f.Group] {
		errs.Add("group", "Select a group you chair")
	}
	if !hasChoice(quarterChoices(s.visits.Now()), f.Quarter) {
		errs.Add("quarter", "Select the quarter to plan")
	}
	if !hasChoice(vettingChoices(), f.MinVetting) {
		errs.Add("minVetting", "Select the vetting level needed")
	}
	if !hasChoice(trainingChoices(), f.Training) {
		errs.Add("training", "Select the training needed, or no training")
	}
	var locations []string
	for _, l := range strings.Split(f.Locations, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			locations = append(locations, l)
		}
	}
	if f.Locations != "" && len(locations) == 0 {
		errs.Add("locations", "Enter at least one custody suite")
	}
	if errs.Any() {
		s.renderPlan(c, http.StatusUnprocessableEntity, f, errs)
		return
	}
	qStart, _ := store.ParseQuarter(f.Quarter)
	qEnd := qStart.AddDate(0, 3, 0)
	if len(store.QuarterWeeks(qStart, s.visits.Now())) == 0 {
		errs.Add("quarter", "No weeks of that quarter are left to plan: choose a later one")
		s.renderPlan(c, http.StatusUnprocessableEntity, f, errs)
		return
	}
	ms, err := s.visits.GroupMembers(ctx, f.Group)
	if err != nil {
		s.serverError(c, err)
		return
	}
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.UserID)
	}
	users, err := s.visits.UsersByID(ctx, ids)
	if err != nil {
		s.serverError(c, err)
		return
	}
	var eligible []string
	for _, m := range ms {
		u, ok := users[m.UserID]
		if m.Chair || !ok || u.Status != store.StatusActive || store.VettingRank(m.VettingLevel) < store.VettingRank(f.MinVetting) ||
			(!m.VettingExpires.IsZero() && m.VettingExpires.Before(qEnd)) {
			continue
		}
		if f.Training != "" {
			// Training must count to the quarter's last day (UK time).
			t, err := s.visits.TrainingOf(ctx, m.UserID)
			if err != nil {
				s.serverError(c, err)
				return
			}
			if ok, _ := t.Valid(f.Training, qEnd.Add(-time.Second)); !ok {
				continue
			}
		}
		eligible = append(eligible, m.UserID)
	}
	if f.Confirmed != "yes" {
		s.confirmPlan(c, f, eligible, locations)
		return
	}
	plan, err := s.drawPlan(c, f, eligible, locations)
	err = apperr.Reword(err, apperr.Duplicate, "quarter", "This quarter is already planned for this group")
	err = apperr.Reword(err, apperr.Invalid, "group", // too few pairs (store.ErrNoPairs), in this form's words
		fmt.Sprintf("Only %d members of this group are vetted to %s (and trained, if needed) until the end of the quarter, and free in a common week: at least 2 are needed", len(eligible), f.MinVetting))
	if err != nil && !addErrors(errs, err, nil) {
		s.fail(c, err)
		return
	}
	if errs.Any() {
		s.renderPlan(c, statusOf(apperr.Invalid), f, errs)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditVisitPlanned, Target: "plan:" + plan.ID,
		Detail: fmt.Sprintf("%d pairs", len(plan.Pairs))})
	for i, p := range plan.Pairs {
		v, err := s.visits.Visit(ctx, plan.VisitIDs[i])
		if err != nil {
			s.serverError(c, err)
			return
		}
		for _, pair := range [][2]string{{p.A, p.B}, {p.B, p.A}} {
			partner := users[pair[1]]
			err := s.mailUsers(ctx, s.visits, []string{pair[0]}, "Your unannounced custody visit", func(u store.User) string {
				return fmt.Sprintf("Hello %s,\n\nYou are paired with %s for an unannounced custody visit at %s in the week beginning %s.\n\n"+
					"Agree the day and time with your partner and record them on the visit's page. Do not tell anyone else: the visit only works if it is unannounced.\n\n%s",
					u.Name, partner.Name, v.Location, v.Week.In(london).Format("Monday 2 January 2006"), s.visitLink(v))
			})
			if err != nil {
				s.log.ErrorContext(ctx, "mail planned pair", "err", err, "visit", v.ID)
			}
		}
	}
	s.flash(c, fmt.Sprintf("%s planned: %d pairs. Each member has been emailed their partner, suite and week.", f.Quarter, len(plan.Pairs)))
	s.redirect(c, "/visits/plan")
}

// confirmPlan asks before members are paired: pairing mails every member
// their partner, suite and week, which cannot be taken back. A plan that
// could not be made is said on the form instead.
func (s *Server) confirmPlan(c *gin.Context, f planForm, eligible, locations []string) {
	errs := &formErrors{}
	if _, err := s.visits.VisitPlanByID(c.Request.Context(), f.Group+"/"+f.Quarter); err == nil {
		errs.Add("quarter", "This quarter is already planned for this group")
	} else if !apperr.Is(err, apperr.NotFound) {
		s.serverError(c, err)
		return
	}
	if len(eligible) < 2 {
		errs.Add("group", fmt.Sprintf("Only %d members of this group are vetted to %s until the end of the quarter: at least 2 are needed", len(eligible), f.MinVetting))
	}
	if errs.Any() {
		s.renderPlan(c, http.StatusUnprocessableEntity, f, errs)
		return
	}
	name := "the group"
	if g, err := s.visits.Group(c.Request.Context(), f.Group); err == nil {
		name = g.Name
	}
	body := []string{fmt.Sprintf("%d members of %s will be paired at random for %s, across %d custody %s.", len(eligible), name, f.Quarter,
		len(locations), map[bool]string{true: "suite", false: "suites"}[len(locations) == 1])}
	if len(eligible)%2 == 1 {
		body = append(body, "One member will be left without a partner this quarter.")
	}
	if poll, err := s.visits.AvailabilityPollOf(c.Request.Context(), f.Group, f.Quarter); err == nil {
		answered := 0
		for _, id := range eligible {
			if _, ok := poll.Answers[id]; ok {
				answered++
			}
		}
		body = append(body, fmt.Sprintf("%d of the %d have said which weeks they can do: nobody is given a week they cannot do, and those who have not answered may be given any week.",
			answered, len(eligible)))
	}
	s.confirm(c, "Are you sure you want to pair members and plan "+f.Quarter+"?", confirmation{Caption: name,
		Body: body, Warning: "Each member is emailed their partner, custody suite and week straight away. This cannot be undone.",
		Action: "/visits/plan", Hidden: []hiddenField{{"group", f.Group}, {"quarter", f.Quarter}, {"locations", f.Locations},
			{"minVetting", f.MinVetting}, {"training", f.Training}, {"confirmed", "yes"}},
		Button: "Yes, pair members and send the emails", Cancel: "/visits/plan"})
}

func (s *Server) renderPlan(c *gin.Context, status int, f planForm, errs *formErrors) {
	ctx := c.Request.Context()
	u := currentUser(c)
	names, groups, err := groupNamesIn(ctx, s.visits)
	if err != nil {
		s.serverError(c, err)
		return
	}
	chaired := chairedGroups(u)
	var own []store.Group
	for _, g := range groups {
		if chaired[g.ID] {
			own = append(own, g)
		}
	}
	d := &planData{
		Group:      newChoices("group", "Group", f.Group, errs, groupChoices(own, "Choose a group")),
		Quarter:    newChoices("quarter", "Quarter", f.Quarter, errs, quarterChoices(s.visits.Now())),
		MinVetting: newChoices("minVetting", "Vetting needed", f.MinVetting, errs, vettingChoices()),
		Training:   newChoices("training", "Training needed", f.Training, errs, trainingChoices()),
	}
	d.Group.LabelSize, d.Quarter.LabelSize, d.MinVetting.LabelSize, d.Training.LabelSize = "s", "s", "s", "s"
	d.Training.Hint = "Members whose training lapses before the quarter ends are not paired"
	// The plans of the chair's groups for the quarters offered: a few _id reads.
	quarters := []string{store.PreviousQuarter(d.Quarter.Choices[0].Value)}
	for _, q := range d.Quarter.Choices {
		quarters = append(quarters, q.Value)
	}
	for _, g := range own {
		for _, q := range quarters {
			p, err := s.visits.VisitPlanByID(ctx, g.ID+"/"+q)
			if apperr.Is(err, apperr.NotFound) {
				continue
			}
			if err != nil {
				s.serverError(c, err)
				return
			}
			pq, err := s.plannedQuarter(c, p, names[g.ID])
			if err != nil {
				s.serverError(c, err)
				return
			}
			d.Plans = append(d.Plans, pq)
		}
	}
	s.render(c, status, "visit_plan", &Page{Title: "Plan unannounced custody visits", Form: f, Errors: errs, Data: d})
}

// plannedQuarter shows a plan to its chair: pairs, suites, weeks, and
// whether each pair has chosen its time.
func (s *Server) plannedQuarter(c *gin.Context, p *store.VisitPlan, groupName string) (plannedQuarter, error) {
	ctx := c.Request.Context()
	var ids []string
	for _, pr := range p.Pairs {
		ids = append(ids, pr.A, pr.B)
	}
	ids = append(ids, p.Unpaired...)
	users, err := s.visits.UsersByID(ctx, ids)
	if err != nil {
		return plannedQuarter{}, err
	}
	pq := plannedQuarter{GroupName: groupName, Quarter: p.Quarter, Commitment: p.Commitment}
	if p.Commitment != "" {
		pq.RevealAfter = p.RevealAfter.In(london).Format("2 January 2006")
	}
	if p.Revealed(s.visits.Now()) {
		pq.Seed, pq.Inputs = p.Seed, p.Inputs
	}
	for i, pr := range p.Pairs {
		v, err := s.visits.Visit(ctx, p.VisitIDs[i])
		if err != nil {
			return pq, err
		}
		pq.Pairs = append(pq.Pairs, plannedPair{Names: users[pr.A].Name + " and " + users[pr.B].Name, Location: v.Location,
			Week: visitWhen(*v, true), VisitID: v.ID})
	}
	var left []string
	for _, id := range p.Unpaired {
		left = append(left, users[id].Name)
	}
	pq.Unpaired = strings.Join(left, ", ")
	return pq, nil
}

// drawPlan draws a quarter's pairs with a committed seed: the inputs are
// worked out, a random seed is chosen, and the commitment (SHA-256 of the
// seed and the inputs, disparity.CommitTo) goes into the hash-chained
// audit log before the draw, which uses that seed (ChaCha8,
// disparity.SeededRand). The seed is kept on the plan and shown only after
// the last planned week, when no visit's week is secret any more.
func (s *Server) drawPlan(c *gin.Context, f planForm, eligible, locations []string) (*store.VisitPlan, error) {
	ctx := c.Request.Context()
	me := currentUser(c)
	in, err := s.visits.PlanInputsFor(ctx, f.Group, f.Quarter, eligible, locations, f.MinVetting)
	if err != nil {
		return nil, err
	}
	if _, err := s.visits.VisitPlanByID(ctx, f.Group+"/"+f.Quarter); err == nil {
		return nil, store.ErrDuplicate
	}
	seed, err := disparity.NewSeed()
	if err != nil {
		return nil, err
	}
	commitment := disparity.CommitTo(seed, in.Text)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditVisitPlanned, Target: "plan:" + f.Group + "/" + f.Quarter,
		Detail: "commitment to the draw, before it: sha256 " + commitment})
	return s.visits.PlanQuarterFrom(ctx, in, me.ID, disparity.SeededRand(seed), commitment, seed.String())
}
