package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"candour/store"
	"candour/tz"
)

// TestMeetingJourney: a group's chair, on a phone-sized screen, schedules
// a meeting (after a first try with nothing filled in), changes its
// details (after an http link is refused), adds a paper,
// takes attendance, writes and approves the minutes and records an
// action; a member reads it all on a phone. Every page is checked with
// axe-core.
func TestMeetingJourney(t *testing.T) {
	requireBrowser(t)
	p := startPortal(t)
	ctx := context.Background()
	// The store's clock is 18:20 tomorrow (UK time): the meeting at 18:30
	// can be scheduled, and attendance taken from 30 minutes before.
	london := tz.London
	tomorrow := time.Now().In(london).AddDate(0, 0, 1)
	start := time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day(), 18, 30, 0, 0, london)
	offset := time.Until(start.Add(-10 * time.Minute))
	p.store.SetClock(func() time.Time { return time.Now().Add(offset) })
	g := &store.Group{Name: "External Scrutiny Forum", Kind: store.GroupPanel}
	if err := p.store.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	chair := p.user(t, store.RoleChair, "chair@example.org")
	member := p.user(t, store.RoleMember, "member@example.org")
	for _, m := range []store.Membership{{GroupID: g.ID, UserID: chair.ID, Chair: true}, {GroupID: g.ID, UserID: member.ID}} {
		if err := p.store.PutMembership(ctx, &m); err != nil {
			t.Fatal(err)
		}
	}
	paper := filepath.Join(t.TempDir(), "Use of force figures.pdf")
	if err := os.WriteFile(paper, []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	ct := p.signInAs(t, chair, phone)
	ct.visit(t, "/meetings", "group meetings")
	ct.visit(t, "/meetings/new", "schedule a meeting")
	path, status := ct.submit(t, clickSubmit)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("empty meeting: on %s (%d), want 422", path, status)
	}
	checkPage(t, ct, "schedule a meeting, with errors")
	for i, act := range []chromedp.Action[chromedp.Void]{chromedp.SetValue(chromedp.CSS("#group"), g.ID),
		fillIn("#title", "Use of force: quarterly review"),
		fillIn("#date", start.Format("2")),
		fillIn("#date-month", start.Format("1")),
		fillIn("#date-year", start.Format("2006")),
		fillIn("#venue", "Kings Park Community Hub"),
		fillIn("#onlineLink", "https://meet.example.org/forum"),
		fillIn("#independentChair", "Dr Ruth Okoye"),
		fillIn("#agenda", "Welcome\nTaser use by ethnicity")} {
		if _, err := chromedp.Run(ct.ctx, act); err != nil {
			t.Fatalf("filling in the form, step %d: %v", i, err)
		}
	}
	path, status = ct.submit(t, clickSubmit)
	if !strings.HasPrefix(path, "/meetings/") || status != http.StatusOK {
		t.Fatalf("schedule: on %s (%d)", path, status)
	}
	page := path
	checkPage(t, ct, "a meeting, as its chair")
	// The chair changes the details: a link that is not https is refused
	// with what was typed kept, then the venue is changed.
	ct.visit(t, page+"/edit", "change a meeting's details")
	if chairName, _ := chromedp.Run(ct.ctx, chromedp.Evaluate[string](`document.querySelector('#independentChair').value`)); chairName != "Dr Ruth Okoye" {
		t.Errorf("the edit form's independent chair: %q", chairName)
	}
	path, status = ct.submit(t, chromedp.SetValue(chromedp.CSS("#onlineLink"), "http://meet.example.org/forum"), clickSubmit)
	if path != page+"/edit" || status != http.StatusUnprocessableEntity || !strings.Contains(mainText(t, ct), "Enter a link that starts with https://") {
		t.Fatalf("an http link: on %s (%d), want 422", path, status)
	}
	checkPage(t, ct, "change a meeting's details, with errors")
	path, status = ct.submit(t, chromedp.SetValue(chromedp.CSS("#onlineLink"), "https://meet.example.org/forum"),
		chromedp.SetValue(chromedp.CSS("#venue"), "Kings Park Community Hub, Room 3"), clickSubmit)
	if path != page || status != http.StatusOK || !strings.Contains(mainText(t, ct), "Room 3") {
		t.Fatalf("save details: on %s (%d)", path, status)
	}
	if _, err := chromedp.Run(ct.ctx, chromedp.SetUploadFiles(chromedp.CSS("#paper"), []string{paper})); err != nil {
		t.Fatalf("choosing the paper: %v", err)
	}
	path, status = ct.submit(t, chromedp.Click(chromedp.CSS(`form[action$="/papers"] button`)))
	if path != page || status != http.StatusOK || !strings.Contains(mainText(t, ct), "Use of force figures.pdf") {
		t.Fatalf("upload: on %s (%d)", path, status)
	}
	checkPage(t, ct, "a meeting with a paper")
	path, status = ct.submit(t, chromedp.Click(chromedp.CSS(`label[for="att-`+member.ID+`"]`)),
		chromedp.Click(chromedp.CSS(`label[for="att-`+chair.ID+`"]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/attendance"] button`)))
	if path != page || status != http.StatusOK || !strings.Contains(mainText(t, ct), "2 present") {
		t.Fatalf("attendance: on %s (%d)", path, status)
	}
	path, status = ct.submit(t, fillIn("#minutes", "1. Welcome.\n2. The forum asked for Taser use by ethnicity each quarter."),
		chromedp.Click(chromedp.CSS(`form[action$="/minutes"] button`)))
	if path != page || status != http.StatusOK {
		t.Fatalf("minutes: on %s (%d)", path, status)
	}
	path, status = ct.submit(t, chromedp.Click(chromedp.CSS(`form[action$="/minutes/approve"] button`)))
	if path != page || status != http.StatusOK || !strings.Contains(mainText(t, ct), "Approved") {
		t.Fatalf("approve: on %s (%d)", path, status)
	}
	due := start.AddDate(0, 1, 0)
	path, status = ct.submit(t,
		fillIn("#text", "Publish Taser use by ethnicity each quarter"),
		fillIn("#owner", "Insp. Hall"),
		fillIn("#due", due.Format("2")),
		fillIn("#due-month", due.Format("1")),
		fillIn("#due-year", due.Format("2006")),
		chromedp.Click(chromedp.CSS(`form[action$="/actions"] button`)))
	if path != page || status != http.StatusOK {
		t.Fatalf("action: on %s (%d)", path, status)
	}
	checkPage(t, ct, "a meeting with attendance, approved minutes and an action")

	mt := p.signInAs(t, member, phone)
	mt.visit(t, page, "a meeting, as a member")
	text := mainText(t, mt)
	for _, want := range []string{"Use of force figures.pdf", "Taser use by ethnicity each quarter", "Dr Ruth Okoye", "Insp. Hall"} {
		if !strings.Contains(text, want) {
			t.Errorf("the member's page lacks %q", want)
		}
	}
}
