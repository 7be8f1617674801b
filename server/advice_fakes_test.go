package server

import (
	"context"
	"fmt"
	"html"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"candour/store"
)

// fakeAdvice stands in for the store on an advice request's own pages
// (adviceStore).
type fakeAdvice struct {
	fakeReads
	adviceRequest   func(id string) (*store.AdviceRequest, error)
	adviceList      func(askedOf, reader string, limit int) ([]store.AdviceListing, error)
	publishedAdvice func(limit int) ([]store.AdviceRequest, error)
	giveAdvice      func(id, userID, name, text string) (store.Advice, error)
	respondToAdvice func(id, userID, outcome, response, by string) error
	closeRequest    func(id string) error
	agreeImpact     func(id, wording string) error
	publishSummary  func(id, summary, by string) error
	unpublish       func(id string) error
	clock           func() time.Time // Now, when set; else fakeCalls' fixed time
}

var _ adviceStore = (*fakeAdvice)(nil)

func (f *fakeAdvice) Now() time.Time {
	if f.clock != nil {
		return f.clock()
	}
	return f.fakeCalls.Now()
}

func (f *fakeAdvice) AdviceRequest(_ context.Context, id string) (*store.AdviceRequest, error) {
	return ask(&f.fakeCalls, "AdviceRequest", f.adviceRequest, id)
}

func (f *fakeAdvice) AdviceList(_ context.Context, askedOf, reader string, limit int) ([]store.AdviceListing, error) {
	if !f.called("AdviceList", f.adviceList) {
		return nil, errNoFake
	}
	return f.adviceList(askedOf, reader, limit)
}

func (f *fakeAdvice) PublishedAdvice(_ context.Context, limit int) ([]store.AdviceRequest, error) {
	return ask(&f.fakeCalls, "PublishedAdvice", f.publishedAdvice, limit)
}

func (f *fakeAdvice) GiveAdvice(_ context.Context, id, userID, name, text string) (store.Advice, error) {
	if !f.called("GiveAdvice", f.giveAdvice) {
		return store.Advice{}, errNoFake
	}
	return f.giveAdvice(id, userID, name, text)
}

func (f *fakeAdvice) RespondToAdvice(_ context.Context, id, userID, outcome, response, by string) error {
	if !f.called("RespondToAdvice", f.respondToAdvice) {
		return errNoFake
	}
	return f.respondToAdvice(id, userID, outcome, response, by)
}

func (f *fakeAdvice) CloseAdviceRequest(_ context.Context, id string) error {
	return do(&f.fakeCalls, "CloseAdviceRequest", f.closeRequest, id)
}

func (f *fakeAdvice) AgreeImpactWording(_ context.Context, id, wording string) error {
	if !f.called("AgreeImpactWording", f.agreeImpact) {
		return errNoFake
	}
	return f.agreeImpact(id, wording)
}

func (f *fakeAdvice) PublishAdviceSummary(_ context.Context, id, summary, by string) error {
	if !f.called("PublishAdviceSummary", f.publishSummary) {
		return errNoFake
	}
	return f.publishSummary(id, summary, by)
}

func (f *fakeAdvice) UnpublishAdviceSummary(_ context.Context, id string) error {
	return do(&f.fakeCalls, "UnpublishAdviceSummary", f.unpublish, id)
}

// adviceWorld is advice requests in memory behind a fakeAdvice, read and
// answered under the store's contract: a request is a copy or ErrNotFound;
// advice from someone not asked is ErrNotAsked and after the deadline or
// closing ErrAdviceClosed, storing nothing; a response needs an answer
// (ErrNotFound). Closing, the impact wording and publishing are left nil:
// a handler that writes them fails the test.
type adviceWorld struct {
	mu   sync.Mutex
	now  func() time.Time
	reqs map[string]*store.AdviceRequest
}

// adviceFakes is adviceSetup's people on fakes: an IAG with a chair and a
// member, a member of no group and a coordinator, all signed in, and a
// request like the one TestAdviceJourney opens from adviceFormValues,
// asking the chair and the member, open for four hours.
func adviceFakes(t *testing.T) (a *fakeApp, f *fakeAdvice, w *adviceWorld, r *store.AdviceRequest, chair, member, outsider, coord *client) {
	a = newFakeApp(t)
	w = &adviceWorld{now: time.Now, reqs: map[string]*store.AdviceRequest{}}
	f = &fakeAdvice{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: time.Now()}}, clock: w.clock}
	g := store.Group{ID: store.NewID(), Name: "Bournemouth IAG", Kind: store.GroupIAG, MemberCount: 2}
	f.groups = func() ([]store.Group, error) { return []store.Group{g}, nil }
	f.usersByID = a.users.byID
	f.adviceRequest = w.get
	f.adviceList = w.list
	f.publishedAdvice = w.published
	f.giveAdvice = w.give
	f.respondToAdvice = w.respond
	a.srv.adviceDB = f
	person := func(role store.Role, email, name string) (*store.User, *client) {
		u := &store.User{Email: email, Name: name, Role: role, Status: store.StatusActive}
		return u, a.as(u)
	}
	chairUser, chair := person(store.RoleChair, "chair@example.org", "Test chair")
	memberUser, member := person(store.RoleMember, "member@example.org", "Test member")
	_, outsider = person(store.RoleMember, "outsider@example.org", "Test outsider")
	_, coord = person(store.RoleCoordinator, "coord@example.org", "Test coordinator")
	form := adviceFormValues(&g)
	now := w.clock()
	r = &store.AdviceRequest{ID: store.NewID(), Title: form.Get("title"), Shared: form.Get("shared"), Handling: form.Get("handling"),
		Question: form.Get("question"), GroupIDs: []string{g.ID}, Asked: []string{chairUser.ID, memberUser.ID},
		Deadline: now.Add(4 * time.Hour).Truncate(time.Minute), Notified: true, Status: store.AdviceOpen,
		CreatedBy: "coordinator", CreatedByName: "Test coordinator", CreatedAt: now, Answers: map[string]store.Advice{}}
	w.reqs[r.ID] = r
	return a, f, w, r, chair, member, outsider, coord
}

func (w *adviceWorld) clock() time.Time {
	w.mu.Lock()
	now := w.now
	w.mu.Unlock()
	return now()
}

// copyOf is a copy of r that shares nothing a write could change.
func copyOf(r *store.AdviceRequest) *store.AdviceRequest {
	cp := *r
	cp.Answers = maps.Clone(r.Answers)
	cp.Asked = slices.Clone(r.Asked)
	return &cp
}

func (w *adviceWorld) get(id string) (*store.AdviceRequest, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	r, ok := w.reqs[id]
	if !ok {
		return nil, fmt.Errorf("store: advice request %s: %w", id, store.ErrNotFound)
	}
	return copyOf(r), nil
}

// AdviceRequest is get with the store's signature, for the tests' reads.
func (w *adviceWorld) AdviceRequest(_ context.Context, id string) (*store.AdviceRequest, error) {
	return w.get(id)
}

// list is every request (askedOf "") or those asking one person, newest
// first, at most limit, as reader sees them listed.
func (w *adviceWorld) list(askedOf, reader string, limit int) ([]store.AdviceListing, error) {
	var out []store.AdviceListing
	for _, r := range w.where(func(r *store.AdviceRequest) bool { return askedOf == "" || r.WasAsked(askedOf) }, limit) {
		out = append(out, r.ListingFor(reader))
	}
	return out, nil
}

func (w *adviceWorld) published(limit int) ([]store.AdviceRequest, error) {
	return w.where(func(r *store.AdviceRequest) bool { return r.PublicSummary != "" }, limit), nil
}

// PublishedAdvice is published with the store's signature.
func (w *adviceWorld) PublishedAdvice(_ context.Context, limit int) ([]store.AdviceRequest, error) {
	return w.published(limit)
}

func (w *adviceWorld) where(keep func(*store.AdviceRequest) bool, limit int) []store.AdviceRequest {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []store.AdviceRequest
	for _, r := range w.reqs {
		if keep(r) {
			out = append(out, *copyOf(r))
		}
	}
	slices.SortFunc(out, func(a, b store.AdviceRequest) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out[:min(limit, len(out))]
}

// give stores or changes userID's advice while the request is open.
func (w *adviceWorld) give(id, userID, name, text string) (store.Advice, error) {
	now := w.clock().UTC()
	a := store.Advice{UserID: userID, Name: name, Text: text, GivenAt: now}
	w.mu.Lock()
	defer w.mu.Unlock()
	r, ok := w.reqs[id]
	switch {
	case !ok:
		return a, fmt.Errorf("store: advice request %s: %w", id, store.ErrNotFound)
	case !r.WasAsked(userID):
		return a, store.ErrNotAsked
	case !r.Open(now):
		return a, store.ErrAdviceClosed
	}
	if old, ok := r.Answers[userID]; ok {
		a.GivenAt, a.Changed = old.GivenAt, old.Changed+1 // the first answer's time stays
	}
	r.Answers[userID] = a
	return a, nil
}

// respond records what the force did with one answer.
func (w *adviceWorld) respond(id, userID, outcome, response, by string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	r, ok := w.reqs[id]
	if !ok {
		return fmt.Errorf("store: advice request %s: %w", id, store.ErrNotFound)
	}
	a, ok := r.Answers[userID]
	if !ok {
		return fmt.Errorf("store: respond to advice %s/%s: %w", id, userID, store.ErrNotFound)
	}
	a.Outcome, a.Response, a.RespondedBy, a.RespondedAt = outcome, response, by, w.now().UTC()
	r.Answers[userID] = a
	return nil
}

// TestAdviceRefusalsWithFakes: someone not asked finds no request and
// cannot answer; a member reads the request they were asked, and empty
// advice is refused with the error summary; the page confirms advice only
// with the parameter and once the request holds the reader's; staff see
// the advice arrive, and a response without an outcome is refused keeping
// what was typed; nothing is public until a summary is published, and one
// not agreed is refused. Nothing refused is stored. (Moved from
// TestAdviceJourney, which keeps the flow on the real store.)
func TestAdviceRefusalsWithFakes(t *testing.T) {
	_, f, w, req, _, mc, oc, coord := adviceFakes(t)
	ctx := context.Background()
	id := req.ID
	page := "/advice/" + id

	// Someone not asked: not found, and cannot answer.
	if res := oc.get(page); res.Status != http.StatusNotFound {
		t.Fatalf("outsider: %d, want 404", res.Status)
	}
	if res := oc.submit("/advice", page+"/answer", url.Values{"advice": {"Let me in"}}); res.Status != http.StatusNotFound {
		t.Fatalf("outsider answering: %d, want 404", res.Status)
	}
	if n := f.calls("GiveAdvice"); n != 0 {
		t.Fatalf("the outsider's advice reached the store (%d calls)", n)
	}

	// The member reads it and answers; an empty answer is refused.
	res := mc.get(page)
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "tonight&#39;s vigil") || !strings.Contains(res.Body, "Group only") {
		t.Fatalf("member's page: %d\n%s", res.Status, res.Body)
	}
	res = mc.submit(page, page+"/answer", url.Values{"advice": {"  "}})
	wantStatus(t, "empty advice", res, http.StatusUnprocessableEntity, "")
	if !strings.Contains(res.Body, "govuk-error-summary") || !strings.Contains(res.Body, "Enter your advice") {
		t.Fatalf("empty advice: no error summary\n%s", res.Body)
	}
	if n := f.calls("GiveAdvice"); n != 0 {
		t.Fatalf("empty advice reached the store (%d calls)", n)
	}
	// The page after it says the advice arrived, from the request itself
	// (no flash in the session): with the parameter and only once the
	// request holds the reader's advice.
	if res = mc.get(page + "?sent"); strings.Contains(res.Body, "Your advice has been sent") {
		t.Fatal("the page says advice was sent before any was")
	}
	res = mc.submit(page, page+"/answer", url.Values{"advice": {"Officers should attend without hats, and the family liaison should speak first."}})
	wantStatus(t, "advice", res, http.StatusSeeOther, page+"?sent")
	if res = mc.get(res.Location); !strings.Contains(res.Body, "Your advice has been sent. Thank you. You can change it until the deadline.") {
		t.Fatalf("no confirmation after the advice\n%s", res.Body)
	}
	if res = mc.get(page); strings.Contains(res.Body, "Your advice has been sent") {
		t.Fatal("the confirmation shows without the parameter")
	}

	// The coordinator sees it arrive and responds; without an outcome,
	// 422 and nothing recorded.
	res = coord.get(page)
	if !strings.Contains(res.Body, "family liaison should speak first") || !strings.Contains(res.Body, "1 of 2 people asked") {
		t.Fatalf("coordinator does not see the advice\n%s", res.Body)
	}
	memberID := req.Asked[1] // the member's (adviceFakes asks the chair, then the member)
	respond := page + "/answers/" + memberID + "/response"
	res = coord.submit(page, respond, url.Values{"response-" + memberID: {"We did that."}})
	wantStatus(t, "response without an outcome", res, http.StatusUnprocessableEntity, "")
	if !strings.Contains(res.Body, "Select what the force did") || !strings.Contains(res.Body, "We did that.") {
		t.Fatalf("422 lost the typed response or the message\n%s", res.Body)
	}
	if got, _ := w.AdviceRequest(ctx, id); got.Responded() != 0 {
		t.Fatal("a rejected response was stored")
	}

	// Nothing public until a summary is published, and only once agreed.
	anon := mc.a.client()
	if res := anon.get("/public/advice/" + id); res.Status != http.StatusNotFound {
		t.Fatalf("unpublished request: %d publicly, want 404", res.Status)
	}
	summary := "The group advised on policing the vigil; officers attended without hats."
	res = coord.submit(page+"/impact", page+"/publish", url.Values{"summary": {summary}})
	wantStatus(t, "publish without agreement", res, http.StatusUnprocessableEntity, "")
	if pub, _ := w.PublishedAdvice(ctx, 10); len(pub) != 0 {
		t.Fatal("an unagreed summary was published")
	}
	if !strings.Contains(html.UnescapeString(res.Body), "Confirm that the group has agreed this summary") {
		t.Errorf("publish without agreement: no message\n%s", res.Body)
	}
}

// close stops taking answers before the deadline: ErrAdviceClosed if it
// was over already.
func (w *adviceWorld) close(id string) error {
	now := w.clock().UTC()
	return w.change(id, func(r *store.AdviceRequest) error {
		if !r.Open(now) {
			return store.ErrAdviceClosed
		}
		r.Status, r.ClosedAt = store.AdviceClosed, now
		return nil
	})
}

// change applies fn to request id, or answers ErrNotFound.
func (w *adviceWorld) change(id string, fn func(r *store.AdviceRequest) error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	r, ok := w.reqs[id]
	if !ok {
		return fmt.Errorf("store: advice request %s: %w", id, store.ErrNotFound)
	}
	return fn(r)
}

// TestAdviceImpactPublishAndCloseWithFakes: the community impact
// assessment refuses empty wording (422, nothing written) and keeps the
// agreed wording; a published summary shows on the public pages until it
// is taken off; closing a request early stops answers, and closing it
// again says it had closed, auditing one close.
func TestAdviceImpactPublishAndCloseWithFakes(t *testing.T) {
	a, f, w, req, _, mc, _, coord := adviceFakes(t)
	f.closeRequest = w.close
	f.agreeImpact = func(id, wording string) error {
		return w.change(id, func(r *store.AdviceRequest) error {
			r.ImpactWording, r.ImpactAgreed = wording, w.now()
			return nil
		})
	}
	f.publishSummary = func(id, summary, by string) error {
		return w.change(id, func(r *store.AdviceRequest) error {
			r.PublicSummary, r.PublishedAt, r.PublishedBy = summary, w.now(), by
			return nil
		})
	}
	f.unpublish = func(id string) error {
		return w.change(id, func(r *store.AdviceRequest) error {
			r.PublicSummary, r.PublishedAt, r.PublishedBy = "", time.Time{}, ""
			return nil
		})
	}
	page := "/advice/" + req.ID
	impact := page + "/impact"

	res := coord.submit(impact, impact, url.Values{"wording": {"  "}})
	wantStatus(t, "empty wording", res, http.StatusUnprocessableEntity, "")
	if !strings.Contains(res.Body, "govuk-error-summary") || !strings.Contains(res.Body, "Enter the wording agreed with the group") {
		t.Fatalf("empty wording: no error summary\n%s", res.Body)
	}
	if n := f.calls("AgreeImpactWording"); n != 0 {
		t.Fatalf("empty wording reached the store (%d calls)", n)
	}
	res = coord.submit(impact, impact, url.Values{"wording": {"The IAG was consulted within four hours."}})
	wantStatus(t, "wording", res, http.StatusSeeOther, impact)
	if got := coord.get(impact); !strings.Contains(got.Body, "The IAG was consulted within four hours.") {
		t.Fatalf("the impact page lacks the agreed wording\n%s", got.Body)
	}
	if n := a.audits.count(auditAdviceImpact, "advice:"+req.ID); n != 1 {
		t.Errorf("%d wording events audited, want 1", n)
	}

	summary := "The group advised on policing the vigil; officers attended without hats."
	res = coord.submit(impact, page+"/publish", url.Values{"summary": {summary}, "agreed": {"true"}})
	wantStatus(t, "publish", res, http.StatusSeeOther, impact)
	anon := a.client()
	if got := anon.get("/public/advice/" + req.ID); got.Status != http.StatusOK || !strings.Contains(got.Body, "officers attended without hats") {
		t.Fatalf("published summary: %d publicly", got.Status)
	}
	if got := anon.get("/public/advice"); !strings.Contains(got.Body, "/public/advice/"+req.ID) {
		t.Fatal("the public list does not link the summary")
	}
	res = coord.submit(impact, page+"/unpublish", nil)
	wantStatus(t, "unpublish", res, http.StatusSeeOther, impact)
	if got := anon.get("/public/advice/" + req.ID); got.Status != http.StatusNotFound {
		t.Fatalf("a withdrawn summary: %d publicly, want 404", got.Status)
	}

	res = coord.submit(impact, page+"/close", nil)
	wantStatus(t, "close", res, http.StatusSeeOther, page)
	if got := coord.get(page); !strings.Contains(got.Body, "Request closed: no more advice will be taken.") {
		t.Fatalf("no banner after closing\n%s", got.Body)
	}
	res = coord.submit(impact, page+"/close", nil)
	wantStatus(t, "close again", res, http.StatusSeeOther, page)
	if got := coord.get(page); !strings.Contains(got.Body, "This request had already closed.") {
		t.Fatalf("closing again does not say it had closed\n%s", got.Body)
	}
	if n := a.audits.count(auditAdviceClosed, "advice:"+req.ID); n != 1 {
		t.Errorf("%d close events audited, want 1", n)
	}
	res = mc.submit(page, page+"/answer", url.Values{"advice": {"Late advice"}})
	wantStatus(t, "advice after closing", res, http.StatusUnprocessableEntity, "")
	if !strings.Contains(res.Body, "deadline for advice has passed") {
		t.Fatalf("advice after closing: no message\n%s", res.Body)
	}
	if got, _ := w.AdviceRequest(context.Background(), req.ID); len(got.Answers) != 0 {
		t.Fatalf("%d answers stored after closing, want 0", len(got.Answers))
	}
}
