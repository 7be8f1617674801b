package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"candour/store"
)

// TestJourneys walks the portal as its users do. It is one test with
// subtests so that a machine without a browser gets one SKIP line.
func TestJourneys(t *testing.T) {
	requireBrowser(t)
	t.Run("the checks catch what they look for", checksCanFail)
	t.Run("public pages", publicPages)
	t.Run("wrong password shows an error summary", wrongPassword)
	t.Run("member", memberJourney)
	t.Run("admin with two-factor", adminJourney)
	t.Run("two-factor set-up and a recovery code", twoFactorJourney)
	t.Run("keyboard-only sign-in", keyboardSignIn)
	t.Run("sign-in without JavaScript", noJavaScriptSignIn)
}

// checksCanFail proves the page checks are not vacuous: axe-core reports an
// image without alt text, and the console check sees the CSP block an inline
// script.
func checksCanFail(t *testing.T) {
	p := startPortal(t)
	tb := newTab(t, p.url, false)
	tb.visit(t, "/", "landing")

	blocked, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`(() => {
	  const img = document.createElement('img');
	  img.src = '/static/img/favicon.svg';
	  document.querySelector('main').append(img);
	  const s = document.createElement('script');
	  s.textContent = 'window.inlineRan = true';
	  document.body.append(s);
	  return window.inlineRan === undefined;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if !blocked {
		t.Error("an inline script ran: the CSP does not forbid inline scripts")
	}
	vs, err := axeViolations(tb.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !hasViolation(vs, "image-alt") {
		t.Errorf("axe-core missed an <img> without alt text: got %+v", vs)
	}
	// Chromium logs the violation asynchronously.
	deadline := time.After(5 * time.Second)
	seen := tb.takeConsole()
	for !anyContains(seen, "Content Security Policy") {
		select {
		case <-tb.logged:
		case <-deadline:
			t.Fatalf("no CSP violation reported for an inline script; console: %q", seen)
		}
		seen = append(seen, tb.takeConsole()...)
	}

	// The phone-width check sees a page that scrolls sideways at 320px.
	tb.emulate(t, 320, 740)
	if wide := sidewaysScroll(t, tb, 320); wide != "" {
		t.Fatalf("the landing page scrolls sideways before anything is added: %s", wide)
	}
	if _, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`(() => {
	  const d = document.createElement('div');
	  d.style.width = '600px'; // (a style set from script: the CSP governs inline markup, not this)
	  d.textContent = 'wide';
	  document.querySelector('main').append(d);
	  return true;
	})()`)); err != nil {
		t.Fatal(err)
	}
	if wide := sidewaysScroll(t, tb, 320); !strings.Contains(wide, "scrollWidth") {
		t.Errorf("a 600px-wide block at 320px was not reported: %q", wide)
	}
}

func hasViolation(vs []violation, id string) bool {
	for _, v := range vs {
		if v.ID == id {
			return true
		}
	}
	return false
}

func anyContains(msgs []string, s string) bool {
	for _, m := range msgs {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

func publicPages(t *testing.T) {
	p := startPortal(t)
	tb := newTab(t, p.url, false)
	// The audit chain's checkpoints page, with a signed head to show (its tables).
	tb.visit(t, "/audit-chain", "audit chain checkpoints, none yet")
	ctx := context.Background()
	if err := p.store.Audit(ctx, store.AuditEvent{Actor: "system", Action: store.AuditPublished}); err != nil {
		t.Fatal(err)
	}
	ev, err := p.store.AuditEventAt(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	h := store.PublishedHead{Day: "2026-03-02", Seq: ev.Seq, Hash: ev.Hash, At: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	h.Sign(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32)))
	if err := p.store.PublishHead(ctx, h); err != nil {
		t.Fatal(err)
	}
	tb.visit(t, "/audit-chain", "audit chain checkpoints")
	if text := pageText(t, tb); !strings.Contains(text, h.KeyID) || !strings.Contains(text, ev.Hash) {
		t.Fatalf("the checkpoints page lacks the key or the head:\n%s", text)
	}
	for _, pg := range []struct{ path, name string }{
		{"/", "landing"},
		{"/accessibility", "accessibility statement"},
		{"/privacy", "privacy notice"},
		{"/contact", "contact us"},
		{"/sign-in", "sign-in"},
		{"/password-reset", "password reset"},
		{"/public/stop-and-search", "public stop and search"},
		{"/you-said-we-did", "you said, we did"},
	} {
		tb.visit(t, pg.path, pg.name)
	}
	if status := tb.open(t, "/no/such/page"); status != http.StatusNotFound {
		t.Errorf("GET /no/such/page = %d, want 404", status)
	}
	checkPage(t, tb, "not found")
}

func wrongPassword(t *testing.T) {
	p := startPortal(t)
	u := p.user(t, store.RoleMember, "member@example.org")
	tb := newTab(t, p.url, false)
	tb.visit(t, "/sign-in", "sign-in")
	path, status := tb.submit(t,
		chromedp.SendKeys(chromedp.CSS("#email"), u.Email),
		chromedp.SendKeys(chromedp.CSS("#password"), "not my password at all"),
		clickSubmit)
	if path != "/sign-in" || status != http.StatusUnprocessableEntity {
		t.Errorf("wrong password: on %s (%d), want /sign-in (422)", path, status)
	}
	type errorPage struct {
		Title   string `json:"title"`
		Summary bool   `json:"summary"`
		Focused bool   `json:"focused"`
		Email   string `json:"email"`
	}
	got, err := chromedp.Run(tb.ctx, chromedp.Evaluate[errorPage](`({
	  title: document.title,
	  summary: !!document.querySelector('.govuk-error-summary a[href="#email"]'),
	  focused: !!document.activeElement.closest('.govuk-error-summary'),
	  email: document.querySelector('#email').value,
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.Title, "Error: ") {
		t.Errorf("title = %q, want it to start with %q", got.Title, "Error: ")
	}
	if !got.Summary {
		t.Error("no error summary linking to the email field")
	}
	if !got.Focused {
		t.Error("focus did not move to the error summary")
	}
	if got.Email != u.Email {
		t.Errorf("email field = %q, want what was typed, %q", got.Email, u.Email)
	}
	checkPage(t, tb, "sign-in with an error")
}

func memberJourney(t *testing.T) {
	p := startPortal(t)
	u := p.user(t, store.RoleMember, "member@example.org")
	tb := p.signInAs(t, u)
	tb.visit(t, "/account", "account")
	tb.visit(t, "/account/two-factor", "two-factor set-up")
	tb.visit(t, "/disparity", "stop and search disparity")
	tb.visit(t, "/recommendations", "recommendations register")
}

// twoFactorJourney: a member turns on two-factor from the key shown in
// groups of four (beside its QR code), keeps the ten recovery codes on the
// confirmation page, and later signs in with one of them.
func twoFactorJourney(t *testing.T) {
	p := startPortal(t)
	u := p.user(t, store.RoleMember, "member@example.org")
	tb := p.signInAs(t, u)
	tb.visit(t, "/account/two-factor", "two-factor set-up")
	key, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('.app-key').innerText`))
	if err != nil || !regexp.MustCompile(`^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$`).MatchString(key) {
		t.Fatalf("the key is not shown in groups of four: %q (%v)", key, err)
	}
	if qr, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`!!document.querySelector('svg.app-qr path')`)); err != nil || !qr {
		t.Fatalf("no QR code drawn (%v)", err)
	}
	code, err := totp.GenerateCodeCustom(strings.ReplaceAll(key, " ", ""), time.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	path, status := tb.submit(t, fillIn("#code", code), clickSubmit)
	if path != "/account/two-factor" || status != http.StatusOK {
		t.Fatalf("enrol: on %s (%d)", path, status)
	}
	checkPage(t, tb, "two-factor is set up")
	codes, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#recovery-codes code')].map(c => c.innerText)`))
	if err != nil || len(codes) != 10 {
		t.Fatalf("%d recovery codes shown, want 10 (%v)", len(codes), err)
	}
	tb.submit(t, chromedp.Click(chromedp.CSS(".app-header__account button")))
	tb.visit(t, "/sign-in", "sign-in")
	path, _ = tb.submit(t, fillIn("#email", u.Email), fillIn("#password", password), clickSubmit)
	if path != "/sign-in/two-factor" {
		t.Fatalf("after the password: on %s", path)
	}
	tb.submit(t, chromedp.Click(chromedp.CSS(`a[href="/sign-in/two-factor/recovery"]`)))
	checkPage(t, tb, "enter a recovery code")
	path, status = tb.submit(t, fillIn("#code", codes[3]), clickSubmit)
	if path != "/home" || status != http.StatusOK {
		t.Fatalf("recovery code: on %s (%d)", path, status)
	}
}

func adminJourney(t *testing.T) {
	p := startPortal(t)
	admin := p.user(t, store.RoleAdmin, "admin@example.org")
	member := p.user(t, store.RoleMember, "someone@example.org")
	ctx := context.Background()
	g := &store.Group{Name: "Stop and Search Scrutiny Panel", Kind: store.GroupPanel}
	if err := p.store.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	org := &store.Partner{Name: "Safe Homes Trust", Kind: "charity", Email: "referrals@safehomes.example.org"}
	if err := p.store.CreatePartner(ctx, org); err != nil {
		t.Fatal(err)
	}
	rec := &store.Recommendation{Title: "Explain stop and search rights in plain English", Wording: "The panel recommends...",
		Source: "scrutiny-panel", GroupID: g.ID, Area: "respected", Priority: "high", OwnerDept: "Neighbourhood Policing",
		OwnerName: "Chief Inspector", DueAt: time.Now().AddDate(0, 3, 0)}
	if err := p.store.CreateRecommendation(ctx, rec, store.Actor{ID: admin.ID, Name: admin.Name}); err != nil {
		t.Fatal(err)
	}
	tb := p.signInAs(t, admin)
	for _, pg := range []struct{ path, name string }{
		{"/admin/people", "people"},
		{"/admin/people/new", "invite someone"},
		{"/admin/people/" + member.ID, "a person"},
		{"/admin/groups", "groups"},
		{"/admin/groups/new", "new group"},
		{"/admin/groups/" + g.ID, "a group"},
		{"/admin/partners", "partner organisations"},
		{"/admin/partners/" + org.ID, "a partner organisation"},
		{"/admin/audit", "audit log"},
		{"/admin/audit?verify=1", "audit log with its chain checked"},
		{"/admin/processing", "record of processing"},
		{"/admin/processing/vetting-data", "a lawful basis"},
		{"/disparity/import", "stop and search import"},
		{"/disparity/samples/new", "draw records for a panel"},
		{"/disparity/samples", "panel samples"},
		{"/recommendations", "recommendations register"},
		{"/recommendations/new", "raise a recommendation"},
		{"/recommendations/" + rec.ID, "a recommendation"},
		{"/recommendations/dashboard", "recommendations dashboard"},
		{"/recommendations/import", "import recommendations"},
	} {
		tb.visit(t, pg.path, pg.name)
	}
	// The DPO's lawful basis: an empty one is refused, a new one is shown in the record.
	tb.visit(t, "/admin/processing/vetting-data", "a lawful basis")
	if path, status := tb.submit(t, chromedp.SetValue(chromedp.CSS("#lawfulBasis"), " "), chromedp.Click(chromedp.CSS(`form[action="/admin/processing/vetting-data"] button`))); status != http.StatusUnprocessableEntity {
		t.Fatalf("empty lawful basis: on %s (%d), want 422", path, status)
	}
	checkPage(t, tb, "a lawful basis, with an error")
	if path, status := tb.submit(t, chromedp.SetValue(chromedp.CSS("#lawfulBasis"), "UK GDPR article 6(1)(c) legal obligation"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/processing/vetting-data"] button`))); status != http.StatusOK || !strings.Contains(pageText(t, tb), "6(1)(c) legal obligation") {
		t.Fatalf("lawful basis saved: on %s (%d)", path, status)
	}
	checkPage(t, tb, "record of processing, a basis changed")
	// On a laptop the administrator's menu fits one row, and "Sign out" is
	// apart from it (in the header), not an item that could look current.
	tb.emulate(t, 1280, 800)
	rows, err := chromedp.Run(tb.ctx, chromedp.Evaluate[int](`new Set([...document.querySelectorAll('.govuk-service-navigation__item')].map(li => li.getBoundingClientRect().top)).size`))
	if err != nil || rows != 1 {
		t.Errorf("the admin menu takes %d rows at 1280px (%v), want 1", rows, err)
	}
	if n, err := chromedp.Run(tb.ctx, chromedp.Evaluate[int](`document.querySelectorAll('.app-header__account button').length`)); err != nil || n != 1 {
		t.Errorf("no Sign out button in the header (%v)", err)
	}
	tb.viewW, tb.viewH = 0, 0
	tb.restoreViewport(t)
	// A form with errors: the invitation sent empty.
	if tb.open(t, "/admin/people/new") == http.StatusOK {
		path, status := tb.submit(t, clickSubmit)
		if status != http.StatusUnprocessableEntity {
			t.Errorf("empty invitation: on %s (%d), want 422", path, status)
		}
		checkPage(t, tb, "invite someone, with errors")
	}
}

// keyboardSignIn signs in with the keyboard alone: Tab from the top of the
// page (the skip link first), type, and Enter.
func keyboardSignIn(t *testing.T) {
	p := startPortal(t)
	u := p.user(t, store.RoleChair, "chair@example.org")
	tb := newTab(t, p.url, false)
	tb.visit(t, "/sign-in", "sign-in")
	focused := func() string {
		t.Helper()
		f, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](
			`(e => e.id || e.className || e.tagName)(document.activeElement)`))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	tab := chromedp.KeyEvent("\t")
	if err := chromedp.Do(tb.ctx, tab); err != nil {
		t.Fatal(err)
	}
	if f := focused(); !strings.Contains(f, "govuk-skip-link") {
		t.Errorf("the first Tab focused %q, want the skip link", f)
	}
	for range 15 {
		if focused() == "email" {
			break
		}
		if err := chromedp.Do(tb.ctx, tab); err != nil {
			t.Fatal(err)
		}
	}
	if f := focused(); f != "email" {
		t.Fatalf("Tab did not reach the email field (focus on %q)", f)
	}
	path, status := tb.submit(t, chromedp.KeyEvent(u.Email+"\t"+password+"\r"))
	if path != "/home" || status != http.StatusOK {
		t.Fatalf("keyboard sign-in: on %s (%d), want /home (200)", path, status)
	}
	checkPage(t, tb, "home")
}

// noJavaScriptSignIn signs a member in with page scripts turned off: every
// page must work without JavaScript.
func noJavaScriptSignIn(t *testing.T) {
	p := startPortal(t)
	u := p.user(t, store.RoleMember, "nojs@example.org")
	p.signInAs(t, u, withoutScripts) // checkFrontEnd fails if init.js ran
}
