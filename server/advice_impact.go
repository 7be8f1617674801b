package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
)

// impactForm is the community impact assessment's wording, agreed with
// the group.
type impactForm struct {
	Wording string `form:"wording" binding:"required,max=6000"`
}

func (impactForm) messages() map[string]string {
	return map[string]string{"wording.required": "Enter the wording agreed with the group",
		"wording": "The wording must be 6,000 characters or fewer"}
}

// advicePublishForm is the summary for the public page.
type advicePublishForm struct {
	Summary string `form:"summary" binding:"required,max=3000"`
	Agreed  bool   `form:"agreed"`
}

func (advicePublishForm) messages() map[string]string {
	return map[string]string{"summary.required": "Enter the summary to publish",
		"summary": "The summary must be 3,000 characters or fewer"}
}

// outcomeCount is how many answers had one outcome.
type outcomeCount struct {
	Outcome string
	Count   int
}

type impactData struct {
	Request  *store.AdviceRequest
	Groups   []string
	Answers  []store.Advice
	Outcomes []outcomeCount
	Awaiting int
	Wording  impactForm
	Publish  advicePublishForm
}

// adviceImpact is the community impact assessment page: the incident, who
// was consulted, each piece of advice (not named) and what the force did
// with it, and the wording agreed with the group; with the form to agree
// it and the form to publish a summary.
func (s *Server) adviceImpact(c *gin.Context) {
	r, ok := s.loadAdvice(c)
	if !ok {
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditAdviceViewed, Target: "advice:" + r.ID, Detail: "community impact assessment"})
	s.renderImpact(c, http.StatusOK, r, impactForm{Wording: r.ImpactWording}, advicePublishForm{Summary: r.PublicSummary, Agreed: r.PublicSummary != ""}, &formErrors{})
}

func (s *Server) renderImpact(c *gin.Context, status int, r *store.AdviceRequest, wf impactForm, pf advicePublishForm, errs *formErrors) {
	names, _, err := groupNamesIn(c.Request.Context(), s.adviceDB)
	if err != nil {
		s.serverError(c, err)
		return
	}
	d := &impactData{Request: r, Answers: r.AnswerList(), Wording: wf, Publish: pf}
	for _, g := range r.GroupIDs {
		if n, ok := names[g]; ok {
			d.Groups = append(d.Groups, n)
		}
	}
	counts := map[string]int{}
	for _, a := range d.Answers {
		if a.Responded() {
			counts[a.Outcome]++
		} else {
			d.Awaiting++
		}
	}
	for _, o := range store.AdviceOutcomes {
		d.Outcomes = append(d.Outcomes, outcomeCount{Outcome: o, Count: counts[o]})
	}
	s.render(c, status, "advice_impact", &Page{Title: "Community impact assessment", Errors: errs, Data: d, Back: "/advice/" + r.ID, NoIndex: true})
}

// adviceImpactSave records the agreed wording.
func (s *Server) adviceImpactSave(c *gin.Context) {
	r, ok := s.loadAdvice(c)
	if !ok {
		return
	}
	var f impactForm
	form, ok := s.submitForm(c, &f, "request", nil, func(status int, errs *formErrors) {
		s.renderImpact(c, status, r, f, advicePublishForm{Summary: r.PublicSummary, Agreed: r.PublicSummary != ""}, errs)
	})
	if !ok || !form.ok(nil) || !form.ok(s.adviceDB.AgreeImpactWording(c.Request.Context(), r.ID, f.Wording)) {
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditAdviceImpact, Target: "advice:" + r.ID})
	s.flash(c, "Agreed wording saved in the community impact assessment.")
	s.redirect(c, "/advice/"+r.ID+"/impact")
}

// advicePublish puts an agreed summary on the public page. Nothing about
// an incident is public until this is done.
func (s *Server) advicePublish(c *gin.Context) {
	r, ok := s.loadAdvice(c)
	if !ok {
		return
	}
	var f advicePublishForm
	form, ok := s.submitForm(c, &f, "request", nil, func(status int, errs *formErrors) {
		s.renderImpact(c, status, r, impactForm{Wording: r.ImpactWording}, f, errs)
	})
	if !ok {
		return
	}
	var agreed *apperr.Error
	if !f.Agreed {
		agreed = apperr.Invalidf("agreed", "Confirm that the group has agreed this summary")
	}
	me := currentUser(c)
	if !form.ok(apperr.Join(agreed)) || !form.ok(s.adviceDB.PublishAdviceSummary(c.Request.Context(), r.ID, f.Summary, me.Name)) {
		return
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditAdvicePublished, Target: "advice:" + r.ID})
	s.flash(c, "Summary published on the public page.")
	s.redirect(c, "/advice/"+r.ID+"/impact")
}

// adviceUnpublish takes the summary off the public page.
func (s *Server) adviceUnpublish(c *gin.Context) {
	r, ok := s.loadAdvice(c)
	if !ok {
		return
	}
	if err := s.adviceDB.UnpublishAdviceSummary(c.Request.Context(), r.ID); err != nil {
		s.fail(c, err)
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditAdviceUnpublished, Target: "advice:" + r.ID})
	s.flash(c, "Summary taken off the public page.")
	s.redirect(c, "/advice/"+r.ID+"/impact")
}

// advicePublicList lists the published summaries (anyone).
func (s *Server) advicePublicList(c *gin.Context) {
	rs, err := s.adviceDB.PublishedAdvice(c.Request.Context(), 50)
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.render(c, http.StatusOK, "advice_public_list", &Page{Title: "Community advice after critical incidents", Data: rs})
}

// advicePublicShow is one published summary; anything unpublished is
// "not found", whether or not it exists.
func (s *Server) advicePublicShow(c *gin.Context) {
	r, err := s.adviceDB.AdviceRequest(c.Request.Context(), c.Param("id"))
	if err != nil || r.PublicSummary == "" {
		s.notFound(c)
		return
	}
	s.render(c, http.StatusOK, "advice_public", &Page{Title: r.Title, Data: r, Back: "/public/advice"})
}
