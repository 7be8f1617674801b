package server

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// adviceSetup makes an IAG with a chair and a member (with a mobile
// number), a member of no group, and a signed-in coordinator.
func adviceSetup(t *testing.T) (a *testApp, g *store.Group, chair, member, outsider *store.User, coord *client) {
	a = newTestApp(t)
	ctx := context.Background()
	g = &store.Group{Name: "Bournemouth IAG", Kind: store.GroupIAG}
	if err := a.store.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	chair = a.newUser(store.RoleChair, "chair@example.org")
	member = a.newUser(store.RoleMember, "member@example.org")
	outsider = a.newUser(store.RoleMember, "outsider@example.org")
	if err := a.store.SetMobile(ctx, member.ID, "+447700900123"); err != nil {
		t.Fatal(err)
	}
	for _, m := range []store.Membership{{GroupID: g.ID, UserID: chair.ID, Chair: true, VettingLevel: "NPPV2"}, {GroupID: g.ID, UserID: member.ID, VettingLevel: "NPPV2"}} {
		if err := a.store.PutMembership(ctx, &m); err != nil {
			t.Fatal(err)
		}
	}
	_, coord = a.signedIn(store.RoleCoordinator, "coord@example.org")
	return
}

func adviceFormValues(g *store.Group) url.Values {
	return url.Values{"title": {"Fatal collision, Boscombe"}, "shared": {"A man died after a collision with a police car on Christchurch Road."},
		"handling": {store.HandlingGroup}, "question": {"What should officers do at tonight's vigil?"}, "groups": {g.ID}, "hours": {"4"}}
}

// TestAdviceJourney: a coordinator asks; the group is told by mail (and
// text where there is a number) at once; a member answers, the
// coordinator records what the force did, the member reads that back; an
// agreed summary is published; after the deadline the store refuses
// advice. The refusals and what each role sees on the way are
// TestAdviceRefusalsWithFakes.
func TestAdviceJourney(t *testing.T) {
	a, g, chair, member, _, coord := adviceSetup(t)
	ctx := context.Background()
	r := coord.submit("/advice/new", "/advice/new", adviceFormValues(g))
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/advice/") {
		t.Fatalf("create: %d to %q\n%s", r.Status, r.Location, r.Body)
	}
	page := r.Location
	id := strings.TrimPrefix(page, "/advice/")
	req, err := a.store.AdviceRequest(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(req.Asked) != 2 || !req.WasAsked(chair.ID) || !req.WasAsked(member.ID) || !req.Notified {
		t.Fatalf("asked %v (notified %v), want the chair and the member", req.Asked, req.Notified)
	}
	if got := req.Deadline.Sub(a.store.Now()); got > 4*time.Hour || got < 4*time.Hour-2*time.Minute {
		t.Errorf("deadline in %v, want 4 hours (to the minute)", got)
	}
	mail, _ := a.store.RecentMail(ctx, 20)
	to := map[string]bool{}
	for _, m := range mail {
		to[m.Channel+":"+m.To] = true
		if strings.Contains(m.Body, "Christchurch Road") || strings.Contains(m.Body, "vigil") {
			t.Errorf("a message to %s carries what happened or the question", m.To)
		}
	}
	if len(mail) != 3 || !to[":chair@example.org"] || !to[":member@example.org"] || !to["text:+447700900123"] {
		t.Fatalf("queued %v, want mail to the chair and the member and a text to the member", to)
	}
	if n := a.auditCount(auditAdviceRequested, "advice:"+id); n != 1 {
		t.Errorf("%d request events audited, want 1", n)
	}

	// The member answers (refusals on the way, what each role sees and
	// the confirmation's rules: TestAdviceRefusalsWithFakes).
	mc := a.client()
	mc.signIn(member)
	res := mc.submit(page, page+"/answer", url.Values{"advice": {"Officers should attend without hats, and the family liaison should speak first."}})
	wantStatus(t, "advice", res, http.StatusSeeOther, page+"?sent")

	// The coordinator records what the force did.
	respond := page + "/answers/" + member.ID + "/response"
	res = coord.submit(page, respond, url.Values{"outcome-" + member.ID: {store.OutcomePartly},
		"response-" + member.ID: {"Officers attended without hats. The family asked to speak first, so the liaison officer did not."}})
	wantStatus(t, "response", res, http.StatusSeeOther, page+"#answer-"+member.ID)
	res = mc.get(page)
	if !strings.Contains(res.Body, "Acted on in part") || !strings.Contains(res.Body, "the liaison officer did not") {
		t.Fatalf("the member does not read back the response\n%s", res.Body)
	}

	// Published once agreed (not before: TestAdviceRefusalsWithFakes).
	anon := a.client()
	summary := "The group advised on policing the vigil; officers attended without hats."
	res = coord.submit(page+"/impact", page+"/publish", url.Values{"summary": {summary}, "agreed": {"true"}})
	wantStatus(t, "publish", res, http.StatusSeeOther, page+"/impact")
	res = anon.get("/public/advice/" + id)
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "officers attended without hats") || strings.Contains(res.Body, "Christchurch Road") ||
		strings.Contains(res.Body, "family liaison") {
		t.Fatalf("public page: %d, want the summary only\n%s", res.Status, res.Body)
	}
	if res := anon.get("/public/advice"); !strings.Contains(res.Body, "/public/advice/"+id) {
		t.Fatal("the public list does not link the summary")
	}

	// The community impact assessment: the agreed wording and the counts.
	res = coord.submit(page+"/impact", page+"/impact", url.Values{"wording": {"The IAG was consulted within four hours."}})
	wantStatus(t, "wording", res, http.StatusSeeOther, page+"/impact")
	res = coord.get(page + "/impact")
	body := html.UnescapeString(res.Body)
	if !strings.Contains(body, "The IAG was consulted within four hours.") || !strings.Contains(body, "2; 1 gave advice") {
		t.Fatalf("impact page lacks the wording or the counts\n%s", res.Body)
	}

	// Checked before the clock moves on: a filtered audit list shows the
	// newest day, and four hours on can be tomorrow (run after 20:00).
	for _, act := range []string{auditAdviceViewed, auditAdviceGiven, auditAdviceResponse, auditAdvicePublished, auditAdviceImpact} {
		if a.auditCount(act, "") == 0 {
			t.Errorf("no %s event audited", act)
		}
	}

	// After the deadline the chair's advice is refused, nothing stored.
	a.advance(4*time.Hour + time.Minute)
	cc := a.client()
	cc.signIn(chair)
	res = cc.submit("/advice", page+"/answer", url.Values{"advice": {"Late advice"}})
	wantStatus(t, "late advice", res, http.StatusUnprocessableEntity, "")
	if !strings.Contains(res.Body, "deadline for advice has passed") {
		t.Fatalf("late advice: no message\n%s", res.Body)
	}
	if got, _ := a.store.AdviceRequest(ctx, id); len(got.Answers) != 1 {
		t.Fatalf("%d answers after the late one, want 1", len(got.Answers))
	}
}

// TestAdviceRequestBadInputWithFakes: every missing or wrong answer gets a
// 422 with the error summary, keeps what was typed, and stores and sends
// nothing (the store is a fake that records any request it is given).
func TestAdviceRequestBadInputWithFakes(t *testing.T) {
	fa, g, coord := adviceAskFakes(t)
	for _, tc := range []struct {
		name, field, value, want string
	}{
		{"no title", "title", "", "Enter a short name for the incident"},
		{"no question", "question", "", "Enter the question you are asking"},
		{"no handling", "handling", "", "Select how what you tell them may be shared"},
		{"unknown handling", "handling", "secret", "Select how what you tell them may be shared"},
		{"no groups", "groups", "", "Select at least one group"},
		{"unknown group", "groups", "000000000000000000000000", "Select at least one group"},
		{"hours a word", "hours", "soon", "Enter the hours as a number"},
		{"too long", "hours", "100", "between 1 and 72 hours"},
		{"unknown person", "also", "nobody@example.org", "nobody@example.org is not a group member"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := adviceFormValues(g)
			form.Set(tc.field, tc.value)
			if tc.field == "groups" && tc.value == "" {
				form.Del("groups")
			}
			res := coord.submit("/advice/new", "/advice/new", form)
			wantStatus(t, tc.name, res, http.StatusUnprocessableEntity, "")
			body := html.UnescapeString(res.Body)
			if !strings.Contains(body, "govuk-error-summary") || !strings.Contains(body, tc.want) {
				t.Fatalf("no %q in the error summary\n%s", tc.want, res.Body)
			}
			if tc.field != "question" && !strings.Contains(body, "tonight's vigil") {
				t.Errorf("the question typed was not kept")
			}
		})
	}
	// Messages are sent only for a stored request (advice.Notify, on the
	// real store in TestAdviceJourney), so none stored is none queued.
	if rs := fa.createdSoFar(); len(rs) != 0 {
		t.Fatalf("%d requests stored from bad input", len(rs))
	}
}

// adviceAskFakes is adviceSetup's group (a chair and a member) and a
// signed-in coordinator, with the store replaced by fakes.
func adviceAskFakes(t *testing.T) (*fakeAdviceAsk, *store.Group, *client) {
	f := newFakeApp(t)
	g := &store.Group{ID: store.NewID(), Name: "Bournemouth IAG", Kind: store.GroupIAG, MemberCount: 2}
	chair := store.User{ID: store.NewID(), Email: "chair@example.org", Name: "Test chair", Role: store.RoleChair, Status: store.StatusActive}
	member := store.User{ID: store.NewID(), Email: "member@example.org", Name: "Test member", Role: store.RoleMember, Status: store.StatusActive}
	people := map[string]store.User{chair.ID: chair, member.ID: member}
	fa := &fakeAdviceAsk{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: time.Now()}}}
	fa.groups = func() ([]store.Group, error) { return []store.Group{*g}, nil }
	fa.groupMembers = func(id string) ([]store.Membership, error) {
		if id != g.ID {
			return nil, nil
		}
		return []store.Membership{{GroupID: g.ID, UserID: chair.ID, Chair: true}, {GroupID: g.ID, UserID: member.ID}}, nil
	}
	fa.userByEmail = func(email string) (*store.User, error) {
		for _, u := range people {
			if u.Email == email {
				return &u, nil
			}
		}
		return nil, store.ErrNotFound
	}
	fa.usersByID = func(ids []string) (map[string]store.User, error) {
		out := map[string]store.User{}
		for _, id := range ids {
			if u, ok := people[id]; ok {
				out[id] = u
			}
		}
		return out, nil
	}
	f.srv.adviceAsk = fa
	coord := f.as(&store.User{Email: "coord@example.org", Name: "Test coordinator", Role: store.RoleCoordinator, Status: store.StatusActive})
	return fa, g, coord
}

func TestUKMobile(t *testing.T) {
	for in, want := range map[string]string{"07700 900982": "+447700900982", "+44 7700 900 982": "+447700900982", "447700900982": "+447700900982",
		"(07700) 900-982": "+447700900982", "01202 123456": "", "0770090098": "", "07700 900982 x": ""} {
		got, ok := ukMobile(in)
		if got != want || ok != (want != "") {
			t.Errorf("ukMobile(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
