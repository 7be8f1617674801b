package server

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"candour/receipts"
	"candour/store"
	"candour/store/storetest"
)

// newPartnerUser makes an organisation and a signed-in worker of it.
func (a *testApp) newPartnerUser(org, email string) (*store.User, *client) {
	a.t.Helper()
	ctx := context.Background()
	p := &store.Partner{Name: org, Kind: "charity", Email: "office@" + strings.ReplaceAll(strings.ToLower(org), " ", "") + ".example"}
	if err := a.store.CreatePartner(ctx, p); err != nil {
		a.t.Fatal(err)
	}
	u := &store.User{Email: email, Name: "Worker at " + org, Role: store.RolePartner, Status: store.StatusActive,
		PartnerID: p.ID, PasswordHash: a.srv.hasher.Hash(testPassword)}
	if err := a.store.CreateUser(ctx, u); err != nil {
		a.t.Fatal(err)
	}
	c := a.client()
	c.signIn(u)
	return u, c
}

// referralAnswers is a complete set of answers carrying marker in every
// free-text field.
func referralAnswers(marker string) url.Values {
	return url.Values{
		"danger": {"no"}, "category": {"sexual-purpose"}, "personName": {"PersonName" + marker}, "personForce": {"Dorset Police"},
		"personRole": {"Role" + marker}, "collarNumber": {"PC 4" + marker}, "station": {"Station" + marker},
		"whatHappened": {"WhatHappened" + marker}, "when": {"When" + marker}, "where": {"Where" + marker}, "onDuty": {"off"},
		"setting": {"online"}, "howKnown": {"disclosure"}, "victimConsent": {"yes"}, "safeContact": {"SafeContact" + marker},
		"safeguarding": {"Safeguarding" + marker},
	}
}

// fill walks a report's or referral's pages as a browser does: it opens
// base, posts each page's answers from form to the page's own address and
// follows the redirect, until check your answers. It returns the last
// response: the redirect to check your answers, or the page that refused
// an answer.
func fill(t *testing.T, c *client, base string, form url.Values) response {
	t.Helper()
	r := c.get(base)
	for range 30 {
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, base+"/") {
			return r
		}
		if r.Location == base+"/check-answers" {
			return r
		}
		page := r.Location
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		r = c.submit(page, page, f)
	}
	t.Fatalf("%s: no end to the pages", base)
	return r
}

// mustFill fills every page and fails the test unless it reaches check
// your answers.
func mustFill(t *testing.T, c *client, base string, form url.Values) {
	t.Helper()
	if r := fill(t, c, base, form); r.Location != base+"/check-answers" {
		t.Fatalf("fill %s: %d to %q\n%s", base, r.Status, r.Location, r.Body)
	}
}

// send presses Send on check your answers (the CSRF token is taken from
// the first question's page, which is there even when nothing is kept).
func send(c *client, base string) response {
	c.a.t.Helper()
	return c.submit(base+"/immediate-danger", base+"/check-answers", url.Values{})
}

var refLinkRe = regexp.MustCompile(`/referrals/([0-9a-f]{24})`)

// submitReferral sends a complete referral and returns its id.
func submitReferral(t *testing.T, c *client, form url.Values) string {
	t.Helper()
	mustFill(t, c, "/referrals/new", form)
	r := send(c, "/referrals/new")
	m := refLinkRe.FindStringSubmatch(r.Location)
	if r.Status != http.StatusSeeOther || m == nil || !strings.HasSuffix(r.Location, "/confirmation") {
		t.Fatalf("send referral: %d to %q\n%s", r.Status, r.Location, r.Body)
	}
	return m[1]
}

var receiptRe = regexp.MustCompile(`id="receipt">(\d{4}) (\d{4}) (\d{4}) (\d{4})<`)

// submitReport sends a complete anonymous report and returns the receipt.
func submitReport(t *testing.T, c *client, form url.Values) string {
	t.Helper()
	mustFill(t, c, "/report/new", form)
	r := send(c, "/report/new")
	m := receiptRe.FindStringSubmatch(r.Body)
	if r.Status != http.StatusOK || m == nil {
		t.Fatalf("send report: %d\n%s", r.Status, r.Body)
	}
	return m[1] + m[2] + m[3] + m[4]
}

func publicAnswers(marker string) url.Values {
	f := referralAnswers(marker)
	f.Del("safeContact")
	f.Set("howKnown", "witnessed")
	f.Set("stayAnonymous", "no")
	f.Set("contactName", "ContactName"+marker)
	f.Set("contactEmail", "contact"+strings.ToLower(marker)+"@example.org")
	f.Set("contactPhone", "07700 900"+marker)
	f.Set("contactWhen", "ContactWhen"+marker)
	return f
}

func TestPartnerReferralJourney(t *testing.T) {
	a := newTestApp(t)
	ccu := a.newUser(store.RoleCCU, "analyst@example.org")
	_, pc := a.newPartnerUser("Refuge Dorset", "worker@refuge.example")

	// A yes to immediate danger shows "call 999 now" before anything else.
	if r := pc.get("/referrals/new"); r.Status != http.StatusSeeOther || r.Location != "/referrals/new/immediate-danger" {
		t.Fatalf("start: %d to %q", r.Status, r.Location)
	}
	r := pc.submit("/referrals/new/immediate-danger", "/referrals/new/immediate-danger", url.Values{"danger": {"yes"}})
	if r.Status != http.StatusSeeOther || r.Location != "/referrals/new/call-999" {
		t.Fatalf("danger: %d to %q", r.Status, r.Location)
	}
	r = pc.get("/referrals/new/call-999")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Call 999 now") || !strings.Contains(r.Body, `href="/referrals/new/what-it-is-about"`) {
		t.Fatalf("danger page: %d\n%s", r.Status, r.Body)
	}
	// Carrying on shows the category question, with a back link to the last.
	r = pc.get("/referrals/new/what-it-is-about")
	if !strings.Contains(r.Body, "What is the concern about?") || !strings.Contains(r.Body, "abusing their position for a sexual purpose") ||
		!strings.Contains(r.Body, `href="/referrals/new/immediate-danger" class="govuk-back-link"`) {
		t.Fatalf("after 999 page:\n%s", r.Body)
	}
	// A required answer left out: 422 on its own page; the earlier answer is
	// kept (in the cookie) and shown when the worker goes back.
	r = pc.submit("/referrals/new/what-it-is-about", "/referrals/new/what-it-is-about", url.Values{})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Select what the concern is about") {
		t.Fatalf("missing category: %d", r.Status)
	}
	if r := pc.get("/referrals/new/immediate-danger"); !strings.Contains(r.Body, `value="yes" checked`) {
		t.Fatal("going back lost the answer to danger")
	}
	// A question that does not apply yet is not found.
	if r := pc.get("/referrals/new/safe-contact"); r.Status != http.StatusNotFound {
		t.Fatalf("safe contact before consent: %d", r.Status)
	}
	// The last question leads to check your answers, with labels not codes.
	form := referralAnswers("MARKP")
	mustFill(t, pc, "/referrals/new", form)
	r = pc.get("/referrals/new/check-answers")
	if !strings.Contains(r.Body, "Check your answers before sending") || !strings.Contains(r.Body, "The person it happened to told me") ||
		!strings.Contains(r.Body, "WhatHappenedMARKP") || !strings.Contains(r.Body, `href="/referrals/new/what-happened?change=1"`) {
		t.Fatalf("check answers:\n%s", r.Body)
	}
	if n, _ := a.store.CountReferrals(context.Background(), false); n != 0 {
		t.Fatalf("%d referrals stored before Send", n)
	}

	r = send(pc, "/referrals/new")
	m := refLinkRe.FindStringSubmatch(r.Location)
	if r.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("send: %d to %q", r.Status, r.Location)
	}
	id := m[1]
	if !deletesCookie(r, "candour_partner0") {
		t.Errorf("Send did not delete the draft cookie: %v", r.Header["Set-Cookie"])
	}
	r = pc.get("/referrals/" + id + "/confirmation")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "CCU-00001") || !strings.Contains(r.Body, "Referral sent") {
		t.Fatalf("confirmation: %d\n%s", r.Status, r.Body)
	}
	// The partner sees status and messages, never the content.
	r = pc.get("/referrals/" + id)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Received") || strings.Contains(r.Body, "WhatHappenedMARKP") {
		t.Fatalf("partner view: %d", r.Status)
	}

	// The CCU mailbox hears only that something arrived.
	mail, err := a.store.RecentMail(context.Background(), 10)
	if err != nil || len(mail) != 1 {
		t.Fatalf("mail = %v, %v; want one", mail, err)
	}
	if m := mail[0]; m.To != ccu.Email || m.Subject != "A new referral is waiting" || strings.Contains(m.Body, "MARKP") || strings.Contains(m.Body, "CCU-0") || strings.Contains(m.Body, "Refuge") {
		t.Fatalf("notification = %+v", m)
	}

	// The CCU reads it (audited), asks a question; the partner answers.
	cc := a.client()
	cc.signIn(ccu)
	if r := cc.get("/ccu"); !strings.Contains(r.Body, "CCU-00001") || strings.Contains(r.Body, "WhatHappenedMARKP") {
		t.Fatalf("queue: %d", r.Status)
	}
	cc.openCase(id, store.ReasonAssessment)
	r = cc.get("/ccu/referrals/" + id)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "WhatHappenedMARKP") || !strings.Contains(r.Body, "SafeContactMARKP") {
		t.Fatalf("CCU view: %d", r.Status)
	}
	evs, _, _ := a.store.ListAudit(context.Background(), store.AuditFilter{Action: store.AuditRefViewed})
	if len(evs) != 1 || evs[0].Actor != ccu.Email || evs[0].Target != "referral:"+id {
		t.Fatalf("view audit = %+v", evs)
	}
	exp := cc.submit("/ccu/referrals/"+id+"/export", "/ccu/referrals/"+id+"/export",
		url.Values{"reason": {store.ReasonDisclosure}, "recipient": {"DS Jo Bloggs, Wessex Police"}})
	if exp.Status != http.StatusOK || !strings.Contains(exp.Body, "What happened: WhatHappenedMARKP") || !strings.Contains(exp.Header.Get("Content-Disposition"), "CCU-00001.txt") {
		t.Fatalf("export: %d %q\n%s", exp.Status, exp.Header.Get("Content-Disposition"), exp.Body)
	}
	if evs, _, _ := a.store.ListAudit(context.Background(), store.AuditFilter{Action: store.AuditRefExported}); len(evs) != 1 || evs[0].Actor != ccu.Email {
		t.Fatalf("export audit = %+v", evs)
	}
	if r := cc.submit("/ccu/referrals/"+id, "/ccu/referrals/"+id+"/messages", url.Values{"message": {"Can the victim meet us? QMARK"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("CCU message: %d\n%s", r.Status, r.Body)
	}
	if r := cc.submit("/ccu/referrals/"+id, "/ccu/referrals/"+id+"/notes", url.Values{"message": {"Private NOTEMARK"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("CCU note: %d", r.Status)
	}
	r = pc.get("/referrals/" + id)
	if !strings.Contains(r.Body, "Can the victim meet us? QMARK") || strings.Contains(r.Body, "NOTEMARK") {
		t.Fatalf("partner sees the question but not the note:\n%s", r.Body)
	}
	if r := pc.submit("/referrals/"+id, "/referrals/"+id+"/messages", url.Values{"message": {"Yes, on Tuesday ANSMARK"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("partner answer: %d", r.Status)
	}
	if r := pc.submit("/referrals/"+id, "/referrals/"+id+"/messages", url.Values{"message": {""}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("empty message: %d, want 422", r.Status)
	}
	if r := cc.get("/ccu/referrals/" + id); !strings.Contains(r.Body, "ANSMARK") {
		t.Fatal("CCU does not see the partner's answer")
	}

	// Nothing readable in the database: answers, names, messages, notes.
	dump := storetest.RawDump(t, a.store)
	for _, m := range []string{"MARKP", "QMARK", "NOTEMARK", "ANSMARK"} {
		if bytes.Contains(dump, []byte(m)) {
			t.Errorf("raw database contains %q", m)
		}
	}
}

// TestAnonymousReportJourney: report, keep the receipt, come back, read
// the CCU's question and reply; nothing identifying is kept or logged.
func TestAnonymousReportJourney(t *testing.T) {
	a := newTestApp(t)
	ccu := a.newUser(store.RoleCCU, "analyst@example.org")
	var logs bytes.Buffer
	var mu sync.Mutex
	srv, err := New(a.cfg, a.store, slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		[]byte(strings.Repeat("k", 32)), Options{SignInsPerMinute: 1000})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	logged := &testApp{t: t, srv: srv, store: a.store, http: hs, cfg: a.cfg}
	pub := logged.client()
	pub.get("/sign-in") // an ordinary route, which is logged

	start := pub.get("/report")
	for _, want := range []string{"What we do not record", "internet (IP) address", "cannot be acted on alone", "receipt code"} {
		if !strings.Contains(start.Body, want) {
			t.Errorf("start page lacks %q", want)
		}
	}
	receipt := submitReport(t, pub, publicAnswers("MARKA"))
	if len(receipt) != 16 {
		t.Fatalf("receipt %q", receipt)
	}
	// No mail dates the report: the CCU mailbox hears in the next batch.
	if mail, _ := a.store.RecentMail(context.Background(), 10); len(mail) != 0 {
		t.Fatalf("mail queued at the moment of an anonymous report: %+v", mail)
	}
	// The anonymous pages: no referrer, no caching, nothing from elsewhere.
	for _, path := range []string{"/report", "/report/new/immediate-danger", "/report/return"} {
		r := pub.get(path)
		if r.Header.Get("Referrer-Policy") != "no-referrer" || r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s headers: %v", path, r.Header)
		}
		if regexp.MustCompile(`(src|href|action)="(https?:)?//`).MatchString(r.Body) {
			t.Errorf("%s refers to another site", path)
		}
	}

	// Back with the receipt (typed with spaces): status, and a reply.
	r := pub.submit("/report/return", "/report/return", url.Values{"receipt": {receipts.Groups(receipt)}})
	if r.Status != http.StatusSeeOther || r.Location != "/report/status" {
		t.Fatalf("return with receipt: %d %q\n%s", r.Status, r.Location, r.Body)
	}
	if r := pub.get("/report/status"); !strings.Contains(r.Body, "Received") {
		t.Fatalf("status page:\n%s", r.Body)
	}
	cc := a.client()
	cc.signIn(ccu)
	rs, _, _ := a.store.ListReferrals(context.Background(), store.ReferralFilter{})
	if len(rs) != 1 || rs[0].Kind != store.KindAnonymous {
		t.Fatalf("queue = %+v", rs)
	}
	id := rs[0].ID
	cc.openCase(id, store.ReasonSafeguarding)
	if r := cc.get("/ccu/referrals/" + id); !strings.Contains(r.Body, "ContactNameMARKA") || !strings.Contains(r.Body, "WhatHappenedMARKA") {
		t.Fatal("CCU cannot read the report or the contact details")
	}
	cc.submit("/ccu/referrals/"+id, "/ccu/referrals/"+id+"/messages", url.Values{"message": {"Which station? QANON"}})
	cc.submit("/ccu/referrals/"+id, "/ccu/referrals/"+id+"/notes", url.Values{"message": {"NOTEANON"}})
	r = pub.get("/report/status")
	if !strings.Contains(r.Body, "Which station? QANON") || strings.Contains(r.Body, "NOTEANON") {
		t.Fatalf("reporter view:\n%s", r.Body)
	}
	if r := pub.submit("/report/status", "/report/status/reply", url.Values{"message": {"Poole REPLYANON"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("reply: %d", r.Status)
	}
	if r := cc.get("/ccu/referrals/" + id); !strings.Contains(r.Body, "Poole REPLYANON") {
		t.Fatal("CCU does not see the reply")
	}
	// Leaving forgets the report on this browser.
	pub.submit("/report/status", "/report/status/leave", nil)
	if r := pub.get("/report/status"); r.Status != http.StatusSeeOther || r.Location != "/report/return" {
		t.Fatalf("after leaving: %d %q", r.Status, r.Location)
	}

	// Stored: no marker, no receipt, no address, no browser, no time of day.
	dump := storetest.RawDump(t, a.store)
	for _, m := range []string{"MARKA", "marka", "QANON", "NOTEANON", "REPLYANON", receipt, "Go-http-client"} {
		if bytes.Contains(dump, []byte(m)) {
			t.Errorf("raw database contains %q", m)
		}
	}
	// The outbox holds the portal's own address in its links; nothing else may hold one.
	if bytes.Contains(storetest.RawDump(t, a.store, "outbox"), []byte("127.0.0.1")) {
		t.Error("raw database holds a client address")
	}
	stored, _ := a.store.Referral(context.Background(), id)
	day := func(t time.Time) bool { return t.Equal(t.Truncate(24 * time.Hour)) }
	if !day(stored.ReceivedAt) || !day(stored.StatusAt) {
		t.Errorf("report times are not to the day: %v %v", stored.ReceivedAt, stored.StatusAt)
	}
	for _, m := range stored.Messages {
		if m.From == store.FromReporter && (!day(m.At) || m.ByName != "") {
			t.Errorf("reporter's message dated %v by %q", m.At, m.ByName)
		}
	}
	// Logged: no line for the anonymous routes at all, no address or browser.
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	for _, bad := range []string{"/report", "127.0.0.1", "Go-http-client", receipt} {
		if strings.Contains(out, bad) {
			t.Errorf("log contains %q:\n%s", bad, out)
		}
	}
	if !strings.Contains(out, "route=/sign-in") {
		t.Errorf("log misses ordinary routes, so the check above proves nothing:\n%s", out)
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestReceiptGuessingIsBounded: wrong receipts (real-looking or not) get
// one answer; after five a client is locked out, even with the right code,
// with a back-off that doubles; across all clients the hourly cap makes
// guessing a 16-digit code hopeless.
func TestReceiptGuessingIsBounded(t *testing.T) {
	a := newTestApp(t)
	reporter := a.client()
	receipt := submitReport(t, reporter, publicAnswers("G"))
	guesser := a.client()
	try := func(code string) response {
		return guesser.submit("/report/return", "/report/return", url.Values{"receipt": {code}})
	}
	wrong := "0000000000000000"
	if wrong == receipt {
		wrong = "1111111111111111"
	}
	first := try(wrong)
	// A code one digit off the real one: the same words as a code nobody has.
	near := []byte(receipt)
	near[15] = '0' + (near[15]-'0'+1)%10
	second := try(string(near))
	for _, r := range []response{first, second} {
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "We could not open a report with that receipt code") {
			t.Fatalf("wrong receipt: %d", r.Status)
		}
	}
	if r := try("12345"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter the 16 digits") {
		t.Fatalf("short receipt: %d", r.Status)
	}
	for range FreeWrongReceipts - 2 {
		try(wrong)
	}
	if r := try(receipt); r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("right receipt after five wrong: %d, want 429 with Retry-After", r.Status)
	}
	a.advance(FirstLockout + time.Second)
	try(wrong) // the sixth wrong code: locked for twice as long
	a.advance(FirstLockout + time.Second)
	if r := try(receipt); r.Status != http.StatusTooManyRequests {
		t.Fatalf("after 15 more minutes: %d, want still locked (30 minutes)", r.Status)
	}
	a.advance(FirstLockout)
	if r := try(receipt); r.Status != http.StatusSeeOther {
		t.Fatalf("right receipt after the back-off: %d", r.Status)
	}

	// How far guessing gets: one client in a year, and everyone together.
	ctx := t.Context()
	tries := 0
	for end := a.store.Now().AddDate(1, 0, 0); a.store.Now().Before(end); {
		ok, wait, err := a.srv.receiptGuard.take(ctx, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			tries++
		} else {
			a.advance(wait)
		}
	}
	if tries > 400 {
		t.Fatalf("one client made %d guesses in a year", tries)
	}
	// Everyone together: at most GlobalReceiptTriesPerHour an hour, so a
	// year holds 8,760,000 guesses against 10^16 codes: a chance below one
	// in a billion per live receipt.
	yearly := float64(GlobalReceiptTriesPerHour * 24 * 365)
	if p := yearly / 1e16; p > 1e-9 {
		t.Fatalf("chance of guessing a receipt in a year = %g", p)
	}
	// The hour's tries all at once, as many clients would make them (the
	// store counts hits that arrive together in one write).
	var hits sync.WaitGroup
	errs := make(chan error, GlobalReceiptTriesPerHour)
	for range GlobalReceiptTriesPerHour {
		hits.Go(func() {
			_, _, err := a.store.Hit(ctx, "receipt:all", GlobalReceiptTriesPerHour, time.Hour)
			errs <- err
		})
	}
	hits.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if ok, _, _ := a.srv.receiptGuard.take(ctx, "198.51.100.7"); ok {
		t.Fatal("a fresh address may guess after the hourly cap was reached")
	}
}

// TestCCUAssessmentLinksAndAudit: on the real store, what the store does
// for the unit's casework: it proposes the match of two referrals about
// one officer (the collar numbers written differently) and keeps the link,
// an assessment that marks one urgent puts it first in the queue, and the
// audit chain notices tampering. (The assessment form, its stale 409, what
// the partner sees and the audit page's list: TestCCUAssessmentWithFakes.)
func TestCCUAssessmentLinksAndAudit(t *testing.T) {
	a := newTestApp(t)
	ccu := a.newUser(store.RoleCCU, "analyst@example.org")
	_, pc := a.newPartnerUser("Refuge Dorset", "w@refuge.example")
	first := submitReferral(t, pc, referralAnswers("L1"))
	sameCollar := referralAnswers("L2")
	sameCollar.Set("collarNumber", "pc4L1") // same digits as "PC 4L1"
	second := submitReferral(t, pc, sameCollar)
	cc := a.client()
	cc.signIn(ccu)

	page := "/ccu/referrals/" + first
	cc.openCase(first, store.ReasonAssessment)
	cc.openCase(second, store.ReasonAssessment)
	r := cc.get(page)
	if !strings.Contains(r.Body, "Same person: link CCU-00002") {
		t.Fatalf("no proposed match:\n%s", r.Body)
	}
	if r := cc.submit(page, page+"/links", url.Values{"other": {second}, "decision": {"confirm"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("link: %d", r.Status)
	}
	if r := cc.get("/ccu/referrals/" + second); !strings.Contains(r.Body, `href="/ccu/referrals/`+first+`">CCU-00001</a>`) {
		t.Fatal("the link is not shown on the other referral")
	}

	// Bad grading and an assignee outside the unit: TestCCUAssessmentBadInputWithFakes.
	good := url.Values{"version": {"1"}, "status": {store.RefReferred}, "risk": {"urgent"}, "source": {"2"}, "intel": {"B"}, "handling": {"C"}, "assignee": {ccu.ID}}
	if r := cc.submit(page, page+"/assess", good); r.Status != http.StatusSeeOther {
		t.Fatalf("assess: %d\n%s", r.Status, r.Body)
	}
	q := cc.get("/ccu?status=all")
	if !strings.Contains(q.Body, "1 urgent referral needs attention now") || strings.Index(q.Body, "CCU-00001") > strings.Index(q.Body, "CCU-00002") {
		t.Fatalf("queue does not flag and lead with the urgent referral:\n%s", q.Body)
	}

	// The chain notices tampering. (An analyst may not see it:
	// TestOnlyASupervisorReviewsAccessWithFakes.)
	cs := a.client()
	cs.signIn(a.newUser(store.RoleCCUSupervisor, "supervisor@example.org"))
	if r := cs.get("/ccu/audit?verify=1"); !strings.Contains(r.Body, "The audit chain is intact") {
		t.Fatal("chain not intact before tampering")
	}
	evs, _, _ := a.store.ListAudit(context.Background(), store.AuditFilter{Action: store.AuditRefViewed})
	// Edit the event directly in the database, as someone with access might.
	// Events are folded AuditPageSize to a document in one collection
	// (appends write one document each; fold them all first).
	if err := a.store.FoldAuditForTest(context.Background()); err != nil {
		t.Fatal(err)
	}
	coll := a.store.RawDatabase().Collection(store.AuditCollection)
	var stored struct {
		ID     string     `bson:"_id"`
		Events []bson.Raw `bson:"events"`
	}
	if err := coll.FindOne(context.Background(), bson.D{{Key: "_id", Value: store.AuditPageID(evs[0].Seq)}}).Decode(&stored); err != nil {
		t.Fatal(err)
	}
	var edited bson.A
	for _, raw := range stored.Events {
		var ev bson.D
		if err := bson.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		if raw.Lookup("seq").AsInt64() == evs[0].Seq {
			for i := range ev {
				if ev[i].Key == "actor" {
					ev[i].Value = "someone-else@example.org"
				}
			}
		}
		edited = append(edited, ev)
	}
	if res, err := coll.UpdateOne(context.Background(), bson.D{{Key: "_id", Value: stored.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "events", Value: edited}}}}); err != nil || res.MatchedCount != 1 {
		t.Fatalf("tamper: %v %v", res, err)
	}
	if r := cs.get("/ccu/audit?verify=1"); !strings.Contains(r.Body, "The audit chain is broken") || !strings.Contains(r.Body, "event altered") {
		t.Fatal("tampering not detected")
	}
}

// xssPayloads go into every field; every CCU and partner page must show
// them as text.
var xssPayloads = []string{`<script>alert(1)</script>`, `"><img src=x onerror=alert(2)>`, `javascript:alert(3)`,
	`<svg onload=alert(4)>`, `{{.Title}}`, "\x00\x1b[31mred\u202e"}

// TestBadInputIsRefusedOrShownSafely: hostile text in every field is
// stored and shown as text on every CCU and partner page. (Answers that
// are refused and store nothing: TestBadReferralAnswersStoreNothingWithFakes.)
func TestBadInputIsRefusedOrShownSafely(t *testing.T) {
	a := newTestApp(t)
	// A supervisor: does the casework and also sees the referral audit page.
	ccu := a.newUser(store.RoleCCUSupervisor, "supervisor@example.org")
	_, pc := a.newPartnerUser("Refuge Dorset", "w@refuge.example")

	// Every payload in every field: stored, and shown escaped everywhere.
	form := referralAnswers("X")
	for i, k := range []string{"personName", "personRole", "collarNumber", "station", "whatHappened", "when", "where", "safeContact", "safeguarding"} {
		form.Set(k, xssPayloads[i%len(xssPayloads)]+k)
	}
	id := submitReferral(t, pc, form)
	pc.submit("/referrals/"+id, "/referrals/"+id+"/messages", url.Values{"message": {xssPayloads[0]}})
	pub := a.client()
	receipt := submitReport(t, pub, func() url.Values {
		f := publicAnswers("Y")
		f.Set("whatHappened", xssPayloads[1])
		f.Set("contactName", xssPayloads[3])
		return f
	}())
	pub.submit("/report/return", "/report/return", url.Values{"receipt": {receipt}})
	pub.submit("/report/status", "/report/status/reply", url.Values{"message": {xssPayloads[0]}})
	cc := a.client()
	cc.signIn(ccu)
	rs, _, _ := a.store.ListReferrals(context.Background(), store.ReferralFilter{})
	pages := []string{"/ccu", "/ccu?status=all", "/ccu/audit", "/referrals", "/referrals/" + id}
	for _, r := range rs {
		pages = append(pages, "/ccu/referrals/"+r.ID)
		cc.openCase(r.ID, store.ReasonAudit)
		cc.submit("/ccu/referrals/"+r.ID, "/ccu/referrals/"+r.ID+"/notes", url.Values{"message": {xssPayloads[2] + xssPayloads[0]}})
	}
	for _, p := range pages {
		c := cc
		if strings.HasPrefix(p, "/referrals") {
			c = pc
		}
		body := c.get(p).Body
		for _, bad := range []string{"<script>alert", "<img src=x", "<svg onload", "\x1b"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s shows %q unescaped", p, bad)
			}
		}
	}
	if body := cc.get("/ccu/referrals/" + id).Body; !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the payload is not shown as text")
	}
	if body := pub.get("/report/status").Body; strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;") {
		t.Error("reporter's page does not escape the reply")
	}
}

func TestAnonymousReportsAreRateLimited(t *testing.T) {
	a := newTestApp(t)
	c := a.client()
	for range 20 {
		submitReport(t, c, publicAnswers("RATE"))
	}
	mustFill(t, c, "/report/new", publicAnswers("RATE"))
	if r := send(c, "/report/new"); r.Status != http.StatusTooManyRequests {
		t.Fatalf("21st submission in an hour: %d, want 429", r.Status)
	}
}

// deletesCookie reports whether the response removes cookie name.
func deletesCookie(r response, name string) bool {
	for _, sc := range r.Header["Set-Cookie"] {
		if strings.HasPrefix(sc, name+"=;") && strings.Contains(sc, "Max-Age=0") {
			return true
		}
	}
	return false
}

// TestSensitiveSurveyOffersExit: a survey marked sensitive shows "Exit this
// page" on its respondents' pages, and exit deletes its answers so far; an
// ordinary survey does not show it.
func TestSensitiveSurveyOffersExit(t *testing.T) {
	a, w := surveyFakes(t)
	plain := w.testSurvey(t)
	sv := w.testSurvey(t)
	sv, err := w.ChangeSurvey(context.Background(), sv.ID, sv.Rev, func(sv *store.Survey, _ time.Time) error {
		sv.Sensitive = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c := a.client()
	if r := c.get("/s/" + plain.ID); strings.Contains(r.Body, "Exit this page") {
		t.Error("an ordinary survey offers Exit this page")
	}
	exit := `<a href="/exit?survey=` + sv.ID + `" role="button"`
	if r := c.get("/s/" + sv.ID); !strings.Contains(r.Body, exit) {
		t.Fatalf("the sensitive survey's start page has no Exit this page link")
	}
	r := c.submit("/s/"+sv.ID, "/s/"+sv.ID+"/start", url.Values{})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("start: %d", r.Status)
	}
	if q := c.get(r.Location); !strings.Contains(q.Body, exit) {
		t.Errorf("a question page has no Exit this page link")
	}
	r = c.get("/exit?survey=" + sv.ID)
	if r.Status != http.StatusSeeOther || r.Location != exitURL || !deletesCookie(r, surveyCookie+"0") {
		t.Fatalf("exit: %d to %q, cookies %v", r.Status, r.Location, r.Header["Set-Cookie"])
	}
}
