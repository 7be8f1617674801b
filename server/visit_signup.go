package server

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
	"candour/words"
)

// visitSignUp gives the person a place, or a place on the waiting list
// when the visit is full. Someone who may not sign up sees why (422).
func (s *Server) visitSignUp(c *gin.Context) {
	v, a, ok := s.loadVisit(c)
	if !ok {
		return
	}
	var f versionForm
	if _, ok := s.bind(c, &f); !ok {
		return
	}
	u := currentUser(c)
	_, err := s.visits.SignUp(c.Request.Context(), v.ID, u.ID, u.Memberships)
	switch {
	case apperr.Is(err, apperr.Invalid):
		// The refusal already says why: the page shows it without asking
		// the store again (refusal in renderVisit).
		errs := &formErrors{}
		errs.Add("sign-up", "You cannot sign up: "+apperr.MessageOf(err))
		s.renderVisit(c, statusOf(apperr.Invalid), v, a, errs, refusal(apperr.MessageOf(err)))
		return
	case apperr.Is(err, apperr.Conflict):
		// On it already (store.ErrAlreadySignedUp): a form sent twice, or
		// again after the Back button. The page says where they are, as
		// after a first sign-up, rather than a flash that would write the
		// session (the benchmark's repeated sign-ups spent 44 % of their
		// waiting on that write).
	case err != nil:
		s.fail(c, err)
		return
	}
	// The page says which (signedUpNote), from the visit itself: no flash
	// in the session, so neither this request nor the next page writes the
	// session (docs/performance-history.md, "Sign-up at 50 members").
	s.redirect(c, "/visits/"+v.ID+"?"+signedUpParam)
}

// signedUpParam on a visit's address asks its page to say where a sign-up
// just left the reader.
const signedUpParam = "signed-up"

// signedUpNote is the banner after a sign-up (signedUpParam): what the
// visit says of the reader now, so a link with the parameter can never
// show something untrue; "" when they are on neither list.
type signedUpNote string

func signedUpNoteFor(c *gin.Context, v *store.Visit, a visitAccess) signedUpNote {
	if _, ok := c.GetQuery(signedUpParam); !ok {
		return ""
	}
	switch {
	case a.Attending:
		return "You have a place on this visit. We will email you a reminder 2 days before."
	case v.WaitingPlace(currentUser(c).ID) > 0:
		return "This visit is full, so you are on the waiting list. We will email you if a place comes up."
	}
	return ""
}

// visitCancel gives up a place (or a place in the queue); the next person
// waiting gets the seat and an email.
// visitCancelConfirm asks before someone gives up their place (it goes to
// the next person waiting at once) or their place on the waiting list.
func (s *Server) visitCancelConfirm(c *gin.Context) {
	v, a, ok := s.loadVisit(c)
	if !ok {
		return
	}
	u := currentUser(c)
	back := "/visits/" + v.ID
	switch {
	case a.Attending && !v.Unannounced && !v.Past(s.visits.Now()):
		body := "Your place will be offered to someone else straight away."
		if len(v.Waiting) > 0 {
			body = "Your place will go to the next person on the waiting list straight away, and we will email them."
		}
		s.confirm(c, "Are you sure you want to cancel your place?", confirmation{Caption: words.VisitType(v.Type) + ": " + v.Location,
			Body:   []string{body, "If you change your mind you will need to sign up again, and the visit may be full by then."},
			Action: "/visits/" + v.ID + "/cancel", Button: "Yes, cancel my place", Destructive: true, Cancel: back})
	case v.WaitingPlace(u.ID) > 0:
		s.confirm(c, "Are you sure you want to leave the waiting list?", confirmation{Caption: words.VisitType(v.Type) + ": " + v.Location,
			Body:   []string{"You are number " + strconv.Itoa(v.WaitingPlace(u.ID)) + " on the waiting list. If you join it again you will go to the back."},
			Action: "/visits/" + v.ID + "/cancel", Button: "Yes, leave the waiting list", Destructive: true, Cancel: back})
	default:
		s.redirect(c, back) // nothing to cancel
	}
}

func (s *Server) visitCancel(c *gin.Context) {
	v, _, ok := s.loadVisit(c)
	if !ok {
		return
	}
	var f versionForm
	if _, ok := s.bind(c, &f); !ok {
		return
	}
	if v.Unannounced {
		s.errorPage(c, http.StatusConflict, "Talk to your chair", "Unannounced visits are planned in pairs. If you cannot go, tell the chair of your group so they can find someone else.")
		return
	}
	if v.Past(s.visits.Now()) {
		s.errorPage(c, http.StatusConflict, "This visit has already started", "You can no longer cancel your place. Nothing has been changed.")
		return
	}
	promoted, err := s.visits.CancelSignUp(c.Request.Context(), v.ID, currentUser(c).ID)
	switch {
	case apperr.Is(err, apperr.Conflict): // store.ErrNotSignedUp
		s.flash(c, apperr.MessageOf(err))
		s.redirect(c, "/visits/"+v.ID)
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	s.tellPromoted(c, v, promoted)
	s.flash(c, "You are no longer signed up for this visit")
	s.redirect(c, "/visits/"+v.ID)
}

// tellPromoted emails the people who moved from the waiting list into a
// place. A lost message is logged, not shown: the place is theirs anyway.
func (s *Server) tellPromoted(c *gin.Context, v *store.Visit, ids []string) {
	err := s.mailUsers(c.Request.Context(), s.visits, ids, "A place has come up on a visit", func(u store.User) string {
		return fmt.Sprintf("Hello %s,\n\nA place has come up on a visit you were waiting for, and it is yours:\n\n%s at %s\n%s\n\nIf you cannot go, cancel on the visit's page so the next person can have it:\n%s",
			u.Name, words.VisitType(v.Type), v.Location, visitWhen(*v, true), s.visitLink(v))
	})
	if err != nil {
		s.log.ErrorContext(c.Request.Context(), "mail promoted members", "err", err, "visit", v.ID)
	}
}

// visitSetTime records the day and time an unannounced pair chose; it
// must fall within their week.
func (s *Server) visitSetTime(c *gin.Context) {
	v, a, ok := s.loadVisit(c)
	if !ok {
		return
	}
	var f timeForm
	errs, ok := s.bind(c, &f)
	if !ok {
		return
	}
	if !v.Unannounced || !a.Attending {
		s.errorPage(c, http.StatusConflict, "There is no time to choose", "Only the pair on an unannounced visit choose its day and time.")
		return
	}
	if v.Past(s.visits.Now()) {
		s.errorPage(c, http.StatusConflict, "This visit has already started", "Its day and time can no longer be changed. Nothing has been changed.")
		return
	}
	day, msg := dateParts{f.Day, f.Month, f.Year}.parse("The day of the visit")
	if msg == "" && day.IsZero() {
		msg = "Enter the day of the visit"
	}
	weekEnd := v.Week.AddDate(0, 0, 7)
	if msg == "" && (day.Before(v.Week.In(london)) || !day.Before(weekEnd)) {
		msg = "Choose a day in the week beginning " + v.Week.In(london).Format("2 January 2006")
	}
	if msg != "" {
		errs.Add("date", msg)
	}
	sh, sm, ok1 := parseClock(f.StartTime)
	eh, em, ok2 := parseClock(f.EndTime)
	if !ok1 {
		errs.Add("startTime", "Enter the start time, like 10:00 or 14:30")
	}
	if !ok2 {
		errs.Add("endTime", "Enter the end time, like 12:00 or 16:30")
	}
	if ok1 && ok2 && !day.IsZero() && !at(day, eh, em).After(at(day, sh, sm)) {
		errs.Add("endTime", "The end must be after the start")
	}
	// A time already gone would start the visit at once.
	if ok1 && !day.IsZero() && errs.For("date") == "" && !at(day, sh, sm).After(s.visits.Now()) {
		errs.Add("startTime", "Choose a start time that has not passed yet")
	}
	if errs.Any() {
		s.renderVisit(c, http.StatusUnprocessableEntity, v, a, errs, f)
		return
	}
	if err := s.visits.SetVisitTime(c.Request.Context(), v.ID, at(day, sh, sm), at(day, eh, em)); err != nil {
		s.serverError(c, err)
		return
	}
	s.flash(c, "Day and time saved. Only you, your partner and the chair can see them.")
	s.redirect(c, "/visits/"+v.ID)
}
