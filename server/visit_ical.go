package server

import (
	"net/http"
	"sort"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
	"candour/words"
)

// Calendar feeds (RFC 5545). Each person has a private feed of their own
// visits, at an address with a secret token (only its hash is stored; a
// reset ends the old address), and each visit has an .ics download. An
// unannounced visit is in a feed only for its pair, and only once they
// have chosen its day and time; nobody else's feed or download has it.

// visitCalendarOf builds an iCalendar with one event per visit (and per
// group meeting, meeting_show.go), stamped now.
func (s *Server) visitCalendarOf(now time.Time, vs []store.Visit, names map[string]string, ms ...store.Meeting) string {
	cal := ics.NewCalendarFor("Candour " + s.cfg.ForceName)
	cal.SetMethod(ics.MethodPublish)
	cal.SetName("Candour scrutiny visits")
	now = now.UTC()
	for _, v := range vs {
		e := cal.AddEvent(v.ID + "@candour")
		e.SetDtStampTime(now)
		e.SetStartAt(v.Start.UTC())
		e.SetEndAt(v.End.UTC())
		e.SetSequence(v.Version)
		e.SetSummary(icalText(words.VisitType(v.Type) + " (" + names[v.GroupID] + ")"))
		e.SetLocation(icalText(v.Location))
		e.SetDescription(icalText(v.Notes))
		e.SetURL(s.link("/visits/" + v.ID))
		e.SetClass(ics.ClassificationPrivate)
	}
	s.addMeetingEvents(cal, ms, names, now)
	return cal.Serialize(ics.WithNewLine("\r\n")) // RFC 5545: lines end in CRLF
}

// icalText is user text made safe for a TEXT property: whatever was
// stored (even before the text gate existed), a carriage return becomes a
// newline and every other control character goes, so that the library's
// RFC 5545 escaping (backslash, semicolon, comma, newline as \n) leaves
// no way to end the line and start a property of one's own.
func icalText(s string) string {
	return normaliseText(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"))
}

// visitICS is one visit as an .ics file, for people who may see its time.
func (s *Server) visitICS(c *gin.Context) {
	v, a, ok := s.loadVisit(c)
	if !ok {
		return
	}
	if !a.ShowTime || (v.Unannounced && !v.TimeSet) {
		s.notFound(c)
		return
	}
	names, _, err := groupNamesIn(c.Request.Context(), s.calendar)
	if err != nil {
		s.serverError(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="visit-`+v.ID+`.ics"`)
	c.Data(http.StatusOK, "text/calendar; charset=utf-8", []byte(s.visitCalendarOf(s.calendar.Now(), []store.Visit{*v}, names)))
}

// visitFeed is a person's private feed: the visits they have a seat on,
// from 30 days ago on. Unknown tokens are "not found"; nothing about the
// caller is logged or stored.
func (s *Server) visitFeed(c *gin.Context) {
	ctx := c.Request.Context()
	uid, err := s.calendar.FeedOwner(ctx, c.Param("token"))
	if err != nil {
		s.fail(c, err) // 404 for ErrNotFound (render.go)
		return
	}
	// The address outlives sessions, so the owner is checked afresh: a
	// disabled account, or one whose role no longer has feeds, has none.
	owner, err := s.calendar.User(ctx, uid)
	if apperr.Is(err, apperr.NotFound) || (err == nil && (owner.Status != store.StatusActive || !allowed(owner.Role, "visits.feed"))) {
		s.notFound(c)
		return
	}
	if err != nil {
		s.serverError(c, err)
		return
	}
	vs, err := s.feedVisits(c, owner)
	if err != nil {
		s.serverError(c, err)
		return
	}
	names, _, err := groupNamesIn(ctx, s.calendar)
	if err != nil {
		s.serverError(c, err)
		return
	}
	// Calendar apps poll: an ETag lets them ask "changed?" for a 304. The
	// address holds a secret, so only the person's own client may keep a copy.
	// The meetings of the owner's groups are in the feed too.
	ms, err := s.calendar.Meetings(ctx, visitGroupIDs(owner), s.calendar.Now().AddDate(0, 0, -30), 200)
	if err != nil {
		s.serverError(c, err)
		return
	}
	serveConditional(c, "text/calendar; charset=utf-8", cacheFeedPrivate, time.Time{}, []byte(s.visitCalendarOf(s.calendar.Now(), vs, names, ms...)))
}

// feedVisits are the visits in a person's feed, read by id from their diary.
func (s *Server) feedVisits(c *gin.Context, owner *store.User) ([]store.Visit, error) {
	uid := owner.ID
	d, err := s.calendar.Diary(c.Request.Context(), uid)
	if err != nil {
		return nil, err
	}
	from := s.calendar.Now().AddDate(0, 0, -30)
	var ids []string
	for id, b := range d.Bookings {
		if b.Status == store.SeatConfirmed && b.End.After(from) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	vs, err := s.calendar.VisitsByID(c.Request.Context(), ids)
	if err != nil {
		return nil, err
	}
	out := vs[:0]
	for _, v := range vs {
		// The visit itself decides: a seat now, and for an unannounced
		// visit a day and time chosen.
		// And the owner must still be allowed to see its time (someone who
		// has left the group no longer sees a pair's day and time).
		if v.Attending(uid) && (!v.Unannounced || v.TimeSet) && accessTo(owner, &v).ShowTime {
			out = append(out, v)
		}
	}
	return out, nil
}

type feedData struct {
	URL      string // shown once, right after a reset
	HasToken bool
}

// visitFeedPage explains the feed and offers to make (or reset) its address.
func (s *Server) visitFeedPage(c *gin.Context) {
	d, err := s.calendar.Diary(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.render(c, http.StatusOK, "visit_feed", &Page{Title: "Your visits in your own calendar", Data: &feedData{HasToken: d.FeedHash != ""}, NoIndex: true})
}

// visitFeedReset makes a new private address, ending the old one, and
// shows it once.
func (s *Server) visitFeedReset(c *gin.Context) {
	var f versionForm
	if _, ok := s.bind(c, &f); !ok {
		return
	}
	me := currentUser(c)
	token, err := s.calendar.ResetFeedToken(c.Request.Context(), me.ID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.audit(c, store.AuditEvent{ActorID: me.ID, Actor: me.Email, Action: auditFeedReset, Target: "user:" + me.ID})
	c.Header("Cache-Control", "no-store")
	s.render(c, http.StatusOK, "visit_feed", &Page{Title: "Your visits in your own calendar", NoIndex: true,
		Data: &feedData{URL: s.link("/calendar/" + token), HasToken: true}})
}
