package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"candour/store"
)

// A person's own account and the emailed links that set a password, on
// fakes (accountStore): unusable links, the password rules and the account
// page. TestInvitationSetsPasswordAndSignsIn, TestPasswordChange,
// TestInvitationUsedOnceUnderConcurrency and the other journeys in
// auth_flows_test.go keep the real store; the store's own token rules
// (single use, expiry) are TestTokenSingleUseUnderConcurrency in
// store/store_test.go.

// linkWorld is accounts and the emailed links made for them, in memory
// behind a fakeAccount with its own clock. Using a link or storing a
// password is left nil: a handler that does either fails the test.
type linkWorld struct {
	mu     sync.Mutex
	now    time.Time
	users  fakeUsers // shared with the signed-in sessions
	tokens map[string]store.Token
}

func accountFakes(t *testing.T) (*fakeApp, *fakeAccount, *linkWorld) {
	f := newFakeApp(t)
	w := &linkWorld{now: time.Now(), users: f.users, tokens: map[string]store.Token{}}
	fa := &fakeAccount{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: w.now}}}
	fa.user = func(id string) (*store.User, error) { return w.users.User(t.Context(), id) }
	// As the store's PeekToken: unknown or of another kind is not found, too
	// old is expired.
	fa.peekToken = func(kind, secret string) (*store.Token, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		tok, ok := w.tokens[secret]
		if !ok || tok.Kind != kind {
			return nil, fmt.Errorf("store: token: %w", store.ErrNotFound)
		}
		if !w.now.Before(tok.ExpiresAt) {
			return nil, fmt.Errorf("store: token: %w", store.ErrExpired)
		}
		return &tok, nil
	}
	f.srv.accounts = fa
	return f, fa, w
}

// link makes a link of kind for u that lasts life, and returns its path.
func (w *linkWorld) link(kind string, u *store.User, life time.Duration) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if u.ID == "" {
		u.ID = store.NewID()
	}
	if _, ok := w.users[u.ID]; !ok {
		w.users[u.ID] = u
	}
	secret := store.RandomSecret()
	w.tokens[secret] = store.Token{Kind: kind, UserID: u.ID, CreatedAt: w.now, ExpiresAt: w.now.Add(life)}
	if kind == store.TokenInvitation {
		return "/invitation/" + secret
	}
	return "/password-reset/" + secret
}

// invite is an invited account and its invitation link.
func (w *linkWorld) invite(role store.Role, email string) (*store.User, string) {
	u := &store.User{Email: email, Name: "Invited " + string(role), Role: role, Status: store.StatusInvited}
	return u, w.link(store.TokenInvitation, u, store.InvitationLife)
}

func (w *linkWorld) advance(d time.Duration) {
	w.mu.Lock()
	w.now = w.now.Add(d)
	w.mu.Unlock()
}

func (w *linkWorld) user(id string) *store.User {
	w.mu.Lock()
	defer w.mu.Unlock()
	cp := *w.users[id]
	return &cp
}

func TestInvitationLinkProblemsWithFakes(t *testing.T) {
	a, _, w := accountFakes(t)
	u, link := w.invite(store.RoleMember, "ben@example.org")
	c := a.client()

	wantPage(t, "unknown link", c.get("/invitation/not-a-real-token"), http.StatusNotFound, "This link has been used or is wrong")

	// A form posted after its link expired (a short-lived link, so that the
	// browser's session outlives it).
	short := w.link(store.TokenInvitation, u, time.Minute)
	token := c.csrf(short)
	w.advance(2 * time.Minute)
	r := c.post(short, url.Values{"csrf_token": {token}, "password": {newPassword}, "confirm-password": {newPassword}})
	wantPage(t, "expired link, posted", r, http.StatusGone, "Ask your coordinator for a new invitation")

	w.advance(8 * 24 * time.Hour)
	wantPage(t, "expired link", c.get(link), http.StatusGone, "Ask your coordinator for a new invitation")
	if got := w.user(u.ID); got.Status != store.StatusInvited || got.PasswordHash != "" {
		t.Errorf("an expired link changed the account: status %q", got.Status)
	}
}

func TestInvitationForDisabledAccountDoesNotEnableItWithFakes(t *testing.T) {
	a, _, w := accountFakes(t)
	u, link := w.invite(store.RoleMember, "dee@example.org")
	u.Status = store.StatusDisabled
	wantPage(t, "disabled account's link", a.client().get(link), http.StatusNotFound, "")
	if got := w.user(u.ID); got.Status != store.StatusDisabled {
		t.Errorf("status=%q, want disabled", got.Status)
	}
}

// TestNewPasswordRulesWithFakes: on both kinds of emailed link, a password
// that breaks a rule is refused with a message, nothing changes and the
// link still works.
func TestNewPasswordRulesWithFakes(t *testing.T) {
	a, _, w := accountFakes(t)
	tests := []struct {
		name, password, confirm, want string
	}{
		{"empty", "", "", "Enter a password"},
		{"short", "short pass", "short pass", "Password must be 12 characters or more"},
		{"common", "password1234", "password1234", "on a list of common passwords"},
		{"common in capitals", "PasswordPassword", "PasswordPassword", "on a list of common passwords"},
		{"mismatched", newPassword, newPassword + "!", "Enter the same password twice"},
		{"not repeated", newPassword, "", "Enter the password again"},
	}
	invited, invitation := w.invite(store.RoleMember, "cal@example.org")
	active := &store.User{Email: "dan@example.org", Name: "Test member", Role: store.RoleMember, Status: store.StatusActive, PasswordHash: a.srv.hasher.Hash(testPassword)}
	links := []struct {
		kind, path string
		user       *store.User
	}{
		{"invitation", invitation, invited},
		{"reset", w.link(store.TokenPasswordReset, active, store.PasswordResetLife), active},
	}
	for _, l := range links {
		for _, tt := range tests {
			t.Run(l.kind+" "+tt.name, func(t *testing.T) {
				r := a.client().setPassword(l.path, tt.password, tt.confirm)
				wantPage(t, "submit", r, http.StatusUnprocessableEntity, tt.want)
				if !strings.Contains(r.Body, "govuk-error-summary") {
					t.Error("no error summary")
				}
				if tt.password != "" && strings.Contains(r.Body, tt.password) {
					t.Error("the page shows the typed password")
				}
				// UseToken and ChangePassword are nil in the fake: a call
				// would have failed the test.
				if got := w.user(l.user.ID); got.Status != l.user.Status || got.PasswordHash != l.user.PasswordHash {
					t.Errorf("account changed: status %q", got.Status)
				}
				wantPage(t, "link afterwards", a.client().get(l.path), http.StatusOK, "")
			})
		}
	}
}

func TestAccountPageWithFakes(t *testing.T) {
	a, fa, _ := accountFakes(t)
	u := &store.User{Email: "lee@example.org", Name: "Test chair", Role: store.RoleChair, Status: store.StatusActive}
	g := &store.Group{ID: store.NewID(), Name: "Weymouth IAG", Kind: store.GroupIAG}
	fa.userMemberships = func(id string) ([]store.Membership, error) {
		if id != u.ID {
			return nil, nil
		}
		return []store.Membership{{GroupID: g.ID, UserID: u.ID, Chair: true, VettingLevel: "none"}}, nil
	}
	fa.group = func(id string) (*store.Group, error) {
		if id != g.ID {
			return nil, store.ErrNotFound
		}
		return g, nil
	}
	c := a.as(u)
	r := c.get("/account")
	wantPage(t, "account page", r, http.StatusOK, "Your account")
	for _, want := range []string{u.Name, u.Email, "Group chair", "Weymouth IAG (chair)", "Off", `href="/account/two-factor"`, `action="/account/password"`, `action="/account/sign-out-everywhere"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("account page does not show %q", want)
		}
	}
	if n := strings.Count(r.Body, "<h1"); n != 1 {
		t.Errorf("%d <h1> elements, want 1", n)
	}
}
