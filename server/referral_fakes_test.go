package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"candour/sealed"
	"candour/store"
)

// Anonymous reports and partner referrals on fakes (reportStore,
// referralStore): bad answers, refusals and what a partner may see. The
// journeys keep the real store: TestPartnerReferralJourney (sealing, the
// CCU's side, nothing readable in the database), TestAnonymousReportJourney
// and TestReceiptGuessingIsBounded (what is and is not kept or logged,
// receipts, timing), TestLeaveEndsTheReportVisitForEveryCopy,
// TestCCUAssessmentLinksAndAudit and TestAnonymousReportsAreRateLimited.

// refWorld is referrals in memory behind a fakeReferrals. A new one is
// store.NewReferral's Received, as the store makes it; partner referrals
// are numbered CCU-00001 on and anonymous reports get a random reference,
// as the store gives them; reads return the referral as Store.Referral
// does, its content still sealed (here: absent), and a message to a
// referral whose content is gone is ErrConflict. What was sent, content
// and all, is kept in sent for the tests to read.
type refWorld struct {
	mu       sync.Mutex
	refs     map[string]*store.Referral
	sent     map[string]store.NewReferral
	numbered int
	arrivals []string // NoteAnonymousArrival's
}

// refFakes is a fake app whose referrals live in a refWorld; the CCU has
// no active accounts to tell (ccuInbox) and keys are set (a real sealer,
// for receipts' keyed ids).
func refFakes(t *testing.T) (*fakeApp, *fakeReferrals, *refWorld) {
	a, fr, w := unstartedRefFakes(t)
	a.start()
	return a, fr, w
}

// unstartedRefFakes is refFakes before its server starts.
func unstartedRefFakes(t *testing.T) (*fakeApp, *fakeReferrals, *refWorld) {
	a := unstartedFakeApp(t, Options{SignInsPerMinute: 1000})
	keys, err := sealed.NewKeyset()
	if err != nil {
		t.Fatal(err)
	}
	sl, err := sealed.New(keys, []byte(strings.Repeat("b", 32)))
	if err != nil {
		t.Fatal(err)
	}
	w := &refWorld{refs: map[string]*store.Referral{}, sent: map[string]store.NewReferral{}}
	fr := &fakeReferrals{fakeCalls: fakeCalls{t: t, now: time.Now()}}
	fr.sealer = func() *sealed.Sealer { return sl }
	fr.createReferral = w.create
	fr.referral = w.get
	fr.referralReceipt = w.receipt
	fr.listReferrals = w.list
	fr.openMessages = func(r *store.Referral, notes bool) error {
		// As the store's: the CCU's private notes only when asked for.
		r.Messages = slices.DeleteFunc(r.Messages, func(m store.RefMessage) bool { return m.From == store.FromNote && !notes })
		return nil
	}
	fr.addRefMessage = w.addMessage
	fr.noteAnonymousArrival = func(what string) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.arrivals = append(w.arrivals, what)
		return nil
	}
	a.srv.reports, a.srv.referrals = fr, fr
	fc := &fakeCCU{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: time.Now()}}}
	fc.listUsers = func(store.UserFilter) ([]store.User, bool, error) { return nil, false, nil }
	a.srv.ccu = fc
	return a, fr, w
}

func (w *refWorld) create(n store.NewReferral) (*store.Referral, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := n.Received(time.Now())
	if r.ID == "" {
		r.ID = store.NewID()
	}
	if _, ok := w.refs[r.ID]; ok {
		return nil, fmt.Errorf("store: create referral: %w", store.ErrDuplicate)
	}
	if n.Kind == store.KindAnonymous {
		r.Ref = "CCU-A" + strings.ToUpper(store.RandomSecret()[:6])
	} else {
		w.numbered++
		r.Ref = fmt.Sprintf("CCU-%05d", w.numbered)
	}
	r.Content, r.Contact = store.ReferralContent{}, store.ReporterContact{}
	w.refs[r.ID], w.sent[r.ID] = r, n
	cp := *r
	return &cp, nil
}

func (w *refWorld) get(id string) (*store.Referral, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	r, ok := w.refs[id]
	if !ok {
		return nil, fmt.Errorf("store: referral %s: %w", id, store.ErrNotFound)
	}
	cp := *r
	cp.Messages = slices.Clone(r.Messages)
	return &cp, nil
}

// receipt is ReferralReceipt: only what a receipt's check reads.
func (w *refWorld) receipt(id string) (*store.Referral, error) {
	r, err := w.get(id)
	if err != nil {
		return nil, err
	}
	return &store.Referral{ID: r.ID, Kind: r.Kind, ReceiptHash: r.ReceiptHash, ContentGone: r.ContentGone}, nil
}

// list is ListReferrals of one organisation's or the kind asked for,
// newest first, in pages.
func (w *refWorld) list(f store.ReferralFilter) ([]store.RefSummary, bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []store.RefSummary
	for _, r := range w.refs {
		if (f.PartnerID == "" || r.PartnerID == f.PartnerID) && (f.Kind == "" || r.Kind == f.Kind) && (f.Status == "" || r.Status == f.Status) {
			out = append(out, r.Summary())
		}
	}
	slices.SortFunc(out, func(a, b store.RefSummary) int { return strings.Compare(b.Ref, a.Ref) })
	page := max(f.Page, 1)
	from := min((page-1)*store.PageSize, len(out))
	to := min(from+store.PageSize, len(out))
	return out[from:to], to < len(out), nil
}

func (w *refWorld) addMessage(m refMessageArgs) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	r, ok := w.refs[m.ID]
	switch {
	case !ok:
		return fmt.Errorf("store: message on referral %s: %w", m.ID, store.ErrNotFound)
	case r.ContentGone:
		return fmt.Errorf("store: message on referral %s: %w", m.ID, store.ErrConflict)
	}
	r.Messages = append(r.Messages, store.RefMessage{ID: store.NewID(), From: m.From, ByName: m.ByName, At: time.Now().UTC(), Text: m.Text})
	switch m.From {
	case store.FromCCU:
		r.AwaitingReply = true
	case store.FromPartner, store.FromReporter:
		r.AwaitingCCU, r.AwaitingReply = true, false
	}
	return nil
}

// countReferrals is how many referrals and reports were stored, as the
// store's CountReferrals.
func (w *refWorld) countReferrals() (int64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return int64(len(w.refs)), nil
}

// open is referral id with what was sent in it, as the store's
// OpenReferral opens it.
func (w *refWorld) open(id string) (*store.Referral, error) {
	r, err := w.get(id)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	r.Content, r.Contact = w.sent[id].Content, w.sent[id].Contact
	return r, nil
}

// newPartnerUser is a signed-in worker of a new organisation.
func (f *fakeApp) newPartnerUser(org, email string) (*store.User, *client) {
	u := &store.User{Email: email, Name: "Worker at " + org, Role: store.RolePartner, Status: store.StatusActive, PartnerID: store.NewID()}
	return u, f.as(u)
}

func TestPartnerOfAnotherOrganisationGets404WithFakes(t *testing.T) {
	a, _, _ := refFakes(t)
	_, mine := a.newPartnerUser("Refuge Dorset", "one@refuge.example")
	_, other := a.newPartnerUser("Citizens Advice Poole", "two@cab.example")
	id := submitReferral(t, mine, referralAnswers("ORG"))
	anon := submitReport(t, a.client(), publicAnswers("ANON"))
	_ = anon
	for _, tc := range []struct{ method, path string }{
		{"GET", "/referrals/" + id}, {"GET", "/referrals/" + id + "/confirmation"}, {"POST", "/referrals/" + id + "/messages"},
	} {
		var r response
		if tc.method == "GET" {
			r = other.get(tc.path)
		} else {
			r = other.submit("/referrals", tc.path, url.Values{"message": {"let me in"}})
		}
		if r.Status != http.StatusNotFound {
			t.Errorf("%s %s by another organisation: %d, want 404", tc.method, tc.path, r.Status)
		}
	}
	// The same answer as an id that does not exist.
	if r := other.get("/referrals/000000000000000000000000"); r.Status != http.StatusNotFound {
		t.Errorf("unknown id: %d", r.Status)
	}
	if r := other.get("/referrals"); strings.Contains(r.Body, "CCU-00001") {
		t.Error("another organisation's list shows the referral")
	}
	if r := mine.get("/referrals"); !strings.Contains(r.Body, "CCU-00001") || strings.Contains(r.Body, "CCU-00002") {
		t.Error("own list should show only the own referral, not the anonymous report")
	}
}

// TestBadReferralAnswersStoreNothingWithFakes: an answer too long, left
// out or not one of the choices is refused on its own page with a 422
// that keeps what was typed, and nothing is stored. (Hostile text that is
// stored and shown: TestBadInputIsRefusedOrShownSafely.)
func TestBadReferralAnswersStoreNothingWithFakes(t *testing.T) {
	a, _, w := refFakes(t)
	_, pc := a.newPartnerUser("Refuge Dorset", "w@refuge.example")

	// Over 20,000 characters in a field: 422 with the answer kept, nothing stored.
	long := referralAnswers("LONG")
	long.Set("whatHappened", "LONGTEXT"+strings.Repeat("a", store.MaxReferralText))
	r := fill(t, pc, "/referrals/new", long)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "must be 20,000 characters or fewer") || !strings.Contains(r.Body, "LONGTEXTaaa") {
		t.Fatalf("oversized field: %d", r.Status)
	}
	missing := referralAnswers("MISS")
	missing.Del("whatHappened")
	if r := fill(t, pc, "/referrals/new", missing); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Describe what happened") {
		t.Fatalf("missing answer: %d", r.Status)
	}
	odd := referralAnswers("ODD")
	odd.Set("category", "not-a-category")
	if r := fill(t, pc, "/referrals/new", odd); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("unknown category: %d", r.Status)
	}
	anon := publicAnswers("AN")
	anon.Set("contactEmail", "not an email")
	anon.Del("contactPhone")
	if r := fill(t, a.client(), "/report/new", anon); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "correct format") {
		t.Fatalf("bad contact email: %d", r.Status)
	}
	// Send with nothing kept (no cookie, or a forged one): the first question, 422.
	if r := send(a.client(), "/report/new"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Select yes if anyone is in immediate danger") {
		t.Fatalf("send with no answers: %d", r.Status)
	}
	if n, _ := w.countReferrals(); n != 0 {
		t.Fatalf("%d referrals stored from bad input", n)
	}

}

// TestChangingAnAnswerAsksItsFollowUpWithFakes: from check your answers, choosing
// to leave contact details asks for them before going back.
func TestChangingAnAnswerAsksItsFollowUpWithFakes(t *testing.T) {
	a, fr, w := refFakes(t)
	c := a.client()
	form := publicAnswers("F")
	for _, k := range []string{"contactName", "contactEmail", "contactPhone", "contactWhen"} {
		form.Del(k)
	}
	form.Set("stayAnonymous", "yes")
	mustFill(t, c, "/report/new", form)
	const change = "/report/new/stay-anonymous?change=1"
	if r := c.get(change); !strings.Contains(r.Body, `href="/report/new/check-answers" class="govuk-back-link"`) {
		t.Fatalf("a change's back link does not return to check your answers:\n%s", r.Body)
	}
	r := c.submit(change, change, url.Values{"stayAnonymous": {"no"}})
	if r.Status != http.StatusSeeOther || r.Location != "/report/new/your-contact-details?change=1" {
		t.Fatalf("after choosing to leave details: %d to %q", r.Status, r.Location)
	}
	if r := c.get(r.Location); !strings.Contains(r.Body, "How can the Counter Corruption Unit contact you?") {
		t.Fatalf("contact page:\n%s", r.Body)
	}
	r = c.submit("/report/new/your-contact-details?change=1", "/report/new/your-contact-details?change=1", url.Values{"contactPhone": {"07700 900000"}})
	if r.Status != http.StatusSeeOther || r.Location != "/report/new/check-answers" {
		t.Fatalf("after the contact details: %d to %q", r.Status, r.Location)
	}
	if r := c.get("/report/new/check-answers"); !strings.Contains(r.Body, "Check your answers before sending") || !strings.Contains(r.Body, "07700 900000") {
		t.Fatalf("check answers:\n%s", r.Body)
	}
	// Back to anonymous: the contact details are dropped before sending.
	if r := c.submit(change, change, url.Values{"stayAnonymous": {"yes"}}); r.Location != "/report/new/check-answers" {
		t.Fatalf("back to anonymous: %d to %q", r.Status, r.Location)
	}
	r = send(c, "/report/new")
	m := receiptRe.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("send: %d\n%s", r.Status, r.Body)
	}
	if !deletesCookie(r, "candour_anonymous0") {
		t.Errorf("Send did not delete the draft cookie: %v", r.Header["Set-Cookie"])
	}
	rep, err := w.open(fr.sealer().Receipt(m[1] + m[2] + m[3] + m[4]))
	if err != nil || !rep.Contact.Empty() {
		t.Fatalf("contact kept after choosing anonymity: %+v (%v)", rep.Contact, err)
	}
	// Sending again (the browser's "resubmit"): the answers are gone, nothing is sent twice.
	if r := send(c, "/report/new"); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("resend: %d", r.Status)
	}
	if n, _ := w.countReferrals(); n != 1 {
		t.Fatalf("%d reports stored, want 1", n)
	}
}

// TestExitThisPageWithFakes: every report and referral page offers "Exit this page"
// as a plain link; following it deletes the drafts and leaves the site.
func TestExitThisPageWithFakes(t *testing.T) {
	a, _, _ := refFakes(t)
	c := a.client()
	mustFill(t, c, "/report/new", publicAnswers("EXIT"))
	_, pc := a.newPartnerUser("Refuge Dorset", "worker@refuge.example")
	for who, pages := range map[*client][]string{
		c:  {"/report", "/report/new/immediate-danger", "/report/new/what-happened", "/report/new/check-answers", "/report/return"},
		pc: {"/referrals/new/immediate-danger", "/referrals/new/call-999"},
	} {
		for _, p := range pages {
			if r := who.get(p); r.Status != http.StatusOK || !strings.Contains(r.Body, `<a href="/exit" role="button"`) {
				t.Errorf("%s: %d, no Exit this page link", p, r.Status)
			}
		}
	}
	if r := pc.get("/referrals"); strings.Contains(r.Body, `href="/exit"`) {
		t.Error("the referral list offers Exit this page")
	}
	r := c.get("/exit")
	if r.Status != http.StatusSeeOther || r.Location != exitURL {
		t.Fatalf("exit: %d to %q", r.Status, r.Location)
	}
	if !deletesCookie(r, "candour_anonymous0") || !deletesCookie(r, "candour_partner0") {
		t.Errorf("exit did not delete the drafts: %v", r.Header["Set-Cookie"])
	}
	if r := c.get("/report/new/check-answers"); r.Status != http.StatusSeeOther || r.Location != "/report/new/immediate-danger" {
		t.Fatalf("after exit, check your answers: %d to %q, want the first question", r.Status, r.Location)
	}
}

// TestCCUInvitesPartnerWorkersWithFakes: the CCU invites a partner
// organisation's worker from the organisation's page; a bad address is a
// 422 that creates no account, an address already in use another.
func TestCCUInvitesPartnerWorkersWithFakes(t *testing.T) {
	a := newFakeApp(t)
	ccu := &store.User{Email: "analyst@example.org", Name: "Test analyst", Role: store.RoleCCU, Status: store.StatusActive}
	cc := a.as(ccu)
	ctx := context.Background()
	p := &store.Partner{ID: store.NewID(), Name: "Wessex Support", Kind: "charity", Email: "office@wessex.example"}
	// The accounts created, as the store keeps them: one to an address.
	var mu sync.Mutex
	var accounts []store.User
	createUser := func(u *store.User) error {
		mu.Lock()
		defer mu.Unlock()
		for _, x := range accounts {
			if x.Email == u.Email {
				return fmt.Errorf("store: create user: %w", store.ErrDuplicate)
			}
		}
		u.ID = store.NewID()
		accounts = append(accounts, *u)
		return nil
	}
	partner := func(id string) (*store.Partner, error) {
		if id != p.ID {
			return nil, store.ErrNotFound
		}
		cp := *p
		return &cp, nil
	}
	fa := &fakeAdmin{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: time.Now()}, partner: partner}}
	fa.partnerWorkers = func(id string) ([]store.User, error) {
		mu.Lock()
		defer mu.Unlock()
		var out []store.User
		for _, u := range accounts {
			if u.PartnerID == id {
				out = append(out, u)
			}
		}
		return out, nil
	}
	fa.revokeTokens = func(string, []string) (int64, error) { return 0, nil }
	fa.createToken = func(string, string, string, time.Duration) (string, error) { return store.RandomSecret(), nil }
	fc := &fakeCCU{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: time.Now()}, partner: partner}, createUser: createUser}
	a.srv.admin, a.srv.ccu = fa, fc

	page := "/ccu/partners/" + p.ID + "/workers"
	if r := cc.get("/admin/partners/" + p.ID); !strings.Contains(r.Body, `href="`+page+`"`) {
		t.Fatal("the partner page does not offer the CCU an invitation")
	}
	if r := cc.submit(page, page, url.Values{"name": {"Ann Worker"}, "email": {"not-an-email"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad email: %d", r.Status)
	}
	if ws, _ := fa.PartnerWorkers(ctx, p.ID); len(ws) != 0 {
		t.Fatalf("bad input created %d accounts", len(ws))
	}
	if r := cc.submit(page, page, url.Values{"name": {"Ann Worker"}, "email": {"ann@wessex.example"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("invite: %d\n%s", r.Status, r.Body)
	}
	ws, _ := fa.PartnerWorkers(ctx, p.ID)
	if len(ws) != 1 || ws[0].Role != store.RolePartner || ws[0].Status != store.StatusInvited {
		t.Fatalf("workers = %+v", ws)
	}
	mail := a.outbox.queued()
	if len(mail) != 1 || mail[0].To != "ann@wessex.example" || !strings.Contains(mail[0].Body, "/invitation/") {
		t.Fatalf("invitation mail = %+v", mail)
	}
	if r := cc.submit(page, page, url.Values{"name": {"Ann Again"}, "email": {"ann@wessex.example"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("duplicate: %d", r.Status)
	}
}
