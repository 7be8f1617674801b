package server

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
	"candour/words"
)

type groupForm struct {
	Name        string `form:"name" binding:"required,max=120"`
	Kind        string `form:"kind" binding:"required"`
	Description string `form:"description" binding:"max=2000"`
}

func (groupForm) messages() map[string]string {
	return map[string]string{
		"name.required": "Enter the group's name",
		"name":          "The name must be 120 characters or fewer",
		"kind":          "Select what kind of group it is",
		"description":   "The description must be 2,000 characters or fewer",
	}
}

var groupKindHints = map[string]string{
	store.GroupIAG:   "Community members who advise the force as a critical friend on policy, practice and critical incidents.",
	store.GroupRAP:   "Agrees the calendar of community scrutiny visits and tracks their recommendations.",
	store.GroupPanel: "Examines the use of police powers: stop and search, use of force, body-worn video and complaints.",
}

func kindChoices() []choice {
	var cs []choice
	for _, k := range store.GroupKinds {
		cs = append(cs, choice{Value: k, Label: words.GroupKind(k), Hint: groupKindHints[k]})
	}
	return cs
}

// checkGroupKind is a form error unless the kind is one of store.GroupKinds.
func checkGroupKind(f groupForm) error {
	if !hasChoice(kindChoices(), f.Kind) {
		return apperr.Invalidf("kind", "Select what kind of group it is")
	}
	return nil
}

// groupNameTaken words the store's duplicate for the group forms.
func groupNameTaken(err error) error {
	return apperr.Reword(err, apperr.Duplicate, "name", "A group with this name already exists")
}

func (s *Server) groupNewForm(c *gin.Context) {
	s.renderGroupNew(c, http.StatusOK, groupForm{}, &formErrors{})
}

// groupCreate makes a group and goes to its page to add members.
func (s *Server) groupCreate(c *gin.Context) {
	var f groupForm
	form, ok := s.submitForm(c, &f, "group", nil, func(status int, errs *formErrors) { s.renderGroupNew(c, status, f, errs) })
	if !ok || !form.ok(checkGroupKind(f)) {
		return
	}
	g := &store.Group{Name: f.Name, Kind: f.Kind, Description: f.Description}
	if !form.ok(groupNameTaken(s.admin.CreateGroup(c.Request.Context(), g))) {
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditGroupChange, Target: "group:" + g.ID, Detail: "created " + g.Name})
	s.flash(c, g.Name+" created. Add its members below.")
	s.redirect(c, "/admin/groups/"+g.ID)
}

func (s *Server) renderGroupNew(c *gin.Context, status int, f groupForm, errs *formErrors) {
	kind := newChoices("kind", "Kind of group", f.Kind, errs, kindChoices())
	s.render(c, status, "group_new", &Page{Title: "Create a group", Form: f, Errors: errs, Data: kind})
}

// groupShow shows a group's members, the form to add or update a member
// (?member=ID fills it in with that member's details) and its details.
func (s *Server) groupShow(c *gin.Context) {
	g, ok := s.loadGroup(c)
	if !ok {
		return
	}
	mf := memberForm{Vetting: store.VettingLevels[0]}
	if id := c.Query("member"); id != "" {
		m, errM := s.admin.Membership(c.Request.Context(), g.ID, id)
		u, errU := s.admin.User(c.Request.Context(), id)
		if errM == nil && errU == nil {
			d := partsOf(m.VettingExpires)
			mf = memberForm{Email: u.Email, Vetting: m.VettingLevel, Day: d.Day, Month: d.Month, Year: d.Year, Chair: m.Chair}
		}
	}
	s.renderGroup(c, http.StatusOK, g, groupFormOf(g), mf, &formErrors{})
}

// groupSave changes a group's name, kind and description.
func (s *Server) groupSave(c *gin.Context) {
	g, ok := s.loadGroup(c)
	if !ok {
		return
	}
	var f groupForm
	form, ok := s.submitForm(c, &f, "group", nil, func(status int, errs *formErrors) {
		s.renderGroup(c, status, g, f, memberForm{Vetting: store.VettingLevels[0]}, errs)
	})
	if !ok || !form.ok(checkGroupKind(f)) {
		return
	}
	changed := &store.Group{ID: g.ID, Name: f.Name, Kind: f.Kind, Description: f.Description}
	if !form.ok(groupNameTaken(s.admin.UpdateGroup(c.Request.Context(), changed))) { // 404 for an unknown group (render.go)
		return
	}
	if detail := groupChanges(g, changed); detail != "" {
		me := currentUser(c)
		s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditGroupChange, Target: "group:" + g.ID, Detail: detail})
	}
	s.flash(c, "Group details saved")
	s.redirect(c, "/admin/groups/"+g.ID)
}

// groupChanges describes what changed, for the audit log.
func groupChanges(before, after *store.Group) string {
	var cs []string
	if before.Name != after.Name {
		cs = append(cs, "name "+before.Name+" → "+after.Name)
	}
	if before.Kind != after.Kind {
		cs = append(cs, "kind "+before.Kind+" → "+after.Kind)
	}
	if before.Description != after.Description {
		cs = append(cs, "description changed")
	}
	return strings.Join(cs, "; ")
}

func groupFormOf(g *store.Group) groupForm {
	return groupForm{Name: g.Name, Kind: g.Kind, Description: g.Description}
}

// loadGroup reads the group named in the path; it answers 404 itself.
func (s *Server) loadGroup(c *gin.Context) (*store.Group, bool) {
	return loadByID(s, c, s.admin.Group)
}

type groupData struct {
	Group        *store.Group
	Members      []memberRow
	GroupForm    groupForm
	Kind         choiceField
	MemberForm   memberForm
	Vetting      choiceField
	Expires      dateField
	Chair        checkboxField
	CanSeePeople bool
	CanInvite    bool
}

type memberRow struct {
	UserID, Name, Email string
	Membership          store.Membership
	Lapsed, ExpiresSoon bool
}

// renderGroup shows the group page with both of its forms as given; errs
// belong to whichever form was sent (their field names differ).
func (s *Server) renderGroup(c *gin.Context, status int, g *store.Group, gf groupForm, mf memberForm, errs *formErrors) {
	members, err := s.memberRows(c.Request.Context(), g.ID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	role := currentUser(c).Role
	d := groupData{Group: g, Members: members, GroupForm: gf, MemberForm: mf,
		CanSeePeople: allowed(role, "people.edit"), CanInvite: allowed(role, "people.invite")}
	d.Kind = newChoices("kind", "Kind of group", gf.Kind, errs, kindChoices())
	d.Vetting = newChoices("vetting", "Vetting level", mf.Vetting, errs, vettingChoices())
	d.Vetting.Hint = "Non-Police Personnel Vetting (NPPV) the person holds"
	d.Expires = dateField{Name: "expires", Legend: "When does their vetting expire?", Hint: "For example, 27 3 2027. Leave blank if they have no vetting.",
		Day: mf.Day, Month: mf.Month, Year: mf.Year, Error: errs.For("expires")}
	d.Chair = checkboxField{Name: "chair", Legend: "Chair", Label: "This person chairs the group", Checked: mf.Chair, Error: errs.For("chair"),
		Hint: "A group member who chairs a group becomes a group chair and signs in again."}
	s.render(c, status, "group", &Page{Title: g.Name, Errors: errs, Data: d})
}

func vettingChoices() []choice {
	var cs []choice
	for _, l := range store.VettingLevels {
		label := l
		if l == "none" {
			label = "None"
		}
		cs = append(cs, choice{Value: l, Label: label})
	}
	return cs
}

// memberRows lists a group's members, chairs first, then by name.
func (s *Server) memberRows(ctx context.Context, groupID string) ([]memberRow, error) {
	ms, err := s.admin.GroupMembers(ctx, groupID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	users, err := s.admin.UsersByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	rows := make([]memberRow, 0, len(ms))
	for _, m := range ms {
		u, ok := users[m.UserID]
		if !ok {
			continue // account removed
		}
		rows = append(rows, memberRow{UserID: u.ID, Name: u.Name, Email: u.Email, Membership: m,
			Lapsed: m.VettingLapsed(now), ExpiresSoon: m.VettingExpiresSoon(now)})
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Membership.Chair != rows[j].Membership.Chair {
			return rows[i].Membership.Chair
		}
		return strings.ToLower(rows[i].Name) < strings.ToLower(rows[j].Name)
	})
	return rows, nil
}
