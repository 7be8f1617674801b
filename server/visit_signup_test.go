package server

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"candour/apperr"
	"candour/store"
)

// signUpFakes is a member of one group and a visit of that group in ten
// days, with the store replaced by fakes (fakes_test.go). What a test
// changes between requests, the visit and the store's answers to
// Eligible, SignUp and CancelSignUp, it changes through signUpAnswers.
func signUpFakes(t *testing.T) (*fakeApp, *fakeVisits, *store.Visit, *client, *signUpAnswers) {
	f := newFakeApp(t)
	now := time.Now()
	v := &store.Visit{ID: store.NewID(), Type: store.VisitCustody, GroupID: "g1", Location: "Weymouth custody suite",
		Start: now.Add(240 * time.Hour), End: now.Add(243 * time.Hour), Capacity: 2, MinVetting: "NPPV2",
		Attendees: []string{}, Waiting: []string{}, Version: 1}
	s := &signUpAnswers{}
	s.visit.set(*v)
	fv := &fakeVisits{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: now}},
		visit: func(id string) (*store.Visit, error) {
			cp := s.visit.get()
			if id != cp.ID {
				return nil, store.ErrNotFound
			}
			return &cp, nil
		},
		eligible: func(v *store.Visit, userID string, ms []store.Membership) error {
			return s.eligible.get()(v, userID, ms)
		},
		signUp:       func(id, userID string, ms []store.Membership) (string, error) { return s.signUp.get()(id, userID, ms) },
		cancelSignUp: func(id, userID string) ([]string, error) { return s.cancelSignUp.get()(id, userID) },
	}
	fv.group = func(string) (*store.Group, error) { return &store.Group{ID: "g1", Name: "Dorset custody panel"}, nil }
	f.srv.visits = fv
	m := &store.User{Email: "m@example.org", Name: "Mo Member", Role: store.RoleMember, Status: store.StatusActive,
		Memberships: []store.Membership{{GroupID: "g1", VettingLevel: "NPPV1"}}}
	return f, fv, v, f.as(m), s
}

// signUpAnswers are signUpFakes' answers that its tests change between
// requests, under their locks: the visit as the store holds it, and the
// store's answers to Eligible, SignUp and CancelSignUp (none at first).
type signUpAnswers struct {
	visit        swappable[store.Visit]
	eligible     swappable[func(v *store.Visit, userID string, ms []store.Membership) error]
	signUp       swappable[func(id, userID string, ms []store.Membership) (string, error)]
	cancelSignUp swappable[func(id, userID string) ([]string, error)]
}

// changeVisit changes the visit as the store holds it.
func (s *signUpAnswers) changeVisit(change func(v *store.Visit)) {
	s.visit.mu.Lock()
	defer s.visit.mu.Unlock()
	change(&s.visit.f)
}

// TestSignUpPageAndRefusalWithFakes: the visit page offers sign-up or says
// why not from the one row-level check (Store.Eligible), and a refused
// sign-up is a 422 that shows the refusal without checking again.
func TestSignUpPageAndRefusalWithFakes(t *testing.T) {
	f, fv, v, m, s := signUpFakes(t)
	page := "/visits/" + v.ID
	s.eligible.set(func(*store.Visit, string, []store.Membership) error { return nil })
	if r := m.get(page); r.Status != http.StatusOK || !strings.Contains(r.Body, `action="/visits/`+v.ID+`/sign-up"`) || !strings.Contains(r.Body, ">Sign up<") {
		t.Fatalf("eligible: %d, no sign-up button", r.Status)
	}
	s.changeVisit(func(v *store.Visit) { v.SeatsTaken = 2 })
	if r := m.get(page); !strings.Contains(r.Body, "Join the waiting list") {
		t.Fatal("a full visit does not offer the waiting list")
	}

	why := "This visit needs vetting to NPPV2 or higher, and your vetting is NPPV1. Contact your engagement coordinator about vetting."
	refused := apperr.Invalidf("sign-up", "%s", why)
	s.eligible.set(func(*store.Visit, string, []store.Membership) error { return refused })
	if r := m.get(page); !strings.Contains(r.Body, "needs vetting to NPPV2 or higher, and your vetting is NPPV1") || strings.Contains(r.Body, ">Sign up<") {
		t.Fatal("the reason is not shown on the page")
	}
	s.signUp.set(func(string, string, []store.Membership) (string, error) { return "", refused })
	token := m.csrf(page)
	before := fv.calls("Eligible")
	r := m.post(page+"/sign-up", map[string][]string{"csrf_token": {token}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "govuk-error-summary") ||
		!strings.Contains(r.Body, "You cannot sign up: "+why) {
		t.Fatalf("ineligible sign-up: %d", r.Status)
	}
	if n := fv.calls("Eligible") - before; n != 0 {
		t.Errorf("the refused sign-up checked eligibility %d more times: the refusal already says why", n)
	}
	if fv.calls("SignUp") != 1 {
		t.Errorf("SignUp called %d times", fv.calls("SignUp"))
	}
	_ = f
}

// TestSignUpOutcomesWithFakes: each answer of the store is one response.
func TestSignUpOutcomesWithFakes(t *testing.T) {
	_, _, v, m, s := signUpFakes(t)
	page := "/visits/" + v.ID
	s.eligible.set(func(*store.Visit, string, []store.Membership) error { return nil })
	for _, tc := range []struct {
		name   string
		seat   string
		err    error
		status int
		where  string
	}{
		// The page says which from the visit itself (signedUpNote).
		{"a place", store.SeatConfirmed, nil, http.StatusSeeOther, page + "?signed-up"},
		{"the waiting list", store.SeatWaiting, nil, http.StatusSeeOther, page + "?signed-up"},
		// On it already: where they are, from the visit, as after a first
		// sign-up (no flash, so no session write).
		{"already on it", "", store.ErrAlreadySignedUp, http.StatusSeeOther, page + "?signed-up"},
		{"gone meanwhile", "", store.ErrNotFound, http.StatusNotFound, ""},
		{"the store failed", "", errors.New("disk full"), http.StatusInternalServerError, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.signUp.set(func(string, string, []store.Membership) (string, error) { return tc.seat, tc.err })
			r := m.submit(page, page+"/sign-up", nil)
			if r.Status != tc.status || r.Location != tc.where {
				t.Fatalf("%d to %q, want %d to %q", r.Status, r.Location, tc.status, tc.where)
			}
		})
	}
	if r := m.get("/visits/" + store.NewID()); r.Status != http.StatusNotFound {
		t.Fatalf("unknown visit: %d", r.Status)
	}
}

// TestCancelWithFakes: giving up a place asks first, then each answer of
// the store is one response; a visit already started or planned in pairs
// cannot be left here (409, nothing asked of the store).
func TestCancelWithFakes(t *testing.T) {
	_, fv, v, m, s := signUpFakes(t)
	page := "/visits/" + v.ID
	s.eligible.set(func(*store.Visit, string, []store.Membership) error { return store.ErrAlreadySignedUp })
	fv.usersByID = func([]string) (map[string]store.User, error) { return map[string]store.User{}, nil }
	fv.visitFindings = func(*store.Visit) ([]store.Finding, error) { return nil, nil }
	if r := m.get(page + "/cancel"); r.Status != http.StatusSeeOther || r.Location != page {
		t.Fatalf("nothing to cancel: %d to %q, want back to the visit", r.Status, r.Location)
	}
	s.cancelSignUp.set(func(string, string) ([]string, error) { return nil, store.ErrNotSignedUp })
	if r := m.submit(page, page+"/cancel", nil); r.Status != http.StatusSeeOther || r.Location != page {
		t.Fatalf("not signed up: %d to %q", r.Status, r.Location)
	}
	s.cancelSignUp.set(func(string, string) ([]string, error) { return nil, errors.New("disk full") })
	if r := m.submit(page, page+"/cancel", nil); r.Status != http.StatusInternalServerError {
		t.Fatalf("store failed: %d, want 500", r.Status)
	}
	calls := fv.calls("CancelSignUp")
	s.changeVisit(func(v *store.Visit) { v.Start, v.End = time.Now().Add(-time.Hour), time.Now().Add(time.Hour) })
	if r := m.submit(page, page+"/cancel", nil); r.Status != http.StatusConflict || !strings.Contains(r.Body, "This visit has already started") {
		t.Fatalf("started: %d, want 409", r.Status)
	}
	if fv.calls("CancelSignUp") != calls {
		t.Error("a visit already started was asked of the store")
	}
}
