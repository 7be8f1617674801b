package server

import (
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/receipts"
	"candour/store"
)

// msgReceiptWrong is the one answer to any receipt that is not fully
// right, whether or not a report with that id exists.
const msgReceiptWrong = "We could not open a report with that receipt code. Check the 16 digits and try again."

type receiptForm struct {
	Receipt string `form:"receipt"`
}

func (receiptForm) messages() map[string]string { return nil }

// reportReturnForm asks for the receipt.
func (s *Server) reportReturnForm(c *gin.Context) {
	s.render(c, http.StatusOK, "report_return", &Page{Title: "Check on a report you made", Form: receiptForm{}, NoIndex: true})
}

// reportReturn checks a receipt. The report's id is the keyed HMAC of the
// receipt, so finding it reads one document (only the fields the check
// needs: ReferralReceipt); the argon2id hash is then
// verified (or, for an unknown id, a dummy hash, so both take as long) and
// only a fully right receipt opens it. Every try is counted per client and
// overall before it is checked, with a growing back-off, and the client's
// try is in the store before the answer (receiptGuard).
func (s *Server) reportReturn(c *gin.Context) {
	var f receiptForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	page := &Page{Title: "Check on a report you made", Form: f, NoIndex: true}
	code := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		if r == ' ' || r == '-' {
			return -1
		}
		return 'x'
	}, f.Receipt)
	if len(code) != receipts.Digits || strings.Contains(code, "x") {
		s.formAgain(c, "report_return", page, errs.With(apperr.Invalidf("receipt", "Enter the 16 digits of your receipt code, like 1234 5678 9012 3456")))
		return
	}
	key := c.ClientIP() // stored only as a 16-bit bucket of its HMAC; never logged
	ok, wait, err := s.receiptGuard.take(c.Request.Context(), key)
	if err != nil {
		s.serverError(c, err)
		return
	}
	if !ok {
		c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		s.errorPage(c, http.StatusTooManyRequests, "Too many wrong receipt codes",
			"For your security, try again later. If you have lost your receipt code, you can make a new report.")
		return
	}
	sl := s.reports.Sealer()
	if sl == nil {
		s.serverError(c, store.ErrNoKeys)
		return
	}
	r, err := s.reports.ReferralReceipt(c.Request.Context(), sl.Receipt(code))
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		s.serverError(c, err)
		return
	}
	hash := s.receiptDummyHash()
	if r != nil && r.ReceiptHash != "" {
		hash = r.ReceiptHash
	}
	if !receipts.Hasher(s.cfg).Verify(hash, code) || r == nil || r.Kind != store.KindAnonymous || r.ContentGone {
		page.Form = receiptForm{}
		s.formAgain(c, "report_return", page, errs.With(apperr.Invalidf("receipt", "%s", msgReceiptWrong)))
		return
	}
	if err := s.receiptGuard.succeed(c.Request.Context(), key); err != nil {
		s.serverError(c, err)
		return
	}
	nonce, err := s.reports.StartReportVisit(c.Request.Context(), r)
	if err != nil {
		s.serverError(c, err)
		return
	}
	if err := s.setReportCookie(c, reportVisit{ID: r.ID, Nonce: nonce, At: s.reports.Now().Unix()}); err != nil {
		s.serverError(c, err)
		return
	}
	s.redirect(c, "/report/status")
}

// openReport is the report whose receipt this browser entered, or nil
// after sending the visitor back to enter it: also when the visit has
// ended ("Leave" on any copy of the cookie, or ReportVisitLife passed).
func (s *Server) openReport(c *gin.Context) *store.Referral {
	v, ok := s.reportVisitOf(c)
	if !ok {
		s.clearReportCookie(c)
		s.redirect(c, "/report/return")
		return nil
	}
	r, err := s.reports.Referral(c.Request.Context(), v.ID)
	if apperr.Is(err, apperr.NotFound) || (err == nil && (r.ContentGone || !r.VisitOpen(v.Nonce))) {
		s.clearReportCookie(c)
		s.redirect(c, "/report/return")
		return nil
	}
	if err != nil {
		s.serverError(c, err)
		return nil
	}
	return r
}

type reportStatusData struct {
	Report *store.Referral
}

// reportStatus shows the reporter the status and the conversation (never
// the CCU's notes, assessment or grading) and a form to reply.
func (s *Server) reportStatus(c *gin.Context) {
	r := s.openReport(c)
	if r == nil {
		return
	}
	s.renderReportStatus(c, r, messageForm{}, http.StatusOK, &formErrors{})
}

func (s *Server) renderReportStatus(c *gin.Context, r *store.Referral, f messageForm, status int, errs *formErrors) {
	if err := s.reports.OpenMessages(r, false); err != nil {
		s.serverError(c, err)
		return
	}
	s.render(c, status, "report_status", &Page{Title: "Your report", Data: reportStatusData{Report: r}, Form: f, Errors: errs, NoIndex: true})
}

// reportReply adds the reporter's reply and flags it for the CCU mailbox's
// next batch.
func (s *Server) reportReply(c *gin.Context) {
	r := s.openReport(c)
	if r == nil {
		return
	}
	var f messageForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	if f.check(errs); errs.Any() {
		s.renderReportStatus(c, r, f, http.StatusUnprocessableEntity, errs)
		return
	}
	err := s.reports.AddRefMessage(c.Request.Context(), r.ID, store.FromReporter, "", f.Message)
	switch {
	case apperr.Is(err, apperr.Conflict):
		s.referralGone(c)
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	s.notifyFailed(c, s.reports.NoteAnonymousArrival(c.Request.Context(), "reply"))
	s.flash(c, "Your reply has been sent to the Counter Corruption Unit")
	s.redirect(c, "/report/status")
}

// reportLeave ends the visit: on the server (so every copy of the cookie
// stops working) and in this browser.
func (s *Server) reportLeave(c *gin.Context) {
	if v, ok := s.reportVisitOf(c); ok {
		if err := s.reports.EndReportVisit(c.Request.Context(), v.ID, v.Nonce); err != nil {
			s.serverError(c, err)
			return
		}
	}
	s.clearReportCookie(c)
	s.redirect(c, "/report")
}

var (
	receiptDummyOnce sync.Once
	receiptDummy     string
)

// receiptDummyHash is verified against when no report has the receipt's
// id, so an unknown receipt takes as long as a wrong one.
func (s *Server) receiptDummyHash() string {
	receiptDummyOnce.Do(func() { receiptDummy = receipts.Hasher(s.cfg).Hash("0000000000000000") })
	return receiptDummy
}
