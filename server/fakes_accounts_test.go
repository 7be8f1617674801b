package server

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"candour/store"
)

// accountsWorld is people, the links emailed to them, their sessions and
// their two-factor secrets in memory, behind the fakes of every view that
// signing in and a person's own account reach (userDB, signInStore,
// accountStore, twoFactorStore, attemptsDB), with a home page that has
// nothing waiting (homeStore). It keeps to the store's contract: a link
// works once and not after it expires, a new password makes an invited
// account active (not a disabled one), signing out everywhere deletes the
// person's sessions, a code's time step is used once. The store's budget
// of tries is left out (every try is allowed):
// TestWrongPasswordIsGenericAndLocksAfterFive and TestPasswordResetLink
// keep it on the real store.
type accountsWorld struct {
	*fakeApp
	accounts  *fakeAccount
	signIns   *fakeSignIns
	twoFactor *fakeTwoFactor
	home      *fakeHome

	mu     sync.Mutex // tokens and steps (the users are under their own lock)
	tokens map[string]*store.Token
	steps  map[string]int64
}

// newAccountsWorld is a fake app whose clock (its sessions' and its
// links') moves with advance.
func newAccountsWorld(t *testing.T) *accountsWorld {
	a := newFakeApp(t)
	w := &accountsWorld{fakeApp: a, tokens: map[string]*store.Token{}, steps: map[string]int64{}}
	a.sessions.now = a.clock
	a.srv.sessions.db = expiringSessions{a.sessions}
	calls := func() fakeReads { return fakeReads{fakeCalls: fakeCalls{t: t, now: time.Now()}} }

	users := calls()
	users.user = w.lookup
	a.srv.users = &users

	w.signIns = &fakeSignIns{fakeReads: calls()}
	w.signIns.userByEmail = w.userByEmail
	a.srv.signIns = w.signIns

	at := &fakeAttempts{fakeCalls: fakeCalls{t: t, now: time.Now()}}
	at.take = func(string, string) (store.Attempt, error) { return store.Attempt{OK: true}, nil }
	at.forget = func(string) error { return nil }
	a.srv.attempts = at

	fa := &fakeAccount{fakeReads: calls()}
	fa.user, fa.userByEmail = w.lookup, w.userByEmail
	fa.userMemberships = func(string) ([]store.Membership, error) { return nil, nil }
	fa.peekToken, fa.useToken = w.peekToken, w.useToken
	fa.createToken, fa.revokeTokens = w.createToken, w.revokeTokens
	fa.changePassword = w.changePassword
	fa.deleteUserSessions = w.deleteUserSessions
	w.accounts = fa
	a.srv.accounts = fa

	ft := &fakeTwoFactor{fakeReads: calls()}
	ft.user = w.lookup
	ft.setTOTPSecret = func(id, secret string) error { return w.change(id, func(u *store.User) { u.TOTPSecret = secret }) }
	ft.enableTOTP = func(id string) error { return w.change(id, func(u *store.User) { u.TOTPEnabled = true }) }
	ft.setRecoveryCodes = func(id string, hashes []string) error {
		return w.change(id, func(u *store.User) { u.RecoveryCodes = hashes })
	}
	ft.useTOTPStep = w.useTOTPStep
	ft.useRecoveryCode = w.useRecoveryCode
	w.twoFactor = ft
	a.srv.secondFactor = ft

	w.home = quietHome(t)
	a.srv.homePage = w.home
	return w
}

// quietHome answers the home page of every role with nothing waiting: no
// groups, no bookings, no counts.
func quietHome(t *testing.T) *fakeHome {
	fh := &fakeHome{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: time.Now()}}}
	fh.userMemberships = func(string) ([]store.Membership, error) { return nil, nil }
	fh.groups = func() ([]store.Group, error) { return nil, nil }
	fh.diary = func(id string) (*store.Diary, error) { return &store.Diary{ID: id}, nil }
	fh.referralCounts = func() (store.RefCounts, error) { return store.RefCounts{}, nil }
	fh.accessReviewFor = func(string) (*store.AccessReview, error) { return &store.AccessReview{}, nil }
	fh.questionsFor = func(string) ([]store.RefSummary, error) { return nil, nil }
	fh.recommendations = func() ([]store.RecSummary, error) { return nil, nil }
	fh.findingsCopies = func([]string, time.Time, time.Time) ([]store.Visit, error) { return nil, nil }
	fh.claimsWaitingCount = func() (int, error) { return 0, nil }
	fh.custodyFollowUps = func() (store.CustodyFollowUp, error) { return store.CustodyFollowUp{}, nil }
	fh.expenseYear = func(string, time.Time) (map[string]store.ExpenseYearItem, error) { return nil, nil }
	fh.schedules = func([]string) ([]store.Visit, error) { return nil, nil }
	fh.visits = func(store.VisitFilter) ([]store.Visit, error) { return nil, nil }
	return fh
}

// clock is the fake app's time: the wall clock moved on by advance, as
// testApp moves the store's.
func (f *fakeApp) clock() time.Time {
	f.testApp.mu.Lock()
	defer f.testApp.mu.Unlock()
	return time.Now().Add(f.offset)
}

// lookup is a copy of the account with id, as the store reads it.
func (w *accountsWorld) lookup(id string) (*store.User, error) {
	w.users.mu.Lock()
	defer w.users.mu.Unlock()
	u, ok := w.users.m[id]
	if !ok {
		return nil, fmt.Errorf("store: user %s: %w", id, store.ErrNotFound)
	}
	cp := *u
	return &cp, nil
}

// userByEmail matches addresses as the store does (NormaliseEmail).
func (w *accountsWorld) userByEmail(email string) (*store.User, error) {
	w.users.mu.Lock()
	defer w.users.mu.Unlock()
	for _, u := range w.users.m {
		if store.NormaliseEmail(u.Email) == store.NormaliseEmail(email) {
			cp := *u
			return &cp, nil
		}
	}
	return nil, fmt.Errorf("store: user by email: %w", store.ErrNotFound)
}

// user is the account with id as it is now (the test's read, as
// testApp's).
func (w *accountsWorld) user(id string) *store.User {
	w.t.Helper()
	u, err := w.lookup(id)
	if err != nil {
		w.t.Fatal(err)
	}
	return u
}

// change changes the account with id in place.
func (w *accountsWorld) change(id string, change func(u *store.User)) error {
	w.users.mu.Lock()
	defer w.users.mu.Unlock()
	u, ok := w.users.m[id]
	if !ok {
		return fmt.Errorf("store: user %s: %w", id, store.ErrNotFound)
	}
	change(u)
	return nil
}

// newUser is an active account of role with the test password (with a
// code's secret for a role that needs one), as testApp's newUser.
func (w *accountsWorld) newUser(role store.Role, email string) *store.User {
	return w.fakeApp.newUser(role, email)
}

// invite is an invited account and its invitation link, as the admin
// invitation page makes them.
func (w *accountsWorld) invite(role store.Role, email string) (*store.User, string) {
	u := &store.User{ID: store.NewID(), Email: email, Name: "Invited " + string(role), Role: role, Status: store.StatusInvited}
	w.users.add(u)
	secret, _ := w.createToken(store.TokenInvitation, u.ID, "", store.InvitationLife)
	return u, "/invitation/" + secret
}

// resetLink is a password reset link for u.
func (w *accountsWorld) resetLink(u *store.User) string {
	secret, _ := w.createToken(store.TokenPasswordReset, u.ID, "", store.PasswordResetLife)
	return "/password-reset/" + secret
}

// outbox is every message queued so far.
func (w *accountsWorld) outbox() []store.Mail { return w.fakeApp.outbox.queued() }

// auditCount is how many events of action about target were audited.
func (w *accountsWorld) auditCount(action, target string) int { return w.audits.count(action, target) }

// mailedResetLink is the path of the reset link in the only message
// queued for email.
func (w *accountsWorld) mailedResetLink(email string) string {
	w.t.Helper()
	w.srv.resetPending.Wait()
	var found []store.Mail
	for _, m := range w.outbox() {
		if m.To == email && m.Subject == "Reset your Candour password" {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		w.t.Fatalf("%d messages to %s, want 1", len(found), email)
	}
	m := resetLinkRe.FindStringSubmatch(found[0].Body)
	if m == nil {
		w.t.Fatalf("no reset link in %q", found[0].Body)
	}
	return m[1]
}

func (w *accountsWorld) createToken(kind, userID, createdBy string, life time.Duration) (string, error) {
	now := w.clock()
	secret := store.RandomSecret()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.tokens[secret] = &store.Token{Kind: kind, UserID: userID, CreatedBy: createdBy, CreatedAt: now, ExpiresAt: now.Add(life)}
	return secret, nil
}

// peekToken is the store's PeekToken: unknown, of another kind or used is
// not found, too old is expired.
func (w *accountsWorld) peekToken(kind, secret string) (*store.Token, error) {
	now := w.clock()
	w.mu.Lock()
	defer w.mu.Unlock()
	tok, err := w.usable(kind, secret, now)
	if err != nil {
		return nil, err
	}
	cp := *tok
	return &cp, nil
}

func (w *accountsWorld) usable(kind, secret string, now time.Time) (*store.Token, error) {
	tok, ok := w.tokens[secret]
	if !ok || tok.Kind != kind || !tok.UsedAt.IsZero() {
		return nil, fmt.Errorf("store: token: %w", store.ErrNotFound)
	}
	if !now.Before(tok.ExpiresAt) {
		return nil, fmt.Errorf("store: token: %w", store.ErrExpired)
	}
	return tok, nil
}

// useToken is the store's UseToken: peekToken, then marked used.
func (w *accountsWorld) useToken(kind, secret string) (*store.Token, error) {
	now := w.clock()
	w.mu.Lock()
	defer w.mu.Unlock()
	tok, err := w.usable(kind, secret, now)
	if err != nil {
		return nil, err
	}
	tok.UsedAt = now
	cp := *tok
	return &cp, nil
}

func (w *accountsWorld) revokeTokens(userID string, kinds []string) (int64, error) {
	now := w.clock()
	w.mu.Lock()
	defer w.mu.Unlock()
	var n int64
	for _, tok := range w.tokens {
		for _, k := range kinds {
			if tok.UserID == userID && tok.Kind == k && tok.UsedAt.IsZero() {
				tok.UsedAt = now
				n++
			}
		}
	}
	return n, nil
}

// changePassword is the store's ChangePassword: a disabled account is not
// found; any other becomes active with the new password.
func (w *accountsWorld) changePassword(id, hash string) error {
	w.users.mu.Lock()
	defer w.users.mu.Unlock()
	u, ok := w.users.m[id]
	if !ok || u.Status == store.StatusDisabled {
		return fmt.Errorf("store: change password %s: %w", id, store.ErrNotFound)
	}
	u.PasswordHash, u.Status = hash, store.StatusActive
	return nil
}

func (w *accountsWorld) deleteUserSessions(userID string) (int64, error) {
	w.sessions.mu.Lock()
	defer w.sessions.mu.Unlock()
	var n int64
	for id, s := range w.sessions.m {
		if s.UserID == userID {
			delete(w.sessions.m, id)
			n++
		}
	}
	return n, nil
}

// useTOTPStep refuses a step at or before the last one used.
func (w *accountsWorld) useTOTPStep(id string, step int64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if last, ok := w.steps[id]; ok && step <= last {
		return fmt.Errorf("store: use TOTP step: %w", store.ErrConflict)
	}
	w.steps[id] = step
	return nil
}

// useRecoveryCode is the store's: the code's hash leaves the account's
// list, once; one not on the list is not found.
func (w *accountsWorld) useRecoveryCode(id, hash string) error {
	w.users.mu.Lock()
	defer w.users.mu.Unlock()
	u, ok := w.users.m[id]
	if !ok || !slices.Contains(u.RecoveryCodes, hash) {
		return fmt.Errorf("store: use recovery code: %w", store.ErrNotFound)
	}
	u.RecoveryCodes = slices.DeleteFunc(slices.Clone(u.RecoveryCodes), func(h string) bool { return h == hash })
	return nil
}

// sessionCount is how many sessions are kept (signed in, or between the
// password and the code).
func (w *accountsWorld) sessionCount(context.Context) (int64, error) {
	w.sessions.mu.Lock()
	defer w.sessions.mu.Unlock()
	return int64(len(w.sessions.m)), nil
}

// recentMail shows the fake app's outbox on the development mail page
// (devMailDB): the newest n messages, newest first, as the store's
// RecentMail.
type recentMail struct{ *fakeOutbox }

var _ devMailDB = recentMail{}

func (f recentMail) RecentMail(_ context.Context, n int) ([]store.Mail, error) {
	all := f.queued()
	var out []store.Mail
	for i := len(all) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, all[i])
	}
	return out, nil
}

// fakeReady is a store that always answers the readiness check (readyDB).
type fakeReady struct{}

var _ readyDB = fakeReady{}

func (fakeReady) Ping(context.Context) error { return nil }

// list is the store's ListAudit over the events kept: those with the
// filter's action and target (any, when empty), newest first, on one page.
func (f *fakeAudit) list(_ context.Context, flt store.AuditFilter) ([]store.AuditEvent, bool, error) {
	all := f.all()
	var out []store.AuditEvent
	for i := len(all) - 1; i >= 0; i-- {
		e := all[i]
		if (flt.Action == "" || e.Action == flt.Action) && (flt.Target == "" || e.Target == flt.Target) {
			out = append(out, e)
		}
	}
	return out, false, nil
}

// signedIn is an active account of role with a browser signed in as it
// (testApp's signedIn, without the sign-in round trips).
func (f *fakeApp) signedIn(role store.Role, email string) (*store.User, *client) {
	u := f.newUser(role, email)
	return u, f.as(u)
}

// adminSessionFakes is adminFakes where saving a person changes the
// account in the world (the store's UpdateUser: the account as it was
// before, or ErrConflict when its status moved on) and shutting an account
// out ends its sessions; the home page has nothing waiting. Signed-in
// people are read under the users' lock, as the handlers change them.
func adminSessionFakes(t *testing.T) (*fakeApp, *fakeAdmin, *adminWorld) {
	a, fa, w := adminFakes(t)
	users := fakeReads{fakeCalls: fakeCalls{t: t, now: time.Now()}}
	users.user = func(id string) (*store.User, error) {
		return w.users.User(t.Context(), id)
	}
	a.srv.users = &users
	fa.updateUser = func(id string, up store.UserUpdate) (*store.User, error) {
		w.users.mu.Lock()
		defer w.users.mu.Unlock()
		u, ok := w.users.m[id]
		if !ok {
			return nil, fmt.Errorf("store: update user %s: %w", id, store.ErrNotFound)
		}
		if up.WasStatus != "" && u.Status != up.WasStatus {
			return nil, fmt.Errorf("store: update user %s: %w", id, store.ErrConflict)
		}
		before := *u
		u.Name, u.Role, u.Status, u.PartnerID = up.Name, up.Role, up.Status, up.PartnerID
		return &before, nil
	}
	fa.deleteUserSessions = func(userID string) (int64, error) {
		a.sessions.mu.Lock()
		defer a.sessions.mu.Unlock()
		var n int64
		for id, s := range a.sessions.m {
			if s.UserID == userID {
				delete(a.sessions.m, id)
				n++
			}
		}
		return n, nil
	}
	fa.revokeTokens = func(string, []string) (int64, error) { return 0, nil }
	a.srv.homePage = quietHome(t)
	return a, fa, w
}

// auditPagesOf answers the audit log from the fake app's kept events, with
// names put to them from w's people (fakeAuditPages); the chain is whole.
func auditPagesOf(t *testing.T, a *fakeApp, w *adminWorld) *fakeAuditPages {
	fp := &fakeAuditPages{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: time.Now()}}}
	fp.listAudit = func(flt store.AuditFilter) ([]store.AuditEvent, bool, error) { return a.audits.list(t.Context(), flt) }
	fp.verifyAudit = func() (*store.AuditBreak, int64, error) { return nil, int64(len(a.audits.all())), nil }
	fp.usersByID = func(ids []string) (map[string]store.User, error) {
		return w.users.byID(ids)
	}
	fp.groups = func() ([]store.Group, error) { return nil, nil }
	fp.recommendationsByID = func([]string) ([]store.RecSummary, error) { return nil, nil }
	fp.schedules = func([]string) ([]store.Visit, error) { return nil, nil }
	fp.referralsByID = func([]string) ([]store.RefSummary, error) { return nil, nil }
	a.srv.auditPages = fp
	return fp
}

// quietCalendar answers a person's calendar feed with no visits and no
// meetings: the feed's address is made and found again in memory.
func quietCalendar(t *testing.T, a *fakeApp) *fakeCalendar {
	fc := &fakeCalendar{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: time.Now()}}}
	var mu sync.Mutex
	owners := map[string]string{}
	fc.resetFeedToken = func(userID string) (string, error) {
		token := store.RandomSecret()
		mu.Lock()
		defer mu.Unlock()
		owners[token] = userID
		return token, nil
	}
	fc.feedOwner = func(token string) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if id, ok := owners[token]; ok {
			return id, nil
		}
		return "", fmt.Errorf("store: feed owner: %w", store.ErrNotFound)
	}
	fc.user = func(id string) (*store.User, error) { return a.users.User(t.Context(), id) }
	fc.diary = func(id string) (*store.Diary, error) { return &store.Diary{ID: id}, nil }
	fc.groups = func() ([]store.Group, error) { return nil, nil }
	fc.meetings = func([]string, time.Time, int) ([]store.Meeting, error) { return nil, nil }
	fc.visitsByID = func([]string) ([]store.Visit, error) { return nil, nil }
	fc.allVisits = func() ([]store.Visit, error) { return nil, nil }
	a.srv.calendar = fc
	return fc
}

// expiringSessions are the fake's sessions read as the store reads them:
// one past its idle expiry is not found.
type expiringSessions struct{ *fakeSessions }

var _ sessionDB = expiringSessions{}

func (f expiringSessions) Session(ctx context.Context, id string) (*store.Session, error) {
	s, err := f.fakeSessions.Session(ctx, id)
	if err == nil && !f.now().Before(s.ExpiresAt) {
		return nil, fmt.Errorf("store: session expired: %w", store.ErrNotFound)
	}
	return s, err
}
