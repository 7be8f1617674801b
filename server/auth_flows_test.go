package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"candour/store"
)

// newPassword is what people choose in these tests: long and not common.
const newPassword = "a fresh long passphrase"

// invite makes an invited account and its invitation link, as the admin
// invitation page does, and returns the link's path.
func (a *testApp) invite(role store.Role, email string) (*store.User, string) {
	a.t.Helper()
	u := &store.User{Email: email, Name: "Invited " + string(role), Role: role, Status: store.StatusInvited}
	if err := a.store.CreateUser(context.Background(), u); err != nil {
		a.t.Fatal(err)
	}
	secret, err := a.store.CreateToken(context.Background(), store.TokenInvitation, u.ID, "", store.InvitationLife)
	if err != nil {
		a.t.Fatal(err)
	}
	return u, "/invitation/" + secret
}

func (a *testApp) user(id string) *store.User {
	a.t.Helper()
	u, err := a.store.User(context.Background(), id)
	if err != nil {
		a.t.Fatal(err)
	}
	return u
}

func (a *testApp) outbox() []store.Mail {
	a.t.Helper()
	ms, err := a.store.RecentMail(context.Background(), 50)
	if err != nil {
		a.t.Fatal(err)
	}
	return ms
}

var resetLinkRe = regexp.MustCompile(`https?://\S+(/password-reset/\S+)`)

// mailedResetLink returns the path of the reset link in the only message
// the outbox holds for email.
func (a *testApp) mailedResetLink(email string) string {
	a.t.Helper()
	a.srv.resetPending.Wait()
	var found []store.Mail
	for _, m := range a.outbox() {
		if m.To == email && m.Subject == "Reset your Candour password" {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		a.t.Fatalf("%d messages to %s, want 1", len(found), email)
	}
	m := resetLinkRe.FindStringSubmatch(found[0].Body)
	if m == nil {
		a.t.Fatalf("no reset link in %q", found[0].Body)
	}
	return m[1]
}

// setPassword fills in a "choose a password" page.
func (c *client) setPassword(path, password, confirm string) response {
	c.a.t.Helper()
	return c.submit(path, path, url.Values{"password": {password}, "confirm-password": {confirm}})
}

// signInWith submits the sign-in form.
func (c *client) signInWith(email, password string) response {
	c.a.t.Helper()
	return c.submit("/sign-in", "/sign-in", url.Values{"email": {email}, "password": {password}})
}

// cookies and clientWithCookies let a test replay a browser's cookie later.
func (c *client) cookies() []*http.Cookie {
	u, _ := url.Parse(c.a.http.URL)
	return c.http.Jar.Cookies(u)
}

func (a *testApp) clientWithCookies(cs []*http.Cookie) *client {
	c := a.client()
	u, _ := url.Parse(a.http.URL)
	c.http.Jar.SetCookies(u, cs)
	return c
}

// wantSignedOut fails the test unless c is sent to sign in.
func (c *client) wantSignedOut(who string) {
	c.a.t.Helper()
	if r := c.get("/home"); r.Status != http.StatusSeeOther || r.Location != "/sign-in" {
		c.a.t.Errorf("%s: GET /home got %d to %q, want 303 to /sign-in", who, r.Status, r.Location)
	}
}

// wantSignedIn fails the test unless c sees its home page.
func (c *client) wantSignedIn(who string) {
	c.a.t.Helper()
	if r := c.get("/home"); r.Status != http.StatusOK {
		c.a.t.Errorf("%s: GET /home got %d to %q, want 200", who, r.Status, r.Location)
	}
}

// wantPage fails the test unless r has status and (when text is not empty) says text.
func wantPage(t *testing.T, what string, r response, status int, text string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d (to %q), want %d\n%s", what, r.Status, r.Location, status, r.Body)
	}
	if text != "" && !strings.Contains(r.Body, text) {
		t.Errorf("%s: page does not say %q\n%s", what, text, r.Body)
	}
}

func TestInvitationSetsPasswordAndSignsIn(t *testing.T) {
	a := newTestApp(t)
	u, link := a.invite(store.RoleMember, "asha@example.org")
	c := a.client()

	r := c.get(link)
	wantPage(t, "invitation page", r, http.StatusOK, "Set your password")
	if !strings.Contains(r.Body, u.Name) || !strings.Contains(r.Body, "12 characters or more") {
		t.Errorf("invitation page does not show the name and the password rules\n%s", r.Body)
	}
	r = c.setPassword(link, newPassword, newPassword)
	wantStatus(t, "accept", r, http.StatusSeeOther, "/home")
	c.wantSignedIn("invited person")

	got := a.user(u.ID)
	if got.Status != store.StatusActive || !a.srv.hasher.Verify(got.PasswordHash, newPassword) {
		t.Errorf("account status=%q, password set=%v; want active with the new password", got.Status, a.srv.hasher.Verify(got.PasswordHash, newPassword))
	}
	if n := a.auditCount(store.AuditInvitationUsed, "user:"+u.ID); n != 1 {
		t.Errorf("%d %s events, want 1", n, store.AuditInvitationUsed)
	}

	// The link works once.
	other := a.client()
	wantPage(t, "used link", other.get(link), http.StatusNotFound, "This link has been used or is wrong")
	r = other.submit("/sign-in", link, url.Values{"password": {"another long passphrase"}, "confirm-password": {"another long passphrase"}})
	wantPage(t, "used link, posted", r, http.StatusNotFound, "This link has been used or is wrong")
	if !a.srv.hasher.Verify(a.user(u.ID).PasswordHash, newPassword) {
		t.Error("a used link changed the password")
	}

	// The new password signs in.
	wantStatus(t, "sign in with the new password", other.signInWith(u.Email, newPassword), http.StatusSeeOther, "/home")
}

func TestInvitedAdminSetsUpTwoFactorNext(t *testing.T) {
	a := newAccountsWorld(t)
	u, link := a.invite(store.RoleAdmin, "root@example.org")
	c := a.client()
	r := c.setPassword(link, newPassword, newPassword)
	wantStatus(t, "accept", r, http.StatusSeeOther, "/sign-in/two-factor/set-up")
	c.wantSignedOut("admin before two-factor")

	wantPage(t, "set-up page", c.get("/sign-in/two-factor/set-up"), http.StatusOK, "Key:")
	secret := a.user(u.ID).TOTPSecret
	r = c.submit("/sign-in/two-factor/set-up", "/sign-in/two-factor/set-up", url.Values{"code": {totpCode(t, secret, a.twoFactor.Now())}})
	wantPage(t, "enrol", r, http.StatusOK, "Two-factor authentication is set up")
	c.wantSignedIn("admin after two-factor")
}

// TestInvitationUsedOnceUnderConcurrency: of several people posting the
// same link at once, exactly one sets the password.
func TestInvitationUsedOnceUnderConcurrency(t *testing.T) {
	a := newTestApp(t)
	u, link := a.invite(store.RoleMember, "eve@example.org")
	const n = 6
	clients, tokens := make([]*client, n), make([]string, n)
	for i := range clients {
		clients[i] = a.client()
		tokens[i] = clients[i].csrf(link)
	}
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pw := newPassword + strings.Repeat("x", i)
			req, _ := http.NewRequest("POST", a.http.URL+link, strings.NewReader(url.Values{
				"csrf_token": {tokens[i]}, "password": {pw}, "confirm-password": {pw}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := clients[i].http.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			statuses[i] = res.StatusCode
		}()
	}
	wg.Wait()
	won := -1
	for i, s := range statuses {
		switch s {
		case http.StatusSeeOther:
			if won >= 0 {
				t.Fatalf("clients %d and %d both used the link", won, i)
			}
			won = i
		case http.StatusNotFound:
		default:
			t.Errorf("client %d got %d", i, s)
		}
	}
	if won < 0 {
		t.Fatal("nobody could use the link")
	}
	if !a.srv.hasher.Verify(a.user(u.ID).PasswordHash, newPassword+strings.Repeat("x", won)) {
		t.Error("the stored password is not the winner's")
	}
}

// TestPasswordResetRequestRevealsNothing: the page is the same whether or
// not the address has an account; only an active account gets mail.
func TestPasswordResetRequestRevealsNothing(t *testing.T) {
	a := newAccountsWorld(t)
	a.newUser(store.RoleMember, "fay@example.org")
	a.invite(store.RoleMember, "gil@example.org")
	disabled := a.newUser(store.RoleMember, "hal@example.org")
	if err := a.change(disabled.ID, func(u *store.User) { u.Status = store.StatusDisabled }); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		email    string
		wantMail int
	}{
		{"nobody@example.org", 0},
		{"gil@example.org", 0}, // invited: uses the invitation instead
		{"hal@example.org", 0}, // disabled
		{"Fay@Example.org", 1},
	}
	var firstPage string
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			before := len(a.outbox())
			r := a.client().submit("/password-reset", "/password-reset", url.Values{"email": {tt.email}})
			wantPage(t, "request", r, http.StatusOK, "Check your email")
			a.srv.resetPending.Wait()
			page := strings.ReplaceAll(r.Body, tt.email, "EMAIL")
			page = regexp.MustCompile(`name="csrf_token" value="[^"]+"`).ReplaceAllString(page, "")
			if firstPage == "" {
				firstPage = page
			} else if page != firstPage {
				t.Errorf("the page for %s differs from the page for an unknown address", tt.email)
			}
			if got := len(a.outbox()) - before; got != tt.wantMail {
				t.Errorf("%d messages queued, want %d", got, tt.wantMail)
			}
		})
	}
	if m := a.outbox()[0]; m.To != "fay@example.org" || m.Subject != "Reset your Candour password" {
		t.Errorf("mail to %q about %q", m.To, m.Subject)
	}
	wantPage(t, "bad address", a.client().submit("/password-reset", "/password-reset", url.Values{"email": {"not an address"}}),
		http.StatusUnprocessableEntity, "Enter an email address in the correct format")
}

// TestPasswordResetWorkIsOffTheRequestPath: the answer to a reset request
// comes before the account is even looked up, so it cannot take longer for
// a real address. With the worker held, the page is answered and nothing
// is queued yet; released, the link is mailed.
func TestPasswordResetWorkIsOffTheRequestPath(t *testing.T) {
	a := newAccountsWorld(t)
	u := a.newUser(store.RoleMember, "jo@example.org")
	a.srv.resetGate.Lock()
	r := a.client().submit("/password-reset", "/password-reset", url.Values{"email": {u.Email}})
	wantPage(t, "request", r, http.StatusOK, "Check your email")
	if n := len(a.outbox()); n != 0 {
		t.Errorf("%d messages queued before the page was answered, want 0", n)
	}
	if n := a.auditCount(store.AuditPasswordReset, "user:"+u.ID); n != 0 {
		t.Errorf("%d reset events before the page was answered, want 0", n)
	}
	a.srv.resetGate.Unlock()
	a.mailedResetLink(u.Email)
	if n := a.auditCount(store.AuditPasswordReset, "user:"+u.ID); n != 1 {
		t.Errorf("%d reset events, want 1", n)
	}
}

// TestPasswordResetLink: the mailed link works once, sets the password,
// unlocks the account and signs it out everywhere.
func TestPasswordResetLink(t *testing.T) {
	a := newTestApp(t)
	u := a.newUser(store.RoleMember, "ida@example.org")
	elsewhere := a.client()
	elsewhere.signIn(u)
	for range store.MaxFailures { // lock the account for new browsers
		a.client().signInWith(u.Email, "wrong password guess")
	}
	if r := a.client().signInWith(u.Email, testPassword); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("right password from a new browser while locked: %d, want 422", r.Status)
	}

	c := a.client()
	c.submit("/password-reset", "/password-reset", url.Values{"email": {u.Email}})
	link := a.mailedResetLink(u.Email)
	wantPage(t, "reset page", c.get(link), http.StatusOK, "Choose a new password")
	r := c.setPassword(link, newPassword, newPassword)
	wantStatus(t, "reset", r, http.StatusSeeOther, "/sign-in")
	wantPage(t, "sign-in page", c.get("/sign-in"), http.StatusOK, "Your password has been changed. Sign in with your new password.")
	elsewhere.wantSignedOut("the other device")
	if n := a.auditCount(store.AuditPasswordSet, "user:"+u.ID); n != 1 {
		t.Errorf("%d %s events, want 1", n, store.AuditPasswordSet)
	}

	wantPage(t, "used link", a.client().get(link), http.StatusNotFound, "This link has been used or is wrong")
	if r := a.client().signInWith(u.Email, testPassword); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("old password: %d, want 422", r.Status)
	}
	wantStatus(t, "new password", a.client().signInWith(u.Email, newPassword), http.StatusSeeOther, "/home")
}

func TestPasswordResetLinkExpires(t *testing.T) {
	a := newAccountsWorld(t)
	u := a.newUser(store.RoleMember, "jo@example.org")
	link := a.resetLink(u)
	a.advance(time.Hour + time.Minute)
	wantPage(t, "expired link", a.client().get(link), http.StatusGone, "This link has expired")
}

// TestPasswordResetKeepsTwoFactor: an admin who resets still needs a code.
func TestPasswordResetKeepsTwoFactor(t *testing.T) {
	a := newAccountsWorld(t)
	u := a.newUser(store.RoleAdmin, "kim@example.org")
	link := a.resetLink(u)
	a.client().setPassword(link, newPassword, newPassword)
	r := a.client().signInWith(u.Email, newPassword)
	wantStatus(t, "sign in after reset", r, http.StatusSeeOther, "/sign-in/two-factor")
}

// TestPasswordChange: a change signs out every other device and keeps
// this one signed in. (The refusals, and the current password's check and
// throttle, are TestPasswordChangeRefusalsWithFakes.)
func TestPasswordChange(t *testing.T) {
	a := newAccountsWorld(t)
	u := a.newUser(store.RoleMember, "max@example.org")
	c, elsewhere := a.client(), a.client()
	c.signIn(u)
	elsewhere.signIn(u)
	oldCookies := c.cookies()

	r := c.submit("/account", "/account/password", url.Values{"current-password": {testPassword}, "new-password": {newPassword}, "confirm-password": {newPassword}})
	wantStatus(t, "change", r, http.StatusSeeOther, "/account")
	wantPage(t, "account page", c.get("/account"), http.StatusOK, "You have been signed out on every other device")
	c.wantSignedIn("this device")
	elsewhere.wantSignedOut("the other device")
	a.clientWithCookies(oldCookies).wantSignedOut("this device's cookie from before the change")
	if !a.srv.hasher.Verify(a.user(u.ID).PasswordHash, newPassword) {
		t.Error("new password not stored")
	}
	if n := a.auditCount(store.AuditPasswordSet, "user:"+u.ID); n != 1 {
		t.Errorf("%d %s events, want 1", n, store.AuditPasswordSet)
	}
}

func TestSignOutEverywhere(t *testing.T) {
	a := newAccountsWorld(t)
	u := a.newUser(store.RoleCoordinator, "ned@example.org")
	c, elsewhere := a.client(), a.client()
	c.signIn(u)
	elsewhere.signIn(u)
	cookies := c.cookies()

	r := c.submit("/account", "/account/sign-out-everywhere", nil)
	wantStatus(t, "sign out everywhere", r, http.StatusSeeOther, "/sign-in?signed-out=everywhere")
	wantPage(t, "sign-in page", c.get(r.Location), http.StatusOK, "You have been signed out on every device")
	c.wantSignedOut("this device")
	elsewhere.wantSignedOut("the other device")
	a.clientWithCookies(cookies).wantSignedOut("the old cookie replayed")
	if n := a.auditCount(store.AuditSignOutAll, "user:"+u.ID); n != 1 {
		t.Errorf("%d %s events, want 1", n, store.AuditSignOutAll)
	}
}

func TestDevMailShowsOutbox(t *testing.T) {
	a := newAccountsWorld(t)
	a.srv.devOutbox = recentMail{a.fakeApp.outbox}
	u := a.newUser(store.RoleMember, "pat@example.org")
	a.client().submit("/password-reset", "/password-reset", url.Values{"email": {u.Email}})
	link := a.mailedResetLink(u.Email)
	r := a.client().get("/dev/mail")
	wantPage(t, "dev mail", r, http.StatusOK, "Reset your Candour password")
	for _, want := range []string{u.Email, `href="` + a.http.URL + link + `"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("dev mail page does not show %q", want)
		}
	}
}
