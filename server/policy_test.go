package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"candour/store"
)

// TestEveryRouteByRole walks every registered route as anonymous and as each
// role, and compares what happens with the policy table: a route a role may
// not use answers 403 (anonymous: a redirect to sign in); a route it may use
// never answers 403 or sends it to sign in.
func TestEveryRouteByRole(t *testing.T) {
	a := newTestApp(t)
	clients := map[string]*client{"anonymous": a.client()}
	users := map[string]*store.User{}
	for _, r := range store.Roles {
		u := a.newUser(r, string(r)+"@example.org")
		c := a.client()
		c.signIn(u)
		clients[string(r)] = c
		users[string(r)] = u
	}
	// Each client's form token, fetched once from its home or sign-in page
	// (it is the session's, until the session changes), so that a POST
	// costs one request, not two.
	tokens := map[*client]string{}
	submit := func(c *client, page, path string) response {
		if tok, ok := tokens[c]; ok {
			res := c.post(path, url.Values{"csrf_token": {tok}})
			if res.Status != http.StatusForbidden || !strings.Contains(res.Body, "Your form has expired") {
				return res
			}
		}
		// A first POST, or a route ended the session: a fresh token, as
		// c.submit fetches one.
		tokens[c] = c.csrf(page)
		return c.post(path, url.Values{"csrf_token": {tokens[c]}})
	}
	if len(a.srv.Routes()) < 30 {
		t.Fatalf("only %d routes registered", len(a.srv.Routes()))
	}
	for _, rt := range a.srv.Routes() {
		path := strings.NewReplacer(":id", "000000000000000000000000", ":userId", "000000000000000000000000", ":token", "not-a-token", ":kind", "vehicle-stops").Replace(rt.Path)
		for who, c := range clients {
			if who != "anonymous" && (rt.Action == "signout" || rt.Action == "signout.all") {
				c = a.client() // signing out must not end the shared session
				c.signIn(users[who])
			}
			t.Run(rt.Method+" "+rt.Path+" as "+who, func(t *testing.T) {
				var res response
				if rt.Method == "GET" {
					res = c.get(path)
				} else {
					// A valid token from the home or sign-in page, so only the policy decides.
					page := "/home"
					if who == "anonymous" {
						page = "/sign-in"
					}
					res = submit(c, page, path)
				}
				signInRedirect := res.Status == http.StatusSeeOther && strings.HasPrefix(res.Location, "/sign-in")
				var may bool
				if who == "anonymous" {
					may = isPublic(rt.Action)
				} else {
					may = allowed(store.Role(who), rt.Action)
				}
				switch {
				case !may && who == "anonymous" && !signInRedirect:
					t.Errorf("anonymous got %d (to %q), want redirect to sign in", res.Status, res.Location)
				case !may && who != "anonymous" && res.Status != http.StatusForbidden:
					t.Errorf("%s got %d, want 403", who, res.Status)
				case may && res.Status == http.StatusForbidden:
					t.Errorf("%s got 403 on a route the policy allows", who)
				case may && res.Status >= 500:
					t.Errorf("%s got %d", who, res.Status)
				}
				if res.Status == http.StatusForbidden && !strings.Contains(res.Body, "govuk-heading-l") {
					t.Errorf("403 page is not styled")
				}
			})
			if who != "anonymous" && rt.Action == "signout.all" {
				clients[who].signIn(users[who]) // signing out everywhere ended the shared session too
			}
		}
	}
}

// TestPolicyNamesOnlyKnownRoles guards the table against typos.
func TestPolicyNamesOnlyKnownRoles(t *testing.T) {
	for action, roles := range policy {
		for _, r := range roles {
			if r != public && r != signedIn && !r.Valid() {
				t.Errorf("action %s names unknown role %q", action, r)
			}
		}
	}
}
