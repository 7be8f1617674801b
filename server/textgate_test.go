package server

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	ics "github.com/arran4/golang-ical"
	"github.com/gin-gonic/gin"

	"candour/store"
)

func TestNormaliseText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"  plain  ", "plain"},
		{"Cafe\u0301", "Caf\u00e9"}, // NFC
		{"a\x00b\x1b[31mc\x7fd\u0085e", "ab[31mcde"},
		{"left\u202eright\u2066iso\u2069", "leftrightiso"},
		{"line one\r\nline two\rthree\tfour", "line one\nline twothree\tfour"},
		{"\ufeffBOM and \u2028 separator", "BOM and  separator"},
		{"Żółć – ‘quotes’ and emoji 👮", "Żółć – ‘quotes’ and emoji 👮"},
	} {
		if got := normaliseText(tc.in); got != tc.want {
			t.Errorf("normaliseText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// routePath fills a route's parameters with a placeholder.
func routePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "*") {
			parts[i] = "x"
		}
	}
	return strings.Join(parts, "/")
}

// TestEveryFormPassesTheTextGate posts a value full of control and
// bidirectional characters to every POST route the portal registers and
// checks that each one's request went through the text gate, and came
// out normalised, before any handler could see it.
func TestEveryFormPassesTheTextGate(t *testing.T) {
	a := newTestApp(t)
	var mu sync.Mutex
	seen := map[string]string{}
	a.srv.gateSeen = func(c *gin.Context) {
		mu.Lock()
		defer mu.Unlock()
		seen[c.Request.Method+" "+c.FullPath()] = c.Request.PostForm.Get("probe") + "|" + c.Request.Form.Get("probe")
	}
	c := a.client()
	tok := c.csrf("/sign-in")
	const raw = "  A\u0301\x1b[0m\u202eB\r\n\x00 "
	const want = "\u00c1[0mB"
	posts := 0
	for _, r := range a.srv.Routes() {
		if r.Method != http.MethodPost {
			continue
		}
		posts++
		c.post(routePath(r.Path), url.Values{"csrf_token": {tok}, "probe": {raw}})
		mu.Lock()
		got, ok := seen["POST "+r.Path]
		mu.Unlock()
		if !ok {
			t.Errorf("POST %s did not pass the text gate", r.Path)
		} else if got != want+"|"+want {
			t.Errorf("POST %s: the handler would see %q, want %q", r.Path, got, want)
		}
	}
	if posts < 40 {
		t.Fatalf("only %d POST routes found", posts)
	}
	// A multipart form (the data uploads) goes through it too.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf_token", tok)
	_ = mw.WriteField("probe", raw)
	mw.Close()
	req, _ := http.NewRequest("POST", a.http.URL+"/disparity/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	c.do(req)
	if got := seen["POST /disparity/import"]; got != want+"|"+want {
		t.Errorf("multipart: the handler would see %q, want %q", got, want)
	}
}

// TestGroupTextIsStoredNormalised: a real form, end to end.
func TestGroupTextIsStoredNormalised(t *testing.T) {
	a := newTestApp(t)
	admin := a.client()
	admin.signIn(a.newUser(store.RoleAdmin, "admin@example.org"))
	r := admin.submit("/admin/groups/new", "/admin/groups/new", url.Values{"name": {"Poole\u202e GAI\x1b[31m IAG\x00"}, "kind": {"iag"}, "description": {"Line one\r\nLine two\u2066"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("create group: %d\n%s", r.Status, r.Body)
	}
	gs, err := a.store.Groups(context.Background())
	if err != nil || len(gs) != 1 {
		t.Fatalf("groups: %v %v", gs, err)
	}
	if gs[0].Name != "Poole GAI[31m IAG" || gs[0].Description != "Line one\nLine two" {
		t.Fatalf("stored %q / %q", gs[0].Name, gs[0].Description)
	}
}

// TestICalendarCannotBeInjected: whatever text a visit holds (here written
// straight to the store, as data from before the text gate could be),
// the .ics download and the feed end every line with CRLF, and the text
// creates no property of its own: a real parser finds exactly the
// properties the portal writes, with the text as the location's value.
func TestICalendarCannotBeInjected(t *testing.T) {
	w := newVisitWorld(t)
	start := tomorrow10(w.a)
	id := w.createVisit(w.as(w.chair), visitFormAt(w.panel.ID, start, "2"))
	v, err := w.a.store.Visit(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	evil := "Poole\rATTENDEE:mailto:evil@example.org\r\nX-INJECTED:1\nDESCRIPTION:fake; a, b\\"
	if _, err := w.a.store.UpdateVisit(context.Background(), id, v.Version, store.VisitChange{Type: v.Type, Location: evil, MinVetting: v.MinVetting,
		Notes: "Notes\r\nSUMMARY:fake", Start: v.Start, End: v.End, Capacity: v.Capacity}); err != nil {
		t.Fatal(err)
	}
	m1 := w.as(w.m1)
	m1.submit("/visits/"+id, "/visits/"+id+"/sign-up", nil)
	res := m1.get("/visits/" + id + "/ics")
	if res.Status != http.StatusOK {
		t.Fatalf(".ics: %d", res.Status)
	}
	feed := m1.submit("/visits/feed", "/visits/feed", nil)
	m := feedURLRe.FindStringSubmatch(feed.Body)
	if m == nil {
		t.Fatal("no feed address")
	}
	fres := w.a.client().get(strings.TrimPrefix(m[1], w.a.http.URL))
	for name, body := range map[string]string{".ics": res.Body, "feed": fres.Body} {
		if !strings.HasSuffix(body, "\r\n") || strings.Count(body, "\n") != strings.Count(body, "\r\n") || strings.Count(body, "\r") != strings.Count(body, "\r\n") {
			t.Fatalf("%s: a line does not end in CRLF, or a bare CR or LF is in it:\n%q", name, body)
		}
		cal, err := ics.ParseCalendar(strings.NewReader(body))
		if err != nil {
			t.Fatalf("%s does not parse: %v", name, err)
		}
		evs := cal.Events()
		if len(evs) != 1 {
			t.Fatalf("%s: %d events", name, len(evs))
		}
		allowed := map[string]bool{"UID": true, "DTSTAMP": true, "DTSTART": true, "DTEND": true, "SEQUENCE": true, "SUMMARY": true,
			"LOCATION": true, "DESCRIPTION": true, "URL": true, "CLASS": true}
		count := map[string]int{}
		for _, p := range evs[0].Properties {
			count[p.IANAToken]++
			if !allowed[p.IANAToken] || count[p.IANAToken] > 1 {
				t.Errorf("%s: property %s (%d) was made by the visit's text", name, p.IANAToken, count[p.IANAToken])
			}
		}
		loc := evs[0].GetProperty(ics.ComponentPropertyLocation)
		if want := "Poole\nATTENDEE:mailto:evil@example.org\nX-INJECTED:1\nDESCRIPTION:fake; a, b\\"; loc == nil || ics.FromText(loc.Value) != want {
			t.Errorf("%s: LOCATION = %q, want the text, escaped", name, loc.Value)
		}
	}
}
