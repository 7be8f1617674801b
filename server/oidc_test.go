package server

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"candour/config"
	"candour/store"
)

// testIdP is an OpenID Connect provider in the test process: discovery,
// an authorization endpoint that signs the person in at once, a token
// endpoint that checks the client secret and the PKCE verifier and issues
// an RS256-signed ID token, and its key set. tweak changes the next ID
// token's claims (a wrong nonce, audience or expiry).
type testIdP struct {
	t        *testing.T
	srv      *httptest.Server
	key      *rsa.PrivateKey
	clientID string
	secret   string
	now      func() time.Time

	mu       sync.Mutex
	codes    map[string]idpGrant
	email    string
	verified bool
	tweak    func(claims map[string]any)
	asked    url.Values // the last authorization request's query
}

type idpGrant struct{ nonce, challenge, redirect string }

func newTestIdP(t *testing.T, now func() time.Time) *testIdP {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &testIdP{t: t, key: key, clientID: "candour-test", secret: "s3cret", now: now, codes: map[string]idpGrant{}, verified: true}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": p.srv.URL, "authorization_endpoint": p.srv.URL + "/authorize", "token_endpoint": p.srv.URL + "/token",
			"jwks_uri": p.srv.URL + "/jwks", "response_types_supported": []string{"code"},
			"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		b64 := base64.RawURLEncoding.EncodeToString
		json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
			"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes())}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		p.mu.Lock()
		p.asked = q
		code := randomToken()
		p.codes[code] = idpGrant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
		p.mu.Unlock()
		if q.Get("client_id") != p.clientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" {
			http.Error(w, "bad authorization request", http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
		}
		p.mu.Lock()
		g, known := p.codes[r.PostFormValue("code")]
		delete(p.codes, r.PostFormValue("code"))
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
		w.Header().Set("Content-Type", "application/json")
		if id != p.clientID || secret != p.secret || !known || r.PostFormValue("grant_type") != "authorization_code" ||
			r.PostFormValue("redirect_uri") != g.redirect || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant"})
			return
		}
		now := p.now()
		claims := map[string]any{"iss": p.srv.URL, "sub": "staff-0001", "aud": p.clientID, "iat": now.Unix(),
			"exp": now.Add(5 * time.Minute).Unix(), "nonce": g.nonce, "email": p.email, "email_verified": p.verified}
		if p.tweak != nil {
			p.tweak(claims)
		}
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at-" + randomToken(), "token_type": "Bearer", "expires_in": 300,
			"id_token": p.sign(claims)})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// sign makes a compact JWS (RS256) of claims with the provider's key.
func (p *testIdP) sign(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := enc(map[string]string{"alg": "RS256", "kid": "k1", "typ": "JWT"}) + "." + enc(claims)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, p.key, crypto.SHA256, sum[:])
	if err != nil {
		p.t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// withIdP turns on sign-in through p for the test app a.
func withIdP(t *testing.T, a *testApp) *testIdP {
	p := newTestIdP(t, a.store.Now)
	cfg := a.cfg
	cfg.OIDC = config.OIDC{Issuer: p.srv.URL, ClientID: p.clientID, ClientSecret: p.secret,
		Roles: []string{"admin", "coordinator", "ccu"}, Label: "Sign in with your Dorset Police account"}
	a.srv.oidc = newOIDCFlow(cfg, a.store.Now)
	return p
}

// viaIdP follows the whole flow as a browser would: the portal's button,
// the provider's authorization endpoint, and back to the callback, whose
// response it returns.
func (p *testIdP) viaIdP(c *client) response {
	p.t.Helper()
	r := c.get("/sign-in/oidc")
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, p.srv.URL+"/authorize?") {
		p.t.Fatalf("start: %d to %q, want 303 to the provider", r.Status, r.Location)
	}
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := browser.Get(r.Location)
	if err != nil {
		p.t.Fatal(err)
	}
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil || res.StatusCode != http.StatusFound {
		p.t.Fatalf("provider: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	return c.get(back.RequestURI())
}

func TestOIDCSignInStaff(t *testing.T) {
	a := newTestApp(t)
	p := withIdP(t, a)
	coord := a.newUser(store.RoleCoordinator, "Jo.Coordinator@dorset.example")
	p.email = "jo.coordinator@DORSET.example" // matched as the store matches addresses

	c := a.client()
	if page := c.get("/sign-in"); !strings.Contains(page.Body, `href="/sign-in/oidc"`) || !strings.Contains(page.Body, "Sign in with your Dorset Police account") {
		t.Fatalf("the sign-in page has no button for the identity provider:\n%s", page.Body)
	}
	r := p.viaIdP(c)
	if r.Status != http.StatusSeeOther || r.Location != "/home" {
		t.Fatalf("callback: %d to %q, want 303 to /home\n%s", r.Status, r.Location, r.Body)
	}
	if home := c.get("/home"); home.Status != http.StatusOK {
		t.Fatalf("home after signing in: %d", home.Status)
	}
	// The authorization request carried a state, a nonce and an S256 challenge.
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(p.asked.Get(k)) < 43 {
			t.Errorf("authorization request %s = %q, want 32 random bytes or more", k, p.asked.Get(k))
		}
	}
	if p.asked.Get("redirect_uri") != a.http.URL+"/sign-in/oidc/callback" || !strings.Contains(p.asked.Get("scope"), "openid") {
		t.Errorf("authorization request: %v", p.asked)
	}
	events, _, err := a.store.ListAudit(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	signedIn := false
	for _, e := range events {
		signedIn = signedIn || (e.Action == store.AuditSignIn && e.ActorID == coord.ID)
	}
	if !signedIn {
		t.Error("no sign-in audit event for the coordinator")
	}

	// An admin account still takes the portal's own second step.
	admin := a.newUser(store.RoleAdmin, "admin@dorset.example")
	p.email = admin.Email
	if r := p.viaIdP(a.client()); r.Status != http.StatusSeeOther || r.Location != "/sign-in/two-factor" {
		t.Errorf("admin through the provider: %d to %q, want the two-factor step", r.Status, r.Location)
	}
}

// Each way the provider's answer can be wrong leaves the person signed
// out, with the sign-in page (422) saying so against the button.
func TestOIDCRefusals(t *testing.T) {
	a := newTestApp(t)
	p := withIdP(t, a)
	a.newUser(store.RoleCoordinator, "coord@dorset.example")
	a.newUser(store.RoleMember, "member@dorset.example")
	cases := []struct {
		name, email string
		verified    bool
		tweak       func(map[string]any)
		want        string
	}{
		{"wrong nonce", "coord@dorset.example", true, func(c map[string]any) { c["nonce"] = randomToken() }, msgOIDCFailed},
		{"wrong audience", "coord@dorset.example", true, func(c map[string]any) { c["aud"] = "another-app" }, msgOIDCFailed},
		{"expired token", "coord@dorset.example", true, func(c map[string]any) {
			c["iat"] = a.store.Now().Add(-time.Hour).Unix()
			c["exp"] = a.store.Now().Add(-30 * time.Minute).Unix()
		}, msgOIDCFailed},
		{"wrong issuer", "coord@dorset.example", true, func(c map[string]any) { c["iss"] = "https://evil.example" }, msgOIDCFailed},
		{"unverified email", "coord@dorset.example", false, nil, msgOIDCFailed},
		{"no such account", "stranger@dorset.example", true, nil, msgOIDCFailed},
		{"volunteer account", "member@dorset.example", true, nil, msgOIDCFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p.mu.Lock()
			p.email, p.verified, p.tweak = tc.email, tc.verified, tc.tweak
			p.mu.Unlock()
			c := a.client()
			r := p.viaIdP(c)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.want) || !strings.Contains(r.Body, `href="#oidc"`) {
				t.Fatalf("%d to %q, want 422 with the error summary\n%s", r.Status, r.Location, r.Body)
			}
			if home := c.get("/home"); home.Status != http.StatusSeeOther || !strings.HasPrefix(home.Location, "/sign-in") {
				t.Fatalf("home after a refused sign-in: %d to %q, want the sign-in page", home.Status, home.Location)
			}
		})
	}
	p.tweak, p.email, p.verified = nil, "coord@dorset.example", true

	// A callback is good once: replaying it (the state is spent) fails,
	// and so does one that no sign-in in this browser started.
	c := a.client()
	r := c.get("/sign-in/oidc")
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := browser.Get(r.Location)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back, _ := url.Parse(res.Header.Get("Location"))
	if r := a.client().get(back.RequestURI()); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, msgOIDCExpired) {
		t.Errorf("callback in another browser: %d, want 422 (state)", r.Status)
	}
	if r := c.get(back.RequestURI()); r.Status != http.StatusSeeOther || r.Location != "/home" {
		t.Errorf("callback in the browser that started: %d to %q", r.Status, r.Location)
	}
	if r := c.get(back.RequestURI()); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, msgOIDCExpired) {
		t.Errorf("the same callback again: %d to %q, want 422 (the state is spent)", r.Status, r.Location)
	}
	// A provider that answers with an error.
	c = a.client()
	r = c.get("/sign-in/oidc")
	st, _ := url.Parse(r.Location)
	if r := c.get("/sign-in/oidc/callback?" + url.Values{"state": {st.Query().Get("state")}, "error": {"access_denied"}}.Encode()); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, msgOIDCRefused) {
		t.Errorf("provider error: %d", r.Status)
	}
	events, _, err := a.store.ListAudit(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	details := ""
	for _, e := range events {
		if e.Action == store.AuditSignInFailed {
			details += e.Detail + "\n"
		}
	}
	for _, want := range []string{"wrong nonce", "audience", "expired", "no verified email", "no active staff account for member@dorset.example", "access_denied"} {
		if !strings.Contains(details, want) {
			t.Errorf("no failed sign-in audited with %q; audited:\n%s", want, details)
		}
	}
}

// Off by default: no button, and the routes are not found.
func TestOIDCOffByDefault(t *testing.T) {
	a := newTestApp(t)
	c := a.client()
	if strings.Contains(c.get("/sign-in").Body, "/sign-in/oidc") {
		t.Error("the sign-in page offers the identity provider when none is configured")
	}
	for _, path := range []string{"/sign-in/oidc", "/sign-in/oidc/callback?state=a&code=b"} {
		if r := c.get(path); r.Status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, r.Status)
		}
	}
}
