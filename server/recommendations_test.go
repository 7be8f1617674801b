package server

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// recFixture is a force with one group, its chair, a member, a
// coordinator and a chair of another group, each signed in.
type recFixture struct {
	a                           *testApp
	group, other                *store.Group
	coord, chair, member, rival *client
	memberUser                  *store.User
}

func newRecFixture(t *testing.T) *recFixture {
	t.Helper()
	a := newTestApp(t)
	ctx := context.Background()
	f := &recFixture{a: a, group: &store.Group{Name: "Stop and Search Scrutiny Panel", Kind: store.GroupPanel},
		other: &store.Group{Name: "Dorset Rural IAG", Kind: store.GroupIAG}}
	for _, g := range []*store.Group{f.group, f.other} {
		if err := a.store.CreateGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	coord := a.newUser(store.RoleCoordinator, "coord@example.org")
	chair := a.newUser(store.RoleChair, "chair@example.org")
	rival := a.newUser(store.RoleChair, "rival@example.org")
	f.memberUser = a.newUser(store.RoleMember, "member@example.org")
	for _, m := range []store.Membership{
		{GroupID: f.group.ID, UserID: chair.ID, Chair: true, VettingLevel: "NPPV2"},
		{GroupID: f.group.ID, UserID: f.memberUser.ID, VettingLevel: "NPPV2"},
		{GroupID: f.other.ID, UserID: rival.ID, Chair: true, VettingLevel: "NPPV1"},
	} {
		if err := a.store.PutMembership(ctx, &m); err != nil {
			t.Fatal(err)
		}
	}
	f.coord, f.chair, f.member, f.rival = a.client(), a.client(), a.client(), a.client()
	f.coord.signIn(coord)
	f.chair.signIn(chair)
	f.member.signIn(f.memberUser)
	f.rival.signIn(rival)
	return f
}

// raise creates a recommendation through the form and returns its id.
func (f *recFixture) raise(t *testing.T, title string) string {
	t.Helper()
	r := f.coord.submit("/recommendations/new", "/recommendations/new", url.Values{
		"title": {title}, "wording": {"The panel recommends that every stop and search record states the grounds in full."},
		"source": {"scrutiny-panel"}, "group": {f.group.ID}, "raised-day": {"3"}, "raised-month": {"2"}, "raised-year": {"2026"},
		"area": {"respected"}, "tags": {"stop and search, grounds"}, "priority": {"high"},
		"ownerDept": {"Neighbourhood Policing"}, "ownerName": {"Ch Insp Vera Lockwood"}, "ownerEmail": {"vera.lockwood@police.example"},
		"due-day": {"30"}, "due-month": {"9"}, "due-year": {"2026"},
	})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/recommendations/") {
		t.Fatalf("raise: %d to %q\n%s", r.Status, r.Location, r.Body)
	}
	return strings.TrimPrefix(r.Location, "/recommendations/")
}

func (f *recFixture) rec(t *testing.T, id string) *store.Recommendation {
	t.Helper()
	r, err := f.a.store.Recommendation(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// change posts one of a recommendation's forms with its current version.
func (f *recFixture) change(t *testing.T, c *client, id, action string, form url.Values) response {
	t.Helper()
	return postRecChange(c, id, action, form, func() int { return f.rec(t, id).Version })
}

// postRecChange posts one of a recommendation's forms, with the version
// the form carries or else the one current reads.
func postRecChange(c *client, id, action string, form url.Values, current func() int) response {
	if form.Get("version") == "" {
		form.Set("version", itoa(current()))
	}
	return c.submit("/recommendations/"+id, "/recommendations/"+id+"/"+action, form)
}

func itoa(n int) string { return strconv.Itoa(n) }

func wantRecStatus(t *testing.T, r response, status int, what string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.Status, status, r.Body)
	}
}

// TestRecommendationLifecycle walks one recommendation from raised to
// closed through the real router, with the errors people meet on the way.
func TestRecommendationLifecycle(t *testing.T) {
	f := newRecFixture(t)
	id := f.raise(t, "Record the grounds in full")
	wantRecStatus(t, f.change(t, f.member, id, "follow", url.Values{"on": {"true"}, "version": {"0"}}), http.StatusSeeOther, "follow")

	step := func(c *client, action string, form url.Values, want int, what string) response {
		t.Helper()
		r := f.change(t, c, id, action, form)
		wantRecStatus(t, r, want, what)
		return r
	}
	step(f.coord, "status", url.Values{"to": {store.RecAwaiting}}, http.StatusSeeOther, "send for response")
	r := step(f.coord, "status", url.Values{"to": {store.RecNotAccepted}, "note": {"typed note kept"}}, http.StatusUnprocessableEntity, "not accepted without a reason")
	if !strings.Contains(r.Body, "govuk-error-summary") || !strings.Contains(r.Body, "typed note kept") || !strings.Contains(r.Body, "Explain why") {
		t.Fatalf("422 page lacks the error summary or the typed value")
	}
	step(f.coord, "status", url.Values{"to": {store.RecAcceptedInPart}, "reason": {"Body-worn video review is already covered by the panel's terms."}}, http.StatusSeeOther, "accepted in part")
	step(f.coord, "status", url.Values{"to": {store.RecInProgress}}, http.StatusSeeOther, "in progress")
	step(f.coord, "progress", url.Values{"progressNote": {"Briefing written"}, "percent": {"140"}}, http.StatusUnprocessableEntity, "percent over 100")
	step(f.coord, "progress", url.Values{"progressNote": {"Briefing written for all sergeants"}, "percent": {"50"}}, http.StatusSeeOther, "progress")
	step(f.coord, "status", url.Values{"to": {store.RecImplemented}}, http.StatusUnprocessableEntity, "implemented without evidence")
	step(f.coord, "status", url.Values{"to": {store.RecImplemented}, "evidence": {"Dip sample of 50 records"}, "links": {"https://example.org/dip-sample"}}, http.StatusSeeOther, "implemented")

	// Only the raising group's chair verifies.
	r = step(f.coord, "status", url.Values{"to": {store.RecVerified}}, http.StatusConflict, "coordinator verifying")
	if !strings.Contains(r.Body, "Superseded") {
		t.Fatalf("409 does not say what is possible now:\n%s", r.Body)
	}
	step(f.rival, "verify", url.Values{"decision": {"verify"}}, http.StatusForbidden, "chair of another group")
	step(f.chair, "verify", url.Values{"decision": {"refuse"}}, http.StatusUnprocessableEntity, "refusal without a comment")
	step(f.chair, "verify", url.Values{"decision": {"refuse"}, "comment": {"Not yet seen in the records we reviewed"}}, http.StatusSeeOther, "refused")
	if got := f.rec(t, id); got.Status != store.RecInProgress || got.ChairComment == "" {
		t.Fatalf("after refusal: %s, comment %q", got.Status, got.ChairComment)
	}
	step(f.coord, "status", url.Values{"to": {store.RecImplemented}, "evidence": {"Second dip sample"}}, http.StatusSeeOther, "implemented again")
	step(f.chair, "verify", url.Values{"decision": {"verify"}}, http.StatusSeeOther, "verified")
	step(f.coord, "status", url.Values{"to": {store.RecClosed}}, http.StatusSeeOther, "closed")

	got := f.rec(t, id)
	if got.Status != store.RecClosed || got.Percent != 50 {
		t.Fatalf("final: %s %d%%", got.Status, got.Percent)
	}
	var path []string
	for _, h := range got.History {
		if h.Kind == store.HistStatus || h.Kind == store.HistRefused {
			path = append(path, h.To)
		}
	}
	want := "awaiting-response accepted-in-part in-progress implemented in-progress implemented verified closed"
	if strings.Join(path, " ") != want {
		t.Fatalf("history %v, want %s", path, want)
	}
	page := f.member.get("/recommendations/" + id)
	wantRecStatus(t, page, http.StatusOK, "member reads it")
	if !strings.Contains(page.Body, "Not yet seen in the records we reviewed") || strings.Count(page.Body, "<h1") != 1 {
		t.Fatalf("timeline missing the chair's comment, or not one h1")
	}
	// The member who follows it was mailed on every change made by others.
	mail, _ := f.a.store.RecentMail(context.Background(), 100)
	n := 0
	for _, m := range mail {
		if m.To == f.memberUser.Email && strings.Contains(m.Body, "/recommendations/"+id) {
			n++
		}
	}
	if n != 9 {
		t.Fatalf("member got %d emails, want 9 (one per change)", n)
	}
	evs, _, _ := f.a.store.ListAudit(context.Background(), store.AuditFilter{Action: store.AuditRecStatus})
	if len(evs) != 8 {
		t.Fatalf("%d status changes audited, want 8", len(evs))
	}
	// Members read but do not manage.
	wantRecStatus(t, f.change(t, f.member, id, "status", url.Values{"to": {store.RecRaised}}), http.StatusForbidden, "member changing status")
}

// TestRecommendationConflictsWithFakes: a change the lifecycle does not allow and a
// stale form both answer 409 and change nothing.
func TestRecommendationConflictsWithFakes(t *testing.T) {
	f := newRecFakeFixture(t)
	id := f.raise(t, "Publish the panel's minutes")
	r := f.change(t, f.coord, id, "status", url.Values{"to": {store.RecImplemented}, "evidence": {"x"}})
	wantRecStatus(t, r, http.StatusConflict, "raised to implemented")
	if !strings.Contains(r.Body, "Awaiting force response or Superseded") {
		t.Fatalf("409 does not list the possible changes:\n%s", r.Body)
	}
	stale := itoa(f.rec(t, id).Version)
	f.change(t, f.coord, id, "status", url.Values{"to": {store.RecAwaiting}})
	r = f.change(t, f.coord, id, "progress", url.Values{"version": {stale}, "progressNote": {"Old tab"}, "percent": {"10"}})
	wantRecStatus(t, r, http.StatusConflict, "stale progress form")
	if !strings.Contains(r.Body, "nothing has been overwritten") {
		t.Fatalf("stale form message missing:\n%s", r.Body)
	}
	r = f.change(t, f.coord, id, "status", url.Values{"version": {stale}, "to": {store.RecAwaiting}})
	wantRecStatus(t, r, http.StatusConflict, "stale status form")
	got := f.rec(t, id)
	if got.Status != store.RecAwaiting || got.LatestUpdate != "" || len(got.History) != 2 {
		t.Fatalf("a refused change was written: %+v", got)
	}
	wantRecStatus(t, f.coord.get("/recommendations/000000000000000000000000"), http.StatusNotFound, "unknown id")
}

func postFile(c *client, path, field, name string, content []byte) response {
	c.a.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("csrf_token", c.csrf("/recommendations/import"))
	fw, _ := w.CreateFormFile(field, name)
	fw.Write(content)
	w.Close()
	req, _ := http.NewRequest("POST", c.a.http.URL+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

// TestRecommendationImportWithFakes: a file with any bad row is refused whole, with
// each bad row's reasons; a good file is stored; an export imports again.
func TestRecommendationImportWithFakes(t *testing.T) {
	f := newRecFakeFixture(t)
	ctx := context.Background()
	header := "title,wording,source,group,raised,area,priority,owner_department,owner_person,due,status,response,evidence\n"
	good := "Interpreters at custody,Book interpreters before interview,IAG advice,Stop and Search Scrutiny Panel,2026-01-12,Protected,high,Custody,Insp A,31/07/2026,In progress,,\n"
	bad := header + good +
		"No wording,,survey,Stop and Search Scrutiny Panel,2026-01-12,respected,low,Custody,Insp A,,,,\n" +
		"Bad group,Text,survey,Nonexistent Panel,12/13/2026,sideways,urgent,Custody,Insp A,,not accepted,,\n"
	r := postFile(f.coord, "/recommendations/import", "file", "register.csv", []byte(bad))
	wantRecStatus(t, r, http.StatusUnprocessableEntity, "bad import")
	for _, want := range []string{"Wording is missing", "Nonexistent Panel", "sideways", "urgent", "Raised date", "Response is missing", "<td class=\"govuk-table__cell\">3</td>", "<td class=\"govuk-table__cell\">4</td>"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if rs, _ := f.fr.AllRecommendations(ctx, store.RecommendationFilter{}); len(rs) != 0 {
		t.Fatalf("%d recommendations stored from a refused file", len(rs))
	}
	wantRecStatus(t, postFile(f.coord, "/recommendations/import", "file", "empty.csv", []byte("a,b\n")), http.StatusUnprocessableEntity, "wrong columns")
	wantRecStatus(t, postFile(f.coord, "/recommendations/import", "file", "good.csv", []byte(header+good)), http.StatusSeeOther, "good import")
	rs, _ := f.fr.ExportRecommendations(ctx)
	if len(rs) != 1 || rs[0].Status != store.RecInProgress || rs[0].GroupID != f.group.ID || rs[0].History[0].Kind != store.HistImported {
		t.Fatalf("imported %+v", rs)
	}
	exp := f.coord.get("/recommendations/export.csv")
	wantRecStatus(t, exp, http.StatusOK, "export")
	// The export starts with a UTF-8 byte-order mark (for Excel), and the
	// import below reads it back with the mark.
	if !strings.HasPrefix(exp.Body, "\ufeffreference,title,wording") || !strings.Contains(exp.Body, "Interpreters at custody") {
		t.Fatalf("export:\n%s", exp.Body)
	}
	wantRecStatus(t, postFile(f.coord, "/recommendations/import", "file", "again.csv", []byte(exp.Body)), http.StatusSeeOther, "re-import an export")
	wantRecStatus(t, f.coord.get("/recommendations/dashboard"), http.StatusOK, "dashboard")
	wantRecStatus(t, f.member.get("/recommendations/dashboard"), http.StatusForbidden, "member dashboard")
}

// TestYouSaidWeDidLeaksNothingWithFakes seeds sensitive strings everywhere the
// public must not see them, publishes one recommendation, and searches
// every public response for them.
func TestYouSaidWeDidLeaksNothingWithFakes(t *testing.T) {
	f := newRecFakeFixture(t)
	secret := []string{"SECRET-WORDING", "SECRET-TITLE", "Ch Insp Vera Lockwood", "vera.lockwood", "SECRET-RESPONSE",
		"SECRET-PROGRESS", "SECRET-EVIDENCE", "Test chair", "Test coordinator", "Test member", "UNPUBLISHED-SUMMARY", "UNPUBLISHED-TITLE"}
	pub := f.raise(t, "SECRET-TITLE one")
	hidden := f.raise(t, "SECRET-TITLE two")
	for _, id := range []string{pub, hidden} {
		f.change(t, f.member, id, "follow", url.Values{"on": {"true"}, "version": {"0"}})
		f.change(t, f.coord, id, "edit", url.Values{}) // a 422: nothing changes
		rec := f.rec(t, id)
		rec.Wording = "SECRET-WORDING by Test member"
		if err := f.w.save(rec, rec.Version, store.HistoryEntry{At: time.Now(), Kind: store.HistDetails, ByName: "Test coordinator"}); err != nil {
			t.Fatal(err)
		}
		f.change(t, f.coord, id, "status", url.Values{"to": {store.RecAwaiting}})
		f.change(t, f.coord, id, "status", url.Values{"to": {store.RecAccepted}, "reason": {"SECRET-RESPONSE"}})
		f.change(t, f.coord, id, "status", url.Values{"to": {store.RecInProgress}})
		f.change(t, f.coord, id, "progress", url.Values{"progressNote": {"SECRET-PROGRESS"}, "percent": {"40"}})
		f.change(t, f.coord, id, "status", url.Values{"to": {store.RecImplemented}, "evidence": {"SECRET-EVIDENCE"}})
	}
	wantRecStatus(t, f.change(t, f.coord, pub, "publish", url.Values{"on": {"true"}}), http.StatusUnprocessableEntity, "publish before wording")
	f.change(t, f.coord, pub, "public", url.Values{"publicTitle": {"Stop and search records now give the grounds"},
		"publicSummary": {"Records should explain the grounds for each search."}, "publicResponse": {"We briefed officers and checked records."}})
	wantRecStatus(t, f.change(t, f.coord, pub, "publish", url.Values{"on": {"true"}}), http.StatusUnprocessableEntity, "publish before the chair agrees")
	wantRecStatus(t, f.change(t, f.rival, pub, "agree", url.Values{}), http.StatusForbidden, "another group's chair agreeing")
	wantRecStatus(t, f.change(t, f.chair, pub, "agree", url.Values{}), http.StatusSeeOther, "chair agrees")
	wantRecStatus(t, f.change(t, f.coord, pub, "publish", url.Values{"on": {"true"}}), http.StatusSeeOther, "publish")
	// The other has agreed public wording but is not published.
	f.change(t, f.coord, hidden, "public", url.Values{"publicTitle": {"UNPUBLISHED-TITLE"}, "publicSummary": {"UNPUBLISHED-SUMMARY"}, "chairAgreed": {"true"}})

	anon := f.a.client()
	paths := []string{"/you-said-we-did", "/you-said-we-did?area=respected", "/you-said-we-did?group=" + f.group.ID,
		"/you-said-we-did.json", "/you-said-we-did.atom", "/you-said-we-did/" + pub}
	for _, p := range paths {
		r := anon.get(p)
		wantRecStatus(t, r, http.StatusOK, p)
		if !strings.Contains(r.Body, "Stop and search records now give the grounds") {
			t.Errorf("%s does not show the published recommendation", p)
		}
		for _, s := range secret {
			if strings.Contains(r.Body, s) {
				t.Errorf("%s leaks %q", p, s)
			}
		}
	}
	wantRecStatus(t, anon.get("/you-said-we-did/"+hidden), http.StatusNotFound, "unpublished page")
	wantRecStatus(t, anon.get("/you-said-we-did/000000000000000000000000"), http.StatusNotFound, "unknown page")

	var data struct {
		Recommendations []publicRec `json:"recommendations"`
	}
	if err := json.Unmarshal([]byte(anon.get("/you-said-we-did.json").Body), &data); err != nil || len(data.Recommendations) != 1 ||
		data.Recommendations[0].Status != store.RecImplemented || data.Recommendations[0].Percent != 40 {
		t.Fatalf("json: %v %+v", err, data)
	}
	var feed atomFeed
	if err := xml.Unmarshal([]byte(anon.get("/you-said-we-did.atom").Body), &feed); err != nil || len(feed.Entries) != 1 ||
		feed.Entries[0].ID != f.a.http.URL+"/you-said-we-did/"+pub {
		t.Fatalf("atom: %v %+v", err, feed)
	}
	// Changing the wording without the chair takes it off the public page.
	f.change(t, f.coord, pub, "public", url.Values{"publicTitle": {"New title"}, "publicSummary": {"New summary"}})
	wantRecStatus(t, anon.get("/you-said-we-did/"+pub), http.StatusNotFound, "page after the wording changed")
}

// TestRecommendationFiltersRefuseUnknownValuesWithFakes: a value that is not one of
// a filter's choices (a hand-edited link) gets 422 with the GOV.UK error
// summary linking to the list, the message next to it, and the other
// filters as chosen; on the staff list and the public one alike. Before
// the error path moved onto apperr these had no test.
func TestRecommendationFiltersRefuseUnknownValuesWithFakes(t *testing.T) {
	f := newRecFakeFixture(t)
	r := f.coord.get("/recommendations?status=bogus&source=" + store.RecSources[0])
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "govuk-error-summary") ||
		!strings.Contains(r.Body, `href="#status"`) || !strings.Contains(r.Body, `id="status-error"`) ||
		!strings.Contains(r.Body, "Choose Status from the list") {
		t.Fatalf("an unknown status: %d\n%s", r.Status, r.Body)
	}
	if !strings.Contains(r.Body, `value="`+store.RecSources[0]+`" selected`) {
		t.Errorf("the source chosen is not kept")
	}
	if strings.Contains(r.Body, `href="#source"`) {
		t.Errorf("a good source is refused")
	}
	r = f.a.client().get("/you-said-we-did?area=nowhere&group=" + f.group.ID)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `href="#area"`) || !strings.Contains(r.Body, `id="area-error"`) ||
		!strings.Contains(r.Body, "Choose Race Action Plan area from the list") || !strings.Contains(r.Body, `value="`+f.group.ID+`" selected`) {
		t.Fatalf("an unknown area on the public list: %d\n%s", r.Status, r.Body)
	}
}
