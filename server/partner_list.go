package server

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
)

type partnerForm struct {
	Name  string `form:"name" binding:"required,max=200"`
	Kind  string `form:"kind" binding:"required"`
	Email string `form:"email" binding:"required,email,max=254"`
}

func (partnerForm) messages() map[string]string {
	return map[string]string{
		"name.required":  "Enter the organisation's name",
		"name":           "The name must be 200 characters or fewer",
		"kind":           "Select what kind of organisation it is",
		"email.required": "Enter the organisation's contact email address",
		"email":          "Enter an email address in the correct format, like name@example.com",
	}
}

type partnerRow struct {
	Partner   store.Partner
	KindLabel string
}

type partnerListData struct {
	Partners []partnerRow
	Kind     choiceField
}

// partnerKindLabel is a kind as a label: "local authority" → "Local authority".
func partnerKindLabel(k string) string {
	if k == "" {
		return k
	}
	return strings.ToUpper(k[:1]) + k[1:]
}

func partnerKindChoices() []choice {
	var cs []choice
	for _, k := range store.PartnerKinds {
		cs = append(cs, choice{Value: k, Label: partnerKindLabel(k)})
	}
	return cs
}

// partnerList shows the partner organisations and the form to add one.
func (s *Server) partnerList(c *gin.Context) {
	s.renderPartners(c, http.StatusOK, partnerForm{}, &formErrors{})
}

// partnerCreate adds a partner organisation and goes to its page.
func (s *Server) partnerCreate(c *gin.Context) {
	var f partnerForm
	form, ok := s.submitForm(c, &f, "partner organisation", nil, func(status int, errs *formErrors) { s.renderPartners(c, status, f, errs) })
	if !ok {
		return
	}
	var err error
	if !hasChoice(partnerKindChoices(), f.Kind) {
		err = apperr.Invalidf("kind", "Select what kind of organisation it is")
	}
	if !form.ok(err) {
		return
	}
	p := &store.Partner{Name: f.Name, Kind: f.Kind, Email: store.NormaliseEmail(f.Email)}
	err = s.admin.CreatePartner(c.Request.Context(), p)
	if !form.ok(apperr.Reword(err, apperr.Duplicate, "name", "A partner organisation with this name already exists")) {
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditPartnerChange, Target: "partner:" + p.ID, Detail: "created " + p.Name})
	s.flash(c, p.Name+" added")
	s.redirect(c, "/admin/partners/"+p.ID)
}

func (s *Server) renderPartners(c *gin.Context, status int, f partnerForm, errs *formErrors) {
	ps, err := s.admin.Partners(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	d := partnerListData{Kind: newChoices("kind", "Kind of organisation", f.Kind, errs, partnerKindChoices())}
	for _, p := range ps {
		d.Partners = append(d.Partners, partnerRow{Partner: p, KindLabel: partnerKindLabel(p.Kind)})
	}
	s.render(c, status, "partner_list", &Page{Title: "Partner organisations", Form: f, Errors: errs, Data: d})
}
