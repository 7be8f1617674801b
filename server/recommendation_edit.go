package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"candour/store"
)

// recForm is a recommendation's details, for raising one or changing it.
type recForm struct {
	Version    int    `form:"version"`
	Title      string `form:"title" binding:"required,max=200"`
	Wording    string `form:"wording" binding:"required,max=10000"`
	Source     string `form:"source"`
	SourceLink string `form:"sourceLink" binding:"max=500"`
	Group      string `form:"group"`
	RaisedDay  string `form:"raised-day"`
	RaisedMon  string `form:"raised-month"`
	RaisedYear string `form:"raised-year"`
	Area       string `form:"area"`
	Tags       string `form:"tags" binding:"max=500"`
	Priority   string `form:"priority"`
	OwnerDept  string `form:"ownerDept" binding:"required,max=200"`
	OwnerName  string `form:"ownerName" binding:"required,max=200"`
	OwnerEmail string `form:"ownerEmail" binding:"omitempty,email,max=254"`
	DueDay     string `form:"due-day"`
	DueMon     string `form:"due-month"`
	DueYear    string `form:"due-year"`
}

func (recForm) messages() map[string]string {
	return map[string]string{
		"title.required":     "Enter a short title",
		"title":              "The title must be 200 characters or fewer",
		"wording.required":   "Enter the group's full wording of the recommendation",
		"wording":            "The wording must be 10,000 characters or fewer",
		"sourceLink":         "The link must be 500 characters or fewer",
		"tags":               "Tags must be 500 characters or fewer in all",
		"ownerDept.required": "Enter the department that owns the recommendation",
		"ownerDept":          "The department must be 200 characters or fewer",
		"ownerName.required": "Enter the name of the accountable person",
		"ownerName":          "The name must be 200 characters or fewer",
		"ownerEmail":         "Enter an email address in the correct format, like name@example.com",
	}
}

// recFormData is the details form's choices and date boxes.
type recFormData struct {
	Rec                           *store.Recommendation // nil when raising one
	Source, Group, Area, Priority choiceField
	Raised, Due                   dateField
}

// check validates what the tags cannot and fills r from the form.
func (f recForm) check(r *store.Recommendation, groups []store.Group, errs *formErrors) {
	if !hasChoice(sourceChoices("")[1:], f.Source) {
		errs.Add("source", "Select where the recommendation came from")
	}
	if f.SourceLink != "" && !strings.HasPrefix(f.SourceLink, "/") && !strings.HasPrefix(f.SourceLink, "https://") && !strings.HasPrefix(f.SourceLink, "http://") {
		errs.Add("sourceLink", "Enter a link that starts with https:// or with / for a page in Candour")
	}
	if !hasChoice(groupChoices(groups, "")[1:], f.Group) {
		errs.Add("group", "Select the group that raised the recommendation")
	}
	raised, msg := dateParts{f.RaisedDay, f.RaisedMon, f.RaisedYear}.parse("The date raised")
	if msg == "" && raised.IsZero() {
		msg = "Enter the date the recommendation was raised"
	}
	if msg != "" {
		errs.Add("raised", msg)
	}
	if !hasChoice(areaChoices(""), f.Area) {
		errs.Add("area", "Select the Race Action Plan area")
	}
	if !hasChoice(priorityChoices(), f.Priority) {
		errs.Add("priority", "Select the priority")
	}
	due, msg := dateParts{f.DueDay, f.DueMon, f.DueYear}.parse("The due date")
	if msg != "" {
		errs.Add("due", msg)
	} else if !due.IsZero() && !raised.IsZero() && due.Before(raised) {
		errs.Add("due", "The due date must be on or after the date raised")
	}
	r.Title, r.Wording, r.Source, r.SourceLink, r.GroupID = f.Title, f.Wording, f.Source, f.SourceLink, f.Group
	r.RaisedAt, r.Area, r.Tags, r.Priority, r.DueAt = raised.UTC(), f.Area, splitTags(f.Tags), f.Priority, due.UTC()
	if due.IsZero() {
		r.DueAt = time.Time{}
	}
	r.OwnerDept, r.OwnerName, r.OwnerEmail = f.OwnerDept, f.OwnerName, store.NormaliseEmail(f.OwnerEmail)
}

// splitTags reads "stop and search, BWV" as two tags.
func splitTags(s string) []string {
	tags := []string{}
	for _, t := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	return tags
}

func recFormOf(r *store.Recommendation) recForm {
	raised, due := partsOf(r.RaisedAt), partsOf(r.DueAt)
	return recForm{Version: r.Version, Title: r.Title, Wording: r.Wording, Source: r.Source, SourceLink: r.SourceLink,
		Group: r.GroupID, RaisedDay: raised.Day, RaisedMon: raised.Month, RaisedYear: raised.Year, Area: r.Area,
		Tags: strings.Join(r.Tags, ", "), Priority: r.Priority, OwnerDept: r.OwnerDept, OwnerName: r.OwnerName,
		OwnerEmail: r.OwnerEmail, DueDay: due.Day, DueMon: due.Month, DueYear: due.Year}
}

func (s *Server) recommendationNewForm(c *gin.Context) {
	today := partsOf(s.recs.Now())
	f := recForm{Priority: "medium", RaisedDay: today.Day, RaisedMon: today.Month, RaisedYear: today.Year,
		Group: c.Query("group"), Source: c.Query("source"), SourceLink: c.Query("sourceLink")}
	if id := c.Query("finding"); id != "" {
		fd, v, ok := s.findingToRaise(c, id)
		if !ok {
			return
		}
		f.Title, f.Wording = proposalTitle(fd.Proposals), fd.Proposals
		f.Source, f.Group, f.SourceLink = "visit-finding", v.GroupID, "/visits/"+v.ID+"#finding-"+fd.UserID
	}
	if ref := c.Query("action"); ref != "" && !s.prefillFromAction(c, ref, &f) {
		return // a meeting action (meeting_record.go)
	}
	s.renderRecForm(c, http.StatusOK, nil, f, &formErrors{})
}

// findingToRaise reads a submitted finding the person may raise a
// recommendation from (staff, or the chair of its group), answering 404
// itself for any other.
func (s *Server) findingToRaise(c *gin.Context, id string) (*store.Finding, *store.Visit, bool) {
	ctx := c.Request.Context()
	fd, err := s.recs.Finding(ctx, id)
	var v *store.Visit
	if err == nil {
		v, err = s.recs.Visit(ctx, fd.VisitID)
	}
	if err != nil {
		s.fail(c, err) // 404 for ErrNotFound (render.go)
		return nil, nil, false
	}
	if fd.Status != store.FindingSubmitted || !accessTo(currentUser(c), v).Raise {
		s.notFound(c)
		return nil, nil, false
	}
	return fd, v, true
}

// proposalTitle is a short title from a member's proposed wording: its
// first line, cut at a word to fit.
func proposalTitle(p string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(p), "\n")
	line = strings.TrimSpace(line)
	if r := []rune(line); len(r) > 120 {
		cut := string(r[:120])
		if i := strings.LastIndex(cut, " "); i > 60 {
			cut = cut[:i]
		}
		line = cut + "…"
	}
	return line
}

// raisableGroups are the groups a person may raise a recommendation for:
// every group for staff, the groups they chair for a chair.
func (s *Server) raisableGroups(c *gin.Context) ([]store.Group, error) {
	_, groups, err := groupNamesIn(c.Request.Context(), s.recs)
	if err != nil {
		return nil, err
	}
	u := currentUser(c)
	if u.Role != store.RoleChair {
		return groups, nil
	}
	chaired := chairedGroups(u)
	var own []store.Group
	for _, g := range groups {
		if chaired[g.ID] {
			own = append(own, g)
		}
	}
	return own, nil
}

// recommendationCreate raises a recommendation (status "raised").
func (s *Server) recommendationCreate(c *gin.Context) {
	var f recForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	groups, err := s.raisableGroups(c)
	if err != nil {
		s.serverError(c, err)
		return
	}
	r := &store.Recommendation{}
	f.check(r, groups, errs)
	if errs.Any() {
		s.renderRecForm(c, http.StatusUnprocessableEntity, nil, f, errs)
		return
	}
	if err := s.recs.CreateRecommendation(ctx, r, actor(c)); err != nil {
		s.serverError(c, err)
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditRecCreated, Target: "recommendation:" + r.ID, Detail: r.Title})
	s.flash(c, "Recommendation raised. Send it to the force for a response when it is ready.")
	s.redirect(c, "/recommendations/"+r.ID)
}

func (s *Server) recommendationEditForm(c *gin.Context) {
	r, ok := s.loadRecommendation(c)
	if !ok {
		return
	}
	s.renderRecForm(c, http.StatusOK, r, recFormOf(r), &formErrors{})
}

// recommendationSave changes a recommendation's details, with a history
// entry naming what changed, if the form is not stale.
func (s *Server) recommendationSave(c *gin.Context) {
	r, ok := s.loadRecommendation(c)
	if !ok {
		return
	}
	var f recForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	_, groups, err := groupNamesIn(ctx, s.recs)
	if err != nil {
		s.serverError(c, err)
		return
	}
	f.check(&store.Recommendation{}, groups, errs)
	if errs.Any() {
		s.renderRecForm(c, http.StatusUnprocessableEntity, r, f, errs)
		return
	}
	var changed []string
	r, err = s.recs.ChangeRecommendation(ctx, r.ID, f.Version, func(r *store.Recommendation, now time.Time) (store.HistoryEntry, error) {
		before := *r
		f.check(r, groups, &formErrors{})
		changed = detailChanges(&before, r)
		return store.HistoryEntry{At: now.UTC(), ByID: currentUser(c).ID, ByName: currentUser(c).Name, Kind: store.HistDetails,
			What: "changed " + strings.Join(changed, ", ")}, nil
	})
	if err != nil {
		if !s.changeFailed(c, r, err) {
			s.serverError(c, err)
		}
		return
	}
	s.afterChange(c, r, store.AuditRecChanged, "Details changed: "+strings.Join(changed, ", "), "Details saved")
}

// detailChanges names the fields that differ, for the history.
func detailChanges(a, b *store.Recommendation) []string {
	var cs []string
	for _, f := range []struct {
		name   string
		differ bool
	}{
		{"title", a.Title != b.Title}, {"wording", a.Wording != b.Wording}, {"source", a.Source != b.Source || a.SourceLink != b.SourceLink},
		{"raising group", a.GroupID != b.GroupID}, {"date raised", !a.RaisedAt.Equal(b.RaisedAt)}, {"area", a.Area != b.Area},
		{"tags", strings.Join(a.Tags, ",") != strings.Join(b.Tags, ",")}, {"priority", a.Priority != b.Priority},
		{"owner", a.OwnerDept != b.OwnerDept || a.OwnerName != b.OwnerName || a.OwnerEmail != b.OwnerEmail},
		{"due date", !a.DueAt.Equal(b.DueAt)},
	} {
		if f.differ {
			cs = append(cs, f.name)
		}
	}
	if len(cs) == 0 {
		cs = []string{"nothing"}
	}
	return cs
}

func (s *Server) renderRecForm(c *gin.Context, status int, r *store.Recommendation, f recForm, errs *formErrors) {
	groups, err := s.raisableGroups(c)
	if err != nil {
		s.serverError(c, err)
		return
	}
	d := &recFormData{Rec: r,
		Source:   newChoices("source", "Where did it come from?", f.Source, errs, sourceChoices("Choose a source")),
		Group:    newChoices("group", "Group that raised it", f.Group, errs, groupChoices(groups, "Choose a group")),
		Area:     newChoices("area", "Race Action Plan area", f.Area, errs, areaChoices("")),
		Priority: newChoices("priority", "Priority", f.Priority, errs, priorityChoices()),
		Raised: dateField{Name: "raised", Legend: "Date raised", Hint: "For example, 27 3 2026", Error: errs.For("raised"),
			Day: f.RaisedDay, Month: f.RaisedMon, Year: f.RaisedYear, LegendSize: "s"},
		Due: dateField{Name: "due", Legend: "Agreed due date (optional)", Hint: "Leave blank until the force agrees one", Error: errs.For("due"),
			Day: f.DueDay, Month: f.DueMon, Year: f.DueYear, LegendSize: "s"},
	}
	d.Area.LabelSize, d.Priority.LabelSize, d.Priority.Inline = "s", "s", true
	title := "Raise a recommendation"
	if r != nil {
		title = "Change recommendation details"
	}
	s.render(c, status, "recommendation_form", &Page{Title: title, Form: f, Errors: errs, Data: d})
}
