package server

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"candour/store"
	"candour/words"
)

type custodyReturnData struct {
	Return                store.CustodyReturn
	Previous, Next        store.FinancialQuarter
	IssueLabels           map[string]string
	AverageDelay, CSVHref string
}

// loadReturn works out the quarter's return from the custody visits and
// the submitted reports (counts and times only: no sealed content).
func (s *Server) loadReturn(c *gin.Context) (store.CustodyReturn, bool) {
	q, ok := s.custodyQuarter(c)
	if !ok {
		return store.CustodyReturn{}, false
	}
	ctx := c.Request.Context()
	vs, err := s.custody.CustodyVisits(ctx)
	if err != nil {
		s.serverError(c, err)
		return store.CustodyReturn{}, false
	}
	// A visit on the last day of a quarter whose visitors arrived after
	// midnight is made, not missed: the reports of the quarters either side
	// are read too (CustodyReturnOf counts only this quarter's arrivals).
	all, err := s.custody.SubmittedCustodyReports(ctx, q.Start().AddDate(0, -3, 0), q.End().AddDate(0, 3, 0))
	if err != nil {
		s.serverError(c, err)
		return store.CustodyReturn{}, false
	}
	return store.CustodyReturnOf(q, vs, all, s.custody.Now()), true
}

// custodyReturn is the quarterly return for the scheme manager.
func (s *Server) custodyReturn(c *gin.Context) {
	ret, ok := s.loadReturn(c)
	if !ok {
		return
	}
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditCustodyReturn, Detail: ret.Quarter.String()})
	d := &custodyReturnData{Return: ret, Previous: ret.Quarter.Previous(), Next: store.FinancialQuarterOf(ret.Quarter.End()), IssueLabels: issueCategoryLabel,
		AverageDelay: minutesWords(ret.AverageDelayMinutes), CSVHref: "/custody/return.csv?quarter=" + ret.Quarter.String()}
	s.render(c, http.StatusOK, "custody_return", &Page{Title: "Quarterly return", Data: d, Back: "/custody"})
}

func minutesWords(m int) string {
	if m == 1 {
		return "1 minute"
	}
	return strconv.Itoa(m) + " minutes"
}

// custodyReturnCSV is the same return as CSV (UTF-8 with a byte order
// mark, as every CSV here): one row per figure, "section,item,value".
func (s *Server) custodyReturnCSV(c *gin.Context) {
	ret, ok := s.loadReturn(c)
	if !ok {
		return
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	row := func(section, item string, n int) { _ = w.Write([]string{section, item, strconv.Itoa(n)}) }
	_ = w.Write([]string{"section", "item", "value"})
	_ = w.Write([]string{"quarter", words.FinancialQuarter(ret.Quarter.Year, ret.Quarter.Q), ret.Quarter.String()})
	row("visits", "made", ret.VisitsMade)
	row("visits", "planned and not made", ret.PlannedNotMade)
	row("detainees", "held", ret.Held)
	row("detainees", "offered a visit", ret.Offered)
	row("detainees", "seen", ret.Seen)
	row("detainees", "declined", ret.Declined)
	row("detainees", "not seen", ret.NotSeen)
	row("delay", "average delay in admission (minutes)", ret.AverageDelayMinutes)
	for _, su := range ret.Suites {
		row("visits made by suite", csvSafe(su.Suite), su.Made)
		row("visits not made by suite", csvSafe(su.Suite), su.NotMade)
	}
	for _, is := range ret.Issues {
		row("issues raised by category", issueCategoryLabel[is.Category], is.Issues)
	}
	w.Flush()
	me := currentUser(c)
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditCustodyReturnCSV, Detail: ret.Quarter.String()})
	sendCSV(c, "custody-return-"+ret.Quarter.String()+".csv", buf.Bytes())
}
