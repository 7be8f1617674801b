package server

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/receipts"
	"candour/store"
)

// reportStart is the first page of an anonymous report: what is and is
// not recorded, and why the receipt matters.
func (s *Server) reportStart(c *gin.Context) {
	s.render(c, http.StatusOK, "report_start", &Page{Title: "Report corruption or abuse by police staff anonymously", NoIndex: true})
}

// reportNewForm opens the first question.
func (s *Server) reportNewForm(c *gin.Context) { s.flowStart(c, publicFlow) }

// reportPage shows one of the report's pages.
func (s *Server) reportPage(c *gin.Context) { s.flowPage(c, publicFlow) }

// reportAnswer keeps one page's answer and moves on.
func (s *Server) reportAnswer(c *gin.Context) {
	if c.Param("step") == checkSlug {
		s.flowSend(c, publicFlow, s.reportSend)
		return
	}
	s.flowAnswer(c, publicFlow)
}

// reportSend stores the report under an id derived from a new receipt
// (a keyed HMAC of it), with only an argon2id hash of the receipt itself,
// flags it for the CCU mailbox, and shows the receipt this once. Nothing about
// the request (address, browser, time of day) is kept.
func (s *Server) reportSend(c *gin.Context, a answers) {
	// Only a report's sending counts against the limit: each of its pages
	// (and each change from check your answers) is a POST too, and
	// counting those stopped a reporter part-way through their first report.
	ok, err := s.reportLimiter.allow(c.Request.Context(), c.ClientIP())
	if err != nil {
		s.serverError(c, err)
		return
	}
	if !ok {
		c.Header("Retry-After", strconv.Itoa(int(s.reportLimiter.window.Seconds())))
		s.errorPage(c, http.StatusTooManyRequests, "Too many attempts", "Wait a few minutes and try again.")
		return
	}
	ctx := c.Request.Context()
	sl := s.reports.Sealer()
	if sl == nil {
		s.serverError(c, store.ErrNoKeys)
		return
	}
	var code string
	var r *store.Referral
	for attempt := 0; ; attempt++ {
		code = receipts.New()
		var err error
		r, err = s.reports.CreateReferral(ctx, store.NewReferral{Kind: store.KindAnonymous, ID: sl.Receipt(code),
			ReceiptHash: receipts.Hash(s.cfg, code), Content: contentOf(a), Contact: contactOf(a)})
		if err == nil {
			break
		}
		if !apperr.Is(err, apperr.Duplicate) || attempt == 3 {
			s.serverError(c, err)
			return
		}
	}
	// An urgent report is announced at once (safety first); others in the
	// next batch, so that no mail dates the report (jobs_referrals.go).
	if r.Urgent {
		s.notifyFailed(c, s.notifyCCU(ctx, "An urgent anonymous report is waiting"))
	} else {
		s.notifyFailed(c, s.reports.NoteAnonymousArrival(ctx, "report"))
	}
	s.deleteDraft(c.Writer, publicFlow)
	s.render(c, http.StatusOK, "report_receipt", &Page{Title: "Report sent", Data: code, NoIndex: true})
}
