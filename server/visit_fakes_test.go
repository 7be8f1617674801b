package server

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"candour/apperr"
	"candour/store"
)

// The visits group's handler tests on fakes (visitStore and
// visitCalendarStore, fakes_test.go): bad input, refusals, what each role
// sees, the calendar month, the iCal feed's shape and access, and the
// transitions a visit refuses. Each moved test keeps the assertions of the
// test it was moved from (named in its comment). The journeys that keep
// the real store are in visits_test.go and visits_review_test.go: sign-up,
// findings, sign-off and response (TestVisitFindingsSignOffAndResponse),
// planning and the secrecy of an unannounced visit's time
// (TestUnannouncedVisitTimingIsSecret,
// TestPlanDrawIsCommittedAndRevealedAfterTheVisits), the calendar feed
// reading the diary a sign-up wrote (TestVisitCalendarFeedAndICS), the
// waiting list (TestVisitSignUpWaitingListAndReasons,
// TestVisitNoPromotionAfterStart) and the store's own order of the export
// and the coming-up list (TestUnannouncedDayNotLeakedByOrderOrList).

// visitFakeWorld is newVisitWorld on fakes: a scrutiny panel (chair, three
// members) and an IAG (one member), a coordinator and a partner, with the
// visits, findings, viewing log and feed addresses kept in memory behind
// fakeVisits and fakeCalendar. Memberships are on each account, as the
// store copies them there (accessTo reads them).
type visitFakeWorld struct {
	a                      *fakeApp
	fv                     *fakeVisits
	fc                     *fakeCalendar
	panel, iag             *store.Group
	chair, m1, m2, m3, out *store.User
	coord, partner         *store.User

	mu       sync.Mutex
	visits   map[string]*store.Visit
	findings map[string]*store.Finding
	viewings []store.BWVViewing
	feeds    map[string]string           // feed token to its owner
	plans    map[string]*store.VisitPlan // by id (planned)
}

func newVisitFakeWorld(t *testing.T, now time.Time) *visitFakeWorld {
	t.Helper()
	return newVisitFakeWorldOn(t, newFakeApp(t), now)
}

// newVisitFakeWorldOn is newVisitFakeWorld on a fake app of the test's
// own (newFakeAppWith: one built with other Options).
func newVisitFakeWorldOn(t *testing.T, a *fakeApp, now time.Time) *visitFakeWorld {
	t.Helper()
	w := &visitFakeWorld{a: a, visits: map[string]*store.Visit{}, findings: map[string]*store.Finding{}, feeds: map[string]string{},
		plans: map[string]*store.VisitPlan{},
		panel: &store.Group{ID: store.NewID(), Name: "Stop and search panel", Kind: store.GroupPanel},
		iag:   &store.Group{ID: store.NewID(), Name: "East IAG", Kind: store.GroupIAG}}
	person := func(role store.Role, email string, ms ...store.Membership) *store.User {
		u := &store.User{ID: store.NewID(), Email: email, Name: "Test " + strings.TrimSuffix(email, "@example.org"), Role: role,
			Status: store.StatusActive, TOTPEnabled: true}
		for _, m := range ms {
			m.UserID = u.ID
			u.Memberships = append(u.Memberships, m)
		}
		a.users.add(u)
		return u
	}
	w.chair = person(store.RoleChair, "chair@example.org", store.Membership{GroupID: w.panel.ID, Chair: true, VettingLevel: "NPPV3"})
	w.m1 = person(store.RoleMember, "m1@example.org", store.Membership{GroupID: w.panel.ID, VettingLevel: "NPPV2"})
	w.m2 = person(store.RoleMember, "m2@example.org", store.Membership{GroupID: w.panel.ID, VettingLevel: "NPPV2"})
	w.m3 = person(store.RoleMember, "m3@example.org", store.Membership{GroupID: w.panel.ID, VettingLevel: "NPPV1"})
	w.out = person(store.RoleMember, "out@example.org", store.Membership{GroupID: w.iag.ID, VettingLevel: "NPPV3"})
	w.coord = person(store.RoleCoordinator, "coord@example.org")
	w.partner = person(store.RolePartner, "partner@example.org")

	w.fv = &fakeVisits{fakeReads: w.reads(now), visit: w.visit,
		visitFindings: func(v *store.Visit) ([]store.Finding, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			var fs []store.Finding
			for _, f := range w.findings {
				if f.VisitID == v.ID {
					fs = append(fs, *f)
				}
			}
			return fs, nil
		},
		eligible: func(v *store.Visit, userID string, _ []store.Membership) error {
			if v.Attending(userID) || v.WaitingPlace(userID) > 0 {
				return store.ErrAlreadySignedUp
			}
			return nil
		},
		// CreateVisit checks the scheduling rules with the visit's own
		// Check, as the store does, and stores nothing when one is broken.
		createVisit: func(v *store.Visit) error {
			if err := v.Check(w.now(), true); err != nil {
				return err
			}
			v.ID, v.Version = store.NewID(), 1
			v.Attendees, v.Waiting, v.Submitted = []string{}, []string{}, []string{}
			w.put(v)
			return nil
		},
		finding: func(id string) (*store.Finding, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			if f, ok := w.findings[id]; ok {
				cp := *f
				return &cp, nil
			}
			return nil, store.ErrNotFound
		},
		// The plans planned() made; none otherwise.
		visitPlanByID: func(id string) (*store.VisitPlan, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			if p, ok := w.plans[id]; ok {
				cp := *p
				return &cp, nil
			}
			return nil, store.ErrNotFound
		},
		bwvViewings: func(visitID string) ([]store.BWVViewing, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			var out []store.BWVViewing
			for _, e := range w.viewings {
				if e.VisitID == visitID {
					out = append(out, e)
				}
			}
			// The store's promise: in the order they happened
			// (store.TestBWVViewingsInTheOrderWatched checks the store keeps it).
			slices.SortStableFunc(out, func(a, b store.BWVViewing) int { return a.ViewedAt.Compare(b.ViewedAt) })
			return out, nil
		},
	}
	w.fc = &fakeCalendar{fakeReads: w.reads(now),
		visits: func(store.VisitFilter) ([]store.Visit, error) { return w.all(), nil },
		visitsByID: func(ids []string) ([]store.Visit, error) {
			var out []store.Visit
			for _, id := range ids {
				if v, err := w.visit(id); err == nil {
					out = append(out, *v)
				}
			}
			return out, nil
		},
		diary: func(userID string) (*store.Diary, error) {
			d := &store.Diary{ID: userID, Bookings: map[string]store.Booking{}}
			for _, v := range w.all() {
				switch {
				case v.Attending(userID):
					d.Bookings[v.ID] = store.Booking{Start: v.Start, End: v.End, Status: store.SeatConfirmed}
				case v.WaitingPlace(userID) > 0:
					d.Bookings[v.ID] = store.Booking{Start: v.Start, End: v.End, Status: store.SeatWaiting}
				}
			}
			w.mu.Lock()
			defer w.mu.Unlock()
			for _, owner := range w.feeds {
				if owner == userID {
					d.FeedHash = "set"
				}
			}
			return d, nil
		},
		meetings: func([]string, time.Time, int) ([]store.Meeting, error) { return nil, nil },
		resetFeedToken: func(userID string) (string, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			for token, owner := range w.feeds {
				if owner == userID {
					delete(w.feeds, token)
				}
			}
			token := store.RandomSecret()
			w.feeds[token] = userID
			return token, nil
		},
		feedOwner: func(token string) (string, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			if owner, ok := w.feeds[token]; ok {
				return owner, nil
			}
			return "", store.ErrNotFound
		},
	}
	a.srv.visits, a.srv.calendar = w.fv, w.fc
	return w
}

// reads answers the reads the fakes share: the two groups, their members
// and people by id, from the world's accounts.
func (w *visitFakeWorld) reads(now time.Time) fakeReads {
	return fakeReads{fakeCalls: fakeCalls{t: w.a.t, now: now},
		group: func(id string) (*store.Group, error) {
			for _, g := range []*store.Group{w.panel, w.iag} {
				if g.ID == id {
					cp := *g
					return &cp, nil
				}
			}
			return nil, store.ErrNotFound
		},
		groups:    func() ([]store.Group, error) { return []store.Group{*w.panel, *w.iag}, nil },
		usersByID: w.a.users.byID,
		groupMembers: func(groupID string) ([]store.Membership, error) {
			var ms []store.Membership
			for _, u := range w.a.users.all() {
				for _, m := range u.Memberships {
					if m.GroupID == groupID {
						ms = append(ms, m)
					}
				}
			}
			return ms, nil
		},
		user: func(id string) (*store.User, error) { return w.a.users.User(context.Background(), id) },
	}
}

// now is the fakes' clock; setNow moves both fakes' clocks.
func (w *visitFakeWorld) now() time.Time { return w.fv.Now() }

func (w *visitFakeWorld) setNow(t time.Time) {
	w.fv.setNow(t)
	w.fc.setNow(t)
}

// visit answers Visit from the world: a copy, or ErrNotFound.
func (w *visitFakeWorld) visit(id string) (*store.Visit, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	v, ok := w.visits[id]
	if !ok {
		return nil, store.ErrNotFound
	}
	cp := *v
	return &cp, nil
}

// put keeps v (a copy) in the world.
func (w *visitFakeWorld) put(v *store.Visit) {
	w.mu.Lock()
	defer w.mu.Unlock()
	cp := *v
	w.visits[v.ID] = &cp
}

// all is every visit, by start.
func (w *visitFakeWorld) all() []store.Visit {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []store.Visit
	for _, v := range w.visits {
		out = append(out, *v)
	}
	slices.SortFunc(out, func(a, b store.Visit) int { return a.CalendarDay().Compare(b.CalendarDay()) })
	return out
}

func (w *visitFakeWorld) visitCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.visits)
}

func (w *visitFakeWorld) as(u *store.User) *client { return w.a.as(u) }

// createVisit schedules a visit through the form, as newVisitWorld's does.
func (w *visitFakeWorld) createVisit(c *client, form url.Values) string {
	w.a.t.Helper()
	r := c.submit("/visits/new", "/visits/new", form)
	m := visitIDRe.FindStringSubmatch(r.Location)
	if r.Status != http.StatusSeeOther || m == nil {
		w.a.t.Fatalf("create visit: %d to %q\n%s", r.Status, r.Location, r.Body)
	}
	return m[1]
}

// tomorrow10 is 10:00 UK time the day after the fakes' today.
func (w *visitFakeWorld) tomorrow10() time.Time {
	n := w.now().In(london).AddDate(0, 0, 1)
	return time.Date(n.Year(), n.Month(), n.Day(), 10, 0, 0, 0, london)
}

// signUpTakesASeat makes SignUp give a seat while there is one, and a
// place on the waiting list after (the outcome the store decides; its
// rules are tested on the real store).
func (w *visitFakeWorld) signUpTakesASeat() {
	w.fv.signUp = func(id, userID string, _ []store.Membership) (string, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		v, ok := w.visits[id]
		if !ok {
			return "", store.ErrNotFound
		}
		v.Version++
		if v.SeatsTaken < v.Capacity {
			v.Attendees = append(v.Attendees, userID)
			v.SeatsTaken++
			return store.SeatConfirmed, nil
		}
		v.Waiting = append(v.Waiting, userID)
		return store.SeatWaiting, nil
	}
}

// visitFakeNow is a Monday in term, 9:00 UK time: the fakes' clock unless
// a test moves it.
var visitFakeNow = time.Date(2026, 10, 12, 9, 0, 0, 0, london)

// TestVisitSchedulingRulesAndWhoMayWithFakes is TestVisitSchedulingRulesAndWhoMay
// on fakes: the scheduling rules are the visit's own (Visit.Check), so a
// refused visit is a 422 that keeps what was typed and stores nothing.
func TestVisitSchedulingRulesAndWhoMayWithFakes(t *testing.T) {
	w := newVisitFakeWorld(t, visitFakeNow)
	w.signUpTakesASeat()
	w.fv.updateVisit = func(string, int, store.VisitChange) ([]string, error) { return nil, store.ErrCapacityBelow }
	chair, coord := w.as(w.chair), w.as(w.coord)
	start := w.tomorrow10()
	id := w.createVisit(chair, visitFormAt(w.panel.ID, start, "3"))
	w.createVisit(coord, visitFormAt(w.iag.ID, start.AddDate(0, 0, 2), "3"))

	past := visitFormAt(w.panel.ID, start.AddDate(0, 0, -3), "3")
	endFirst := visitFormAt(w.panel.ID, start, "3")
	endFirst.Set("endTime", "09:00")
	for _, tc := range []struct {
		name string
		c    *client
		form url.Values
		want string
	}{
		{"end before start", chair, endFirst, "The end must be after the start"},
		{"date in the past", chair, past, "The start must be in the future"},
		{"group the chair does not chair", chair, visitFormAt(w.iag.ID, start, "3"), "Select one of the groups you schedule visits for"},
		{"no places", coord, visitFormAt(w.panel.ID, start, "0"), "Enter at least 1 place"},
		{"not a number", coord, visitFormAt(w.panel.ID, start, "four"), "Enter the number of places as a number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := w.visitCount()
			r := tc.c.submit("/visits/new", "/visits/new", tc.form)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.want) {
				t.Fatalf("status %d, want 422 with %q", r.Status, tc.want)
			}
			if !strings.Contains(r.Body, `value="Weymouth police station"`) {
				t.Error("what was typed is not kept")
			}
			if w.visitCount() != before {
				t.Error("a refused visit was stored")
			}
		})
	}

	// Capacity below the number booked is refused on edit, and nothing changes.
	m1, m2 := w.as(w.m1), w.as(w.m2)
	for _, c := range []*client{m1, m2} {
		if r := c.submit("/visits/"+id, "/visits/"+id+"/sign-up", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("sign-up: %d\n%s", r.Status, r.Body)
		}
	}
	edit := visitFormAt(w.panel.ID, start, "1")
	edit.Set("version", "3")
	r := chair.submit("/visits/"+id+"/edit", "/visits/"+id+"/edit", edit)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "2 people are already booked") {
		t.Fatalf("capacity below booked: %d", r.Status)
	}
	if v, _ := w.visit(id); v.Capacity != 3 {
		t.Fatalf("capacity changed to %d", v.Capacity)
	}
	// A member may not schedule or edit; a chair of another group's visit may not edit.
	if r := m1.get("/visits/new"); r.Status != http.StatusForbidden {
		t.Fatalf("member scheduling: %d", r.Status)
	}
}

// TestVisitWhoSeesWhatWithFakes is TestVisitWhoSeesWhat on fakes: the
// visit page and the calendar follow the one row-level check (accessTo),
// whatever the store lists; the month grid shows a visit on its day.
func TestVisitWhoSeesWhatWithFakes(t *testing.T) {
	w := newVisitFakeWorld(t, visitFakeNow)
	// The member's home page (its next visits, below).
	fh := &fakeHome{fakeReads: w.reads(w.now())}
	fh.userMemberships = func(string) ([]store.Membership, error) { return w.m1.Memberships, nil }
	fh.diary = w.fc.diary
	fh.schedules = w.fc.visitsByID
	fh.visits = w.fc.visits
	fh.findingsCopies = func([]string, time.Time, time.Time) ([]store.Visit, error) { return nil, nil }
	fh.expenseYear = func(string, time.Time) (map[string]store.ExpenseYearItem, error) { return nil, nil }
	w.a.srv.homePage = fh
	start := w.tomorrow10()
	id := w.createVisit(w.as(w.coord), visitFormAt(w.panel.ID, start, "3"))
	for _, tc := range []struct {
		name   string
		u      *store.User
		status int
	}{
		{"chair of the group", w.chair, 200},
		{"member of the group", w.m1, 200},
		{"member of another group", w.out, 404},
		{"coordinator", w.coord, 200},
		{"partner", w.partner, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := w.as(tc.u)
			if r := c.get("/visits/" + id); r.Status != tc.status {
				t.Fatalf("visit page: %d, want %d", r.Status, tc.status)
			}
			cal := c.get("/visits?view=list")
			if tc.status == 403 {
				if cal.Status != 403 {
					t.Fatalf("calendar: %d, want 403", cal.Status)
				}
				return
			}
			if got := strings.Contains(cal.Body, "/visits/"+id); got != (tc.status == 200) {
				t.Fatalf("calendar lists the visit: %v, want %v", got, tc.status == 200)
			}
		})
	}
	if r := w.a.client().get("/visits"); r.Status != http.StatusSeeOther {
		t.Fatalf("anonymous calendar: %d", r.Status)
	}
	// The month grid shows it on its day, without JavaScript.
	month := w.as(w.m1).get("/visits?view=month&month=" + start.In(london).Format("2006-01"))
	if month.Status != 200 || !strings.Contains(month.Body, `href="/visits/`+id+`">10:00 Stop and search`) {
		t.Fatalf("month grid: %d", month.Status)
	}
	// The home page shows the member's next visits.
	if home := w.as(w.m1).get("/home"); !strings.Contains(home.Body, "/visits/"+id) {
		t.Fatal("home page does not show the next visit")
	}
}

// unannounced puts in the world what planUnannounced leaves in the store
// (the planning journey itself is TestUnannouncedVisitTimingIsSecret, on
// the real store): next quarter's unannounced custody visit of the pair m1
// and m2, in the week beginning Monday 4 January 2027, whose day and time
// they chose: the Wednesday, 19:45 to 21:15.
func (w *visitFakeWorld) unannounced() *store.Visit {
	v := w.planned()
	v.Start, v.End = v.Week.AddDate(0, 0, 2).Add(19*time.Hour+45*time.Minute), v.Week.AddDate(0, 0, 2).Add(21*time.Hour+15*time.Minute)
	v.TimeSet, v.Version = true, 2
	w.put(v)
	return v
}

// planned is that visit as the plan leaves it, before the pair choose
// the day (its start and end are the Monday, as store.PlanQuarterFrom
// sets them), with the plan that made it.
func (w *visitFakeWorld) planned() *store.Visit {
	week := time.Date(2027, 1, 4, 0, 0, 0, 0, london)
	v := &store.Visit{ID: store.NewID(), Type: store.VisitCustody, GroupID: w.panel.ID, Location: "Weymouth custody suite",
		Week: week, Start: week, End: week, Unannounced: true, PlanID: w.panel.ID + "/2027-Q1", Capacity: 2, SeatsTaken: 2, MinVetting: "NPPV2",
		Attendees: []string{w.m1.ID, w.m2.ID}, Waiting: []string{}, Submitted: []string{}, Version: 1}
	w.put(v)
	plan := &store.VisitPlan{ID: v.PlanID, GroupID: w.panel.ID, Quarter: "2027-Q1", Pairs: []store.Pair{{A: w.m1.ID, B: w.m2.ID}}, VisitIDs: []string{v.ID}}
	w.mu.Lock()
	w.plans[plan.ID] = plan
	w.mu.Unlock()
	return v
}

// TestVisitBadInputNever500WithFakes is TestVisitBadInputNever500 on
// fakes: odd input anywhere in the visit routes is a 4xx, never a 500
// (and never a write: the fakes' writes but sign-up are left nil).
func TestVisitBadInputNever500WithFakes(t *testing.T) {
	w := newVisitFakeWorld(t, visitFakeNow)
	w.signUpTakesASeat()
	w.fc.panelTallyOf = func(string) (*store.PanelTally, error) { return &store.PanelTally{}, nil }
	// The edit forms carry no version: the store's answer is the version
	// check's (409). One it would store is a failure, as it was on the
	// real store.
	w.fv.updateVisit = func(id string, version int, _ store.VisitChange) ([]string, error) {
		if v, err := w.visit(id); err != nil || v.Version != version {
			return nil, store.ErrConflict
		}
		t.Errorf("an odd edit of %s was stored", id)
		return nil, nil
	}
	start := w.now().Add(time.Hour)
	id := w.createVisit(w.as(w.chair), visitFormAt(w.panel.ID, start, "2"))
	w.as(w.m1).submit("/visits/"+id, "/visits/"+id+"/sign-up", nil)
	uid := w.unannounced().ID
	w.setNow(w.now().Add(2 * time.Hour))
	long := strings.Repeat("x", 300000)
	chair, m1, coord := w.as(w.chair), w.as(w.m1), w.as(w.coord)
	gets := []string{"/visits?month=99999-99", "/visits?month=0000-00", "/visits?month=9999-12", "/visits?month=2026-13", "/visits?view=list&month=x",
		"/visits?group=nope", "/visits?type=%00", "/visits/trends?group=nope", "/visits/trends?group=" + w.iag.ID,
		"/visits/zzz", "/visits/" + strings.Repeat("a", 24), "/visits/%2e%2e", "/visits/zzz/ics", "/visits/zzz/edit", "/visits/zzz/findings",
		"/visits/" + id + "/findings/record?n=-1", "/visits/" + id + "/findings/record?n=99999999999999999999", "/visits/" + id + "/findings/record?n=x",
		"/calendar/zzz", "/calendar/" + long[:5000], "/visits/new?group=" + long[:3000]}
	for _, c := range []*client{chair, m1, coord} {
		for _, p := range gets {
			if r := c.get(p); r.Status >= 500 {
				t.Errorf("GET %s: %d", p[:min(len(p), 80)], r.Status)
			}
		}
	}
	form := visitFormAt(w.panel.ID, start.AddDate(0, 0, 3), "2")
	bad := []url.Values{}
	for k, v := range map[string]string{"date-day": "30", "date-month": "2", "date-year": "99999999999999999999", "capacity": "99999999999999999999",
		"startTime": "25:00", "endTime": "-1:-1", "location": long, "notes": long, "type": "x", "group": w.iag.ID, "minVetting": long} {
		f := url.Values{}
		for kk, vv := range form {
			f[kk] = vv
		}
		f.Set(k, v)
		if k == "date-day" {
			f.Set("date-month", "2")
			f.Set("date-year", "2027")
		}
		bad = append(bad, f)
	}
	for i, f := range bad {
		if r := chair.submit("/visits/new", "/visits/new", f); r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("create %d: %d", i, r.Status)
		}
		if r := chair.submit("/visits/"+id+"/edit", "/visits/"+id+"/edit", f); r.Status < 400 || r.Status >= 500 {
			t.Errorf("edit %d: %d", i, r.Status)
		}
	}
	posts := []struct {
		c    *client
		page string
		path string
		form url.Values
	}{
		{m1, "/visits/" + id + "/findings", "/visits/" + id + "/findings", url.Values{"action": {"submit"}, "version": {"abc"}}},
		{m1, "/visits/" + id + "/findings", "/visits/" + id + "/findings", url.Values{"version": {"99999999999999999999"}}},
		{m1, "/visits/" + id + "/findings/record", "/visits/" + id + "/findings/record", url.Values{"n": {"7"}, "reference": {"x"}}},
		{m1, "/visits/" + id + "/findings/record", "/visits/" + id + "/findings/record", url.Values{"reference": {"x"}, "date-day": {"31"}, "date-month": {"4"}, "date-year": {"2026"}, "legislation": {"x"}, "object": {"x"}, "outcome": {"x"}, "selfEthnicity": {"x"}, "grounds": {"x"}, "rag": {"x"}, "bwv": {"x"}, "gowisely": {"x", "y"}}},
		{m1, "/visits/" + id + "/findings/record", "/visits/" + id + "/findings/record/remove", url.Values{"n": {"-5"}}},
		{m1, "/visits/" + id + "/findings/record", "/visits/" + id + "/findings/record/remove", url.Values{"n": {"x"}}},
		{m1, "/visits/" + uid, "/visits/" + uid + "/time", url.Values{"date-day": {"30"}, "date-month": {"2"}, "date-year": {"2027"}, "startTime": {"x"}, "endTime": {"99:99"}}},
		{m1, "/visits/" + uid, "/visits/" + uid + "/time", url.Values{"date-day": {"1"}, "date-month": {"1"}, "date-year": {"99999999999"}, "startTime": {"10:00"}, "endTime": {"11:00"}}},
		{chair, "/visits/plan", "/visits/plan", url.Values{"group": {w.panel.ID}, "quarter": {"99999-Q9"}, "locations": {"A"}, "minVetting": {"NPPV2"}}},
		{chair, "/visits/plan", "/visits/plan", url.Values{"group": {w.iag.ID}, "quarter": {"2027-Q1"}, "locations": {"A"}, "minVetting": {"NPPV2"}}},
		{chair, "/visits/plan", "/visits/plan", url.Values{"group": {w.panel.ID}, "quarter": {""}, "locations": {strings.Repeat("\n", 1999)}, "minVetting": {"x"}}},
		{coord, "/visits/" + id, "/visits/" + id + "/findings/zzz/response", url.Values{"response-zzz": {"x"}}},
		{coord, "/visits/" + id, "/visits/" + id + "/findings/" + w.m1.ID + "/response", url.Values{"response-" + w.m1.ID: {long[:5000]}}},
		{chair, "/visits/" + id, "/visits/" + id + "/sign-off", url.Values{"version": {"x"}}},
		{chair, "/visits/" + id, "/visits/zzz/sign-off", nil},
		{m1, "/visits/" + id, "/visits/zzz/sign-up", nil},
		{m1, "/visits/" + id, "/visits/zzz/cancel", nil},
		{m1, "/visits/" + id, "/visits/" + id + "/findings/submit", url.Values{"version": {"abc"}}},
	}
	for _, p := range posts {
		if r := p.c.submit(p.page, p.path, p.form); r.Status >= 500 || r.Status < 400 {
			t.Errorf("POST %s %.200v: %d", p.path, p.form, r.Status)
		}
	}
}

// TestUnannouncedFeedFollowsAccessWithFakes is TestUnannouncedFeedFollowsAccess
// on fakes: the feed address outlives sessions and memberships, so it
// stops giving an unannounced visit's time to someone who has left the
// group (the membership copied on their account, which the feed reads
// afresh), and stops altogether for a disabled account.
func TestUnannouncedFeedFollowsAccessWithFakes(t *testing.T) {
	w := newVisitFakeWorld(t, visitFakeNow)
	id := w.unannounced().ID
	m1 := w.as(w.m1)
	r := m1.submit("/visits/feed", "/visits/feed", nil)
	m := feedURLRe.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no feed address: %d", r.Status)
	}
	path := strings.TrimPrefix(m[1], w.a.http.URL)
	if f := w.a.client().get(path); f.Status != 200 || !strings.Contains(f.Body, id+"@candour") {
		t.Fatalf("the pair's feed lacks the visit: %d", f.Status)
	}
	w.a.users.change(w.m1.ID, func(u *store.User) { u.Memberships = nil }) // what RemoveMembership leaves on the account
	if f := w.a.client().get(path); f.Status != 200 || strings.Contains(f.Body, id+"@candour") {
		t.Fatalf("after leaving the group the feed still has the unannounced visit: %d", f.Status)
	}
	w.a.users.change(w.m1.ID, func(u *store.User) { u.Status = store.StatusDisabled })
	if f := w.a.client().get(path); f.Status != http.StatusNotFound {
		t.Fatalf("a disabled account's feed: %d, want 404", f.Status)
	}
}

// TestVisitPromotionMailGivesNewTimeWithFakes is
// TestVisitPromotionMailGivesNewTime on fakes: a person the store moves up
// from the waiting list by an edit that also moves the visit is told the
// new time, not the old one (the handler reads the visit again).
func TestVisitPromotionMailGivesNewTimeWithFakes(t *testing.T) {
	w := newVisitFakeWorld(t, visitFakeNow)
	// The store's answer to raising the places: the edit is made and m2
	// moves up.
	w.fv.updateVisit = func(id string, version int, ch store.VisitChange) ([]string, error) {
		v, err := w.visit(id)
		if err != nil || version != v.Version {
			return nil, store.ErrConflict
		}
		v.Start, v.End, v.Capacity, v.Version = ch.Start, ch.End, ch.Capacity, v.Version+1
		v.Attendees, v.SeatsTaken, v.Waiting = append(v.Attendees, v.Waiting...), 2, []string{}
		w.put(v)
		return []string{w.m2.ID}, nil
	}
	start := w.tomorrow10()
	chair := w.as(w.chair)
	id := w.createVisit(chair, visitFormAt(w.panel.ID, start, "1"))
	// m1 has the place and m2 waits, as after their two sign-ups.
	v, _ := w.visit(id)
	v.Attendees, v.SeatsTaken, v.Waiting, v.Version = []string{w.m1.ID}, 1, []string{w.m2.ID}, 3
	w.put(v)
	moved := start.AddDate(0, 0, 1).Add(4 * time.Hour) // the next day, 2pm
	f := visitFormAt(w.panel.ID, moved, "2")
	f.Set("version", "3")
	if r := chair.submit("/visits/"+id+"/edit", "/visits/"+id+"/edit", f); r.Status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", r.Status, r.Body)
	}
	mail := w.a.outbox.queued()
	found := false
	for _, m := range mail {
		if m.To == w.m2.Email && strings.Contains(m.Subject, "place has come up") {
			found = true
			if want := moved.In(london).Format("Monday 2 January 2006, 3:04pm"); !strings.Contains(m.Body, want) {
				t.Fatalf("promotion mail does not give the new time %q:\n%s", want, m.Body)
			}
		}
	}
	if !found {
		t.Fatal("no promotion mail")
	}
}

// TestUnannouncedFindingDateHiddenFromStaffWithFakes is
// TestUnannouncedFindingDateHiddenFromStaff on fakes: when the pair submit
// their findings on the evening of the visit, the staff who see the
// findings must not learn that day from "submitted on".
func TestUnannouncedFindingDateHiddenFromStaffWithFakes(t *testing.T) {
	w := newVisitFakeWorld(t, visitFakeNow)
	v := w.unannounced()
	id := v.ID
	// SaveFinding keeps the finding, moving its version on, and a
	// submitted one on the visit's list of those submitted.
	w.fv.saveFinding = func(f *store.Finding, version int, submit bool) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		cp := *f
		cp.ID, cp.Version = store.FindingID(f.VisitID, f.UserID), version+1
		if submit {
			cp.Status, cp.SubmittedAt = store.FindingSubmitted, w.now()
			w.visits[f.VisitID].Submitted = append(w.visits[f.VisitID].Submitted, f.UserID)
		} else {
			cp.Status = store.FindingDraft
		}
		w.findings[cp.ID] = &cp
		return nil
	}
	w.setNow(v.End.Add(10 * time.Minute))
	form := url.Values{"action": {"submit"}}
	for _, k := range store.CustodySections {
		form.Set("rag-"+k, "green")
	}
	submitFindings(t, w.as(w.m1), id, form)
	day := v.Start.In(london).Format("2 January 2006")
	if page := w.as(w.chair).get("/visits/" + id); !strings.Contains(page.Body, "submitted") {
		t.Fatal("the chair does not see the finding")
	}
	page := w.as(w.coord).get("/visits/" + id)
	if page.Status != 200 || !strings.Contains(page.Body, "finding-"+w.m1.ID) {
		t.Fatalf("the coordinator does not see the finding: %d", page.Status)
	}
	if strings.Contains(page.Body, day) {
		t.Fatalf("the coordinator's page gives the day of the visit (%s)", day)
	}
}

// TestBWVViewingLogWithFakes is TestBWVViewingLog on fakes: people at a
// panel session record their own viewings of body-worn video; the chair
// and staff record anyone's, read the whole log and download it; bad input
// is a 422 that keeps what was typed and stores nothing; others are turned
// away; every entry and download is audited.
func TestBWVViewingLogWithFakes(t *testing.T) {
	w := newVisitFakeWorld(t, visitFakeNow)
	w.signUpTakesASeat()
	// RecordBWVViewing appends to the log, giving the entry an id and the
	// time it was recorded, as the store does.
	w.fv.recordBWVViewing = func(e *store.BWVViewing) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		e.ID, e.RecordedAt = store.NewID(), w.now()
		w.viewings = append(w.viewings, *e)
		return nil
	}
	w.fv.visitFindings = func(*store.Visit) ([]store.Finding, error) { return nil, nil }
	start := w.tomorrow10()
	form := visitFormAt(w.panel.ID, start, "2")
	form.Set("type", store.VisitUseOfForce)
	id := w.createVisit(w.as(w.chair), form)
	w.as(w.m1).submit("/visits/"+id, "/visits/"+id+"/sign-up", nil)
	w.setNow(start.Add(90 * time.Minute)) // 11:30 on the day
	log := "/visits/" + id + "/bwv"
	m1, m2, chair, coord := w.as(w.m1), w.as(w.m2), w.as(w.chair), w.as(w.coord)

	if page := m1.get("/visits/" + id); !strings.Contains(page.Body, `href="`+log+`"`) {
		t.Fatal("the session's page has no link to the viewing log for an attendee")
	}
	if page := m1.get(log); page.Status != http.StatusOK || !strings.Contains(page.Body, `value="11:30"`) || strings.Contains(page.Body, `name="viewer" id`) {
		t.Fatalf("log page for an attendee: %d (the time is today's, no choice of viewer)", page.Status)
	}
	good := url.Values{"footageRef": {"BWV-4471-0193"}, "viewer": {w.m1.ID}, "time": {"10:40"}, "purpose": {"scrutiny"}}
	for _, tc := range []struct {
		name, field, value, msg string
	}{
		{"no reference", "footageRef", "", "Enter the footage reference"},
		{"a time to come", "time", "12:00", "The time it was watched cannot be in the future"},
		{"not a time", "time", "quarter to", "Enter the time it was watched, like 18:40"},
		{"no purpose", "purpose", "", "Choose why the footage was watched"},
		{"other without saying", "purpose", "other", "Say what the other purpose was"},
		{"someone else, as a member", "viewer", w.m2.ID, "Choose who watched the footage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := url.Values{}
			for k, v := range good {
				f[k] = v
			}
			f.Set(tc.field, tc.value)
			r := m1.submit(log, log, f)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.msg) || !strings.Contains(r.Body, "govuk-error-summary") {
				t.Fatalf("%d, want 422 with %q", r.Status, tc.msg)
			}
			if tc.field != "footageRef" && !strings.Contains(r.Body, `value="BWV-4471-0193"`) {
				t.Error("what was typed is lost")
			}
			if vs, _ := w.fv.bwvViewings(id); len(vs) != 0 {
				t.Fatalf("a refused viewing was stored: %+v", vs)
			}
		})
	}
	if r := m1.submit(log, log, good); r.Status != http.StatusSeeOther {
		t.Fatalf("record: %d\n%s", r.Status, r.Body)
	}
	// The chair records the chair's own viewing and one for the member.
	for _, f := range []url.Values{
		{"footageRef": {"BWV-4471-0193"}, "viewer": {w.chair.ID}, "time": {"10:35"}, "purpose": {"record-check"}},
		{"footageRef": {"BWV-4471-0201"}, "viewer": {w.m1.ID}, "time": {"11:05"}, "purpose": {"other"}, "detail": {"Second angle, for the \"learning\" note"}},
	} {
		if r := chair.submit(log, log, f); r.Status != http.StatusSeeOther {
			t.Fatalf("chair records: %d\n%s", r.Status, r.Body)
		}
	}
	// Someone in the group who was not there: 403; another group: 404.
	if r := m2.get(log); r.Status != http.StatusForbidden {
		t.Fatalf("a member not at the session: %d, want 403", r.Status)
	}
	if r := w.as(w.out).get(log); r.Status != http.StatusNotFound {
		t.Fatalf("another group's member: %d, want 404", r.Status)
	}
	if r := m1.get(log + "/export.csv"); r.Status != http.StatusForbidden {
		t.Fatalf("a member downloads the log: %d, want 403", r.Status)
	}
	// The member reads only their own; the coordinator reads all three, in
	// the order watched.
	mine := m1.get(log).Body
	if !strings.Contains(mine, "BWV-4471-0201") || strings.Contains(mine, "10:35") {
		t.Fatal("a member's log page should list their own viewings only")
	}
	all := coord.get(log).Body
	i, j, k := strings.Index(all, "10:35"), strings.Index(all, "10:40"), strings.Index(all, "11:05")
	if i < 0 || j < i || k < j || !strings.Contains(all, "Download the viewing log") {
		t.Fatalf("the coordinator's log is not the three viewings in order (%d %d %d)", i, j, k)
	}
	r := coord.get(log + "/export.csv")
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Body, "\ufeffpanel,session,session date,footage reference,viewer,viewed at,purpose") {
		t.Fatalf("CSV: %d\n%s", r.Status, r.Body)
	}
	lines := strings.Split(strings.TrimSpace(r.Body), "\n")
	day := start.In(london).Format(time.DateOnly)
	if len(lines) != 4 || !strings.Contains(lines[1], "BWV-4471-0193,"+w.chair.Name+","+day+" 10:35,Checking the written record") ||
		!strings.Contains(lines[3], `Another purpose,"Second angle, for the ""learning"" note",chair@example.org`) {
		t.Fatalf("CSV rows:\n%s", r.Body)
	}
	if n := w.a.audits.count(auditBWVViewing, "visit:"+id); n != 3 {
		t.Errorf("%d viewings audited, want 3", n)
	}
	if n := w.a.audits.count(auditBWVExported, "visit:"+id); n != 1 {
		t.Errorf("%d downloads audited, want 1", n)
	}
	// A visit that reviews no records has no log.
	custody := visitFormAt(w.panel.ID, start.Add(24*time.Hour), "2")
	custody.Set("type", store.VisitCustody)
	cid := w.createVisit(chair, custody)
	if r := chair.get("/visits/" + cid + "/bwv"); r.Status != http.StatusNotFound {
		t.Fatalf("a custody visit's log: %d, want 404", r.Status)
	}
}

// TestVisitCalendarFeedAndICSWithFakes is TestVisitCalendarFeedAndICS on
// fakes: the private feed's shape (only the visits the person is booked
// on, their start and place, parsed by a real iCalendar parser), a reset
// ending the old address, and the per-visit download.
func TestVisitCalendarFeedAndICSWithFakes(t *testing.T) {
	w := newVisitFakeWorld(t, visitFakeNow)
	w.signUpTakesASeat()
	start := w.tomorrow10()
	id := w.createVisit(w.as(w.chair), visitFormAt(w.panel.ID, start, "2"))
	other := w.createVisit(w.as(w.chair), visitFormAt(w.panel.ID, start.AddDate(0, 0, 1), "2"))
	m1 := w.as(w.m1)
	m1.submit("/visits/"+id, "/visits/"+id+"/sign-up", nil)

	r := m1.submit("/visits/feed", "/visits/feed", nil)
	old := feedURLRe.FindStringSubmatch(r.Body)[1]
	cal := feedOf(t, m1) // resets: the old address stops working
	if got := w.a.client().get(strings.TrimPrefix(old, w.a.http.URL)); got.Status != http.StatusNotFound {
		t.Fatalf("old feed address: %d, want 404", got.Status)
	}
	evs := cal.Events()
	if len(evs) != 1 || evs[0].Id() != id+"@candour" {
		t.Fatalf("feed has %d events, want only the booked visit", len(evs))
	}
	st, err := evs[0].GetStartAt()
	if err != nil || !st.Equal(start) {
		t.Fatalf("DTSTART = %v (%v), want %v", st, err, start)
	}
	if loc := evs[0].GetProperty(ics.ComponentPropertyLocation); loc == nil || loc.Value != "Weymouth police station" {
		t.Fatalf("LOCATION = %v", loc)
	}
	// The per-visit download parses too, for a visit the person has not booked.
	res := m1.get("/visits/" + other + "/ics")
	one, err := ics.ParseCalendar(strings.NewReader(res.Body))
	if err != nil || len(one.Events()) != 1 || one.Events()[0].Id() != other+"@candour" {
		t.Fatalf(".ics: %d %v", res.Status, err)
	}
	if r := w.a.client().get("/calendar/not-a-token"); r.Status != http.StatusNotFound {
		t.Fatalf("unknown token: %d", r.Status)
	}
}

// TestVisitFindingRefusalsWithFakes holds the refusals that
// TestVisitFindingsSignOffAndResponse (the journey, on the real store)
// walked past: findings from someone who did not attend, an incomplete
// submission, a red record without a reason, a change after submitting, a
// sign-off by someone who does not chair the group, and an empty or
// too-long response. Each is a 4xx that stores nothing: the fakes' writes
// are left nil, so a write fails the test.
func TestVisitFindingRefusalsWithFakes(t *testing.T) {
	w := newVisitFakeWorld(t, visitFakeNow)
	w.signUpTakesASeat()
	start := w.now().Add(time.Hour)
	id := w.createVisit(w.as(w.chair), visitFormAt(w.panel.ID, start, "2"))
	w.as(w.m1).submit("/visits/"+id, "/visits/"+id+"/sign-up", nil)
	w.setNow(w.now().Add(2 * time.Hour))
	m1, m2, coord := w.as(w.m1), w.as(w.m2), w.as(w.coord)

	// Someone who did not attend gets 422 and nothing is stored.
	r := m2.submit("/visits/"+id, "/visits/"+id+"/findings/record", url.Values{"reference": {"X"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "You did not attend this visit") {
		t.Fatalf("non-attendee: %d", r.Status)
	}
	if n := w.fv.calls("SaveFinding"); n != 0 {
		t.Fatal("a non-attendee's finding was stored")
	}
	// Submitting with no records is refused.
	r = m1.submit("/visits/"+id+"/findings", "/visits/"+id+"/findings", url.Values{"action": {"submit"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Add at least one record") {
		t.Fatalf("empty submit: %d", r.Status)
	}
	// A record with a red rating needs a comment.
	rec := url.Values{"reference": {"DOR-2026-0041"}, "date-day": {"3"}, "date-month": {"10"}, "date-year": {"2026"},
		"legislation": {"Misuse of Drugs Act 1971 (section 23)"}, "object": {"Controlled drugs"}, "outcome": {"A no further action disposal"},
		"selfEthnicity": {"Black, Black British, Black Welsh, Caribbean or African: Caribbean"}, "officerEthnicity": {"Black"},
		"bwv": {"partial"}, "grounds": {"no"}, "gowisely": {"grounds", "object", "legal"}, "rag": {"red"}}
	r = m1.submit("/visits/"+id+"/findings/record", "/visits/"+id+"/findings/record", rec)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Say why you rated the record red") {
		t.Fatalf("red without comment: %d", r.Status)
	}
	// m1's findings as submitted: the visit lists them.
	w.mu.Lock()
	fid := store.FindingID(id, w.m1.ID)
	w.findings[fid] = &store.Finding{ID: fid, VisitID: id, GroupID: w.panel.ID, VisitType: store.VisitStopSearch, VisitStart: start, UserID: w.m1.ID,
		AuthorName: w.m1.Name, Status: store.FindingSubmitted, SubmittedAt: w.now(), Version: 2,
		Records: []store.RecordReview{{Reference: "DOR-2026-0041", Grounds: "no", RAG: "red", Comment: "Grounds were the smell of cannabis alone"}}}
	w.visits[id].Submitted = []string{w.m1.ID}
	w.mu.Unlock()
	// Submitted findings are locked.
	rec.Set("comment", "Grounds were the smell of cannabis alone")
	rec.Set("version", "2")
	if r := m1.submit("/visits/"+id, "/visits/"+id+"/findings/record", rec); r.Status != http.StatusConflict {
		t.Fatalf("change after submit: %d, want 409", r.Status)
	}
	// The chair signs off; the coordinator cannot.
	if r := coord.submit("/visits/"+id, "/visits/"+id+"/sign-off", nil); r.Status != http.StatusForbidden {
		t.Fatalf("coordinator sign-off: %d", r.Status)
	}
	field := "response-" + w.m1.ID
	if r := coord.submit("/visits/"+id, "/visits/"+id+"/findings/"+w.m1.ID+"/response", url.Values{field: {""}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "Enter the force&#39;s response") {
		t.Fatalf("empty response: %d", r.Status)
	}
	long := strings.Repeat("a", 4001)
	if r := coord.submit("/visits/"+id, "/visits/"+id+"/findings/"+w.m1.ID+"/response", url.Values{field: {long}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, long) {
		t.Fatalf("long response: %d, or what was typed is lost", r.Status)
	}
	for _, write := range []string{"SaveFinding", "SignOffVisit", "RespondToFinding"} {
		if n := w.fv.calls(write); n != 0 {
			t.Errorf("a refusal called %s %d times", write, n)
		}
	}
}

// TestUnannouncedRefusalsWithFakes holds the refusals that
// TestUnannouncedVisitTimingIsSecret (the planning journey, on the real
// store) walked past: planning a quarter twice, findings before the pair
// have chosen the day, and a chosen time that has already gone, which
// changes nothing.
func TestUnannouncedRefusalsWithFakes(t *testing.T) {
	w := newVisitFakeWorld(t, visitFakeNow)
	w.fv.availabilityPollOf = func(string, string) (*store.AvailabilityPoll, error) { return nil, store.ErrNotFound }
	v := w.planned()
	id, next := v.ID, "2027-Q1"
	chair := w.as(w.chair)
	if r := chair.submit("/visits/plan", "/visits/plan", url.Values{"group": {w.panel.ID}, "quarter": {next}, "locations": {"Poole"}, "minVetting": {"NPPV2"}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "already planned") {
		t.Fatalf("planning twice: %d", r.Status)
	}
	// The week has begun, but the pair has not chosen the day: they still can,
	// and nobody writes findings yet.
	w.setNow(v.Week.Add(time.Hour))
	m1 := w.as(w.m1)
	if r := m1.get("/visits/" + id); !strings.Contains(r.Body, "Choose the day and time") {
		t.Fatal("in the week, the pair cannot choose the day")
	}
	if r := m1.get("/visits/" + id + "/findings"); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("findings before the chosen day: %d, want 422", r.Status)
	}
	// A time in the week that has already gone is refused: it would start the visit at once.
	first := v.Week.In(london)
	if r := m1.submit("/visits/"+id, "/visits/"+id+"/time", url.Values{"date-day": {first.Format("2")}, "date-month": {first.Format("1")}, "date-year": {first.Format("2006")},
		"startTime": {"00:30"}, "endTime": {"02:00"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "has not passed yet") {
		t.Fatalf("a start already gone: %d, want 422", r.Status)
	}
	if got, _ := w.visit(id); !got.Start.Equal(v.Start) || w.fv.calls("SetVisitTime") != 0 {
		t.Fatalf("a refused time changed the visit's start to %v", got.Start)
	}
}

// TestVisitTransitionsRefusedWithFakes: each step of a visit's life that
// is not open yet, or not any more, is refused with a page that says why,
// and asks nothing of the store's writes (left nil): sign-up once the
// visit has started (the store's reason, shown on the page and on a
// refused sign-up), findings before it happens, a sign-off with nothing
// submitted, a sign-off already made (the store's conflict), a day and
// time for a visit that has none to choose or has started, leaving an
// unannounced visit, and findings changed in another window.
func TestVisitTransitionsRefusedWithFakes(t *testing.T) {
	w := newVisitFakeWorld(t, visitFakeNow)
	w.signUpTakesASeat()
	start := w.tomorrow10()
	// The store's answers, given before the first request: once the visit
	// has started, sign-up has closed (the store's reason, for Eligible
	// and SignUp alike); a sign-off is refused as made already (its
	// conditional write), and findings as changed in another window.
	closed := apperr.Invalidf("sign-up", "This visit has already started, so sign-up has closed.")
	open, takeSeat := w.fv.eligible, w.fv.signUp
	w.fv.eligible = func(v *store.Visit, userID string, ms []store.Membership) error {
		if w.now().Before(start) {
			return open(v, userID, ms)
		}
		if v.Attending(userID) {
			return store.ErrAlreadySignedUp
		}
		return closed
	}
	w.fv.signUp = func(id, userID string, ms []store.Membership) (string, error) {
		if w.now().Before(start) {
			return takeSeat(id, userID, ms)
		}
		return "", closed
	}
	w.fv.signOffVisit = func(string, string) error { return store.ErrConflict }
	w.fv.saveFinding = func(*store.Finding, int, bool) error { return store.ErrConflict }
	w.fv.visitFindings = func(*store.Visit) ([]store.Finding, error) { return nil, nil }
	id := w.createVisit(w.as(w.chair), visitFormAt(w.panel.ID, start, "2"))
	page := "/visits/" + id
	m1, m2, chair := w.as(w.m1), w.as(w.m2), w.as(w.chair)
	m1.submit(page, page+"/sign-up", nil)

	// Before it starts: no findings, and no day and time to choose for an
	// announced visit.
	if r := m1.get(page + "/findings"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "This visit has not happened yet") {
		t.Fatalf("findings before the visit: %d, want 422", r.Status)
	}
	if r := m1.submit(page, page+"/time", url.Values{"date-day": {"13"}, "date-month": {"10"}, "date-year": {"2026"}, "startTime": {"10:00"}, "endTime": {"11:00"}}); r.Status != http.StatusConflict ||
		!strings.Contains(r.Body, "There is no time to choose") {
		t.Fatalf("a time for an announced visit: %d, want 409", r.Status)
	}

	// Once it has started, sign-up has closed: the page says so (the
	// store's reason) and offers no button; a sign-up sent anyway is a 422
	// with the reason.
	w.setNow(start.Add(30 * time.Minute))
	if r := m2.get(page); !strings.Contains(r.Body, "sign-up has closed") || strings.Contains(r.Body, ">Sign up<") {
		t.Fatal("a started visit's page does not say sign-up has closed")
	}
	if r := m2.submit(page, page+"/sign-up", nil); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "You cannot sign up: This visit has already started") {
		t.Fatalf("sign-up after the start: %d, want 422", r.Status)
	}

	// Nothing submitted yet: nothing to sign off.
	if r := chair.submit(page, page+"/sign-off", nil); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "There are no submitted findings to sign off yet") {
		t.Fatalf("sign-off with nothing submitted: %d, want 422", r.Status)
	}
	if n := w.fv.calls("SignOffVisit"); n != 0 {
		t.Fatalf("a refused sign-off reached the store %d times", n)
	}
	// Signed off meanwhile (the store's conditional write refuses): the
	// visit's page, saying so.
	w.mu.Lock()
	w.visits[id].Submitted = []string{w.m1.ID}
	w.mu.Unlock()
	if r := chair.submit(page, page+"/sign-off", nil); r.Status != http.StatusSeeOther || r.Location != page {
		t.Fatalf("sign-off made twice: %d to %q, want back to the visit", r.Status, r.Location)
	}
	if r := chair.get(page); !strings.Contains(r.Body, "These findings were already signed off") {
		t.Fatal("the second sign-off is not explained")
	}

	// Findings changed in another window: the store's version check, in
	// the handler's words, and nothing saved here.
	if r := w.as(w.m1).submit(page+"/findings", page+"/findings", url.Values{"version": {"0"}}); r.Status != http.StatusConflict ||
		!strings.Contains(r.Body, "Your findings changed in another window") {
		t.Fatalf("a stale findings form: %d, want 409", r.Status)
	}

	// An unannounced visit: leaving it is the chair's business, and its
	// time cannot be changed once it has started.
	u := w.unannounced()
	upage := "/visits/" + u.ID
	if r := m1.submit(upage, upage+"/cancel", nil); r.Status != http.StatusConflict || !strings.Contains(r.Body, "Talk to your chair") {
		t.Fatalf("leaving an unannounced visit: %d, want 409", r.Status)
	}
	w.setNow(u.Start.Add(time.Minute))
	day := u.Start.In(london)
	if r := m1.submit(upage, upage+"/time", url.Values{"date-day": {day.Format("2")}, "date-month": {day.Format("1")}, "date-year": {day.Format("2006")},
		"startTime": {"22:00"}, "endTime": {"23:00"}}); r.Status != http.StatusConflict || !strings.Contains(r.Body, "Its day and time can no longer be changed") {
		t.Fatalf("a new time after the start: %d, want 409", r.Status)
	}
	for _, write := range []string{"CancelSignUp", "SetVisitTime"} {
		if n := w.fv.calls(write); n != 0 {
			t.Errorf("a refusal called %s %d times", write, n)
		}
	}
}

// TestCalendarPastMarksFindingsWithFakes: the past view lists the last
// twelve months' visits, newest first, and says for each where the
// reader's findings stand: to write up (went, nothing submitted),
// submitted, to sign off (a chair's, with findings in), signed off. A
// visit to come is not in it, nor another group's.
func TestCalendarPastMarksFindingsWithFakes(t *testing.T) {
	w := newVisitFakeWorld(t, visitFakeNow)
	past := func(days int, where string, change func(v *store.Visit)) {
		st := visitFakeNow.AddDate(0, 0, -days)
		v := &store.Visit{ID: store.NewID(), Type: store.VisitStopSearch, GroupID: w.panel.ID, Location: where, Start: st, End: st.Add(2 * time.Hour),
			Capacity: 3, SeatsTaken: 1, Attendees: []string{w.m1.ID}, Waiting: []string{}, Submitted: []string{}, Version: 2}
		change(v)
		w.put(v)
	}
	past(3, "Weymouth police station", func(*store.Visit) {})
	past(10, "Poole police station", func(v *store.Visit) { v.Submitted = []string{w.m1.ID} })
	past(20, "Bournemouth police station", func(v *store.Visit) { v.Submitted, v.SignedOff = []string{w.m1.ID}, true })
	past(-5, "Dorchester police station", func(*store.Visit) {})
	past(4, "Christchurch police station", func(v *store.Visit) { v.GroupID = w.iag.ID })
	item := func(body, where string) string {
		for _, li := range strings.Split(body, `<li class="govuk-!-margin-bottom-4">`)[1:] {
			if strings.Contains(li, where) {
				return li
			}
		}
		return ""
	}
	for _, tc := range []struct {
		who  *store.User
		want map[string]string // location: its tag ("" for none)
	}{
		{w.m1, map[string]string{"Weymouth": "Findings to write up", "Poole": "Findings submitted", "Bournemouth": "Signed off"}},
		{w.chair, map[string]string{"Weymouth": "", "Poole": "Findings to sign off", "Bournemouth": "Signed off"}},
	} {
		t.Run(tc.who.Email, func(t *testing.T) {
			r := w.as(tc.who).get("/visits?view=past")
			if r.Status != http.StatusOK {
				t.Fatalf("past visits: %d", r.Status)
			}
			for where, tag := range tc.want {
				li := item(r.Body, where+" police station")
				if li == "" {
					t.Fatalf("%s is not in the past visits", where)
				}
				for _, other := range []string{"Findings to write up", "Findings submitted", "Findings to sign off", "Signed off"} {
					if strings.Contains(li, other) != (other == tag) {
						t.Errorf("%s: shows %q %v, want the tag %q", where, other, strings.Contains(li, other), tag)
					}
				}
			}
			if strings.Contains(r.Body, "Dorchester") || strings.Contains(r.Body, "Christchurch") {
				t.Error("the past view lists a visit to come or another group's")
			}
			if i, j, k := strings.Index(r.Body, "Weymouth"), strings.Index(r.Body, "Poole"), strings.Index(r.Body, "Bournemouth"); i > j || j > k {
				t.Errorf("not newest first (%d %d %d)", i, j, k)
			}
		})
	}
}
