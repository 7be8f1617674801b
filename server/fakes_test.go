package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"candour/config"
	"candour/disparity"
	"candour/powers"
	"candour/sealed"
	"candour/store"
)

// Hand-written fakes for the narrow store views in stores.go. A handler
// test builds the real router with fakes standing in for the store, so it
// needs no database: each fake answers from its function fields, and a
// field left nil fails the test if the handler calls it.

// fakeSessions keeps signed-in sessions in memory (sessionDB).
type fakeSessions struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]*store.Session
}

var _ sessionDB = (*fakeSessions)(nil)

func (f *fakeSessions) Now() time.Time { return f.now() }

func (f *fakeSessions) Session(_ context.Context, id string) (*store.Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.m[id]
	if !ok {
		return nil, store.ErrNotFound
	}
	cp := *s
	return &cp, nil
}

func (f *fakeSessions) SaveSession(_ context.Context, id string, s *store.Session) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	cp := *s
	f.m[id] = &cp
	return nil
}

func (f *fakeSessions) UpdateSession(_ context.Context, id string, s *store.Session) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.m[id]; !ok {
		return store.ErrNotFound
	}
	cp := *s
	f.m[id] = &cp
	return nil
}

func (f *fakeSessions) TouchSession(_ context.Context, id string, lastSeen, expires time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.m[id]; ok {
		s.LastSeen, s.ExpiresAt = lastSeen, expires
	}
	return nil
}

func (f *fakeSessions) DeleteSession(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.m, id)
	return nil
}

// fakeUsers finds signed-in people by id (userDB): the people a fake app
// signed in (as) and any the test added. A test may add or change one
// while the server runs, so they are kept under a lock.
type fakeUsers struct {
	mu sync.Mutex
	m  map[string]*store.User
}

var _ userDB = (*fakeUsers)(nil)

func (f *fakeUsers) User(_ context.Context, id string) (*store.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u, ok := f.m[id]; ok {
		cp := *u
		return &cp, nil
	}
	return nil, store.ErrNotFound
}

// add keeps u (by its id) among the people.
func (f *fakeUsers) add(u *store.User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[string]*store.User{}
	}
	f.m[u.ID] = u
}

// change changes the person with id in place, as the store would.
func (f *fakeUsers) change(id string, fn func(u *store.User)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f.m[id])
}

// all is a copy of every person.
func (f *fakeUsers) all() []store.User {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]store.User, 0, len(f.m))
	for _, u := range f.m {
		out = append(out, *u)
	}
	return out
}

// byID answers UsersByID from the people (usersIn, under the lock).
func (f *fakeUsers) byID(ids []string) (map[string]store.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return usersIn(f.m)(ids)
}

// fakeVisits stands in for the store on one visit's pages (visitStore):
// its page, sign-up and cancelling, scheduling, findings, sign-off, the
// body-worn video log, a panel's sample and planning.
type fakeVisits struct {
	fakeReads
	visit              func(id string) (*store.Visit, error)
	visitFindings      func(v *store.Visit) ([]store.Finding, error)
	eligible           func(v *store.Visit, userID string, ms []store.Membership) error
	signUp             func(id, userID string, ms []store.Membership) (string, error)
	cancelSignUp       func(id, userID string) ([]string, error)
	setVisitTime       func(id string, start, end time.Time) error
	createVisit        func(v *store.Visit) error
	updateVisit        func(id string, version int, ch store.VisitChange) ([]string, error)
	finding            func(id string) (*store.Finding, error)
	saveFinding        func(f *store.Finding, version int, submit bool) error
	signOffVisit       func(id, chairName string) error
	respondToFinding   func(id, response, by string) (*store.Finding, error)
	bwvViewings        func(visitID string) ([]store.BWVViewing, error)
	recordBWVViewing   func(v *store.BWVViewing) error
	panelSample        func(id string) (*store.PanelSample, error)
	attachSample       func(sampleID, visitID string) error
	visitPlanByID      func(id string) (*store.VisitPlan, error)
	availabilityPollOf func(groupID, quarter string) (*store.AvailabilityPoll, error)
	trainingOf         func(userID string) (*store.Training, error)
	planInputsFor      func(groupID, quarter string, eligible, locations []string, minVetting string) (*store.PlanInputs, error)
	planQuarterFrom    func(in *store.PlanInputs, chairID string, rng *rand.Rand, commitment, seed string) (*store.VisitPlan, error)
}

var _ visitStore = (*fakeVisits)(nil)

func (f *fakeVisits) Visit(_ context.Context, id string) (*store.Visit, error) {
	return ask(&f.fakeCalls, "Visit", f.visit, id)
}

func (f *fakeVisits) VisitFindings(_ context.Context, v *store.Visit) ([]store.Finding, error) {
	return ask(&f.fakeCalls, "VisitFindings", f.visitFindings, v)
}

func (f *fakeVisits) Eligible(_ context.Context, v *store.Visit, userID string, ms []store.Membership, _ time.Time) error {
	if !f.called("Eligible", f.eligible) {
		return errNoFake
	}
	return f.eligible(v, userID, ms)
}

func (f *fakeVisits) SignUp(_ context.Context, id, userID string, ms []store.Membership) (string, error) {
	if !f.called("SignUp", f.signUp) {
		return "", errNoFake
	}
	return f.signUp(id, userID, ms)
}

func (f *fakeVisits) CancelSignUp(_ context.Context, id, userID string) ([]string, error) {
	if !f.called("CancelSignUp", f.cancelSignUp) {
		return nil, errNoFake
	}
	return f.cancelSignUp(id, userID)
}

func (f *fakeVisits) SetVisitTime(_ context.Context, id string, start, end time.Time) error {
	if !f.called("SetVisitTime", f.setVisitTime) {
		return errNoFake
	}
	return f.setVisitTime(id, start, end)
}

func (f *fakeVisits) CreateVisit(_ context.Context, v *store.Visit) error {
	return do(&f.fakeCalls, "CreateVisit", f.createVisit, v)
}

func (f *fakeVisits) UpdateVisit(_ context.Context, id string, version int, ch store.VisitChange) ([]string, error) {
	if !f.called("UpdateVisit", f.updateVisit) {
		return nil, errNoFake
	}
	return f.updateVisit(id, version, ch)
}

func (f *fakeVisits) Finding(_ context.Context, id string) (*store.Finding, error) {
	return ask(&f.fakeCalls, "Finding", f.finding, id)
}

func (f *fakeVisits) SaveFinding(_ context.Context, fd *store.Finding, version int, submit bool) error {
	if !f.called("SaveFinding", f.saveFinding) {
		return errNoFake
	}
	return f.saveFinding(fd, version, submit)
}

func (f *fakeVisits) SignOffVisit(_ context.Context, id, chairName string) error {
	if !f.called("SignOffVisit", f.signOffVisit) {
		return errNoFake
	}
	return f.signOffVisit(id, chairName)
}

func (f *fakeVisits) RespondToFinding(_ context.Context, id, response, by string) (*store.Finding, error) {
	if !f.called("RespondToFinding", f.respondToFinding) {
		return nil, errNoFake
	}
	return f.respondToFinding(id, response, by)
}

func (f *fakeVisits) BWVViewings(_ context.Context, visitID string) ([]store.BWVViewing, error) {
	return ask(&f.fakeCalls, "BWVViewings", f.bwvViewings, visitID)
}

func (f *fakeVisits) RecordBWVViewing(_ context.Context, v *store.BWVViewing) error {
	return do(&f.fakeCalls, "RecordBWVViewing", f.recordBWVViewing, v)
}

func (f *fakeVisits) PanelSample(_ context.Context, id string) (*store.PanelSample, error) {
	return ask(&f.fakeCalls, "PanelSample", f.panelSample, id)
}

func (f *fakeVisits) AttachSample(_ context.Context, sampleID, visitID string) error {
	if !f.called("AttachSample", f.attachSample) {
		return errNoFake
	}
	return f.attachSample(sampleID, visitID)
}

func (f *fakeVisits) VisitPlanByID(_ context.Context, id string) (*store.VisitPlan, error) {
	return ask(&f.fakeCalls, "VisitPlanByID", f.visitPlanByID, id)
}

func (f *fakeVisits) AvailabilityPollOf(_ context.Context, groupID, quarter string) (*store.AvailabilityPoll, error) {
	if !f.called("AvailabilityPollOf", f.availabilityPollOf) {
		return nil, errNoFake
	}
	return f.availabilityPollOf(groupID, quarter)
}

func (f *fakeVisits) TrainingOf(_ context.Context, userID string) (*store.Training, error) {
	return ask(&f.fakeCalls, "TrainingOf", f.trainingOf, userID)
}

func (f *fakeVisits) PlanInputsFor(_ context.Context, groupID, quarter string, eligible, locations []string, minVetting string) (*store.PlanInputs, error) {
	if !f.called("PlanInputsFor", f.planInputsFor) {
		return nil, errNoFake
	}
	return f.planInputsFor(groupID, quarter, eligible, locations, minVetting)
}

func (f *fakeVisits) PlanQuarterFrom(_ context.Context, in *store.PlanInputs, chairID string, rng *rand.Rand, commitment, seed string) (*store.VisitPlan, error) {
	if !f.called("PlanQuarterFrom", f.planQuarterFrom) {
		return nil, errNoFake
	}
	return f.planQuarterFrom(in, chairID, rng, commitment, seed)
}

// fakeCalendar stands in for the store on the reads across many visits
// (visitCalendarStore): the calendar, its feeds and export, panel trends.
type fakeCalendar struct {
	fakeReads
	visits         func(f store.VisitFilter) ([]store.Visit, error)
	visitsByID     func(ids []string) ([]store.Visit, error)
	allVisits      func() ([]store.Visit, error)
	diary          func(userID string) (*store.Diary, error)
	meetings       func(groupIDs []string, from time.Time, limit int) ([]store.Meeting, error)
	feedOwner      func(token string) (string, error)
	resetFeedToken func(userID string) (string, error)
	panelTallyOf   func(groupID string) (*store.PanelTally, error)
}

var _ visitCalendarStore = (*fakeCalendar)(nil)

func (f *fakeCalendar) Visits(_ context.Context, flt store.VisitFilter) ([]store.Visit, error) {
	return ask(&f.fakeCalls, "Visits", f.visits, flt)
}

func (f *fakeCalendar) VisitsByID(_ context.Context, ids []string) ([]store.Visit, error) {
	return ask(&f.fakeCalls, "VisitsByID", f.visitsByID, ids)
}

func (f *fakeCalendar) AllVisits(context.Context) ([]store.Visit, error) {
	if !f.called("AllVisits", f.allVisits) {
		return nil, errNoFake
	}
	return f.allVisits()
}

func (f *fakeCalendar) Diary(_ context.Context, userID string) (*store.Diary, error) {
	return ask(&f.fakeCalls, "Diary", f.diary, userID)
}

func (f *fakeCalendar) Meetings(_ context.Context, groupIDs []string, from time.Time, limit int) ([]store.Meeting, error) {
	if !f.called("Meetings", f.meetings) {
		return nil, errNoFake
	}
	return f.meetings(groupIDs, from, limit)
}

func (f *fakeCalendar) FeedOwner(_ context.Context, token string) (string, error) {
	return ask(&f.fakeCalls, "FeedOwner", f.feedOwner, token)
}

func (f *fakeCalendar) ResetFeedToken(_ context.Context, userID string) (string, error) {
	return ask(&f.fakeCalls, "ResetFeedToken", f.resetFeedToken, userID)
}

func (f *fakeCalendar) PanelTallyOf(_ context.Context, groupID string) (*store.PanelTally, error) {
	return ask(&f.fakeCalls, "PanelTallyOf", f.panelTallyOf, groupID)
}

// swappable is a fake's answer that a test changes between requests. The
// fake's field, given before the first request, calls get(); the test
// changes the answer with set, under the lock, as the house rule asks
// (frozen_test.go). An answer not given yet is nil: the handler that
// calls it panics into a 500, which fails the test.
type swappable[F any] struct {
	mu sync.Mutex
	f  F
}

func (s *swappable[F]) set(f F) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.f = f
}

func (s *swappable[F]) get() F {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f
}

// fakeCalls is what every newer fake shares: the test it fails, the clock
// it answers Now with, and a count of each method's calls. A method whose
// function field is nil fails the test and answers errNoFake.
type fakeCalls struct {
	t   *testing.T
	now time.Time

	mu    sync.Mutex
	Calls map[string]int
}

// errNoFake is what a fake's method answers when the test gave it nothing
// to answer with (the test has failed already).
var errNoFake = errors.New("this fake does not answer that method")

// called counts a call of name and reports whether fn can answer it.
func (f *fakeCalls) called(name string, fn any) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Calls == nil {
		f.Calls = map[string]int{}
	}
	f.Calls[name]++
	if fn == nil || reflect.ValueOf(fn).IsNil() {
		f.t.Errorf("the handler called %s, which this fake does not answer", name)
		return false
	}
	return true
}

// calls is how many times the handler called name.
func (f *fakeCalls) calls(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.Calls[name]
}

// Now is the fake's clock.
func (f *fakeCalls) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// setNow moves the fake's clock while its server runs (under the lock
// Now takes, so a test may move it between requests).
func (f *fakeCalls) setNow(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = t
}

// fakeReads answers the reads that many handler groups' views share (the
// signed-in person's account, groups and their members, partner
// organisations, people by id or email), so that each group's fake
// embeds it and declares only its own methods. Like every fake's, a field
// left nil fails the test if the handler calls it.
type fakeReads struct {
	fakeCalls
	user            func(id string) (*store.User, error)
	userByEmail     func(email string) (*store.User, error)
	usersByID       func(ids []string) (map[string]store.User, error)
	listUsers       func(store.UserFilter) ([]store.User, bool, error)
	userMemberships func(userID string) ([]store.Membership, error)
	group           func(id string) (*store.Group, error)
	groups          func() ([]store.Group, error)
	groupMembers    func(groupID string) ([]store.Membership, error)
	partner         func(id string) (*store.Partner, error)
}

// ask counts a call of name and answers it with fn(arg), or fails the
// test and answers errNoFake when fn is nil.
func ask[A, R any](f *fakeCalls, name string, fn func(A) (R, error), arg A) (R, error) {
	if !f.called(name, fn) {
		var zero R
		return zero, errNoFake
	}
	return fn(arg)
}

// do is ask for a method that answers only an error.
func do[A any](f *fakeCalls, name string, fn func(A) error, arg A) error {
	if !f.called(name, fn) {
		return errNoFake
	}
	return fn(arg)
}

func (f *fakeReads) User(_ context.Context, id string) (*store.User, error) {
	return ask(&f.fakeCalls, "User", f.user, id)
}

func (f *fakeReads) UserByEmail(_ context.Context, email string) (*store.User, error) {
	return ask(&f.fakeCalls, "UserByEmail", f.userByEmail, email)
}

func (f *fakeReads) UsersByID(_ context.Context, ids []string) (map[string]store.User, error) {
	return ask(&f.fakeCalls, "UsersByID", f.usersByID, ids)
}

func (f *fakeReads) UserMemberships(_ context.Context, userID string) ([]store.Membership, error) {
	return ask(&f.fakeCalls, "UserMemberships", f.userMemberships, userID)
}

func (f *fakeReads) Group(_ context.Context, id string) (*store.Group, error) {
	return ask(&f.fakeCalls, "Group", f.group, id)
}

func (f *fakeReads) GroupMembers(_ context.Context, groupID string) ([]store.Membership, error) {
	return ask(&f.fakeCalls, "GroupMembers", f.groupMembers, groupID)
}

func (f *fakeReads) Partner(_ context.Context, id string) (*store.Partner, error) {
	return ask(&f.fakeCalls, "Partner", f.partner, id)
}

func (f *fakeReads) Groups(context.Context) ([]store.Group, error) {
	if !f.called("Groups", f.groups) {
		return nil, errNoFake
	}
	return f.groups()
}

func (f *fakeReads) ListUsers(_ context.Context, flt store.UserFilter) ([]store.User, bool, error) {
	if !f.called("ListUsers", f.listUsers) {
		return nil, false, errNoFake
	}
	return f.listUsers(flt)
}

// fakeBlobs keeps uploaded files (meeting papers, receipts) in memory, for
// the fakes' StorePaper, OpenPaper, StoreReceipt and OpenReceipt.
type fakeBlobs struct {
	mu sync.Mutex
	m  map[string][]byte
}

// put keeps what r holds as p's content, giving p an id if it has none.
func (b *fakeBlobs) put(p *store.Paper, r io.Reader) error {
	data, err := io.ReadAll(r)
	if p.ID == "" {
		p.ID = store.NewID()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[string][]byte{}
	}
	b.m[p.ID] = data
	return err
}

// open writes p's content to w.
func (b *fakeBlobs) open(p store.Paper, w io.Writer) error {
	b.mu.Lock()
	data := b.m[p.ID]
	b.mu.Unlock()
	_, err := w.Write(data)
	return err
}

// drop forgets p's content.
func (b *fakeBlobs) drop(p store.Paper) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.m, p.ID)
}

// count is how many files are kept.
func (b *fakeBlobs) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.m)
}

// usersIn answers UsersByID from the people a fakeApp has signed in (and
// any the test put in its users).
func usersIn(users map[string]*store.User) func(ids []string) (map[string]store.User, error) {
	return func(ids []string) (map[string]store.User, error) {
		out := map[string]store.User{}
		for _, id := range ids {
			if u, ok := users[id]; ok {
				out[id] = *u
			}
		}
		return out, nil
	}
}

// fakeConflicts stands in for the store on a CCU analyst's declared
// conflicts (conflictStore); declared keeps what DeclareConflict was given.
type fakeConflicts struct {
	t         *testing.T
	conflicts func(userID string) ([]store.Conflict, error)
	declare   func(userID string, p store.ConflictPerson) (*store.Conflict, error)
	remove    func(userID, id string) error

	mu       sync.Mutex
	declared []store.ConflictPerson
}

var _ conflictStore = (*fakeConflicts)(nil)

func (f *fakeConflicts) Conflicts(_ context.Context, userID string) ([]store.Conflict, error) {
	if f.conflicts == nil {
		f.t.Error("the handler called Conflicts, which this fake does not answer")
		return nil, nil
	}
	return f.conflicts(userID)
}

func (f *fakeConflicts) DeclareConflict(_ context.Context, userID string, p store.ConflictPerson) (*store.Conflict, error) {
	f.mu.Lock()
	f.declared = append(f.declared, p)
	f.mu.Unlock()
	if f.declare == nil {
		f.t.Error("the handler called DeclareConflict, which this fake does not answer")
		return &store.Conflict{}, nil
	}
	return f.declare(userID, p)
}

// declaredSoFar is every declaration the handler asked the fake to store.
func (f *fakeConflicts) declaredSoFar() []store.ConflictPerson {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]store.ConflictPerson(nil), f.declared...)
}

func (f *fakeConflicts) RemoveConflict(_ context.Context, userID, id string) error {
	if f.remove == nil {
		f.t.Error("the handler called RemoveConflict, which this fake does not answer")
		return nil
	}
	return f.remove(userID, id)
}

// fakeAdviceAsk stands in for the store when someone asks for advice
// (adviceAskStore); created keeps every request the handler stored.
type fakeAdviceAsk struct {
	fakeReads
	create func(r *store.AdviceRequest) error

	created []store.AdviceRequest // under fakeCalls' mu
}

var _ adviceAskStore = (*fakeAdviceAsk)(nil)

func (f *fakeAdviceAsk) CreateAdviceRequest(_ context.Context, r *store.AdviceRequest) error {
	f.mu.Lock()
	f.created = append(f.created, *r)
	f.mu.Unlock()
	if !f.called("CreateAdviceRequest", f.create) {
		return errNoFake
	}
	return f.create(r)
}

func (f *fakeAdviceAsk) MarkAdviceNotified(context.Context, string) error {
	f.called("MarkAdviceNotified", nil)
	return errNoFake
}

func (f *fakeAdviceAsk) QueueMessages(context.Context, []store.Mail) error {
	f.called("QueueMessages", nil)
	return errNoFake
}

// createdSoFar is every request the handler asked the fake to store.
func (f *fakeAdviceAsk) createdSoFar() []store.AdviceRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]store.AdviceRequest(nil), f.created...)
}

// fakeAdmin stands in for the store on people, groups and partner organisations (admin pages) (adminStore).
type fakeAdmin struct {
	fakeReads
	createGroup        func(*store.Group) error
	createPartner      func(*store.Partner) error
	createToken        func(string, string, string, time.Duration) (string, error)
	createUser         func(*store.User) error
	deleteUserSessions func(string) (int64, error)
	membership         func(string, string) (*store.Membership, error)
	partnerWorkers     func(string) ([]store.User, error)
	partners           func() ([]store.Partner, error)
	putMembership      func(*store.Membership) error
	removeMembership   func(string, string) error
	revokeTokens       func(string, []string) (int64, error)
	setRole            func(string, store.Role) error
	updateGroup        func(*store.Group) error
	updateUser         func(string, store.UserUpdate) (*store.User, error)
	subjectAccessFor   func(userID string, groupName func(string) string) (*store.SubjectAccess, error)
}

var _ adminStore = (*fakeAdmin)(nil)

func (f *fakeAdmin) SubjectAccessFor(_ context.Context, userID string, groupName func(string) string) (*store.SubjectAccess, error) {
	if !f.called("SubjectAccessFor", f.subjectAccessFor) {
		return nil, errNoFake
	}
	return f.subjectAccessFor(userID, groupName)
}

func (f *fakeAdmin) CreateGroup(_ context.Context, g *store.Group) error {
	return do(&f.fakeCalls, "CreateGroup", f.createGroup, g)
}

func (f *fakeAdmin) CreatePartner(_ context.Context, p *store.Partner) error {
	return do(&f.fakeCalls, "CreatePartner", f.createPartner, p)
}

func (f *fakeAdmin) CreateToken(_ context.Context, kind string, userID string, createdBy string, life time.Duration) (r0 string, err error) {
	if !f.called("CreateToken", f.createToken) {
		err = errNoFake
		return
	}
	return f.createToken(kind, userID, createdBy, life)
}

func (f *fakeAdmin) CreateUser(_ context.Context, u *store.User) error {
	return do(&f.fakeCalls, "CreateUser", f.createUser, u)
}

func (f *fakeAdmin) DeleteUserSessions(_ context.Context, userID string) (int64, error) {
	return ask(&f.fakeCalls, "DeleteUserSessions", f.deleteUserSessions, userID)
}

func (f *fakeAdmin) Membership(_ context.Context, groupID string, userID string) (r0 *store.Membership, err error) {
	if !f.called("Membership", f.membership) {
		err = errNoFake
		return
	}
	return f.membership(groupID, userID)
}

func (f *fakeAdmin) PartnerWorkers(_ context.Context, partnerID string) ([]store.User, error) {
	return ask(&f.fakeCalls, "PartnerWorkers", f.partnerWorkers, partnerID)
}

func (f *fakeAdmin) Partners(_ context.Context) (r0 []store.Partner, err error) {
	if !f.called("Partners", f.partners) {
		err = errNoFake
		return
	}
	return f.partners()
}

func (f *fakeAdmin) PutMembership(_ context.Context, m *store.Membership) error {
	return do(&f.fakeCalls, "PutMembership", f.putMembership, m)
}

func (f *fakeAdmin) RemoveMembership(_ context.Context, groupID string, userID string) (err error) {
	if !f.called("RemoveMembership", f.removeMembership) {
		err = errNoFake
		return
	}
	return f.removeMembership(groupID, userID)
}

func (f *fakeAdmin) RevokeTokens(_ context.Context, userID string, kinds ...string) (r0 int64, err error) {
	if !f.called("RevokeTokens", f.revokeTokens) {
		err = errNoFake
		return
	}
	return f.revokeTokens(userID, kinds)
}

func (f *fakeAdmin) SetRole(_ context.Context, id string, r store.Role) (err error) {
	if !f.called("SetRole", f.setRole) {
		err = errNoFake
		return
	}
	return f.setRole(id, r)
}

func (f *fakeAdmin) UpdateGroup(_ context.Context, g *store.Group) error {
	return do(&f.fakeCalls, "UpdateGroup", f.updateGroup, g)
}

func (f *fakeAdmin) UpdateUser(_ context.Context, id string, up store.UserUpdate) (r0 *store.User, err error) {
	if !f.called("UpdateUser", f.updateUser) {
		err = errNoFake
		return
	}
	return f.updateUser(id, up)
}

// fakeAccount stands in for the store on a person's own account and the emailed links that set a password (accountStore).
type fakeAccount struct {
	fakeReads
	peekToken          func(string, string) (*store.Token, error)
	useToken           func(string, string) (*store.Token, error)
	changePassword     func(string, string) error
	deleteUserSessions func(string) (int64, error)
	setMobile          func(string, string) error
	createToken        func(string, string, string, time.Duration) (string, error)
	revokeTokens       func(string, []string) (int64, error)
}

var _ accountStore = (*fakeAccount)(nil)

func (f *fakeAccount) PeekToken(_ context.Context, kind string, secret string) (r0 *store.Token, err error) {
	if !f.called("PeekToken", f.peekToken) {
		err = errNoFake
		return
	}
	return f.peekToken(kind, secret)
}

func (f *fakeAccount) UseToken(_ context.Context, kind string, secret string) (r0 *store.Token, err error) {
	if !f.called("UseToken", f.useToken) {
		err = errNoFake
		return
	}
	return f.useToken(kind, secret)
}

func (f *fakeAccount) ChangePassword(_ context.Context, id string, hash string) (err error) {
	if !f.called("ChangePassword", f.changePassword) {
		err = errNoFake
		return
	}
	return f.changePassword(id, hash)
}

func (f *fakeAccount) DeleteUserSessions(_ context.Context, userID string) (int64, error) {
	return ask(&f.fakeCalls, "DeleteUserSessions", f.deleteUserSessions, userID)
}

func (f *fakeAccount) SetMobile(_ context.Context, id string, mobile string) (err error) {
	if !f.called("SetMobile", f.setMobile) {
		err = errNoFake
		return
	}
	return f.setMobile(id, mobile)
}

func (f *fakeAccount) CreateToken(_ context.Context, kind string, userID string, createdBy string, life time.Duration) (r0 string, err error) {
	if !f.called("CreateToken", f.createToken) {
		err = errNoFake
		return
	}
	return f.createToken(kind, userID, createdBy, life)
}

func (f *fakeAccount) RevokeTokens(_ context.Context, userID string, kinds ...string) (r0 int64, err error) {
	if !f.called("RevokeTokens", f.revokeTokens) {
		err = errNoFake
		return
	}
	return f.revokeTokens(userID, kinds)
}

// fakeAudit keeps every audit event a handler records (auditDB).
type fakeAudit struct {
	mu     sync.Mutex
	events []store.AuditEvent
}

var _ auditDB = (*fakeAudit)(nil)

func (f *fakeAudit) Audit(_ context.Context, e store.AuditEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, e)
	return nil
}

// count is how many events have action (any action if "") about target
// (any target if "").
func (f *fakeAudit) count(action, target string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, e := range f.events {
		if (action == "" || e.Action == action) && (target == "" || e.Target == target) {
			n++
		}
	}
	return n
}

// of is every event with action so far, oldest first (as auditOf reads
// them from the store).
func (f *fakeAudit) of(action string) []store.AuditEvent {
	var out []store.AuditEvent
	for _, e := range f.all() {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// all is every event so far, oldest first.
func (f *fakeAudit) all() []store.AuditEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]store.AuditEvent(nil), f.events...)
}

// fakeOutbox keeps every message a handler queues (outboxDB).
type fakeOutbox struct {
	mu   sync.Mutex
	mail []store.Mail
}

var _ outboxDB = (*fakeOutbox)(nil)

func (f *fakeOutbox) QueueMail(_ context.Context, to, subject, body string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mail = append(f.mail, store.Mail{To: to, Subject: subject, Body: body})
	return nil
}

// queued is every message queued so far.
func (f *fakeOutbox) queued() []store.Mail {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]store.Mail(nil), f.mail...)
}

// fakeMeetings stands in for the store on group meetings: papers, attendance, minutes and actions (meetingStore).
type fakeMeetings struct {
	fakeReads
	meeting              func(string) (*store.Meeting, error)
	meetings             func([]string, time.Time, int) ([]store.Meeting, error)
	createMeeting        func(*store.Meeting) error
	updateMeetingDetails func(*store.Meeting, int) error
	storePaper           func(string, *store.Paper, io.Reader) error
	paperScanned         func(string, store.Paper, bool) error
	openPaper            func(store.Paper, io.Writer) error
	deletePaper          func(string, store.Paper) error
	markAttendance       func(string, string, string) error
	saveMinutes          func(string, string, string) error
	approveMinutes       func(string, string) error
	addAction            func(string, store.MeetingAction) (store.MeetingAction, error)
	setActionDone        func(string, string, bool) error
}

var _ meetingStore = (*fakeMeetings)(nil)

func (f *fakeMeetings) Meeting(_ context.Context, id string) (*store.Meeting, error) {
	return ask(&f.fakeCalls, "Meeting", f.meeting, id)
}

func (f *fakeMeetings) Meetings(_ context.Context, groupIDs []string, from time.Time, limit int) (r0 []store.Meeting, err error) {
	if !f.called("Meetings", f.meetings) {
		err = errNoFake
		return
	}
	return f.meetings(groupIDs, from, limit)
}

func (f *fakeMeetings) CreateMeeting(_ context.Context, m *store.Meeting) error {
	return do(&f.fakeCalls, "CreateMeeting", f.createMeeting, m)
}

func (f *fakeMeetings) UpdateMeetingDetails(_ context.Context, m *store.Meeting, version int) (err error) {
	if !f.called("UpdateMeetingDetails", f.updateMeetingDetails) {
		err = errNoFake
		return
	}
	return f.updateMeetingDetails(m, version)
}

func (f *fakeMeetings) StorePaper(_ context.Context, meetingID string, p *store.Paper, r io.Reader) (err error) {
	if !f.called("StorePaper", f.storePaper) {
		err = errNoFake
		return
	}
	return f.storePaper(meetingID, p, r)
}

func (f *fakeMeetings) PaperScanned(_ context.Context, meetingID string, p store.Paper, clean bool) (err error) {
	if !f.called("PaperScanned", f.paperScanned) {
		err = errNoFake
		return
	}
	return f.paperScanned(meetingID, p, clean)
}

func (f *fakeMeetings) OpenPaper(_ context.Context, p store.Paper, w io.Writer) (err error) {
	if !f.called("OpenPaper", f.openPaper) {
		err = errNoFake
		return
	}
	return f.openPaper(p, w)
}

func (f *fakeMeetings) DeletePaper(_ context.Context, meetingID string, p store.Paper) (err error) {
	if !f.called("DeletePaper", f.deletePaper) {
		err = errNoFake
		return
	}
	return f.deletePaper(meetingID, p)
}

func (f *fakeMeetings) MarkAttendance(_ context.Context, id string, userID string, mark string) (err error) {
	if !f.called("MarkAttendance", f.markAttendance) {
		err = errNoFake
		return
	}
	return f.markAttendance(id, userID, mark)
}

func (f *fakeMeetings) SaveMinutes(_ context.Context, id string, text string, by string) (err error) {
	if !f.called("SaveMinutes", f.saveMinutes) {
		err = errNoFake
		return
	}
	return f.saveMinutes(id, text, by)
}

func (f *fakeMeetings) ApproveMinutes(_ context.Context, id string, by string) (err error) {
	if !f.called("ApproveMinutes", f.approveMinutes) {
		err = errNoFake
		return
	}
	return f.approveMinutes(id, by)
}

func (f *fakeMeetings) AddAction(_ context.Context, id string, a store.MeetingAction) (r0 store.MeetingAction, err error) {
	if !f.called("AddAction", f.addAction) {
		err = errNoFake
		return
	}
	return f.addAction(id, a)
}

func (f *fakeMeetings) SetActionDone(_ context.Context, id string, actionID string, done bool) (err error) {
	if !f.called("SetActionDone", f.setActionDone) {
		err = errNoFake
		return
	}
	return f.setActionDone(id, actionID, done)
}

// fakeVolunteer stands in for the store on volunteers' availability, training and expenses (volunteerStore).
type fakeVolunteer struct {
	fakeReads
	availabilityPollOf func(string, string) (*store.AvailabilityPoll, error)
	visitPlanByID      func(string) (*store.VisitPlan, error)
	setAvailability    func(string, string, string, []string) error
	setTraining        func(string, store.TrainingRecord) error
	trainingOf         func(string) (*store.Training, error)
	claimsOf           func(string) ([]store.ExpenseClaim, error)
	claimableVisits    func(string, time.Time) ([]store.Visit, error)
	claim              func(string) (*store.ExpenseClaim, error)
	storeReceipt       func(*store.Paper, io.Reader) error
	openReceipt        func(store.Paper, io.Writer) error
	createClaim        func(*store.ExpenseClaim) error
	deleteReceipt      func(store.Paper) error
	claimsWithStatus   func(string) ([]store.ExpenseClaim, error)
	waitingClaims      func() ([]store.ExpenseClaim, error)
	decideClaim        func(string, bool, string, string) error
}

var _ volunteerStore = (*fakeVolunteer)(nil)

func (f *fakeVolunteer) AvailabilityPollOf(_ context.Context, groupID string, quarter string) (r0 *store.AvailabilityPoll, err error) {
	if !f.called("AvailabilityPollOf", f.availabilityPollOf) {
		err = errNoFake
		return
	}
	return f.availabilityPollOf(groupID, quarter)
}

func (f *fakeVolunteer) VisitPlanByID(_ context.Context, id string) (*store.VisitPlan, error) {
	return ask(&f.fakeCalls, "VisitPlanByID", f.visitPlanByID, id)
}

func (f *fakeVolunteer) SetAvailability(_ context.Context, groupID string, quarter string, userID string, weeks []string) (err error) {
	if !f.called("SetAvailability", f.setAvailability) {
		err = errNoFake
		return
	}
	return f.setAvailability(groupID, quarter, userID, weeks)
}

func (f *fakeVolunteer) SetTraining(_ context.Context, userID string, r store.TrainingRecord) (err error) {
	if !f.called("SetTraining", f.setTraining) {
		err = errNoFake
		return
	}
	return f.setTraining(userID, r)
}

func (f *fakeVolunteer) TrainingOf(_ context.Context, userID string) (*store.Training, error) {
	return ask(&f.fakeCalls, "TrainingOf", f.trainingOf, userID)
}

func (f *fakeVolunteer) ClaimsOf(_ context.Context, userID string) ([]store.ExpenseClaim, error) {
	return ask(&f.fakeCalls, "ClaimsOf", f.claimsOf, userID)
}

func (f *fakeVolunteer) ClaimableVisits(_ context.Context, userID string, now time.Time) (r0 []store.Visit, err error) {
	if !f.called("ClaimableVisits", f.claimableVisits) {
		err = errNoFake
		return
	}
	return f.claimableVisits(userID, now)
}

func (f *fakeVolunteer) Claim(_ context.Context, id string) (*store.ExpenseClaim, error) {
	return ask(&f.fakeCalls, "Claim", f.claim, id)
}

func (f *fakeVolunteer) StoreReceipt(_ context.Context, p *store.Paper, r io.Reader) (err error) {
	if !f.called("StoreReceipt", f.storeReceipt) {
		err = errNoFake
		return
	}
	return f.storeReceipt(p, r)
}

func (f *fakeVolunteer) OpenReceipt(_ context.Context, p store.Paper, w io.Writer) (err error) {
	if !f.called("OpenReceipt", f.openReceipt) {
		err = errNoFake
		return
	}
	return f.openReceipt(p, w)
}

func (f *fakeVolunteer) CreateClaim(_ context.Context, c *store.ExpenseClaim) error {
	return do(&f.fakeCalls, "CreateClaim", f.createClaim, c)
}

func (f *fakeVolunteer) DeleteReceipt(_ context.Context, p store.Paper) error {
	return do(&f.fakeCalls, "DeleteReceipt", f.deleteReceipt, p)
}

func (f *fakeVolunteer) ClaimsWithStatus(_ context.Context, status string) ([]store.ExpenseClaim, error) {
	return ask(&f.fakeCalls, "ClaimsWithStatus", f.claimsWithStatus, status)
}

func (f *fakeVolunteer) WaitingClaims(_ context.Context) (r0 []store.ExpenseClaim, err error) {
	if !f.called("WaitingClaims", f.waitingClaims) {
		err = errNoFake
		return
	}
	return f.waitingClaims()
}

func (f *fakeVolunteer) DecideClaim(_ context.Context, id string, approve bool, reason string, by string) (err error) {
	if !f.called("DecideClaim", f.decideClaim) {
		err = errNoFake
		return
	}
	return f.decideClaim(id, approve, reason, by)
}

// fakeCustody stands in for the store on custody visit reports, the scheme manager's pages and the return (custodyStore).
type fakeCustody struct {
	fakeReads
	custodyReport           func(string) (*store.CustodyReport, error)
	saveCustodyReport       func(*store.CustodyReport, int) error
	submitCustodyReport     func(*store.CustodyReport, int, string, string) error
	confirmCustodyReport    func(*store.CustodyReport, int, string, string) error
	markCustodyRead         func(string) error
	updateCustodyIssues     func(*store.CustodyReport, int) error
	submittedCustodyReports func(time.Time, time.Time) ([]store.CustodyReport, error)
	custodyVisits           func() ([]store.Visit, error)
}

var _ custodyStore = (*fakeCustody)(nil)

func (f *fakeCustody) CustodyReport(_ context.Context, id string) (*store.CustodyReport, error) {
	return ask(&f.fakeCalls, "CustodyReport", f.custodyReport, id)
}

func (f *fakeCustody) SaveCustodyReport(_ context.Context, r *store.CustodyReport, version int) (err error) {
	if !f.called("SaveCustodyReport", f.saveCustodyReport) {
		err = errNoFake
		return
	}
	return f.saveCustodyReport(r, version)
}

func (f *fakeCustody) SubmitCustodyReport(_ context.Context, r *store.CustodyReport, version int, userID string, name string) (err error) {
	if !f.called("SubmitCustodyReport", f.submitCustodyReport) {
		err = errNoFake
		return
	}
	return f.submitCustodyReport(r, version, userID, name)
}

func (f *fakeCustody) ConfirmCustodyReport(_ context.Context, r *store.CustodyReport, version int, userID string, name string) (err error) {
	if !f.called("ConfirmCustodyReport", f.confirmCustodyReport) {
		err = errNoFake
		return
	}
	return f.confirmCustodyReport(r, version, userID, name)
}

func (f *fakeCustody) MarkCustodyRead(_ context.Context, id string) error {
	return do(&f.fakeCalls, "MarkCustodyRead", f.markCustodyRead, id)
}

func (f *fakeCustody) UpdateCustodyIssues(_ context.Context, r *store.CustodyReport, version int) (err error) {
	if !f.called("UpdateCustodyIssues", f.updateCustodyIssues) {
		err = errNoFake
		return
	}
	return f.updateCustodyIssues(r, version)
}

func (f *fakeCustody) SubmittedCustodyReports(_ context.Context, from time.Time, to time.Time) (r0 []store.CustodyReport, err error) {
	if !f.called("SubmittedCustodyReports", f.submittedCustodyReports) {
		err = errNoFake
		return
	}
	return f.submittedCustodyReports(from, to)
}

func (f *fakeCustody) CustodyVisits(_ context.Context) (r0 []store.Visit, err error) {
	if !f.called("CustodyVisits", f.custodyVisits) {
		err = errNoFake
		return
	}
	return f.custodyVisits()
}

// fakeCCU stands in for the store on the Counter Corruption Unit's queue, cases, audit and access review (ccuStore).
type fakeCCU struct {
	fakeReads
	referral            func(string) (*store.Referral, error)
	openReferral        func(string) (*store.Referral, error)
	referralsByID       func([]string) ([]store.RefSummary, error)
	referralMatches     func(*store.Referral) ([]store.RefSummary, error)
	listReferrals       func(store.ReferralFilter) ([]store.RefSummary, bool, error)
	assessReferral      func(string, int, store.Assessment) (*store.Referral, error)
	addRefMessage       func(string, string, string, string) error
	linkReferrals       func(string, string, bool) error
	conflictsWith       func(string, *store.Referral) (bool, error)
	conflictIndex       func() (map[string][]string, error)
	createUser          func(*store.User) error
	listAudit           func(store.AuditFilter) ([]store.AuditEvent, bool, error)
	auditEventsBetween  func(time.Time, time.Time, []string) ([]store.AuditEvent, error)
	accessReviewFor     func(string) (*store.AccessReview, error)
	signOffAccessReview func(store.AccessReview) error
}

var _ ccuStore = (*fakeCCU)(nil)

func (f *fakeCCU) Referral(_ context.Context, id string) (*store.Referral, error) {
	return ask(&f.fakeCalls, "Referral", f.referral, id)
}

func (f *fakeCCU) OpenReferral(_ context.Context, id string) (*store.Referral, error) {
	return ask(&f.fakeCalls, "OpenReferral", f.openReferral, id)
}

func (f *fakeCCU) ReferralsByID(_ context.Context, ids []string) ([]store.RefSummary, error) {
	return ask(&f.fakeCalls, "ReferralsByID", f.referralsByID, ids)
}

func (f *fakeCCU) ReferralMatches(_ context.Context, r *store.Referral) ([]store.RefSummary, error) {
	return ask(&f.fakeCalls, "ReferralMatches", f.referralMatches, r)
}

func (f *fakeCCU) ListReferrals(_ context.Context, flt store.ReferralFilter) (r0 []store.RefSummary, r1 bool, err error) {
	if !f.called("ListReferrals", f.listReferrals) {
		err = errNoFake
		return
	}
	return f.listReferrals(flt)
}

func (f *fakeCCU) AssessReferral(_ context.Context, id string, version int, a store.Assessment) (r0 *store.Referral, err error) {
	if !f.called("AssessReferral", f.assessReferral) {
		err = errNoFake
		return
	}
	return f.assessReferral(id, version, a)
}

func (f *fakeCCU) AddRefMessage(_ context.Context, id string, from string, byName string, text string) (err error) {
	if !f.called("AddRefMessage", f.addRefMessage) {
		err = errNoFake
		return
	}
	return f.addRefMessage(id, from, byName, text)
}

func (f *fakeCCU) LinkReferrals(_ context.Context, id string, other string, link bool) (err error) {
	if !f.called("LinkReferrals", f.linkReferrals) {
		err = errNoFake
		return
	}
	return f.linkReferrals(id, other, link)
}

func (f *fakeCCU) ConflictsWith(_ context.Context, userID string, r *store.Referral) (r0 bool, err error) {
	if !f.called("ConflictsWith", f.conflictsWith) {
		err = errNoFake
		return
	}
	return f.conflictsWith(userID, r)
}

func (f *fakeCCU) ConflictIndex(_ context.Context) (r0 map[string][]string, err error) {
	if !f.called("ConflictIndex", f.conflictIndex) {
		err = errNoFake
		return
	}
	return f.conflictIndex()
}

func (f *fakeCCU) CreateUser(_ context.Context, u *store.User) error {
	return do(&f.fakeCalls, "CreateUser", f.createUser, u)
}

func (f *fakeCCU) ListAudit(_ context.Context, flt store.AuditFilter) (r0 []store.AuditEvent, r1 bool, err error) {
	if !f.called("ListAudit", f.listAudit) {
		err = errNoFake
		return
	}
	return f.listAudit(flt)
}

func (f *fakeCCU) AuditEventsBetween(_ context.Context, from time.Time, to time.Time, actions []string) (r0 []store.AuditEvent, err error) {
	if !f.called("AuditEventsBetween", f.auditEventsBetween) {
		err = errNoFake
		return
	}
	return f.auditEventsBetween(from, to, actions)
}

func (f *fakeCCU) AccessReviewFor(_ context.Context, month string) (*store.AccessReview, error) {
	return ask(&f.fakeCalls, "AccessReviewFor", f.accessReviewFor, month)
}

func (f *fakeCCU) SignOffAccessReview(_ context.Context, r store.AccessReview) error {
	return do(&f.fakeCalls, "SignOffAccessReview", f.signOffAccessReview, r)
}

// fakeAuditPages stands in for the store on the audit pages
// (auditPagesStore): the names put to events, and the chain's check.
type fakeAuditPages struct {
	fakeReads
	listAudit           func(store.AuditFilter) ([]store.AuditEvent, bool, error)
	verifyAudit         func() (*store.AuditBreak, int64, error)
	recommendationsByID func([]string) ([]store.RecSummary, error)
	schedules           func([]string) ([]store.Visit, error)
	referralsByID       func([]string) ([]store.RefSummary, error)
}

var _ auditPagesStore = (*fakeAuditPages)(nil)

func (f *fakeAuditPages) ListAudit(_ context.Context, flt store.AuditFilter) ([]store.AuditEvent, bool, error) {
	if !f.called("ListAudit", f.listAudit) {
		return nil, false, errNoFake
	}
	return f.listAudit(flt)
}

func (f *fakeAuditPages) VerifyAudit(context.Context) (*store.AuditBreak, int64, error) {
	if !f.called("VerifyAudit", f.verifyAudit) {
		return nil, 0, errNoFake
	}
	return f.verifyAudit()
}

func (f *fakeAuditPages) RecommendationsByID(_ context.Context, ids []string) ([]store.RecSummary, error) {
	return ask(&f.fakeCalls, "RecommendationsByID", f.recommendationsByID, ids)
}

// AccountsByID answers from the fake's people by id (usersByID).
func (f *fakeAuditPages) AccountsByID(_ context.Context, ids []string) (map[string]store.User, error) {
	return ask(&f.fakeCalls, "AccountsByID", f.usersByID, ids)
}

func (f *fakeAuditPages) Schedules(_ context.Context, ids []string) ([]store.Visit, error) {
	return ask(&f.fakeCalls, "Schedules", f.schedules, ids)
}

func (f *fakeAuditPages) ReferralsByID(_ context.Context, ids []string) ([]store.RefSummary, error) {
	return ask(&f.fakeCalls, "ReferralsByID", f.referralsByID, ids)
}

// fakeReferrals stands in for the store on anonymous reports and a
// reporter's return (reportStore) and on partner organisations' referrals
// (referralStore); refWorld (referral_fakes_test.go) fills its fields
// with referrals kept in memory.
type fakeReferrals struct {
	fakeCalls
	sealer               func() *sealed.Sealer
	createReferral       func(n store.NewReferral) (*store.Referral, error)
	referral             func(id string) (*store.Referral, error)
	referralReceipt      func(id string) (*store.Referral, error)
	listReferrals        func(f store.ReferralFilter) ([]store.RefSummary, bool, error)
	openMessages         func(r *store.Referral, notes bool) error
	addRefMessage        func(m refMessageArgs) error
	noteAnonymousArrival func(what string) error
	startReportVisit     func(r *store.Referral) (string, error)
	endReportVisit       func(id, nonce string) error
}

// refMessageArgs is what AddRefMessage was given.
type refMessageArgs struct{ ID, From, ByName, Text string }

var (
	_ reportStore   = (*fakeReferrals)(nil)
	_ referralStore = (*fakeReferrals)(nil)
)

func (f *fakeReferrals) Sealer() *sealed.Sealer {
	if !f.called("Sealer", f.sealer) {
		return nil
	}
	return f.sealer()
}

func (f *fakeReferrals) CreateReferral(_ context.Context, n store.NewReferral) (*store.Referral, error) {
	return ask(&f.fakeCalls, "CreateReferral", f.createReferral, n)
}

func (f *fakeReferrals) Referral(_ context.Context, id string) (*store.Referral, error) {
	return ask(&f.fakeCalls, "Referral", f.referral, id)
}

func (f *fakeReferrals) ReferralReceipt(_ context.Context, id string) (*store.Referral, error) {
	return ask(&f.fakeCalls, "ReferralReceipt", f.referralReceipt, id)
}

func (f *fakeReferrals) ListReferrals(_ context.Context, flt store.ReferralFilter) ([]store.RefSummary, bool, error) {
	if !f.called("ListReferrals", f.listReferrals) {
		return nil, false, errNoFake
	}
	return f.listReferrals(flt)
}

func (f *fakeReferrals) OpenMessages(r *store.Referral, notes bool) error {
	if !f.called("OpenMessages", f.openMessages) {
		return errNoFake
	}
	return f.openMessages(r, notes)
}

func (f *fakeReferrals) AddRefMessage(_ context.Context, id, from, byName, text string) error {
	return do(&f.fakeCalls, "AddRefMessage", f.addRefMessage, refMessageArgs{ID: id, From: from, ByName: byName, Text: text})
}

func (f *fakeReferrals) NoteAnonymousArrival(_ context.Context, what string) error {
	return do(&f.fakeCalls, "NoteAnonymousArrival", f.noteAnonymousArrival, what)
}

func (f *fakeReferrals) StartReportVisit(_ context.Context, r *store.Referral) (string, error) {
	return ask(&f.fakeCalls, "StartReportVisit", f.startReportVisit, r)
}

func (f *fakeReferrals) EndReportVisit(_ context.Context, id, nonce string) error {
	if !f.called("EndReportVisit", f.endReportVisit) {
		return errNoFake
	}
	return f.endReportVisit(id, nonce)
}

// fakeSignIns stands in for the store when someone signs in
// (signInStore): an account by email (fakeReads' userByEmail) and
// fakeCalls' clock.
type fakeSignIns struct {
	fakeReads
}

var _ signInStore = (*fakeSignIns)(nil)

// fakePowers stands in for the store on the powers and disparity pages
// and their figures (powerStore). A refusal test leaves the writes and
// imports nil, so reaching one fails the test.
type fakePowers struct {
	fakeCalls
	powerForces           func(kind string) (map[string]store.PowerIndex, error)
	powerIndexes          func() (map[string][]store.PowerIndex, error)
	publishPower          func(p *store.PowerPublication) error
	powerPublications     func(kind string) ([]store.PowerPublication, error)
	allPowerPublications  func() (map[string][]store.PowerPublication, error)
	publishDisparity      func(p *store.DisparityPublication) error
	disparityPublications func() ([]store.DisparityPublication, error)
	population            func(force string) (*store.Population, error)
	populationOf          func(of, force string) (*store.Population, error)
	importDrivers         func(src io.Reader, o disparity.DriversOptions) (*store.Population, error)
	commitPanelSample     func(p *store.PanelSample) error
	panelSample           func(id string) (*store.PanelSample, error)
	panelSamples          func() ([]store.PanelSample, error)
	drawPanelSample       func(id string, records []store.SampledRecord, matching int64, by string) error
	importPower           func(d *powers.Dataset, src io.ReadSeeker, o powers.ImportOptions) (*powers.ImportResult, error)
	importPopulation      func(src io.Reader, force, source string) (*store.Population, error)
	powerReport           func(d *powers.Dataset, force, from, to, basis string) (*powers.Report, error)
	powerHeadline         func(d *powers.Dataset, force, from, to, basis string) (*powers.Report, error)
	stopSearchPublishable func(force, from, to, basis string) (*powers.Report, error)
	vettingReport         func(force, from, to string) (*powers.VettingReport, error)
	drawSample            func(f disparity.SampleFilter, rnd *rand.Rand) ([]store.SampledRecord, int64, error)
	missingTimes          func(force, from, to string) (*powers.MissingTimes, error)
	capturePower          func(d *powers.Dataset, force string, fields []string, by string) (string, error)
}

var _ powerStore = (*fakePowers)(nil)

func (f *fakePowers) PowerForces(_ context.Context, kind string) (map[string]store.PowerIndex, error) {
	return ask(&f.fakeCalls, "PowerForces", f.powerForces, kind)
}

func (f *fakePowers) PowerIndexes(context.Context) (map[string][]store.PowerIndex, error) {
	if !f.called("PowerIndexes", f.powerIndexes) {
		return nil, errNoFake
	}
	return f.powerIndexes()
}

func (f *fakePowers) PublishPower(_ context.Context, p *store.PowerPublication) error {
	return do(&f.fakeCalls, "PublishPower", f.publishPower, p)
}

func (f *fakePowers) PowerPublications(_ context.Context, kind string) ([]store.PowerPublication, error) {
	return ask(&f.fakeCalls, "PowerPublications", f.powerPublications, kind)
}

func (f *fakePowers) AllPowerPublications(context.Context) (map[string][]store.PowerPublication, error) {
	if !f.called("AllPowerPublications", f.allPowerPublications) {
		return nil, errNoFake
	}
	return f.allPowerPublications()
}

func (f *fakePowers) PublishDisparity(_ context.Context, p *store.DisparityPublication) error {
	return do(&f.fakeCalls, "PublishDisparity", f.publishDisparity, p)
}

func (f *fakePowers) DisparityPublications(context.Context) ([]store.DisparityPublication, error) {
	if !f.called("DisparityPublications", f.disparityPublications) {
		return nil, errNoFake
	}
	return f.disparityPublications()
}

func (f *fakePowers) Population(_ context.Context, force string) (*store.Population, error) {
	return ask(&f.fakeCalls, "Population", f.population, force)
}

func (f *fakePowers) PopulationOf(_ context.Context, of, force string) (*store.Population, error) {
	if !f.called("PopulationOf", f.populationOf) {
		return nil, errNoFake
	}
	return f.populationOf(of, force)
}

func (f *fakePowers) ImportDrivers(_ context.Context, src io.Reader, o disparity.DriversOptions) (*store.Population, error) {
	if !f.called("ImportDrivers", f.importDrivers) {
		return nil, errNoFake
	}
	return f.importDrivers(src, o)
}

func (f *fakePowers) CommitPanelSample(_ context.Context, p *store.PanelSample) error {
	return do(&f.fakeCalls, "CommitPanelSample", f.commitPanelSample, p)
}

func (f *fakePowers) PanelSample(_ context.Context, id string) (*store.PanelSample, error) {
	return ask(&f.fakeCalls, "PanelSample", f.panelSample, id)
}

func (f *fakePowers) PanelSamples(context.Context) ([]store.PanelSample, error) {
	if !f.called("PanelSamples", f.panelSamples) {
		return nil, errNoFake
	}
	return f.panelSamples()
}

func (f *fakePowers) DrawPanelSample(_ context.Context, id string, records []store.SampledRecord, matching int64, by string) error {
	if !f.called("DrawPanelSample", f.drawPanelSample) {
		return errNoFake
	}
	return f.drawPanelSample(id, records, matching, by)
}

func (f *fakePowers) ImportPower(_ context.Context, d *powers.Dataset, src io.ReadSeeker, o powers.ImportOptions) (*powers.ImportResult, error) {
	if !f.called("ImportPower", f.importPower) {
		return nil, errNoFake
	}
	return f.importPower(d, src, o)
}

func (f *fakePowers) ImportPopulation(_ context.Context, src io.Reader, force, source string) (*store.Population, error) {
	if !f.called("ImportPopulation", f.importPopulation) {
		return nil, errNoFake
	}
	return f.importPopulation(src, force, source)
}

// PowerReport and PowerReportBasis both answer from powerReport (basis ""
// for PowerReport, as powers.Build is BuildBasis with the dataset's own).
func (f *fakePowers) PowerReport(_ context.Context, d *powers.Dataset, force, from, to string) (*powers.Report, error) {
	if !f.called("PowerReport", f.powerReport) {
		return nil, errNoFake
	}
	return f.powerReport(d, force, from, to, "")
}

func (f *fakePowers) PowerReportBasis(_ context.Context, d *powers.Dataset, force, from, to, basis string) (*powers.Report, error) {
	if !f.called("PowerReportBasis", f.powerReport) {
		return nil, errNoFake
	}
	return f.powerReport(d, force, from, to, basis)
}

func (f *fakePowers) PowerHeadline(_ context.Context, d *powers.Dataset, force, from, to, basis string) (*powers.Report, error) {
	if !f.called("PowerHeadline", f.powerHeadline) {
		return nil, errNoFake
	}
	return f.powerHeadline(d, force, from, to, basis)
}

func (f *fakePowers) StopSearchPublishable(_ context.Context, force, from, to, basis string) (*powers.Report, error) {
	if !f.called("StopSearchPublishable", f.stopSearchPublishable) {
		return nil, errNoFake
	}
	return f.stopSearchPublishable(force, from, to, basis)
}

func (f *fakePowers) VettingReport(_ context.Context, force, from, to string) (*powers.VettingReport, error) {
	if !f.called("VettingReport", f.vettingReport) {
		return nil, errNoFake
	}
	return f.vettingReport(force, from, to)
}

func (f *fakePowers) DrawSample(_ context.Context, flt disparity.SampleFilter, rnd *rand.Rand) ([]store.SampledRecord, int64, error) {
	if !f.called("DrawSample", f.drawSample) {
		return nil, 0, errNoFake
	}
	return f.drawSample(flt, rnd)
}

// fakeProcessing keeps the lawful bases the DPO sets in memory
// (processingStore), as the store keeps them: one a kind of data.
type fakeProcessing struct {
	mu    sync.Mutex
	bases map[string]store.ProcessingBasis
}

var _ processingStore = (*fakeProcessing)(nil)

func (f *fakeProcessing) ProcessingBases(context.Context) (map[string]store.ProcessingBasis, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]store.ProcessingBasis, len(f.bases))
	for k, b := range f.bases {
		out[k] = b
	}
	return out, nil
}

func (f *fakeProcessing) SetProcessingBasis(_ context.Context, b store.ProcessingBasis) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.bases == nil {
		f.bases = map[string]store.ProcessingBasis{}
	}
	b.At = time.Now().UTC().Truncate(time.Millisecond) // as the store stamps it
	f.bases[b.Kind] = b
	return nil
}

// noSync is syncDB for a store with no disk: nothing to wait for.
type noSync struct{}

var _ syncDB = noSync{}

func (noSync) OneSync(ctx context.Context) (context.Context, func()) { return ctx, func() {} }

// fakeHits counts the rate limiters' requests in memory (hitsDB): n a
// window per key, the window starting at a key's first request, as
// store.Hit counts them.
type fakeHits struct {
	now func() time.Time

	mu   sync.Mutex
	seen map[string]fakeWindow
}

type fakeWindow struct {
	start time.Time
	count int
}

var _ hitsDB = (*fakeHits)(nil)

func (f *fakeHits) Hit(_ context.Context, key string, n int, window time.Duration) (bool, time.Duration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	w := f.seen[key]
	if w.count == 0 || now.Sub(w.start) >= window {
		w = fakeWindow{start: now}
	}
	if w.count >= n {
		return false, w.start.Add(window).Sub(now), nil
	}
	w.count++
	f.seen[key] = w
	return true, 0, nil
}

// fakeApp is the real router with fakes for the store: the server's
// concrete store is nil, so a handler that reaches past its narrow view
// panics into a 500 that the test sees.
type fakeApp struct {
	*testApp
	sessions *fakeSessions
	users    *fakeUsers
	audits   *fakeAudit
	outbox   *fakeOutbox
	key      []byte
}

func newFakeApp(t *testing.T) *fakeApp {
	t.Helper()
	return newFakeAppWith(t, Options{SignInsPerMinute: 1000})
}

// newFakeAppWith is newFakeApp built with opts: what a test changes is
// passed in before the server starts, never set on it after.
func newFakeAppWith(t *testing.T, opts Options) *fakeApp {
	t.Helper()
	a := unstartedFakeApp(t, opts)
	a.start()
	return a
}

// unstartedFakeApp is newFakeAppWith before its server starts: a helper
// gives the server its views and their fakes their answers, then calls
// start, so nothing a handler reads is written while one may run.
func unstartedFakeApp(t *testing.T, opts Options) *fakeApp {
	t.Helper()
	t.Parallel()
	return anotherFakeApp(t, opts)
}

// anotherFakeApp is unstartedFakeApp for a test that has one already (it
// does not call t.Parallel again): a second server with other Options
// over the same fakes.
func anotherFakeApp(t *testing.T, opts Options) *fakeApp {
	t.Helper()
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"CANDOUR_ARGON_MEMORY_KIB": "64", "CANDOUR_SEED_DEMO": "false"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	key := []byte(strings.Repeat("k", 32))
	srv, err := New(cfg, nil, slog.New(slog.DiscardHandler), key, opts)
	if err != nil {
		t.Fatal(err)
	}
	fs := &fakeSessions{now: time.Now, m: map[string]*store.Session{}}
	srv.sessions.db = fs
	users := &fakeUsers{}
	srv.users = users
	audits, outbox := &fakeAudit{}, &fakeOutbox{}
	srv.auditLog, srv.outbox = audits, outbox
	srv.visits = nil
	srv.calendar = nil
	srv.conflicts = nil
	srv.adviceAsk = nil
	srv.adviceDB = nil
	srv.surveyDB = nil
	srv.ccu = nil
	srv.custody = nil
	srv.volunteer = nil
	srv.meetings = nil
	srv.accounts = nil
	srv.admin = nil
	srv.auditPages = nil
	srv.recs = nil
	srv.homePage = nil
	srv.attempts = nil
	srv.secondFactor = nil
	srv.reports = nil
	srv.referrals = nil
	srv.receiptGuard.db = nil
	srv.durable = noSync{}
	srv.signIns = nil
	srv.powers = nil
	srv.processing = nil
	srv.chainHeads = nil
	srv.devOutbox = nil
	srv.ready = nil
	// The rate limiters count in memory; their own buckets come first.
	hits := &fakeHits{now: time.Now, seen: map[string]fakeWindow{}}
	srv.limits = hits // limiters made later (newLimiter) count here too
	for _, l := range []*rateLimiter{srv.signInLimiter, srv.reportLimiter, srv.surveys.limiter} {
		l.db = hits
	}
	hs := httptest.NewUnstartedServer(srv)
	t.Cleanup(hs.Close)
	srv.cfg.BaseURL = "http://" + hs.Listener.Addr().String() // the address Start serves on, as hs.URL will say
	a := &fakeApp{testApp: &testApp{t: t, srv: srv, http: hs, cfg: cfg}, sessions: fs, users: users, audits: audits, outbox: outbox, key: key}
	t.Cleanup(a.frozen.atEnd)
	return a
}

// start serves the fake app: from here on a test changes a fake only
// through what it locks (the worlds, setNow), never a field.
func (f *fakeApp) start() { f.http.Start() }

// as is a browser signed in as u: a session in the fake, its cookie in
// the jar (as the benchmark mints them), with no sign-in round trips.
func (f *fakeApp) as(u *store.User) *client {
	f.t.Helper()
	if u.ID == "" {
		u.ID = store.NewID()
	}
	f.users.add(u)
	id := store.RandomSecret()
	now := time.Now()
	_ = f.sessions.SaveSession(context.Background(), id, &store.Session{UserID: u.ID, LastSeen: now, ExpiresAt: now.Add(time.Hour),
		Values: map[string]string{keyUserID: u.ID, keyRole: string(u.Role)}})
	v, err := SessionCookieValue(f.key, id)
	if err != nil {
		f.t.Fatal(err)
	}
	c := f.client()
	jar, _ := cookiejar.New(nil)
	base, _ := url.Parse(f.http.URL)
	jar.SetCookies(base, []*http.Cookie{{Name: sessionCookie, Value: v, Path: "/"}})
	c.http.Jar = jar
	return c
}
