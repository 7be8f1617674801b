package server

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"candour/store"
	"candour/words"
)

var visitCSVColumns = []string{"id", "type", "group", "location", "date", "start", "end", "unannounced", "places", "booked", "waiting",
	"findings submitted", "signed off", "minimum vetting"}

// visitExport is the calendar as CSV for staff (audited). Staff never see
// an unannounced visit's day or time, so its rows give only the week:
// the date column holds the Monday and start and end are blank.
func (s *Server) visitExport(c *gin.Context) {
	ctx := c.Request.Context()
	vs, err := s.calendar.AllVisits(ctx)
	if err != nil {
		s.serverError(c, err)
		return
	}
	names, _, err := groupNamesIn(ctx, s.calendar)
	if err != nil {
		s.serverError(c, err)
		return
	}
	u := currentUser(c)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(visitCSVColumns)
	for _, v := range vs {
		a := accessTo(u, &v)
		if !a.See {
			continue
		}
		date, start, end := v.Start.In(london).Format(time.DateOnly), v.Start.In(london).Format("15:04"), v.End.In(london).Format("15:04")
		if v.Unannounced && !a.ShowTime {
			date, start, end = v.Week.In(london).Format(time.DateOnly), "", ""
		}
		_ = w.Write([]string{v.ID, words.VisitType(v.Type), csvSafe(names[v.GroupID]), csvSafe(v.Location), date, start, end, yesNo(v.Unannounced),
			strconv.Itoa(v.Capacity), strconv.Itoa(v.SeatsTaken), strconv.Itoa(len(v.Waiting)), strconv.Itoa(len(v.Submitted)), yesNo(v.SignedOff), v.MinVetting})
	}
	w.Flush()
	s.audit(c, store.AuditEvent{ActorID: u.ID, Actor: u.Email, Action: auditVisitsExported, Detail: fmt.Sprintf("%d visits", len(vs))})
	sendCSV(c, "visits-"+s.calendar.Now().In(london).Format(time.DateOnly)+".csv", buf.Bytes())
}
