package server

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"time"

	"github.com/gin-gonic/gin"

	"candour/store"
)

var bwvCSVColumns = []string{"panel", "session", "session date", "footage reference", "viewer", "viewed at", "purpose", "detail", "recorded by", "recorded at"}

// visitBWVExport is a session's whole viewing log as CSV, for the chair
// and staff (audited). Times are UK time.
func (s *Server) visitBWVExport(c *gin.Context) {
	v, ba, ok := s.loadBWVLog(c)
	if !ok {
		return
	}
	if !ba.All {
		s.forbidden(c)
		return
	}
	ctx := c.Request.Context()
	entries, err := s.visits.BWVViewings(ctx, v.ID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	g, err := s.visits.Group(ctx, v.GroupID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(bwvCSVColumns)
	for _, e := range entries {
		_ = w.Write([]string{csvSafe(g.Name), v.ID, v.Start.In(london).Format(time.DateOnly), csvSafe(e.FootageRef), csvSafe(e.ViewerName),
			e.ViewedAt.In(london).Format("2006-01-02 15:04"), bwvPurposeLabel(e.Purpose), csvSafe(e.Detail), e.RecordedBy,
			e.RecordedAt.In(london).Format("2006-01-02 15:04")})
	}
	w.Flush()
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditBWVExported, Target: "visit:" + v.ID, Detail: fmt.Sprintf("%d viewings", len(entries))})
	sendCSV(c, "bwv-viewings-"+v.Start.In(london).Format(time.DateOnly)+".csv", buf.Bytes())
}
