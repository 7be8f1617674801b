package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
	"candour/words"
)

// trainingSave records one piece of training for a person (audited).
func (s *Server) trainingSave(c *gin.Context) {
	u, ok := loadByID(s, c, s.volunteer.User)
	if !ok {
		return
	}
	var f trainingForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	r, err := f.check()
	if err != nil && addErrors(errs, err, nil) {
		s.renderTraining(c, http.StatusUnprocessableEntity, u, f, errs)
		return
	}
	me := currentUser(c)
	r.RecordedBy = me.Email
	if err := s.volunteer.SetTraining(c.Request.Context(), u.ID, r); err != nil {
		s.serverError(c, err)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditTrainingRecorded, Target: "user:" + u.ID,
		Detail: words.Training(r.Kind) + " until " + r.Expires.In(london).Format("2 January 2006")})
	s.flash(c, words.Training(r.Kind)+" recorded for "+u.Name)
	s.redirect(c, "/training/"+u.ID)
}

func (f trainingForm) check() (store.TrainingRecord, error) {
	var errs []*apperr.Error
	if !hasChoice(trainingChoices()[1:], f.Kind) {
		errs = append(errs, apperr.New(apperr.Invalid, "kind", "Select the training"))
	}
	done, msg := dateParts{f.DoneDay, f.DoneMonth, f.DoneYear}.parse("The date completed")
	if msg == "" && done.IsZero() {
		msg = "Enter the date the training was completed"
	}
	if msg != "" {
		errs = append(errs, apperr.New(apperr.Invalid, "completed", msg))
	}
	exp, msg := dateParts{f.ExpiresDay, f.ExpiresMonth, f.ExpiresYear}.parse("The last day it counts")
	if msg == "" && exp.IsZero() {
		msg = "Enter the last day the training counts"
	}
	if msg == "" && !done.IsZero() && exp.Before(done) {
		msg = "The last day it counts must be on or after the date completed"
	}
	if msg != "" {
		errs = append(errs, apperr.New(apperr.Invalid, "expires", msg))
	}
	if len(errs) > 0 {
		return store.TrainingRecord{}, apperr.Join(errs...)
	}
	return store.TrainingRecord{Kind: f.Kind, Completed: done.UTC(), Expires: exp.UTC()}, nil
}
