package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"candour/store"
)

type referralListData struct {
	Referrals []store.RefSummary
	Pages     pager
}

// referralList shows a partner worker their organisation's referrals:
// reference, dates and status, never content.
func (s *Server) referralList(c *gin.Context) {
	pid := partnerOf(c)
	if pid == "" {
		s.notLinked(c)
		return
	}
	page := pageNumber(c.Query("page"))
	rs, more, err := s.referrals.ListReferrals(c.Request.Context(), store.ReferralFilter{PartnerID: pid, Page: page})
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.render(c, http.StatusOK, "referral_list", &Page{Title: "Your organisation's referrals",
		Data: referralListData{Referrals: rs, Pages: newPager(nil, page, more)}})
}
