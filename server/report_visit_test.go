package server

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"
	"time"

	"candour/store"
)

// copyReportCookies makes a second browser holding a copy of c's cookies
// for the report pages (as someone who took them from the reporter's
// browser would).
func (a *testApp) copyReportCookies(c *client) *client {
	u, _ := url.Parse(a.http.URL + "/report/status")
	cs := c.http.Jar.Cookies(u)
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(u, cs)
	cp := a.client()
	cp.http.Jar = jar
	return cp
}

// TestLeaveEndsTheReportVisitForEveryCopy: a copy of the reporter's
// cookie taken before "Leave" no longer opens the report nor posts a
// reply; after 2 hours neither the reporter's cookie nor a copy does;
// entering the receipt on another browser ends the earlier visit. (Before,
// the cookie was only signed and held the report's id, so a copy worked
// for up to 2 hours after "Leave".)
func TestLeaveEndsTheReportVisitForEveryCopy(t *testing.T) {
	a := newTestApp(t)
	receipt := submitReport(t, a.client(), publicAnswers("LEAVE"))
	enter := func() *client {
		c := a.client()
		if r := c.submit("/report/return", "/report/return", url.Values{"receipt": {receipt}}); r.Status != http.StatusSeeOther || r.Location != "/report/status" {
			t.Fatalf("receipt: %d %q", r.Status, r.Location)
		}
		return c
	}
	wantOpen := func(who string, c *client, open bool) {
		t.Helper()
		r := c.get("/report/status")
		if open && r.Status != http.StatusOK {
			t.Fatalf("%s: %d, want the report", who, r.Status)
		}
		if !open && (r.Status != http.StatusSeeOther || r.Location != "/report/return") {
			t.Fatalf("%s: %d to %q, want sent to enter the receipt", who, r.Status, r.Location)
		}
	}
	messages := func() int {
		rs, _, err := a.store.ListReferrals(t.Context(), store.ReferralFilter{})
		if err != nil || len(rs) != 1 {
			t.Fatalf("referrals: %v %v", rs, err)
		}
		return rs[0].Messages
	}

	pub := enter()
	thief := a.copyReportCookies(pub)
	wantOpen("the copy before Leave", thief, true)
	tok := thief.csrf("/report/status")
	pub.submit("/report/status", "/report/status/leave", nil)
	wantOpen("the reporter after Leave", pub, false)
	wantOpen("the copy after Leave", thief, false)
	before := messages()
	if r := thief.post("/report/status/reply", url.Values{"csrf_token": {tok}, "message": {"Posted with a copied cookie"}}); r.Status != http.StatusSeeOther || r.Location != "/report/return" {
		t.Fatalf("reply with a copy after Leave: %d %q", r.Status, r.Location)
	}
	if messages() != before {
		t.Fatal("a reply was stored from a copy of the cookie after Leave")
	}

	// The 2-hour limit, for the cookie and its copies alike.
	pub = enter()
	thief = a.copyReportCookies(pub)
	a.advance(ReportVisitLife - time.Minute)
	wantOpen("the reporter just before 2 hours", pub, true)
	a.advance(2 * time.Minute)
	wantOpen("the reporter after 2 hours", pub, false)
	wantOpen("the copy after 2 hours", thief, false)

	// One browser at a time: entering the receipt elsewhere ends the first visit.
	first := enter()
	enter()
	wantOpen("the first browser after the receipt was entered on another", first, false)
}
