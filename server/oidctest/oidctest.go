// Package oidctest is an OpenID Connect provider for tests: discovery, an
// authorization endpoint that signs the person in at once, a token endpoint
// that checks the client secret and the PKCE verifier and issues RS256-signed
// ID tokens, and its key set, on an httptest server. The server and browser
// tests sign staff in through it.
package oidctest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"
)

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Provider is an OpenID Connect provider in the test process: discovery,
// an authorization endpoint that signs the person in at once, a token
// endpoint that checks the client secret and the PKCE verifier and issues
// an RS256-signed ID token, and its key set. Set says whom the next
// sign-in is for and how to spoil its ID token.
type Provider struct {
	t        testing.TB
	Server   *httptest.Server
	key      *rsa.PrivateKey
	ClientID string
	Secret   string
	now      func() time.Time

	mu       sync.Mutex
	codes    map[string]grant
	email    string
	verified bool
	tweak    func(claims map[string]any)
	asked    url.Values // the last authorization request's query
}

// Set makes the next ID tokens name email, with email_verified as
// verified, after tweak (nil: none) has changed their claims (a wrong
// nonce, audience, issuer or expiry).
func (p *Provider) Set(email string, verified bool, tweak func(claims map[string]any)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.email, p.verified, p.tweak = email, verified, tweak
}

// Asked is the query of the last authorization request.
func (p *Provider) Asked() url.Values {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.asked
}

type grant struct{ nonce, challenge, redirect string }

// New starts a provider whose tokens are issued and expire by now (the
// portal's clock, so that tests which move it keep tokens current).
func New(t testing.TB, now func() time.Time) *Provider {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{t: t, key: key, ClientID: "candour-test", Secret: "s3cret", now: now, codes: map[string]grant{}, verified: true}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": p.Server.URL, "authorization_endpoint": p.Server.URL + "/authorize", "token_endpoint": p.Server.URL + "/token",
			"jwks_uri": p.Server.URL + "/jwks", "response_types_supported": []string{"code"},
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
		p.codes[code] = grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
		p.mu.Unlock()
		if q.Get("client_id") != p.ClientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" {
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
		email, verified, tweak := p.email, p.verified, p.tweak
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
		w.Header().Set("Content-Type", "application/json")
		if id != p.ClientID || secret != p.Secret || !known || r.PostFormValue("grant_type") != "authorization_code" ||
			r.PostFormValue("redirect_uri") != g.redirect || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant"})
			return
		}
		now := p.now()
		claims := map[string]any{"iss": p.Server.URL, "sub": "staff-0001", "aud": p.ClientID, "iat": now.Unix(),
			"exp": now.Add(5 * time.Minute).Unix(), "nonce": g.nonce, "email": email, "email_verified": verified}
		if tweak != nil {
			tweak(claims)
		}
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at-" + randomToken(), "token_type": "Bearer", "expires_in": 300,
			"id_token": p.sign(claims)})
	})
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Server.Close)
	return p
}

// sign makes a compact JWS (RS256) of claims with the provider's key.
func (p *Provider) sign(claims map[string]any) string {
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

// Authorize does the browser's part at the provider: it follows the
// portal's redirect to the authorization endpoint (authURL) and returns
// where the provider sends the browser back to.
func (p *Provider) Authorize(authURL string) (*url.URL, error) {
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := browser.Get(authURL)
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		return nil, fmt.Errorf("oidctest: authorization answered %d", res.StatusCode)
	}
	return url.Parse(res.Header.Get("Location"))
}
