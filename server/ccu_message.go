package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/mail"
	"candour/store"
)

// ccuMessage sends a message (usually a question) to the partner or the
// anonymous reporter. A partner worker who made the referral is told by
// mail that a message is waiting, without its words; an anonymous
// reporter sees it when they next enter their receipt.
func (s *Server) ccuMessage(c *gin.Context) { s.ccuWrite(c, store.FromCCU) }

// ccuNote adds a private note, seen only by the CCU.
func (s *Server) ccuNote(c *gin.Context) { s.ccuWrite(c, store.FromNote) }

func (s *Server) ccuWrite(c *gin.Context, from string) {
	r, ok := loadByID(s, c, s.ccu.Referral)
	if !ok {
		return
	}
	var f messageForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	if f.check(errs); errs.Any() {
		full, ok := s.reloadForCCU(c, r.ID)
		if !ok {
			return
		}
		msg, note := f, messageForm{}
		if from == store.FromNote {
			msg, note = messageForm{}, f
			errs = &formErrors{Items: []fieldError{{Field: "note", Message: errs.Items[0].Message}}}
		}
		s.renderCCUReferral(c, full, assessFormOf(full), msg, note, http.StatusUnprocessableEntity, errs)
		return
	}
	me := currentUser(c)
	ctx := c.Request.Context()
	err := s.ccu.AddRefMessage(ctx, r.ID, from, me.Name, f.Message)
	switch {
	case apperr.Is(err, apperr.Conflict):
		s.referralGone(c)
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	action, flash := store.AuditRefMessage, "Message sent"
	if from == store.FromNote {
		action, flash = store.AuditRefNote, "Note added"
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: action, Target: "referral:" + r.ID, Detail: r.Ref})
	if from == store.FromCCU && r.Kind == store.KindPartner && r.SubmittedBy != "" {
		if u, err := s.ccu.User(ctx, r.SubmittedBy); err == nil && u.Status == store.StatusActive {
			s.notifyFailed(c, s.outbox.QueueMail(ctx, u.Email, "The Counter Corruption Unit has sent you a message",
				mail.Compose(s.cfg, "Hello "+u.Name+",\n\nThe Counter Corruption Unit has sent a message about referral "+r.Ref+". Sign in to Candour to read it:\n"+
					s.cfg.BaseURL+"/referrals/"+r.ID)))
		}
	}
	s.flash(c, flash)
	s.redirect(c, "/ccu/referrals/"+r.ID)
}

type linkForm struct {
	Other    string `form:"other"`
	Decision string `form:"decision"`
}

func (linkForm) messages() map[string]string { return nil }

// ccuLink confirms or rejects a proposed match between two referrals.
func (s *Server) ccuLink(c *gin.Context) {
	r, ok := loadByID(s, c, s.ccu.Referral)
	if !ok {
		return
	}
	var f linkForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	reason := s.caseReason(c, r.ID)
	if reason == "" {
		// Linking reads across cases: no reason for this one, no link.
		errs.Add("reason", "Choose why you need to open this case before you link it to another")
		s.renderReason(c, r, reasonForm{}, http.StatusUnprocessableEntity, errs)
		return
	}
	if f.Decision != "confirm" && f.Decision != "reject" || f.Other == "" || f.Other == r.ID {
		errs.Add("links", "Choose whether the referrals are about the same person")
		if full, ok := s.reloadForCCU(c, r.ID); ok {
			s.renderCCUReferral(c, full, assessFormOf(full), messageForm{}, messageForm{}, http.StatusUnprocessableEntity, errs)
		}
		return
	}
	other, err := s.ccu.Referral(c.Request.Context(), f.Other)
	if err == nil {
		err = s.ccu.LinkReferrals(c.Request.Context(), r.ID, f.Other, f.Decision == "confirm")
	}
	switch {
	case err != nil:
		s.fail(c, err) // 404 for ErrNotFound (render.go)
		return
	}
	me := currentUser(c)
	what, flash := "confirmed as related to", "Referrals linked"
	if f.Decision == "reject" {
		what, flash = "not related to", "Match set aside"
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: store.AuditRefLinked, Target: "referral:" + r.ID,
		Detail: r.Ref + " " + what + " " + other.Ref, Reason: reason})
	s.flash(c, flash)
	s.redirect(c, "/ccu/referrals/"+r.ID)
}
