package server

import (
	"net/http"
	"net/url"
	"sort"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
	"candour/words"
)

type visitShowData struct {
	Visit        *store.Visit
	GroupName    string
	Access       visitAccess
	When         string
	Started      bool
	CannotSignUp string // why the reader cannot sign up, in words; "" if they can
	CanSignUp    bool
	WaitingPlace int
	People       []string // attendees' names (chair, staff and attendees see them)
	Findings     []findingView
	MyFinding    *store.Finding
	CanWrite     bool // an attendee, after the visit has started, with no submitted finding
	CanClaim     bool // an attendee, once the visit is over, may claim expenses (expenses.go)
	CanSignOff   bool
	CanRespond   bool
	Time         timeForm
	TimeDate     dateField
	Typed        map[string]string // a response sent with an error, by writer
	SampleSize   int               // records attached for review (shown to attendees and managers)
	BWVLog       bool              // a link to the session's body-worn video viewing log
}

// findingView is one finding as shown on the visit page.
type findingView struct {
	Finding   store.Finding
	Sections  []store.FindingSection
	RecLink   string // raise a recommendation from it (staff)
	Responded bool
}

// timeForm is the day and time an unannounced pair choose.
type timeForm struct {
	Day       string `form:"date-day"`
	Month     string `form:"date-month"`
	Year      string `form:"date-year"`
	StartTime string `form:"startTime"`
	EndTime   string `form:"endTime"`
}

func (timeForm) messages() map[string]string { return nil }

func (s *Server) visitShow(c *gin.Context) {
	v, a, ok := s.loadVisit(c)
	if !ok {
		return
	}
	s.renderVisit(c, http.StatusOK, v, a, &formErrors{}, signedUpNoteFor(c, v, a))
}

// refusal is why a sign-up was just refused, passed to renderVisit.
type refusal string

// renderVisit shows a visit with what the reader may do next; typed, when
// not nil, is a form the person sent (kept on error) or a sign-up's refusal.
func (s *Server) renderVisit(c *gin.Context, status int, v *store.Visit, a visitAccess, errs *formErrors, typed any) {
	ctx := c.Request.Context()
	u := currentUser(c)
	g, err := s.visits.Group(ctx, v.GroupID)
	groupName := ""
	if err == nil {
		groupName = g.Name
	} else if !apperr.Is(err, apperr.NotFound) {
		s.serverError(c, err)
		return
	}
	now := s.visits.Now()
	d := &visitShowData{Visit: v, GroupName: groupName, Access: a, When: visitWhen(*v, a.ShowTime), Started: v.Past(now),
		WaitingPlace: v.WaitingPlace(u.ID), CanRespond: allowed(u.Role, "visits.respond"),
		CanClaim: allowed(u.Role, "expenses.claim") && v.Claimable(u.ID, now)}
	// May the reader sign up? The policy table says which roles may at
	// all; Store.Eligible is the one check of this person and this visit.
	// A refused sign-up brings its reason along, so it is not checked twice.
	if why, refused := typed.(refusal); refused {
		d.CannotSignUp = string(why)
	} else if allowed(u.Role, "visits.signup") {
		err := s.visits.Eligible(ctx, v, u.ID, u.Memberships, now)
		switch {
		case apperr.Is(err, apperr.Conflict): // on it already (store.ErrAlreadySignedUp): the page says so
		case apperr.Is(err, apperr.Invalid):
			d.CannotSignUp = apperr.MessageOf(err)
		case err != nil:
			s.serverError(c, err)
			return
		default:
			d.CanSignUp = true
		}
	}
	if a.Chair || a.Attending || a.Manage || allowed(u.Role, "visits.every") {
		users, err := s.visits.UsersByID(ctx, v.Attendees)
		if err != nil {
			s.serverError(c, err)
			return
		}
		for _, id := range v.Attendees {
			if p, ok := users[id]; ok {
				d.People = append(d.People, p.Name)
			}
		}
		sort.Strings(d.People)
	}
	var fs []store.Finding
	if d.Started { // nobody writes findings before a visit starts
		if fs, err = s.visits.VisitFindings(ctx, v); err != nil {
			s.serverError(c, err)
			return
		}
	}
	for _, f := range fs {
		if f.UserID == u.ID {
			mine := f
			d.MyFinding = &mine
		}
		if f.Status != store.FindingSubmitted {
			continue
		}
		fv := findingView{Finding: f, Responded: f.Response != ""}
		for _, key := range store.SectionsFor(f.VisitType) {
			fv.Sections = append(fv.Sections, f.Section(key))
		}
		if a.Raise {
			fv.RecLink = "/recommendations/new?" + url.Values{"finding": {f.ID}}.Encode()
		}
		d.Findings = append(d.Findings, fv)
	}
	if v.SampleID != "" && (a.Attending || a.Manage || a.Chair) {
		ps, err := s.visitSample(c, v)
		if err != nil {
			s.serverError(c, err)
			return
		}
		if ps != nil {
			d.SampleSize = len(ps.Records)
		}
	}
	d.BWVLog = store.ReviewsRecords(v.Type) && bwvAccessTo(u, v, a).Record && allowed(u.Role, "visits.bwv")
	d.CanWrite = a.Attending && d.Started && (d.MyFinding == nil || d.MyFinding.Status == store.FindingDraft) && allowed(u.Role, "visits.findings")
	d.CanSignOff = a.Chair && !v.SignedOff && len(d.Findings) > 0 && allowed(u.Role, "visits.signoff")
	switch f := typed.(type) {
	case timeForm:
		d.Time = f
	case responseForm:
		d.Typed = map[string]string{f.Writer: f.Text}
	}
	d.TimeDate = dateField{Name: "date", Legend: "Day of the visit", Hint: "A day in the week you were given", Error: errs.For("date"),
		Day: d.Time.Day, Month: d.Time.Month, Year: d.Time.Year, LegendSize: "s"}
	title := words.VisitType(v.Type) + ": " + v.Location
	p := &Page{Title: title, Errors: errs, Data: d, Form: d.Time}
	if note, ok := typed.(signedUpNote); ok {
		p.Flash = string(note)
	}
	s.render(c, status, "visit_show", p)
}
