package e2e

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	pwhash "candour/password"
	"candour/store"
	"candour/tz"
)

// TestReferralJourneys: an anonymous member of the public reports, keeps
// the receipt and comes back; a partner worker refers (through "call 999
// now"); the CCU opens, grades and assesses. Every page is checked with
// axe-core, the CSP console check and the stylesheet check.
func TestReferralJourneys(t *testing.T) {
	requireBrowser(t)
	t.Run("anonymous report to receipt and back", func(t *testing.T) { anonymousReportJourney(t, false) })
	t.Run("anonymous report without JavaScript", func(t *testing.T) { anonymousReportJourney(t, true) })
	t.Run("partner referral", partnerReferralJourney)
	t.Run("exit this page", exitJourney)
	t.Run("CCU assessment", ccuAssessmentJourney)
}

var london = tz.London

var clickContinue = chromedp.Click(chromedp.CSS("main form button.govuk-button"))

// answer takes one question page: actions fill it, then Continue; the
// next page must answer 200 and pass the checks.
func answer(t *testing.T, tb *tab, page string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	path, status := tb.submit(t, append(actions, clickContinue)...)
	if status != http.StatusOK {
		t.Fatalf("%s: on %s (%d), want 200", page, path, status)
	}
	checkPage(t, tb, page)
}

// location is the path of the page in the tab.
func (tb *tab) location(t *testing.T) string {
	t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// backAndRefresh goes Back from check your answers to the last question
// (a page of its own: no "confirm form resubmission"), checks its answer
// is still chosen (sel), reloads it, and goes forward again.
func backAndRefresh(t *testing.T, tb *tab, last, sel string) {
	t.Helper()
	if _, err := chromedp.RunResponse(tb.ctx, chromedp.NavigateBack()); err != nil {
		t.Fatalf("back: %v", err)
	}
	if got := tb.location(t); got != last {
		t.Fatalf("Back from check your answers: on %s, want %s", got, last)
	}
	res, err := chromedp.RunResponse(tb.ctx, chromedp.Reload())
	if err != nil || res.Status != http.StatusOK {
		t.Fatalf("refresh %s: %v %v", last, res, err)
	}
	checkPage(t, tb, "a question, after Back and refresh")
	tb.withScripts(t, func() {
		on, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`document.querySelector('`+sel+`').checked`))
		if err != nil || !on {
			t.Fatalf("after Back and refresh the answer %s is not kept (%v)", sel, err)
		}
	})
	tb.submit(t, clickContinue)
	checkPage(t, tb, "check your answers, again")
}

// exitThisPage checks the page's "Exit this page" link goes through /exit
// and that /exit deletes the flow's draft cookie (name) and sends the
// browser away. It fetches /exit from the page instead of following the
// link: the destination is another site, and the test machine is offline.
func exitThisPage(t *testing.T, tb *tab, base, name string) {
	t.Helper()
	has := func() bool {
		res, err := chromedp.Call(tb.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{tb.url + base + "/check-answers"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range res.Cookies {
			if c.Name == name {
				return true
			}
		}
		return false
	}
	if !has() {
		t.Fatalf("no draft cookie %s before exit", name)
	}
	tb.withScripts(t, func() {
		href, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('.govuk-exit-this-page a').getAttribute('href')`))
		if err != nil || href != "/exit" {
			t.Fatalf("Exit this page links to %q (%v), want /exit", href, err)
		}
		kind, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`fetch('/exit', {redirect: 'manual'}).then(r => r.type)`, chromedp.EvalAwaitPromise))
		if err != nil || kind != "opaqueredirect" {
			t.Fatalf("/exit answered %q (%v), want a redirect", kind, err)
		}
	})
	if has() {
		t.Fatalf("/exit left the draft cookie %s", name)
	}
}

func click(sel string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(sel)) }

func pageText(t *testing.T, tb *tab) string {
	t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('main').innerText`))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func anonymousReportJourney(t *testing.T, jsOff bool) {
	p := startPortal(t)
	tb := newTab(t, p.url, jsOff)
	tb.visit(t, "/report", "anonymous report start")
	tb.visit(t, "/report/new", "is anyone in danger")
	answer(t, tb, "what to report", click("#danger-2"))
	if u := tb.location(t); u != "/report/new/what-it-is-about" {
		t.Fatalf("the second question is at %s, want its own address", u)
	}
	answer(t, tb, "who you are reporting", click("#category"))
	answer(t, tb, "what happened", fillIn("#personName", "Tall, grey beard"), fillIn("#collarNumber", "PC 3141"))
	answer(t, tb, "when", fillIn("#whatHappened", "He shouted abuse at a woman outside the station."))
	answer(t, tb, "where")
	answer(t, tb, "working at the time", fillIn("#where", "Poole"))
	answer(t, tb, "in person or online", click("#onDuty"))
	answer(t, tb, "how you know", click("#setting"))
	// A required answer missed: 422 with an error summary.
	path, status := tb.submit(t, clickContinue)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("how you know, left empty: on %s (%d), want 422", path, status)
	}
	checkPage(t, tb, "how you know, with an error")
	answer(t, tb, "willing to talk", click("#howKnown-2"))
	answer(t, tb, "support in place")
	answer(t, tb, "stay anonymous")
	answer(t, tb, "check your answers", click("#stayAnonymous"))
	if text := pageText(t, tb); !strings.Contains(text, "Tall, grey beard") || !strings.Contains(text, "I saw or heard it") {
		t.Fatalf("check your answers lacks the answers:\n%s", text)
	}
	// The browser's Back and refresh: plain pages, the answers kept.
	backAndRefresh(t, tb, "/report/new/stay-anonymous", "#stayAnonymous")
	// Change an answer from check your answers and come back to it.
	tb.submit(t, click(`a[href="/report/new/where?change=1"]`))
	checkPage(t, tb, "change where")
	path, status = tb.submit(t, fillIn("#where", " and Weymouth"), clickContinue)
	if path != "/report/new/check-answers" || status != http.StatusOK || !strings.Contains(pageText(t, tb), "Weymouth") {
		t.Fatalf("after a change: on %s (%d)", path, status)
	}
	path, status = tb.submit(t, clickContinue)
	if status != http.StatusOK {
		t.Fatalf("send: on %s (%d)", path, status)
	}
	checkPage(t, tb, "receipt")
	receipt, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('#receipt').innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\d{4} \d{4} \d{4} \d{4}$`).MatchString(receipt) {
		t.Fatalf("receipt %q is not four groups of four digits", receipt)
	}

	// Come back: a wrong code first, then the right one, with the keyboard
	// alone: Tab from the top of the page to the box, type, Enter.
	tb.visit(t, "/report/return", "check on a report")
	path, status = tb.submit(t, fillIn("#receipt", "1234 1234 1234 1234"), clickContinue)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong receipt: on %s (%d), want 422", path, status)
	}
	checkPage(t, tb, "check on a report, wrong code")
	tb.visit(t, "/report/return", "check on a report, again")
	for range 20 {
		f, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.activeElement.id`))
		if err != nil {
			t.Fatal(err)
		}
		if f == "receipt" {
			break
		}
		if err := chromedp.Do(tb.ctx, chromedp.KeyEvent("\t")); err != nil {
			t.Fatal(err)
		}
	}
	path, status = tb.submit(t, chromedp.KeyEvent(receipt+"\r"))
	if path != "/report/status" || status != http.StatusOK {
		t.Fatalf("right receipt: on %s (%d), want /report/status", path, status)
	}
	checkPage(t, tb, "your report")
	path, status = tb.submit(t, fillIn("#message", "It was a Saturday night."), click(`form[action="/report/status/reply"] button`))
	if path != "/report/status" || status != http.StatusOK || !strings.Contains(pageText(t, tb), "It was a Saturday night.") {
		t.Fatalf("reply: on %s (%d)", path, status)
	}
	checkPage(t, tb, "your report, with a reply")
}

// exitJourney: a reporter part-way through presses "Exit this page"; the
// answers are gone when the page is opened again.
func exitJourney(t *testing.T) {
	p := startPortal(t)
	tb := newTab(t, p.url, true)
	tb.visit(t, "/report/new", "is anyone in danger, to exit")
	answer(t, tb, "what to report, to exit", click("#danger-2"))
	exitThisPage(t, tb, "/report/new", "candour_anonymous0")
	if path, _ := tb.submit(t, chromedp.Navigate(tb.url+"/report/new/check-answers")); path != "/report/new/immediate-danger" {
		t.Fatalf("after exit: on %s, want the first question", path)
	}
	tb.withScripts(t, func() {
		if on, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`document.querySelector('#danger-2').checked`)); err != nil || on {
			t.Fatalf("the answer survived exit (%v)", err)
		}
	})
}

func partnerReferralJourney(t *testing.T) {
	p := startPortal(t)
	ctx := context.Background()
	org := &store.Partner{Name: "Safe Homes Trust", Kind: "charity", Email: "referrals@safehomes.example.org"}
	if err := p.store.CreatePartner(ctx, org); err != nil {
		t.Fatal(err)
	}
	u := &store.User{Email: "worker@safehomes.example.org", Name: "Browser worker", Role: store.RolePartner, Status: store.StatusActive,
		PartnerID: org.ID, PasswordHash: pwhash.For(p.cfg).Hash(password)}
	if err := p.store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	tb := p.signInAs(t, u)
	tb.visit(t, "/referrals", "your organisation's referrals")
	tb.visit(t, "/referrals/new", "is anyone in danger (partner)")
	answer(t, tb, "call 999 now", click("#danger"))
	if !strings.Contains(pageText(t, tb), "Call 999 now") {
		t.Fatal("a yes to danger did not show the call 999 page")
	}
	tb.submit(t, click("main a.govuk-button")) // "Everyone is safe now: carry on"
	checkPage(t, tb, "the concern")
	answer(t, tb, "person of concern", click("#category-3"))
	answer(t, tb, "what happened (partner)", fillIn("#personName", "DC Jones"), fillIn("#personForce", "Dorset Police"))
	answer(t, tb, "when (partner)", fillIn("#whatHappened", "A client disclosed that the officer pressured her for a relationship."))
	answer(t, tb, "where (partner)")
	answer(t, tb, "on or off duty (partner)")
	answer(t, tb, "in person or online (partner)")
	answer(t, tb, "how you know (partner)")
	answer(t, tb, "victim consent", click("#howKnown"))
	answer(t, tb, "safe contact", click("#victimConsent"))
	answer(t, tb, "safeguarding", fillIn("#safeContact", "Only through our office"))
	answer(t, tb, "check your answers (partner)", fillIn("#safeguarding", "Safety plan in place"))
	path, status := tb.submit(t, clickContinue)
	if !strings.HasSuffix(path, "/confirmation") || status != http.StatusOK {
		t.Fatalf("send referral: on %s (%d)", path, status)
	}
	checkPage(t, tb, "referral sent")
	if text := pageText(t, tb); !strings.Contains(text, "CCU-00001") {
		t.Fatalf("no reference number:\n%s", text)
	}
	tb.visit(t, strings.TrimSuffix(path, "/confirmation"), "a referral (partner)")
}

func ccuAssessmentJourney(t *testing.T) {
	p := startPortal(t)
	ctx := context.Background()
	analyst := p.user(t, store.RoleCCU, "analyst@example.org")
	var ids []string
	for _, c := range []store.ReferralContent{
		{Category: "sexual-purpose", PersonName: "Mark Dawson", PersonForce: "Dorset Police", CollarNumber: "2417", WhatHappened: "Messages to a victim.", HowKnown: "disclosure", Danger: "no"},
		{Category: "sexual-purpose", CollarNumber: "PC 2417", WhatHappened: "Turned up at her flat.", HowKnown: "third-hand", Danger: "no"},
	} {
		r, err := p.store.CreateReferral(ctx, store.NewReferral{Kind: store.KindPartner, PartnerID: "p", Content: c})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	tb := p.signInAs(t, analyst)
	tb.visit(t, "/ccu", "CCU queue")
	// Opening a case asks why first (once per case per session); no reason, nothing shown.
	tb.visit(t, "/ccu/referrals/"+ids[0], "why open a case (CCU)")
	if text := pageText(t, tb); !strings.Contains(text, "Why do you need to open CCU-00001?") || strings.Contains(text, "Messages to a victim.") {
		t.Fatalf("not the reason question:\n%s", text)
	}
	path, status := tb.submit(t, clickContinue)
	if status != http.StatusUnprocessableEntity || !strings.Contains(pageText(t, tb), "Choose why you need to open this case") {
		t.Fatalf("no reason: on %s (%d), want 422", path, status)
	}
	checkPage(t, tb, "why open a case, with an error")
	path, status = tb.submit(t, click("#reason"), clickContinue)
	if status != http.StatusOK || !strings.Contains(pageText(t, tb), "Messages to a victim.") {
		t.Fatalf("reason given: on %s (%d)", path, status)
	}
	checkPage(t, tb, "a referral (CCU)")
	// Exporting asks for the reason and the recipient.
	tb.visit(t, "/ccu/referrals/"+ids[0]+"/export", "export a referral")
	path, status = tb.submit(t, clickContinue)
	if status != http.StatusUnprocessableEntity || !strings.Contains(pageText(t, tb), "Enter who you are sending this to") {
		t.Fatalf("export without a recipient: on %s (%d), want 422", path, status)
	}
	checkPage(t, tb, "export a referral, with an error")
	tb.visit(t, "/ccu/referrals/"+ids[0], "a referral (CCU), opened again without the question")
	if !strings.Contains(pageText(t, tb), "Same person: link CCU-00002") {
		t.Fatal("no proposed match for the shared collar number")
	}
	path, status = tb.submit(t,
		chromedp.SetValue(chromedp.CSS("#status"), store.RefAssessing),
		chromedp.SetValue(chromedp.CSS("#risk"), "high"),
		chromedp.SetValue(chromedp.CSS("#source"), "2"),
		chromedp.SetValue(chromedp.CSS("#intel"), "B"),
		chromedp.SetValue(chromedp.CSS("#handling"), "P"),
		click(`form[action$="/assess"] button`))
	if status != http.StatusOK || !strings.Contains(pageText(t, tb), "Assessment saved") {
		t.Fatalf("assess: on %s (%d)", path, status)
	}
	checkPage(t, tb, "a referral, assessed")
	path, status = tb.submit(t, click(`form[action$="/messages"] button`))
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("empty message: on %s (%d), want 422", path, status)
	}
	checkPage(t, tb, "a referral, message with an error")
	path, status = tb.submit(t, click(`button[value="confirm"]`))
	if status != http.StatusOK || !strings.Contains(pageText(t, tb), "Referrals linked") {
		t.Fatalf("link: on %s (%d)", path, status)
	}
	// The referral audit and the access review are the supervisor's alone.
	month := time.Now().In(london).Format("2006-01")
	for _, path := range []string{"/ccu/audit?verify=1", "/ccu/review?month=" + month} {
		if status := tb.open(t, path); status != http.StatusForbidden {
			t.Fatalf("analyst on %s: %d, want 403", path, status)
		}
	}
	// Declared conflicts: an empty form is refused; a declaration is listed.
	tb.visit(t, "/ccu/conflicts", "declared conflicts")
	path, status = tb.submit(t, click(`form[action="/ccu/conflicts"] button`))
	if status != http.StatusUnprocessableEntity || !strings.Contains(pageText(t, tb), "Enter how you know them") {
		t.Fatalf("empty declaration: on %s (%d), want 422", path, status)
	}
	checkPage(t, tb, "declared conflicts, with an error")
	path, status = tb.submit(t, chromedp.SetValue(chromedp.CSS("#collar"), "4242"), chromedp.SetValue(chromedp.CSS("#connection"), "My cousin"),
		click(`form[action="/ccu/conflicts"] button`))
	if status != http.StatusOK || !strings.Contains(pageText(t, tb), "My cousin") {
		t.Fatalf("declaration: on %s (%d)", path, status)
	}
	checkPage(t, tb, "declared conflicts, one declared")
	if r, _ := p.store.Referral(ctx, ids[0]); r.Grading() != "2/B/P" || !r.Linked(ids[1]) {
		t.Fatalf("after the journey: grading %q, links %v", r.Grading(), r.Links)
	}

	// The supervisor: the queue links to the audit and the review; the
	// review of this month lists the analyst's openings with the reason;
	// last month is signed off.
	sup := p.user(t, store.RoleCCUSupervisor, "supervisor@example.org")
	ts := p.signInAs(t, sup)
	ts.visit(t, "/ccu", "CCU queue (supervisor)")
	if text := pageText(t, ts); !strings.Contains(text, "Monthly access review") {
		t.Fatalf("the supervisor's queue does not link to the review:\n%s", text)
	}
	ts.visit(t, "/ccu/audit?verify=1", "referral audit")
	ts.visit(t, "/ccu/review?month="+month, "access review")
	if text := pageText(t, ts); !strings.Contains(text, "analyst@example.org") || !strings.Contains(text, "Assessing what was reported") {
		t.Fatalf("access review:\n%s", text)
	}
	if status := ts.open(t, "/ccu/review?month=1999-01"); status != http.StatusUnprocessableEntity {
		t.Fatalf("access review of an unknown month: %d, want 422", status)
	}
	checkPage(t, ts, "access review, with an error")
	now := time.Now().In(london)
	last := now.AddDate(0, 0, -now.Day()).Format("2006-01")
	ts.visit(t, "/ccu/review?month="+last, "access review of last month")
	path, status = ts.submit(t, click(`form[action="/ccu/review/sign-off"] button`))
	if status != http.StatusOK || !strings.Contains(pageText(t, ts), "signed off") {
		t.Fatalf("sign-off: on %s (%d)", path, status)
	}
	checkPage(t, ts, "access review, signed off")
}
