package server

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"

	"candour/store"
)

// The session cookie is written as JSON, and a cookie written before that
// change in gob (gorilla's default) is still read, so a deploy signs
// nobody out. A cookie signed with another key is no session in either form.
func TestSessionCookiesAreJSONAndOldGobCookiesStillRead(t *testing.T) {
	key := []byte(strings.Repeat("k", 32))
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	db := &fakeSessions{now: func() time.Time { return now }, m: map[string]*store.Session{}}
	db.m["stored-id"] = &store.Session{UserID: "u1", LastSeen: now, ExpiresAt: now.Add(time.Hour),
		Values: map[string]string{keyUserID: "u1", keyRole: string(store.RoleMember)}}
	ss := newSessionStore(db, key, false, func(string) time.Duration { return time.Hour })
	visitor := map[string]string{"csrf": "token-1", cookieExpires: strconv.FormatInt(now.Add(time.Hour).Unix(), 10)}
	gob := securecookie.CodecsFromPairs(key) // the codec the portal wrote with until this change
	json := securecookie.New(key, nil).SetSerializer(securecookie.JSONEncoder{})

	read := func(value string) map[any]any {
		t.Helper()
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: value})
		sess, err := ss.New(r, sessionCookie)
		if err != nil {
			t.Fatal(err)
		}
		return sess.Values
	}

	// Written now: JSON, which gob cannot read.
	value, err := securecookie.EncodeMulti(sessionCookie, visitor, ss.codecs...)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := securecookie.DecodeMulti(sessionCookie, value, &got, json); err != nil || got["csrf"] != "token-1" {
		t.Fatalf("a new cookie read as JSON: %v, %v; want the visitor's values", got, err)
	}
	if err := securecookie.DecodeMulti(sessionCookie, value, &got, gob...); err == nil {
		t.Fatal("a new cookie was still gob")
	}
	if v := read(value); v["csrf"] != "token-1" {
		t.Fatalf("a visitor's new cookie: %v, want csrf token-1", v)
	}

	// Written before the change, in gob: a visitor's values and a signed-in
	// session's id both still read.
	old, err := securecookie.EncodeMulti(sessionCookie, visitor, gob...)
	if err != nil {
		t.Fatal(err)
	}
	if v := read(old); v["csrf"] != "token-1" {
		t.Fatalf("a visitor's gob cookie: %v, want csrf token-1", v)
	}
	oldSignedIn, err := securecookie.EncodeMulti(sessionCookie, map[string]string{cookieSessionID: "stored-id"}, gob...)
	if err != nil {
		t.Fatal(err)
	}
	if v := read(oldSignedIn); v[keyUserID] != "u1" {
		t.Fatalf("a signed-in gob cookie: %v, want the stored session of u1", v)
	}
	minted, err := SessionCookieValue(key, "stored-id")
	if err != nil {
		t.Fatal(err)
	}
	if v := read(minted); v[keyUserID] != "u1" {
		t.Fatalf("a minted cookie: %v, want the stored session of u1", v)
	}

	// Signed with another key, in either form: no session.
	other := []byte(strings.Repeat("x", 32))
	for _, codecs := range [][]securecookie.Codec{sessionCodecs(other), securecookie.CodecsFromPairs(other)} {
		forged, err := securecookie.EncodeMulti(sessionCookie, map[string]string{cookieSessionID: "stored-id"}, codecs...)
		if err != nil {
			t.Fatal(err)
		}
		if v := read(forged); len(v) != 0 {
			t.Fatalf("a cookie signed with another key: %v, want no session", v)
		}
	}
}
