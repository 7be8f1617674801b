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

// A person's own account and the emailed links that set a password, on
// fakes (accountStore): unusable links, the password rules and the account
// page. The other journeys in auth_flows_test.go (a reset, a change, an
// invited administrator, signing out everywhere) run on accountsWorld
// (fakes_accounts_test.go); TestInvitationSetsPasswordAndSignsIn (one
// journey), TestInvitationUsedOnceUnderConcurrency and
// TestPasswordResetLink (the lock the store's budget of tries sets) keep
// the real store; the store's own token rules (single use, expiry) are
// TestTokenSingleUseUnderConcurrency in store/store_test.go.

// linkWorld is accounts and the emailed links made for them, in memory
// behind a fakeAccount with its own clock. Using a link or storing a
// password is left nil: a handler that does either fails the test.
type linkWorld struct {
	mu     sync.Mutex
	now    time.Time
	users  *fakeUsers // shared with the signed-in sessions (under its own lock)
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
	if _, err := w.users.User(context.Background(), u.ID); err != nil {
		w.users.add(u)
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
	u, _ := w.users.User(context.Background(), id)
	return u
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

// fakeAttempts stands in for the store's budget of tries (attemptsDB).
type fakeAttempts struct {
	fakeCalls
	take   func(key, account string) (store.Attempt, error)
	forget func(key string) error
}

var _ attemptsDB = (*fakeAttempts)(nil)

func (f *fakeAttempts) TakeAttempt(_ context.Context, key, account string, _ store.AttemptBudget) (store.Attempt, error) {
	if !f.called("TakeAttempt", f.take) {
		return store.Attempt{}, errNoFake
	}
	return f.take(key, account)
}

func (f *fakeAttempts) ForgetAttempt(_ context.Context, key string) error {
	return do(&f.fakeCalls, "ForgetAttempt", f.forget, key)
}

// fakeTwoFactor stands in for the store on two-factor set-up and codes
// (twoFactorStore).
type fakeTwoFactor struct {
	fakeReads
	setTOTPSecret    func(id, secret string) error
	useTOTPStep      func(id string, step int64) error
	enableTOTP       func(id string) error
	setRecoveryCodes func(id string, hashes []string) error
	useRecoveryCode  func(id, hash string) error
}

var _ twoFactorStore = (*fakeTwoFactor)(nil)

func (f *fakeTwoFactor) SetTOTPSecret(_ context.Context, id, secret string) error {
	if !f.called("SetTOTPSecret", f.setTOTPSecret) {
		return errNoFake
	}
	return f.setTOTPSecret(id, secret)
}

func (f *fakeTwoFactor) UseTOTPStep(_ context.Context, id string, step int64) error {
	if !f.called("UseTOTPStep", f.useTOTPStep) {
		return errNoFake
	}
	return f.useTOTPStep(id, step)
}

func (f *fakeTwoFactor) EnableTOTP(_ context.Context, id string) error {
	return do(&f.fakeCalls, "EnableTOTP", f.enableTOTP, id)
}

func (f *fakeTwoFactor) SetRecoveryCodes(_ context.Context, id string, hashes []string) error {
	if !f.called("SetRecoveryCodes", f.setRecoveryCodes) {
		return errNoFake
	}
	return f.setRecoveryCodes(id, hashes)
}

func (f *fakeTwoFactor) UseRecoveryCode(_ context.Context, id, hash string) error {
	if !f.called("UseRecoveryCode", f.useRecoveryCode) {
		return errNoFake
	}
	return f.useRecoveryCode(id, hash)
}

// TestPasswordChangeRefusalsWithFakes: on the account page a wrong or
// missing current password, or a new one that breaks a rule, is refused
// with a message and nothing is stored (ChangePassword is nil in the
// fake); a wrong current password is audited as a failed sign-in, a right
// one gives its try back, and once the account's tries are spent the
// current password is refused unchecked. TestPasswordChange makes the
// change itself (on accountsWorld).
func TestPasswordChangeRefusalsWithFakes(t *testing.T) {
	a, fa, w := accountFakes(t)
	fa.userMemberships = func(string) ([]store.Membership, error) { return nil, nil }
	spent := false
	var forgotten []string
	at := &fakeAttempts{fakeCalls: fakeCalls{t: t, now: time.Now()}}
	at.take = func(key, account string) (store.Attempt, error) {
		if spent {
			return store.Attempt{LockedNow: true, Until: time.Now().Add(15 * time.Minute)}, nil
		}
		return store.Attempt{OK: true}, nil
	}
	at.forget = func(key string) error { forgotten = append(forgotten, key); return nil }
	a.srv.attempts = at
	u := &store.User{ID: store.NewID(), Email: "max@example.org", Name: "Test member", Role: store.RoleMember, Status: store.StatusActive,
		PasswordHash: a.srv.hasher.Hash(testPassword)}
	c := a.as(u)

	bad := []struct {
		name                       string
		current, password, confirm string
		want                       string
	}{
		{"wrong current", "not my password", newPassword, newPassword, "Your current password is wrong"},
		{"no current", "", newPassword, newPassword, "Enter your current password"},
		{"short", testPassword, "too short", "too short", "Password must be 12 characters or more"},
		{"common", testPassword, "qwerty123456", "qwerty123456", "on a list of common passwords"},
		{"mismatched", testPassword, newPassword, "something else entirely", "Enter the same password twice"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			r := c.submit("/account", "/account/password", url.Values{"current-password": {tt.current}, "new-password": {tt.password}, "confirm-password": {tt.confirm}})
			wantPage(t, "change", r, http.StatusUnprocessableEntity, tt.want)
			if !a.srv.hasher.Verify(w.user(u.ID).PasswordHash, testPassword) {
				t.Fatal("the password changed")
			}
		})
	}
	// By hand: "no current" spends no try; the other four each spend one.
	// The three with the right current password give theirs back.
	if n := at.calls("TakeAttempt"); n != 4 {
		t.Errorf("%d tries taken, want 4", n)
	}
	if want := "password-change:" + u.ID; len(forgotten) != 3 || forgotten[0] != want {
		t.Errorf("tries given back %v, want %q three times", forgotten, want)
	}
	if n := a.audits.count(store.AuditSignInFailed, "user:"+u.ID); n != 1 {
		t.Errorf("%d failed sign-ins audited, want 1 (the wrong current password)", n)
	}

	// The tries are spent: even the right password is refused unchecked,
	// and the lock this try started is audited.
	spent = true
	r := c.submit("/account", "/account/password", url.Values{"current-password": {testPassword}, "new-password": {newPassword}, "confirm-password": {newPassword}})
	wantPage(t, "tries spent", r, http.StatusUnprocessableEntity, "You have entered a wrong password too many times. Try again later")
	if n := a.audits.count(store.AuditLockedOut, "user:"+u.ID); n != 1 {
		t.Errorf("%d locks audited, want 1", n)
	}
	if n := a.audits.count(store.AuditSignInFailed, "user:"+u.ID); n != 2 {
		t.Errorf("%d failed sign-ins audited, want 2", n)
	}
	if fa.calls("ChangePassword") != 0 || len(forgotten) != 3 {
		t.Error("a refused change stored a password or gave a try back")
	}
}

// TestAccountTwoFactorWithFakes: anyone may turn on two-factor
// authentication. (TestAdminMustEnrolTwoFactorAtFirstSignInAndUseItEveryTime
// keeps enrolment at sign-in, and the code's single use, on the real
// store.)
func TestAccountTwoFactorWithFakes(t *testing.T) {
	a, fa, w := accountFakes(t)
	fa.userMemberships = func(string) ([]store.Membership, error) { return nil, nil }
	ft := &fakeTwoFactor{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: time.Now()}}}
	set := func(id string, change func(u *store.User)) error {
		w.users.change(id, change)
		return nil
	}
	ft.setTOTPSecret = func(id, secret string) error { return set(id, func(u *store.User) { u.TOTPSecret = secret }) }
	ft.useTOTPStep = func(string, int64) error { return nil }
	ft.enableTOTP = func(id string) error { return set(id, func(u *store.User) { u.TOTPEnabled = true }) }
	ft.setRecoveryCodes = func(id string, hashes []string) error {
		return set(id, func(u *store.User) { u.RecoveryCodes = hashes })
	}
	a.srv.secondFactor = ft
	u := &store.User{ID: store.NewID(), Email: "oli@example.org", Name: "Test member", Role: store.RoleMember, Status: store.StatusActive}
	c := a.as(u)
	wantPage(t, "set-up page", c.get("/account/two-factor"), http.StatusOK, "Key:")
	secret := w.user(u.ID).TOTPSecret
	if secret == "" {
		t.Fatal("no secret stored")
	}
	wantPage(t, "wrong code", c.submit("/account/two-factor", "/account/two-factor", url.Values{"code": {"000000"}}),
		http.StatusUnprocessableEntity, "The security code is wrong")
	if n := ft.calls("EnableTOTP"); n != 0 {
		t.Errorf("a wrong code enabled two-factor (%d calls)", n)
	}
	r := c.submit("/account/two-factor", "/account/two-factor", url.Values{"code": {totpCode(t, secret, ft.Now())}})
	wantPage(t, "enrol", r, http.StatusOK, "Two-factor authentication is set up")
	if !w.user(u.ID).TOTPEnabled {
		t.Error("two-factor not enabled")
	}
	wantPage(t, "account page", c.get("/account"), http.StatusOK, "10 recovery codes left")
	if r := c.get("/account/two-factor"); r.Status != http.StatusSeeOther {
		t.Errorf("set-up page once enrolled: %d, want 303", r.Status)
	}
	if n := a.audits.count(store.AuditTOTPEnrolled, "user:"+u.ID); n != 1 {
		t.Errorf("%d %s events, want 1", n, store.AuditTOTPEnrolled)
	}
}
