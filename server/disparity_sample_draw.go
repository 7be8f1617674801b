package server

import (
	"fmt"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/disparity"
	"candour/store"
)

// sampleDraw draws a committed sample's records with the seed it was
// committed to, stores them and reveals the seed. A sample is drawn once:
// asking again shows it as it is.
func (s *Server) sampleDraw(c *gin.Context) {
	ps, ok := loadByID(s, c, s.powers.PanelSample)
	if !ok {
		return
	}
	if ps.Drawn() {
		s.redirect(c, "/disparity/samples/"+ps.ID)
		return
	}
	u := currentUser(c)
	seed, err := disparity.ParseSeed(ps.Seed)
	if err != nil {
		s.serverError(c, err)
		return
	}
	f := sampleFilterOf(ps)
	recs, matching, err := s.powers.DrawSample(c.Request.Context(), f, disparity.SeededRand(seed))
	if err != nil {
		s.serverError(c, err)
		return
	}
	err = s.powers.DrawPanelSample(c.Request.Context(), ps.ID, recs, matching, u.Email)
	if apperr.Is(err, apperr.Conflict) { // drawn by another request meanwhile
		s.redirect(c, "/disparity/samples/"+ps.ID)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: store.AuditSampleDrawn, Target: "sample:" + ps.ID,
		Detail: fmt.Sprintf("%d of %d matching records, %s to %s, seed %s (commitment %s)", len(recs), matching, ps.From, ps.To, ps.Seed, ps.Commitment)})
	s.flash(c, fmt.Sprintf("%d records drawn at random from %d that matched.", len(recs), matching))
	s.redirect(c, "/disparity/samples/"+ps.ID)
}

// sampleFilterOf is the filter a sample was committed to.
func sampleFilterOf(ps *store.PanelSample) disparity.SampleFilter {
	return disparity.SampleFilter{Force: ps.Force, From: ps.From, To: ps.To, Legislation: ps.Legislation, Group: ps.Group, Removal: ps.Removal, Size: ps.Size}
}
