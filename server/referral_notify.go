package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"candour/mail"
	"candour/store"
)

// anonymousRoute reports whether a route serves anonymous reporters or
// survey respondents: the access log writes no line for it (a line's time
// would date the report or the response).
func anonymousRoute(route string) bool {
	return route == "/report" || strings.HasPrefix(route, "/report/") || strings.HasPrefix(route, "/s/") || route == "/exit"
}

// notifyCCU tells the CCU mailbox (or, without one configured, every
// active CCU account) that something arrived. The message never carries
// content, a reference or a name: mail leaves the force's systems.
func (s *Server) notifyCCU(ctx context.Context, subject string) error {
	body := mail.CCUNotice(s.cfg, subject)
	to := []string{s.cfg.CCUMailbox}
	if s.cfg.CCUMailbox == "" {
		us, err := s.ccuInbox.accounts(ctx, s)
		if err != nil {
			return err
		}
		to = to[:0]
		for _, u := range us {
			to = append(to, u.Email)
		}
	}
	for _, addr := range to {
		if err := s.outbox.QueueMail(ctx, addr, subject, body); err != nil {
			return err
		}
	}
	return nil
}

// ccuInbox lists the active CCU accounts, analysts and supervisors (who "a new referral is waiting"
// goes to, and the assignee list). It read them through a one-minute cache
// while listing accounts meant reading every account on the embedded
// server; ListUsers now pages an in-memory copy kept current by the store
// (store/copy_directory.go), so it reads them each time and a new or
// disabled analyst counts at once.
type ccuInbox struct{}

func (ccuInbox) accounts(ctx context.Context, s *Server) ([]store.User, error) {
	var list []store.User
	for _, role := range store.CCURoles {
		for page := 1; ; page++ {
			us, more, err := s.ccu.ListUsers(ctx, store.UserFilter{Role: role, Page: page})
			if err != nil {
				return nil, err
			}
			for _, u := range us {
				if u.Status == store.StatusActive {
					list = append(list, store.User{ID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role})
				}
			}
			if !more {
				break
			}
		}
	}
	return list, nil
}

// notifyFailed logs a notification that could not be queued; the referral
// itself is stored and the queue shows it, so the person is not told.
func (s *Server) notifyFailed(c *gin.Context, err error) {
	if err != nil {
		s.log.ErrorContext(c.Request.Context(), "referral notification not queued", "err", err)
	}
}

// referralGone answers a change to a referral whose content has been
// deleted under the retention policy.
func (s *Server) referralGone(c *gin.Context) {
	s.errorPage(c, http.StatusConflict, "This referral has been closed",
		"Its content has been deleted under the retention policy, so nothing more can be added to it.")
}

// refStatusTag picks a tag colour for a referral status.
func refStatusTag(st string) string {
	switch st {
	case store.RefReceived:
		return "govuk-tag--blue"
	case store.RefAssessing:
		return "govuk-tag--light-blue"
	case store.RefMoreInfo:
		return "govuk-tag--yellow"
	case store.RefReferred:
		return "govuk-tag--purple"
	case store.RefNoFurther, store.RefClosed:
		return "govuk-tag--grey"
	}
	return "govuk-tag--grey"
}

// riskTag picks a tag colour for a risk level.
func riskTag(r string) string {
	switch r {
	case "urgent":
		return "govuk-tag--red"
	case "high":
		return "govuk-tag--orange"
	case "medium":
		return "govuk-tag--yellow"
	}
	return "govuk-tag--grey"
}

// refTarget is the referral id of an audit target "referral:ID", or "".
func refTarget(t string) string {
	if id, ok := strings.CutPrefix(t, "referral:"); ok {
		return id
	}
	return ""
}
