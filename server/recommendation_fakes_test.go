package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"candour/store"
)

// fakeRecs stands in for the store on the recommendations register and
// "You said, we did" (recStore).
type fakeRecs struct {
	fakeReads
	recommendation        func(id string) (*store.Recommendation, error)
	listRecommendations   func(store.RecommendationFilter) ([]store.RecSummary, bool, error)
	allRecommendations    func(store.RecommendationFilter) ([]store.RecSummary, error)
	exportRecommendations func() ([]store.Recommendation, error)
	recommendationsCopy   func() ([]store.RecSummary, uint64, error)
	createRecommendations func(rs []*store.Recommendation, by store.Actor, kind string) error
	changeRecommendation  func(id string, version int, change func(*store.Recommendation, time.Time) (store.HistoryEntry, error)) (*store.Recommendation, error)
	followRecommendation  func(id, userID string, follow bool) error
	finding               func(id string) (*store.Finding, error)
	visit                 func(id string) (*store.Visit, error)
	membership            func(groupID, userID string) (*store.Membership, error)
	clock                 func() time.Time // Now, when set; else fakeCalls' fixed time
}

var _ recStore = (*fakeRecs)(nil)

func (f *fakeRecs) Now() time.Time {
	if f.clock != nil {
		return f.clock()
	}
	return f.fakeCalls.Now()
}

func (f *fakeRecs) Recommendation(_ context.Context, id string) (*store.Recommendation, error) {
	return ask(&f.fakeCalls, "Recommendation", f.recommendation, id)
}

func (f *fakeRecs) ListRecommendations(_ context.Context, flt store.RecommendationFilter) ([]store.RecSummary, bool, error) {
	if !f.called("ListRecommendations", f.listRecommendations) {
		return nil, false, errNoFake
	}
	return f.listRecommendations(flt)
}

func (f *fakeRecs) AllRecommendations(_ context.Context, flt store.RecommendationFilter) ([]store.RecSummary, error) {
	return ask(&f.fakeCalls, "AllRecommendations", f.allRecommendations, flt)
}

func (f *fakeRecs) ExportRecommendations(context.Context) ([]store.Recommendation, error) {
	if !f.called("ExportRecommendations", f.exportRecommendations) {
		return nil, errNoFake
	}
	return f.exportRecommendations()
}

func (f *fakeRecs) RecommendationsCopy(context.Context) ([]store.RecSummary, uint64, error) {
	if !f.called("RecommendationsCopy", f.recommendationsCopy) {
		return nil, 0, errNoFake
	}
	return f.recommendationsCopy()
}

func (f *fakeRecs) CreateRecommendation(_ context.Context, r *store.Recommendation, by store.Actor) error {
	if !f.called("CreateRecommendation", f.createRecommendations) {
		return errNoFake
	}
	return f.createRecommendations([]*store.Recommendation{r}, by, store.HistCreated)
}

func (f *fakeRecs) CreateRecommendations(_ context.Context, rs []*store.Recommendation, by store.Actor, kind string) error {
	if !f.called("CreateRecommendations", f.createRecommendations) {
		return errNoFake
	}
	return f.createRecommendations(rs, by, kind)
}

func (f *fakeRecs) ChangeRecommendation(_ context.Context, id string, version int, change func(*store.Recommendation, time.Time) (store.HistoryEntry, error)) (*store.Recommendation, error) {
	if !f.called("ChangeRecommendation", f.changeRecommendation) {
		return nil, errNoFake
	}
	return f.changeRecommendation(id, version, change)
}

func (f *fakeRecs) FollowRecommendation(_ context.Context, id, userID string, follow bool) error {
	if !f.called("FollowRecommendation", f.followRecommendation) {
		return errNoFake
	}
	return f.followRecommendation(id, userID, follow)
}

func (f *fakeRecs) Finding(_ context.Context, id string) (*store.Finding, error) {
	return ask(&f.fakeCalls, "Finding", f.finding, id)
}

func (f *fakeRecs) Visit(_ context.Context, id string) (*store.Visit, error) {
	return ask(&f.fakeCalls, "Visit", f.visit, id)
}

func (f *fakeRecs) Membership(_ context.Context, groupID, userID string) (*store.Membership, error) {
	if !f.called("Membership", f.membership) {
		return nil, errNoFake
	}
	return f.membership(groupID, userID)
}

// recWorld is a register in memory behind a fakeRecs, with its own clock:
// its writes follow the store's contract (ChangeRecommendation: a stale
// version is ErrConflict and writes nothing; the change function's own
// error is returned as it is) and use the same domain methods
// (store.Recommendation's Transition, Progress and the rest), so the
// handlers' logic runs as it does on the real store. Findings and visits
// are left nil: a handler that reads one fails the test.
type recWorld struct {
	mu     sync.Mutex
	now    func() time.Time
	recs   map[string]*store.Recommendation
	groups []store.Group
	users  *fakeUsers // shared with the signed-in sessions
	loads  uint64     // bumped by every write, as the store's copy's load
}

func recFakes(t *testing.T) (*fakeApp, *fakeRecs, *recWorld) {
	a := newFakeApp(t)
	w := &recWorld{now: time.Now, recs: map[string]*store.Recommendation{}, users: a.users, loads: 1}
	fr := &fakeRecs{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: time.Now()}}}
	fr.groups = func() ([]store.Group, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		return append([]store.Group(nil), w.groups...), nil
	}
	fr.usersByID = a.users.byID
	// As the store's Membership: read from the person's memberships.
	fr.membership = func(groupID, userID string) (*store.Membership, error) {
		if u, err := a.users.User(context.Background(), userID); err == nil {
			for _, m := range u.Memberships {
				if m.GroupID == groupID {
					return &m, nil
				}
			}
		}
		return nil, fmt.Errorf("store: membership: %w", store.ErrNotFound)
	}
	fr.clock = w.clock
	fr.recommendation = w.get
	fr.createRecommendations = w.create
	fr.changeRecommendation = w.change
	fr.followRecommendation = w.follow
	fr.listRecommendations = func(flt store.RecommendationFilter) ([]store.RecSummary, bool, error) {
		rs := w.filter(flt)
		page := max(flt.Page, 1)
		from := min((page-1)*store.PageSize, len(rs))
		to := min(from+store.PageSize, len(rs))
		return rs[from:to], to < len(rs), nil
	}
	fr.allRecommendations = func(flt store.RecommendationFilter) ([]store.RecSummary, error) { return w.filter(flt), nil }
	fr.exportRecommendations = func() ([]store.Recommendation, error) {
		var out []store.Recommendation
		for _, s := range w.filter(store.RecommendationFilter{}) {
			r, _ := w.get(s.ID)
			out = append(out, *r)
		}
		return out, nil
	}
	fr.recommendationsCopy = func() ([]store.RecSummary, uint64, error) {
		w.mu.Lock()
		n := w.loads
		w.mu.Unlock()
		return w.filter(store.RecommendationFilter{}), n, nil
	}
	a.srv.recs = fr
	return a, fr, w
}

// clock is the world's time, for the handlers (Now) and the store's
// writes alike.
func (w *recWorld) clock() time.Time {
	w.mu.Lock()
	now := w.now
	w.mu.Unlock()
	return now()
}

// setClock sets the world's clock, as the store's SetClock.
func (w *recWorld) setClock(now func() time.Time) {
	w.mu.Lock()
	w.now = now
	w.mu.Unlock()
}

// get is a copy of recommendation id, as the store reads one.
func (w *recWorld) get(id string) (*store.Recommendation, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	r, ok := w.recs[id]
	if !ok {
		return nil, fmt.Errorf("store: recommendation %s: %w", id, store.ErrNotFound)
	}
	return copyRec(r), nil
}

func copyRec(r *store.Recommendation) *store.Recommendation {
	cp := *r
	cp.History = append([]store.HistoryEntry(nil), r.History...)
	cp.Followers = append([]string{}, r.Followers...)
	cp.Tags = append([]string{}, r.Tags...)
	cp.EvidenceLinks = append([]string(nil), r.EvidenceLinks...)
	return &cp
}

// create is the store's CreateRecommendations: each begins as the store
// begins it (Recommendation.Begin).
func (w *recWorld) create(rs []*store.Recommendation, by store.Actor, kind string) error {
	now := w.clock().UTC()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range rs {
		r.Begin(now, by, kind)
		w.recs[r.ID] = copyRec(r)
	}
	w.loads++
	return nil
}

// change is the store's ChangeRecommendation.
func (w *recWorld) change(id string, version int, fn func(*store.Recommendation, time.Time) (store.HistoryEntry, error)) (*store.Recommendation, error) {
	r, err := w.get(id)
	if err != nil {
		return nil, err
	}
	if r.Version != version {
		return r, fmt.Errorf("store: recommendation %s: %w", id, store.ErrConflict)
	}
	entry, err := fn(r, w.clock())
	if err != nil {
		return r, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.recs[id].Version != version {
		return r, fmt.Errorf("store: recommendation %s: %w", id, store.ErrConflict)
	}
	r.Version, r.UpdatedAt = version+1, w.now().UTC()
	r.History = append(r.History, entry)
	w.recs[id] = copyRec(r)
	w.loads++
	return r, nil
}

// save is the store's SaveRecommendation: r as it is, with entry, only if
// the kept version is still version.
func (w *recWorld) save(r *store.Recommendation, version int, entry store.HistoryEntry) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	kept, ok := w.recs[r.ID]
	if !ok {
		return fmt.Errorf("store: recommendation %s: %w", r.ID, store.ErrNotFound)
	}
	if kept.Version != version {
		return fmt.Errorf("store: save recommendation %s: %w", r.ID, store.ErrConflict)
	}
	r.Version, r.UpdatedAt = version+1, w.now().UTC()
	r.History = append(r.History, entry)
	w.recs[r.ID] = copyRec(r)
	w.loads++
	return nil
}

// follow is the store's FollowRecommendation.
func (w *recWorld) follow(id, userID string, on bool) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	r, ok := w.recs[id]
	if !ok {
		return fmt.Errorf("store: follow recommendation %s: %w", id, store.ErrNotFound)
	}
	var fs []string
	for _, f := range r.Followers {
		if f != userID {
			fs = append(fs, f)
		}
	}
	if on {
		fs = append(fs, userID)
	}
	r.Followers = fs
	w.loads++
	return nil
}

// filter is the summaries flt matches, newest raised first, by the
// store's own store.FilterRecs.
func (w *recWorld) filter(flt store.RecommendationFilter) []store.RecSummary {
	w.mu.Lock()
	defer w.mu.Unlock()
	all := make([]store.RecSummary, 0, len(w.recs))
	for _, r := range w.recs {
		all = append(all, r.Summary())
	}
	return store.FilterRecs(all, flt)
}

// recFakeFixture is newRecFixture on fakes: one group, its chair, a
// member, a coordinator and a chair of another group, each signed in.
type recFakeFixture struct {
	a                           *fakeApp
	fr                          *fakeRecs
	w                           *recWorld
	group, other                *store.Group
	coord, chair, member, rival *client
	memberUser                  *store.User
}

func newRecFakeFixture(t *testing.T) *recFakeFixture {
	t.Helper()
	a, fr, w := recFakes(t)
	f := &recFakeFixture{a: a, fr: fr, w: w,
		group: &store.Group{ID: store.NewID(), Name: "Stop and Search Scrutiny Panel", Kind: store.GroupPanel},
		other: &store.Group{ID: store.NewID(), Name: "Dorset Rural IAG", Kind: store.GroupIAG}}
	w.groups = []store.Group{*f.group, *f.other}
	person := func(role store.Role, email string, ms ...store.Membership) *store.User {
		return &store.User{ID: store.NewID(), Email: email, Name: "Test " + string(role), Role: role, Status: store.StatusActive, Memberships: ms}
	}
	coord := person(store.RoleCoordinator, "coord@example.org")
	chair := person(store.RoleChair, "chair@example.org")
	chair.Memberships = []store.Membership{{GroupID: f.group.ID, UserID: chair.ID, Chair: true, VettingLevel: "NPPV2"}}
	rival := person(store.RoleChair, "rival@example.org")
	rival.Memberships = []store.Membership{{GroupID: f.other.ID, UserID: rival.ID, Chair: true, VettingLevel: "NPPV1"}}
	f.memberUser = person(store.RoleMember, "member@example.org")
	f.memberUser.Memberships = []store.Membership{{GroupID: f.group.ID, UserID: f.memberUser.ID, VettingLevel: "NPPV2"}}
	f.coord, f.chair, f.member, f.rival = a.as(coord), a.as(chair), a.as(f.memberUser), a.as(rival)
	return f
}

// raise creates a recommendation through the form and returns its id, as
// recFixture.raise.
func (f *recFakeFixture) raise(t *testing.T, title string) string {
	t.Helper()
	rf := &recFixture{a: f.a.testApp, group: f.group, coord: f.coord}
	return rf.raise(t, title)
}

func (f *recFakeFixture) rec(t *testing.T, id string) *store.Recommendation {
	t.Helper()
	r, err := f.w.get(id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// change posts one of a recommendation's forms with its current version.
func (f *recFakeFixture) change(t *testing.T, c *client, id, action string, form url.Values) response {
	t.Helper()
	return postRecChange(c, id, action, form, func() int { return f.rec(t, id).Version })
}

// TestRaiseFromFindingWithFakes: a recommendation raised from a visit's
// finding starts from its proposals, and only for a submitted finding
// that the person may see: staff, or the chair of the visit's group. A
// draft, another group's chair or an unknown finding is "not found".
func TestRaiseFromFindingWithFakes(t *testing.T) {
	f := newRecFakeFixture(t)
	v := &store.Visit{ID: store.NewID(), GroupID: f.group.ID, Type: store.VisitStopSearch, Location: "Kings Park",
		Start: time.Date(2026, 2, 3, 10, 0, 0, 0, time.UTC)}
	findings := map[string]*store.Finding{
		"submitted": {VisitID: v.ID, UserID: f.memberUser.ID, Status: store.FindingSubmitted,
			Proposals: "Record the grounds in full\nEvery record should say what the officer saw."},
		"draft": {VisitID: v.ID, UserID: f.memberUser.ID, Status: store.FindingDraft, Proposals: "Not yet"},
	}
	f.fr.finding = func(id string) (*store.Finding, error) {
		if fd, ok := findings[id]; ok {
			cp := *fd
			return &cp, nil
		}
		return nil, fmt.Errorf("store: finding %s: %w", id, store.ErrNotFound)
	}
	f.fr.visit = func(id string) (*store.Visit, error) {
		if id != v.ID {
			return nil, fmt.Errorf("store: visit %s: %w", id, store.ErrNotFound)
		}
		cp := *v
		return &cp, nil
	}
	for _, c := range []struct {
		who     string
		c       *client
		finding string
		want    int
	}{
		{"coordinator, submitted", f.coord, "submitted", http.StatusOK},
		{"the group's chair, submitted", f.chair, "submitted", http.StatusOK},
		{"coordinator, draft", f.coord, "draft", http.StatusNotFound},
		{"another group's chair", f.rival, "submitted", http.StatusNotFound},
		{"coordinator, unknown", f.coord, "unknown", http.StatusNotFound},
	} {
		r := c.c.get("/recommendations/new?finding=" + c.finding)
		if r.Status != c.want {
			t.Errorf("%s: %d, want %d", c.who, r.Status, c.want)
			continue
		}
		if c.want != http.StatusOK {
			if strings.Contains(r.Body, "Record the grounds in full") {
				t.Errorf("%s: the refusal shows the finding's proposals", c.who)
			}
			continue
		}
		// By hand: the title is the proposals' first line; the link goes to
		// the finding on the visit's page.
		for _, want := range []string{`value="Record the grounds in full"`, "/visits/" + v.ID + "#finding-" + f.memberUser.ID, `value="visit-finding" selected`} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("%s: the form lacks %q", c.who, want)
			}
		}
	}
	if n := f.fr.calls("CreateRecommendations") + f.fr.calls("CreateRecommendation"); n != 0 {
		t.Errorf("opening the form stored %d recommendations", n)
	}
}
