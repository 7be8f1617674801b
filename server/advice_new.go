package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"candour/advice"
	"candour/apperr"
	"candour/store"
	"candour/words"
)

// adviceForm is a new critical-incident advice request, short enough to
// fill in on a phone in minutes.
type adviceForm struct {
	Title    string   `form:"title" binding:"required,max=120"`
	Shared   string   `form:"shared" binding:"required,max=4000"`
	Handling string   `form:"handling"`
	Question string   `form:"question" binding:"required,max=2000"`
	Groups   []string `form:"groups"`
	Also     string   `form:"also" binding:"max=4000"`
	Hours    string   `form:"hours"`
}

func (adviceForm) messages() map[string]string {
	return map[string]string{
		"title.required":    "Enter a short name for the incident",
		"title":             "The name must be 120 characters or fewer",
		"shared.required":   "Enter what happened, as far as it may be shared",
		"shared":            "What happened must be 4,000 characters or fewer",
		"question.required": "Enter the question you are asking",
		"question":          "The question must be 2,000 characters or fewer",
		"also":              "The extra people must be 4,000 characters or fewer",
	}
}

// maxAdviceHours is the longest a request may run: advice after a critical
// incident is wanted within hours, three days at most.
const maxAdviceHours = 72

type adviceFormData struct {
	Handling choiceField
	Groups   []groupBox
}

// groupBox is one group's checkbox.
type groupBox struct {
	ID, Name, Hint string
	Checked        bool
}

func (s *Server) adviceNewForm(c *gin.Context) {
	s.renderAdviceForm(c, http.StatusOK, adviceForm{Hours: "4", Handling: store.HandlingConfidential}, &formErrors{})
}

// adviceCreate opens a request and queues its messages at once.
func (s *Server) adviceCreate(c *gin.Context) {
	var f adviceForm
	form, ok := s.submitForm(c, &f, "request", nil, func(status int, errs *formErrors) { s.renderAdviceForm(c, status, f, errs) })
	if !ok {
		return
	}
	ctx := c.Request.Context()
	groups, err := s.adviceAsk.Groups(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	r, err := s.checkAdviceForm(ctx, f, groups, form.errs.Any())
	if !form.ok(err) {
		return
	}
	me := currentUser(c)
	r.CreatedBy, r.CreatedByName = me.ID, me.Name
	if !form.ok(s.adviceAsk.CreateAdviceRequest(ctx, r)) {
		return
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditAdviceRequested, Target: "advice:" + r.ID,
		Detail: strconv.Itoa(len(r.Asked)) + " asked, deadline " + r.Deadline.In(london).Format("2 Jan 15:04")})
	// The messages go now; if this fails, the reminder job sends them on
	// its next pass (the request is not marked notified).
	n, err := advice.Notify(context.WithoutCancel(ctx), s.adviceAsk, s.cfg, r, advice.First)
	if err == nil {
		err = s.adviceAsk.MarkAdviceNotified(context.WithoutCancel(ctx), r.ID)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "advice request: messages not queued; the reminder job will retry", "err", err, "request", r.ID)
		s.flash(c, "Request opened. The messages could not be queued yet: they will be sent within a minute.")
	} else {
		s.flash(c, "Request opened. "+strconv.Itoa(len(r.Asked))+" "+plural(len(r.Asked), "person has", "people have")+" been asked ("+strconv.Itoa(n)+" messages).")
	}
	s.redirect(c, "/advice/"+r.ID)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// checkAdviceForm validates the form and works out who is asked: the
// active members and chairs of the chosen groups, and anyone named by
// email address under "also" who is a member or chair. Its problems are
// form errors (apperr, joined); any other error is the store's. bound says
// whether binding the form already found problems.
func (s *Server) checkAdviceForm(ctx context.Context, f adviceForm, groups []store.Group, bound bool) (*store.AdviceRequest, error) {
	var ps []*apperr.Error
	if !hasChoice(handlingChoices(), f.Handling) {
		ps = append(ps, apperr.Invalidf("handling", "Select how what you tell them may be shared"))
	}
	hours, err := strconv.ParseFloat(strings.TrimSpace(f.Hours), 64)
	switch {
	case strings.TrimSpace(f.Hours) == "":
		ps = append(ps, apperr.Invalidf("hours", "Enter how many hours people have to answer"))
	case err != nil:
		ps = append(ps, apperr.Invalidf("hours", "Enter the hours as a number, like 4"))
	case hours < 1 || hours > maxAdviceHours:
		ps = append(ps, apperr.Invalidf("hours", "The deadline must be between 1 and 72 hours from now"))
	}
	known := map[string]bool{}
	for _, g := range groups {
		known[g.ID] = true
	}
	asked, seen := []string{}, map[string]bool{}
	var groupIDs []string
	for _, gid := range f.Groups {
		if !known[gid] || seen["g"+gid] {
			continue
		}
		seen["g"+gid] = true
		groupIDs = append(groupIDs, gid)
		ms, err := s.adviceAsk.GroupMembers(ctx, gid)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if !seen[m.UserID] {
				seen[m.UserID] = true
				asked = append(asked, m.UserID)
			}
		}
	}
	for _, line := range strings.FieldsFunc(f.Also, func(r rune) bool { return r == '\n' || r == ',' || r == ';' || r == ' ' || r == '\r' }) {
		u, err := s.adviceAsk.UserByEmail(ctx, line)
		if err != nil || u.Status != store.StatusActive || (u.Role != store.RoleMember && u.Role != store.RoleChair) {
			ps = append(ps, apperr.Invalidf("also", "%s is not a group member or chair with an active account: check the address", line))
			continue
		}
		if !seen[u.ID] {
			seen[u.ID] = true
			asked = append(asked, u.ID)
		}
	}
	if len(groupIDs) == 0 && strings.TrimSpace(f.Also) == "" {
		ps = append(ps, apperr.Invalidf("groups", "Select at least one group, or name the people to ask"))
	}
	// Only people who can sign in and answer are asked.
	users, err := s.adviceAsk.UsersByID(ctx, asked)
	if err != nil {
		return nil, err
	}
	var active []string
	for _, id := range asked {
		if u, ok := users[id]; ok && u.Status == store.StatusActive && (u.Role == store.RoleMember || u.Role == store.RoleChair) {
			active = append(active, id)
		}
	}
	if len(groupIDs) > 0 && len(active) == 0 && !bound && len(ps) == 0 {
		ps = append(ps, apperr.Invalidf("groups", "No one in the groups you chose has an active account: choose another group, or name the people to ask"))
	}
	r := &store.AdviceRequest{Title: f.Title, Shared: f.Shared, Handling: f.Handling, Question: f.Question, GroupIDs: groupIDs, Asked: active,
		Deadline: s.adviceAsk.Now().Add(time.Duration(hours * float64(time.Hour))).Truncate(time.Minute)}
	return r, apperr.Join(ps...)
}

func (s *Server) renderAdviceForm(c *gin.Context, status int, f adviceForm, errs *formErrors) {
	groups, err := s.adviceAsk.Groups(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	chosen := map[string]bool{}
	for _, g := range f.Groups {
		chosen[g] = true
	}
	d := &adviceFormData{Handling: newChoices("handling", "How may what you tell them be shared?", f.Handling, errs, handlingChoices())}
	d.Handling.LabelSize = "s"
	for _, g := range groups {
		d.Groups = append(d.Groups, groupBox{ID: g.ID, Name: g.Name, Checked: chosen[g.ID],
			Hint: words.GroupKind(g.Kind) + ", " + strconv.Itoa(g.MemberCount) + " " + plural(g.MemberCount, "member", "members")})
	}
	s.render(c, status, "advice_new", &Page{Title: "Ask for critical-incident advice", Form: f, Errors: errs, Data: d, Back: "/advice"})
}
