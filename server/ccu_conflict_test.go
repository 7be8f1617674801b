package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// TestDeclaredConflictsFlagAccess: an analyst declares the people they
// are connected to (bad declarations: TestConflictBadInputWithFakes); a
// case about a declared person warns the analyst, its opening is audited
// as a declared conflict, and the access review flags it (without saying
// whom the conflict is with); removing a declaration is the declarer's
// alone.
func TestDeclaredConflictsFlagAccess(t *testing.T) {
	a := newTestApp(t)
	ana := a.newUser(store.RoleCCU, "ana@example.org")
	ben := a.newUser(store.RoleCCU, "ben@example.org")
	_, pc := a.newPartnerUser("Refuge Dorset", "w@refuge.example")
	brother := submitReferral(t, pc, referralAnswers("C1")) // PersonNameC1, Dorset Police, PC 4C1
	stranger := submitReferral(t, pc, referralAnswers("C2"))

	ca := a.client()
	ca.signIn(ana)
	if r := ca.get("/ccu/conflicts"); r.Status != http.StatusOK || !strings.Contains(r.Body, "You have not declared any conflicts") {
		t.Fatalf("empty list: %d\n%s", r.Status, r.Body)
	}
	// Declared by name and force, written differently from the referral.
	r := ca.submit("/ccu/conflicts", "/ccu/conflicts", url.Values{"name": {" personnamec1 "}, "force": {"DORSET POLICE"}, "connection": {"My brother"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("declare: %d\n%s", r.Status, r.Body)
	}
	if r := ca.get("/ccu/conflicts"); !strings.Contains(r.Body, "My brother") || !strings.Contains(r.Body, "personnamec1, DORSET POLICE") {
		t.Fatalf("list after declaring:\n%s", r.Body)
	}
	raw, err := a.store.RawDatabase().Collection("conflicts").FindOne(context.Background(), map[string]any{}).Raw()
	if err != nil || strings.Contains(strings.ToLower(raw.String()), "personnamec1") || strings.Contains(raw.String(), "brother") {
		t.Fatalf("the stored declaration holds the name or connection in plain text (%v):\n%s", err, raw)
	}

	// Opening the brother's case warns and is audited as a conflict; the stranger's is not.
	ca.openCase(brother, store.ReasonAssessment)
	if r := ca.get("/ccu/referrals/" + brother); !strings.Contains(r.Body, "You declared a conflict of interest") {
		t.Fatalf("no warning on the case about a declared person:\n%s", r.Body)
	}
	ca.openCase(stranger, store.ReasonAssessment)
	if r := ca.get("/ccu/referrals/" + stranger); strings.Contains(r.Body, "You declared a conflict of interest") {
		t.Fatal("a warning on a case about someone else")
	}
	views := auditOf(t, a, store.AuditRefViewed)
	flagged := 0
	for _, ev := range views {
		if strings.HasSuffix(ev.Detail, "(declared conflict)") {
			flagged++
			if ev.Target != "referral:"+brother {
				t.Errorf("flagged opening of %s", ev.Target)
			}
		}
	}
	if flagged != 1 {
		t.Fatalf("%d openings audited as a declared conflict, want 1: %+v", flagged, views)
	}
	if evs := auditOf(t, a, store.AuditConflictDeclared); len(evs) != 1 || strings.Contains(evs[0].Detail+evs[0].Target, "personnamec1") {
		t.Fatalf("declaration events: %+v", evs)
	}

	// The supervisor's review: ana has 2 cases, 2 openings, one of them
	// about a declared person.
	sv := a.client()
	sv.signIn(a.newUser(store.RoleCCUSupervisor, "supervisor@example.org"))
	month := time.Now().In(london).Format("2006-01")
	body := flatten(sv.get("/ccu/review?month=" + month).Body)
	if !strings.Contains(body, cells("ana@example.org", "2", "2", "0")) || !strings.Contains(body, "Declared conflict") || strings.Contains(body, "My brother") {
		t.Fatalf("review:\n%s", body)
	}
	csv := sv.get("/ccu/review/export.csv?month=" + month).Body
	// Columns: ..., no activity after a view, declared conflict, audit event.
	if !strings.Contains(csv, ",Declared conflict,") || !strings.Contains(csv, "CCU-00001,referral-viewed,Assessing what was reported,,yes,yes,") ||
		!strings.Contains(csv, "CCU-00002,referral-viewed,Assessing what was reported,,yes,no,") {
		t.Fatalf("export:\n%s", csv)
	}

	// Ben cannot remove ana's declaration, nor can the supervisor; ana can.
	cs, _ := a.store.Conflicts(context.Background(), ana.ID)
	if len(cs) != 1 {
		t.Fatalf("%d declarations", len(cs))
	}
	cb := a.client()
	cb.signIn(ben)
	for who, c := range map[string]*client{"another analyst": cb, "the supervisor": sv} {
		if r := c.submit("/ccu/conflicts", "/ccu/conflicts/"+cs[0].ID+"/remove", url.Values{}); r.Status != http.StatusNotFound {
			t.Fatalf("%s removing it: %d, want 404", who, r.Status)
		}
	}
	if r := ca.submit("/ccu/conflicts", "/ccu/conflicts/"+cs[0].ID+"/remove", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("remove: %d", r.Status)
	}
	if cs, _ := a.store.Conflicts(context.Background(), ana.ID); len(cs) != 0 {
		t.Fatalf("after removal: %+v", cs)
	}
	if evs := auditOf(t, a, store.AuditConflictRemoved); len(evs) != 1 {
		t.Fatalf("removal events: %+v", evs)
	}
}

// TestConflictBadInputWithFakes: bad declarations are refused with 422,
// what was typed kept, and nothing stored (the store is a fake that
// records any declaration it is given).
func TestConflictBadInputWithFakes(t *testing.T) {
	f := newFakeApp(t)
	fc := &fakeConflicts{t: t, conflicts: func(string) ([]store.Conflict, error) { return nil, nil }}
	f.srv.conflicts = fc
	ca := f.as(&store.User{Email: "ana@example.org", Name: "Ana Analyst", Role: store.RoleCCU, Status: store.StatusActive})
	if r := ca.get("/ccu/conflicts"); r.Status != http.StatusOK || !strings.Contains(r.Body, "You have not declared any conflicts") {
		t.Fatalf("empty list: %d\n%s", r.Status, r.Body)
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"nobody named", url.Values{"connection": {"my brother"}}, "Enter their name and force, or their collar number"},
		{"a name without a force", url.Values{"name": {"Sam Smith"}, "connection": {"my brother"}}, "Enter the force they serve in"},
		{"no connection", url.Values{"collar": {"1234"}}, "Enter how you know them"},
		{"connection too long", url.Values{"collar": {"1234"}, "connection": {strings.Repeat("x", 301)}}, "300 characters or fewer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ca.submit("/ccu/conflicts", "/ccu/conflicts", tc.form)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "govuk-error-summary") || !strings.Contains(r.Body, tc.want) {
				t.Fatalf("%d, want 422 with %q\n%s", r.Status, tc.want, r.Body)
			}
			for _, v := range tc.form {
				if len(v[0]) < 100 && !strings.Contains(r.Body, v[0]) {
					t.Errorf("what was typed (%q) is not kept", v[0])
				}
			}
		})
	}
	if cs := fc.declaredSoFar(); len(cs) != 0 {
		t.Fatalf("refused declarations were stored: %+v", cs)
	}
}
