package server

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/securecookie"
)

// A reporter's return visit (report_return.go) lives in its own cookie,
// encrypted and signed, holding the report's id, a visit nonce and when
// the receipt was entered. It opens the report only while the nonce is
// the report's current visit (store/report_visits.go) and for
// ReportVisitLife after the receipt was entered: "Leave" removes the
// nonce from the report and the time limit is checked by the server, so
// both end the visit for every copy of the cookie.
const (
	reportCookie    = "candour_report"
	ReportVisitLife = 2 * time.Hour
)

type reportVisit struct {
	ID    string `json:"i"`
	Nonce string `json:"n"`
	At    int64  `json:"t"` // when the receipt was entered (Unix seconds)
}

func (s *Server) reportCodec() *securecookie.SecureCookie {
	return securecookie.New(derivedKey(s.sessionKey, "candour report cookie signing"), derivedKey(s.sessionKey, "candour report cookie encryption")).
		MaxAge(int(ReportVisitLife.Seconds())).SetSerializer(securecookie.JSONEncoder{})
}

func (s *Server) setReportCookie(c *gin.Context, v reportVisit) error {
	enc, err := s.reportCodec().Encode(reportCookie, v)
	if err != nil {
		return err
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: reportCookie, Value: enc, Path: "/report", MaxAge: int(ReportVisitLife.Seconds()),
		HttpOnly: true, Secure: s.cfg.Production(), SameSite: http.SameSiteStrictMode})
	return nil
}

func (s *Server) clearReportCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: reportCookie, Value: "", Path: "/report", MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.Production(), SameSite: http.SameSiteStrictMode})
}

// reportVisitOf is this browser's visit, if its cookie is genuine and
// younger than ReportVisitLife by the server's clock.
func (s *Server) reportVisitOf(c *gin.Context) (reportVisit, bool) {
	var v reportVisit
	ck, err := c.Request.Cookie(reportCookie)
	if err != nil || s.reportCodec().Decode(reportCookie, ck.Value, &v) != nil || v.ID == "" || v.Nonce == "" {
		return v, false
	}
	age := s.reports.Now().Sub(time.Unix(v.At, 0))
	return v, age >= 0 && age < ReportVisitLife
}
