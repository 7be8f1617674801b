package server

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
	"candour/words"
)

// visitSignOff records the group chair's sign-off of a visit's findings.
func (s *Server) visitSignOff(c *gin.Context) {
	v, a, ok := s.loadVisit(c)
	if !ok {
		return
	}
	var f versionForm
	if _, ok := s.bind(c, &f); !ok {
		return
	}
	if !a.Chair {
		s.errorPage(c, http.StatusForbidden, "Only the group's chair signs off", "You do not chair the group this visit belongs to.")
		return
	}
	if len(v.Submitted) == 0 {
		errs := &formErrors{}
		errs.Add("sign-up", "There are no submitted findings to sign off yet")
		s.renderVisit(c, http.StatusUnprocessableEntity, v, a, errs, nil)
		return
	}
	me := currentUser(c)
	err := s.visits.SignOffVisit(c.Request.Context(), v.ID, me.Name)
	if apperr.Is(err, apperr.Conflict) {
		s.flash(c, "These findings were already signed off")
		s.redirect(c, "/visits/"+v.ID)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditVisitSignedOff, Target: "visit:" + v.ID})
	s.flash(c, "Findings signed off. The engagement coordinator can now record the force's response.")
	s.redirect(c, "/visits/"+v.ID)
}

// responseForm is the force's response to one finding; its field is
// named for the finding's writer so each form on the page has its own.
type responseForm struct {
	Writer, Text string
}

func (responseForm) messages() map[string]string { return nil }

// visitFindingRespond records the force's response to a finding and mails
// the member who wrote it and the group's chairs.
func (s *Server) visitFindingRespond(c *gin.Context) {
	v, a, ok := s.loadVisit(c)
	if !ok {
		return
	}
	var f versionForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	writer := c.Param("userId")
	field := "response-" + writer
	text := c.PostForm(field)
	if !v.HasSubmitted(writer) {
		s.notFound(c)
		return
	}
	switch {
	case text == "":
		errs.Add(field, "Enter the force's response")
	case len(text) > 4000:
		errs.Add(field, "The response must be 4,000 characters or fewer")
	}
	if errs.Any() {
		s.renderVisit(c, http.StatusUnprocessableEntity, v, a, errs, responseForm{Writer: writer, Text: text})
		return
	}
	me := currentUser(c)
	fd, err := s.visits.RespondToFinding(ctx, store.FindingID(v.ID, writer), text, me.Name)
	if err != nil {
		s.fail(c, err) // 404 for ErrNotFound (render.go)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditFindingResponse, Target: "finding:" + fd.ID})
	// The writer and the group's chairs are told; the message carries a
	// link, not the response (nor, for unannounced visits, any date).
	ids := []string{writer}
	ms, err := s.visits.GroupMembers(ctx, v.GroupID)
	if err == nil {
		for _, m := range ms {
			if m.Chair && m.UserID != writer {
				ids = append(ids, m.UserID)
			}
		}
	}
	if err == nil {
		err = s.mailUsers(ctx, s.visits, ids, "The force has responded to visit findings", func(u store.User) string {
			return fmt.Sprintf("Hello %s,\n\nThe force has responded to findings by %s from a %s at %s.\n\nRead the response:\n%s",
				u.Name, fd.AuthorName, lowerFirst(words.VisitType(v.Type)), v.Location, s.visitLink(v)+"#finding-"+writer)
		})
	}
	if err != nil {
		s.log.ErrorContext(ctx, "mail finding response", "err", err, "visit", v.ID)
	}
	s.flash(c, "Response saved. "+fd.AuthorName+" and the chair have been emailed.")
	s.redirect(c, "/visits/"+v.ID)
}
