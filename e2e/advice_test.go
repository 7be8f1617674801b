package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"candour/store"
)

// TestAdviceJourney: critical-incident advice on phone-sized screens. The
// coordinator opens a request (after a first try with nothing filled in),
// a member gives a mobile number, reads the request and answers, the
// coordinator sees the advice, records what the force did and publishes an
// agreed summary, the member reads back the response and anyone reads the
// summary. Every page is checked with axe-core.
func TestAdviceJourney(t *testing.T) {
	requireBrowser(t)
	p := startPortal(t)
	ctx := context.Background()
	g := &store.Group{Name: "Bournemouth IAG", Kind: store.GroupIAG}
	if err := p.store.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	member := p.user(t, store.RoleMember, "member@example.org")
	coord := p.user(t, store.RoleCoordinator, "coordinator@example.org")
	if err := p.store.PutMembership(ctx, &store.Membership{GroupID: g.ID, UserID: member.ID, VettingLevel: "NPPV2"}); err != nil {
		t.Fatal(err)
	}

	// The member adds a mobile number for urgent requests.
	mt := p.signInAs(t, member, phone)
	mt.visit(t, "/account/mobile", "mobile number")
	path, status := mt.submit(t, fillIn("#mobile", "07700 900 982"), clickSubmit)
	if path != "/account" || status != http.StatusOK || !strings.Contains(mainText(t, mt), "+447700900982") {
		t.Fatalf("mobile: on %s (%d)", path, status)
	}
	checkPage(t, mt, "account with a mobile number")

	// The coordinator asks, on a phone.
	ct := p.signInAs(t, coord, phone)
	ct.visit(t, "/advice", "advice requests")
	ct.visit(t, "/advice/new", "ask for advice")
	path, status = ct.submit(t, clickSubmit)
	if path != "/advice/new" || status != http.StatusUnprocessableEntity {
		t.Fatalf("empty request: on %s (%d), want 422", path, status)
	}
	checkPage(t, ct, "ask for advice, with errors")
	path, status = ct.submit(t,
		fillIn("#title", "Fatal collision, Boscombe"),
		fillIn("#shared", "A man died after a collision with a police car on Christchurch Road."),
		chromedp.Click(chromedp.CSS(`label[for="handling-2"]`)),
		fillIn("#question", "How should officers attend tonight's vigil?"),
		chromedp.Click(chromedp.CSS(`label[for="groups"]`)),
		chromedp.SetValue(chromedp.CSS("#hours"), "6"),
		clickSubmit)
	if !strings.HasPrefix(path, "/advice/") || status != http.StatusOK {
		t.Fatalf("ask: on %s (%d)", path, status)
	}
	page := path
	checkPage(t, ct, "an advice request, as the coordinator")
	ms, err := p.store.RecentMail(ctx, 10)
	if err != nil || len(ms) != 2 {
		t.Fatalf("queued %d messages (%v), want a mail and a text to the member", len(ms), err)
	}

	// The member answers on the phone.
	mt.visit(t, "/advice", "advice requests, as a member")
	mt.visit(t, page, "an advice request, as a member")
	path, status = mt.submit(t, fillIn("#advice", "Officers should attend without hats; let the family speak first."), clickSubmit)
	if path != page || status != http.StatusOK {
		t.Fatalf("answer: on %s (%d)", path, status)
	}
	checkPage(t, mt, "an advice request, answered")

	// The coordinator sees it and records what the force did.
	ct.visit(t, page, "an advice request with advice")
	if !strings.Contains(mainText(t, ct), "let the family speak first") {
		t.Fatal("the coordinator does not see the advice")
	}
	card := "#answer-" + member.ID
	path, status = ct.submit(t,
		chromedp.Click(chromedp.CSS(`label[for="outcome-`+member.ID+`"]`)),
		fillIn("#response-"+member.ID, "Officers attended without hats and the family spoke first."),
		chromedp.Click(chromedp.CSS(card+" form button[type=submit]")))
	if path != page || status != http.StatusOK {
		t.Fatalf("response: on %s (%d)", path, status)
	}
	checkPage(t, ct, "an advice request with a response")
	ct.visit(t, page+"/impact", "community impact assessment")
	path, status = ct.submit(t,
		fillIn("#summary", "The group advised on the vigil; officers attended without hats."),
		chromedp.Click(chromedp.CSS(`label[for="agreed"]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/publish"] button`)))
	if path != page+"/impact" || status != http.StatusOK {
		t.Fatalf("publish: on %s (%d)", path, status)
	}
	checkPage(t, ct, "community impact assessment, published")

	// The member reads back the response; anyone reads the summary.
	mt.visit(t, page, "an advice request with the force's response")
	if !strings.Contains(mainText(t, mt), "the family spoke first") {
		t.Fatal("the member does not read back the response")
	}
	pt := newTab(t, p.url, false)
	phone(t, pt)
	pt.visit(t, "/public/advice", "published advice summaries")
	pt.visit(t, "/public/advice/"+strings.TrimPrefix(page, "/advice/"), "a published advice summary")
	if text := mainText(t, pt); !strings.Contains(text, "officers attended without hats") || strings.Contains(text, "Christchurch Road") {
		t.Fatalf("public summary: %q", text)
	}
}
