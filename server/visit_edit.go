package server

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
	"candour/words"
)

// visitForm is a visit's details, for scheduling one or changing it.
type visitForm struct {
	Version    int    `form:"version"`
	Type       string `form:"type"`
	Group      string `form:"group"`
	Location   string `form:"location" binding:"required,max=200"`
	Day        string `form:"date-day"`
	Month      string `form:"date-month"`
	Year       string `form:"date-year"`
	StartTime  string `form:"startTime"`
	EndTime    string `form:"endTime"`
	Capacity   string `form:"capacity"`
	MinVetting string `form:"minVetting"`
	Training   string `form:"training"`
	Notes      string `form:"notes" binding:"max=4000"`
}

func (visitForm) messages() map[string]string {
	return map[string]string{
		"location.required": "Enter where the visit is",
		"location":          "The location must be 200 characters or fewer",
		"notes":             "The notes must be 4,000 characters or fewer",
	}
}

type visitFormData struct {
	Visit                   *store.Visit // nil when scheduling one
	Type, Group, MinVetting choiceField
	Training                choiceField
	Date                    dateField
}

// visitGroups are the groups a person may schedule visits for: every
// group for staff, the groups they chair for a chair.
func (s *Server) visitGroups(c *gin.Context) ([]store.Group, error) {
	_, groups, err := groupNamesIn(c.Request.Context(), s.visits)
	if err != nil {
		return nil, err
	}
	u := currentUser(c)
	if allowed(u.Role, "visits.every") {
		return groups, nil
	}
	chaired := chairedGroups(u)
	var out []store.Group
	for _, g := range groups {
		if chaired[g.ID] {
			out = append(out, g)
		}
	}
	return out, nil
}

// check validates the form, filling ch; its problems are form errors
// (apperr, joined) for the form's fields.
func (f visitForm) check(groups []store.Group) (store.VisitChange, error) {
	var ps []*apperr.Error
	var ch store.VisitChange
	if !hasChoice(visitTypeChoices(""), f.Type) {
		ps = append(ps, apperr.Invalidf("type", "Select the type of visit"))
	}
	if !hasChoice(groupChoices(groups, "")[1:], f.Group) {
		ps = append(ps, apperr.Invalidf("group", "Select one of the groups you schedule visits for"))
	}
	if !hasChoice(vettingChoices(), f.MinVetting) {
		ps = append(ps, apperr.Invalidf("minVetting", "Select the vetting level needed"))
	}
	if !hasChoice(trainingChoices(), f.Training) {
		ps = append(ps, apperr.Invalidf("training", "Select the training needed, or no training"))
	}
	day, msg := dateParts{f.Day, f.Month, f.Year}.parse("The date of the visit")
	if msg == "" && day.IsZero() {
		msg = "Enter the date of the visit"
	}
	if msg != "" {
		ps = append(ps, apperr.Invalidf("date", "%s", msg))
	}
	sh, sm, ok1 := parseClock(f.StartTime)
	if !ok1 {
		ps = append(ps, apperr.Invalidf("startTime", "Enter the start time, like 10:00 or 14:30"))
	}
	eh, em, ok2 := parseClock(f.EndTime)
	if !ok2 {
		ps = append(ps, apperr.Invalidf("endTime", "Enter the end time, like 12:00 or 16:30"))
	}
	n, err := strconv.Atoi(f.Capacity)
	if err != nil {
		ps = append(ps, apperr.Invalidf("capacity", "Enter the number of places as a number, like 4"))
	}
	ch = store.VisitChange{Type: f.Type, Location: f.Location, MinVetting: f.MinVetting, Training: f.Training, Notes: f.Notes, Capacity: n}
	if !day.IsZero() && ok1 && ok2 {
		ch.Start, ch.End = at(day, sh, sm), at(day, eh, em)
	}
	return ch, apperr.Join(ps...)
}

// visitFields names the form's fields for the visit rules' fields.
var visitFields = map[string]string{"start": "date", "end": "endTime"}

func (s *Server) visitNewForm(c *gin.Context) {
	f := visitForm{MinVetting: "NPPV2", Capacity: "4", StartTime: "10:00", EndTime: "12:00", Group: c.Query("group")}
	s.renderVisitForm(c, http.StatusOK, nil, f, &formErrors{})
}

// visitCreate schedules a visit (staff for any group, a chair for theirs).
func (s *Server) visitCreate(c *gin.Context) {
	var f visitForm
	form, ok := s.submitForm(c, &f, "visit", visitFields, func(status int, errs *formErrors) { s.renderVisitForm(c, status, nil, f, errs) })
	if !ok {
		return
	}
	groups, err := s.visitGroups(c)
	if err != nil {
		s.serverError(c, err)
		return
	}
	ch, err := f.check(groups)
	if !form.ok(err) {
		return
	}
	v := &store.Visit{Type: ch.Type, GroupID: f.Group, Location: ch.Location, Start: ch.Start, End: ch.End, Capacity: ch.Capacity,
		MinVetting: ch.MinVetting, Training: ch.Training, Notes: ch.Notes, CreatedBy: currentUser(c).ID}
	if !form.ok(s.visits.CreateVisit(c.Request.Context(), v)) {
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditVisitCreated, Target: "visit:" + v.ID, Detail: words.VisitType(v.Type) + ", " + v.Location})
	s.flash(c, "Visit scheduled. Members of the group can now sign up.")
	s.redirect(c, "/visits/"+v.ID)
}

func (s *Server) visitEditForm(c *gin.Context) {
	v, a, ok := s.loadVisit(c)
	if !ok {
		return
	}
	if !a.Manage {
		s.forbidden(c)
		return
	}
	s.renderVisitForm(c, http.StatusOK, v, visitFormOf(v), &formErrors{})
}

func visitFormOf(v *store.Visit) visitForm {
	d := partsOf(v.Start)
	return visitForm{Version: v.Version, Type: v.Type, Group: v.GroupID, Location: v.Location, Day: d.Day, Month: d.Month, Year: d.Year,
		StartTime: v.Start.In(london).Format("15:04"), EndTime: v.End.In(london).Format("15:04"), Capacity: strconv.Itoa(v.Capacity),
		MinVetting: v.MinVetting, Training: v.Training, Notes: v.Notes}
}

// visitSave changes a visit if the form is not stale and no more people
// are booked than the new number of places. The group cannot change.
func (s *Server) visitSave(c *gin.Context) {
	v, a, ok := s.loadVisit(c)
	if !ok {
		return
	}
	if !a.Manage {
		s.forbidden(c)
		return
	}
	var f visitForm
	form, ok := s.submitForm(c, &f, "visit", visitFields, func(status int, errs *formErrors) { s.renderVisitForm(c, status, v, f, errs) })
	if !ok {
		return
	}
	f.Group = v.GroupID
	ch, err := f.check([]store.Group{{ID: v.GroupID}})
	if !form.ok(err) {
		return
	}
	probe := *v
	probe.Start, probe.End, probe.Capacity = ch.Start, ch.End, ch.Capacity
	if !form.ok(probe.Check(s.visits.Now(), false)) {
		return
	}
	ctx := c.Request.Context()
	promoted, err := s.visits.UpdateVisit(ctx, v.ID, f.Version, ch)
	if apperr.Is(err, apperr.Conflict) && apperr.FieldOf(err) == "capacity" {
		// Booked since the form was opened (store.ErrCapacityBelow): say
		// how many are now.
		if fresh, _ := s.visits.Visit(ctx, v.ID); fresh != nil {
			v = fresh
		}
		err = apperr.Invalidf("capacity", "%d people are already booked: the number of places cannot be fewer than that", v.SeatsTaken)
	}
	if !form.ok(err) {
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditVisitChanged, Target: "visit:" + v.ID, Detail: words.VisitType(ch.Type) + ", " + ch.Location})
	if len(promoted) > 0 {
		// Tell them the visit as it now is (the edit may have moved it).
		if fresh, err := s.visits.Visit(ctx, v.ID); err == nil {
			v = fresh
		}
	}
	s.tellPromoted(c, v, promoted)
	s.flash(c, "Visit details saved")
	s.redirect(c, "/visits/"+v.ID)
}

func (s *Server) renderVisitForm(c *gin.Context, status int, v *store.Visit, f visitForm, errs *formErrors) {
	groups, err := s.visitGroups(c)
	if err != nil {
		s.serverError(c, err)
		return
	}
	d := &visitFormData{Visit: v,
		Type:       newChoices("type", "Type of visit", f.Type, errs, visitTypeChoices("")),
		Group:      newChoices("group", "Group", f.Group, errs, groupChoices(groups, "Choose a group")),
		MinVetting: newChoices("minVetting", "Vetting needed", f.MinVetting, errs, vettingChoices()),
		Date: dateField{Name: "date", Legend: "Date of the visit", Hint: "For example, 27 3 2027", Error: errs.For("date"),
			Day: f.Day, Month: f.Month, Year: f.Year, LegendSize: "s"},
	}
	d.Type.LabelSize, d.Group.LabelSize, d.MinVetting.LabelSize = "s", "s", "s"
	d.MinVetting.Hint = "Members whose vetting is lower, or expires before the visit, cannot sign up"
	d.Training = newChoices("training", "Training needed", f.Training, errs, trainingChoices())
	d.Training.LabelSize, d.Training.Hint = "s", "Members without this training, or whose training lapses before the visit ends, cannot sign up"
	title := "Schedule a visit"
	if v != nil {
		title = "Change visit details"
	}
	s.render(c, status, "visit_form", &Page{Title: title, Form: f, Errors: errs, Data: d})
}
