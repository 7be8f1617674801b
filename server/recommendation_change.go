package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
	"candour/words"
)

// recommendationStatus moves a recommendation along its lifecycle (staff).
func (s *Server) recommendationStatus(c *gin.Context) {
	r, ok := s.loadRecommendation(c)
	if !ok {
		return
	}
	var f statusForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	if f.To == "" {
		errs.Add("to", "Select the new status")
	}
	if errs.Any() {
		s.renderRec(c, http.StatusUnprocessableEntity, r, errs, f)
		return
	}
	if f.Version == r.Version && !slices.Contains(staffTargets(r.Status), f.To) {
		s.transitionRefused(c, r.Status, f.To, staffTargets(r.Status))
		return
	}
	t := store.Transition{To: f.To, Reason: f.Reason, Evidence: f.Evidence, Links: splitLines(f.Links),
		SupersededBy: strings.TrimSpace(f.SupersededBy), Note: f.Note}
	if t.To == store.RecSuperseded && t.SupersededBy != "" {
		if _, err := s.recs.Recommendation(c.Request.Context(), t.SupersededBy); apperr.Is(err, apperr.NotFound) {
			errs.Add("supersededBy", "There is no recommendation with that reference")
			s.renderRec(c, http.StatusUnprocessableEntity, r, errs, f)
			return
		}
	}
	s.transition(c, r, f.Version, t, f)
}

// transition applies t through the store and answers: 409 for a stale form
// or a change the lifecycle does not allow, 422 for missing details.
func (s *Server) transition(c *gin.Context, r *store.Recommendation, version int, t store.Transition, typed any) {
	from := r.Status
	by := actor(c)
	saved, ok := s.applyChange(c, r, version, typed, func(r *store.Recommendation, now time.Time) (store.HistoryEntry, error) {
		return r.Transition(t, by, now)
	})
	if !ok {
		return
	}
	detail := "Status changed from " + words.RecStatus(from) + " to " + words.RecStatus(saved.Status)
	s.afterChange(c, saved, store.AuditRecStatus, detail, "Status changed to "+words.RecStatus(saved.Status))
}

// recommendationVerify is the raising group's chair verifying the force's
// work, or refusing to, which sends it back to in progress.
func (s *Server) recommendationVerify(c *gin.Context) {
	r, ok := s.loadRecommendation(c)
	if !ok {
		return
	}
	if !s.requireChair(c, r) {
		return
	}
	var f verifyForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	t := store.Transition{To: store.RecVerified, Comment: f.Comment}
	switch f.Decision {
	case "verify":
	case "refuse":
		t.To = store.RecInProgress
	default:
		errs.Add("decision", "Select whether the force has done what it said")
	}
	if errs.Any() {
		s.renderRec(c, http.StatusUnprocessableEntity, r, errs, f)
		return
	}
	if f.Version == r.Version && r.Status != store.RecImplemented {
		s.transitionRefused(c, r.Status, t.To, staffTargets(r.Status))
		return
	}
	s.transition(c, r, f.Version, t, f)
}

// requireChair answers 403 unless the signed-in person chairs the group
// that raised r.
func (s *Server) requireChair(c *gin.Context, r *store.Recommendation) bool {
	ok, err := s.chairsGroup(c.Request.Context(), currentUser(c), r.GroupID)
	if err != nil {
		s.serverError(c, err)
		return false
	}
	if !ok {
		s.errorPage(c, http.StatusForbidden, "You cannot do this",
			"Only the chair of the group that raised this recommendation can verify it or agree its public wording.")
		return false
	}
	return true
}

// recommendationProgress records a dated progress note with percent complete.
func (s *Server) recommendationProgress(c *gin.Context) {
	r, ok := s.loadRecommendation(c)
	if !ok {
		return
	}
	var f progressForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	pct, perr := strconv.Atoi(strings.TrimSuffix(f.Percent, "%"))
	if perr != nil || pct < 0 || pct > 100 {
		errs.Add("percent", "Enter percent complete as a whole number from 0 to 100")
	}
	if errs.Any() {
		s.renderRec(c, http.StatusUnprocessableEntity, r, errs, f)
		return
	}
	by := actor(c)
	s.change(c, r, f.Version, f, store.AuditRecChanged, "Progress update: "+strconv.Itoa(pct)+"% complete", "Progress update saved",
		func(r *store.Recommendation, now time.Time) (store.HistoryEntry, error) {
			return r.Progress(f.Note, pct, by, now)
		})
}

// change saves a change other than of status and answers like transition.
func (s *Server) change(c *gin.Context, r *store.Recommendation, version int, typed any, action, detail, flash string,
	fn func(*store.Recommendation, time.Time) (store.HistoryEntry, error)) {
	if saved, ok := s.applyChange(c, r, version, typed, fn); ok {
		s.afterChange(c, saved, action, detail, flash)
	}
}

// applyChange saves fn's change through the store; on a missing detail
// (422), a stale form or a disallowed change (409) it answers and reports false.
func (s *Server) applyChange(c *gin.Context, r *store.Recommendation, version int, typed any,
	fn func(*store.Recommendation, time.Time) (store.HistoryEntry, error)) (*store.Recommendation, bool) {
	saved, err := s.recs.ChangeRecommendation(c.Request.Context(), r.ID, version, fn)
	if errs := (&formErrors{}); addErrors(errs, err, nil) {
		s.renderRec(c, http.StatusUnprocessableEntity, r, errs, typed)
		return nil, false
	}
	if err != nil {
		if !s.changeFailed(c, r, err) {
			s.serverError(c, err)
		}
		return nil, false
	}
	return saved, true
}

// recommendationPublicWording saves the public title, summary and the
// force's public response for "You said, we did".
func (s *Server) recommendationPublicWording(c *gin.Context) {
	r, ok := s.loadRecommendation(c)
	if !ok {
		return
	}
	var f publicForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	if errs.Any() {
		s.renderRec(c, http.StatusUnprocessableEntity, r, errs, f)
		return
	}
	by := actor(c)
	s.change(c, r, f.Version, f, store.AuditRecChanged, "Public wording changed", "Public wording saved",
		func(r *store.Recommendation, now time.Time) (store.HistoryEntry, error) {
			return r.SetPublicWording(f.PublicTitle, f.PublicSummary, f.PublicResponse, f.ChairAgreed, by, now)
		})
}

// recommendationAgree is the raising group's chair agreeing the public wording.
func (s *Server) recommendationAgree(c *gin.Context) {
	r, ok := s.loadRecommendation(c)
	if !ok || !s.requireChair(c, r) {
		return
	}
	var f versionForm
	if _, ok := s.bind(c, &f); !ok {
		return
	}
	by := actor(c)
	s.change(c, r, f.Version, nil, store.AuditRecChanged, "The chair agreed the public wording", "You have agreed the public wording",
		func(r *store.Recommendation, now time.Time) (store.HistoryEntry, error) {
			return r.AgreePublicWording(by, now)
		})
}

// recommendationPublish puts a recommendation on "You said, we did" or
// takes it off (on=false).
func (s *Server) recommendationPublish(c *gin.Context) {
	r, ok := s.loadRecommendation(c)
	if !ok {
		return
	}
	var f versionForm
	if _, ok := s.bind(c, &f); !ok {
		return
	}
	by := actor(c)
	flash, detail := "Taken off You said, we did", "unpublished"
	if f.On {
		flash, detail = "Published on You said, we did", "published on You said, we did"
	}
	s.change(c, r, f.Version, nil, store.AuditPublished, detail, flash,
		func(r *store.Recommendation, now time.Time) (store.HistoryEntry, error) {
			return r.Publish(f.On, by, now)
		})
}

// recommendationFollow starts (on=true) or stops following.
func (s *Server) recommendationFollow(c *gin.Context) {
	r, ok := s.loadRecommendation(c)
	if !ok {
		return
	}
	var f versionForm
	if _, ok := s.bind(c, &f); !ok {
		return
	}
	err := s.recs.FollowRecommendation(c.Request.Context(), r.ID, currentUser(c).ID, f.On)
	if err != nil {
		s.fail(c, err) // 404 for ErrNotFound (render.go)
		return
	}
	msg := "You will no longer get emails about this recommendation"
	if f.On {
		msg = "You are following this recommendation: you will get an email each time it changes"
	}
	s.flash(c, msg)
	s.redirect(c, "/recommendations/"+r.ID)
}

// splitLines reads one link a line.
func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
