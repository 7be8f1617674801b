package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"candour/store"
)

// openCase gives reason for case id, as the CCU analyst does before the
// first opening in a session, and fails the test unless the case opens.
func (c *client) openCase(id, reason string) {
	c.a.t.Helper()
	page := "/ccu/referrals/" + id + "/reason"
	r := c.submit(page, page, url.Values{"reason": {reason}})
	if r.Status != http.StatusSeeOther || r.Location != "/ccu/referrals/"+id {
		c.a.t.Fatalf("reason for %s: %d to %q\n%s", id, r.Status, r.Location, r.Body)
	}
}

// auditOf lists the events of one action, newest first.
func auditOf(t *testing.T, a *testApp, action string) []store.AuditEvent {
	t.Helper()
	evs, _, err := a.store.ListAudit(context.Background(), store.AuditFilter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestOpeningACaseAsksForAReasonOncePerSession(t *testing.T) {
	a := newTestApp(t)
	ccu := a.newUser(store.RoleCCU, "analyst@example.org")
	_, pc := a.newPartnerUser("Refuge Dorset", "w@refuge.example")
	id := submitReferral(t, pc, referralAnswers("R1"))
	cc := a.client()
	cc.signIn(ccu)
	page := "/ccu/referrals/" + id

	// (The question, bad answers, another case, a new session and an
	// unknown case: TestCaseReasonAskedFirstWithFakes.)
	if r := cc.get(page); r.Status != http.StatusSeeOther || r.Location != page+"/reason" {
		t.Fatalf("open without a reason: %d to %q, want 303 to the reason page", r.Status, r.Location)
	}
	if r := cc.submit(page+"/reason", page+"/reason", url.Values{"reason": {"other"}, "other": {"kept words"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("other with words: %d", r.Status)
	}
	if evs := auditOf(t, a, store.AuditRefViewed); len(evs) != 0 {
		t.Fatalf("refused or unopened cases were audited as viewed: %+v", evs)
	}

	// Opened twice in the session: asked once, each opening audited with the reason.
	for range 2 {
		if r := cc.get(page); r.Status != http.StatusOK || !strings.Contains(r.Body, "WhatHappenedR1") {
			t.Fatalf("open with a reason: %d", r.Status)
		}
	}
	evs := auditOf(t, a, store.AuditRefViewed)
	if len(evs) != 2 || evs[0].Reason != "other: kept words" || evs[1].Reason != "other: kept words" || evs[0].Target != "referral:"+id {
		t.Fatalf("view events = %+v", evs)
	}
	// The chain still verifies with reasons in it.
	if br, n, err := a.store.VerifyAudit(context.Background()); err != nil || br != nil || n == 0 {
		t.Fatalf("verify = %+v, %d, %v", br, n, err)
	}
}

func TestExportRecordsReasonAndRecipient(t *testing.T) {
	a, _, _ := ccuRefFakes(t)
	ccu := a.newUser(store.RoleCCU, "analyst@example.org")
	_, pc := a.newPartnerUser("Refuge Dorset", "w@refuge.example")
	id := submitReferral(t, pc, referralAnswers("E1"))
	cc := a.as(ccu)
	cc.openCase(id, store.ReasonInvestigation)
	page := "/ccu/referrals/" + id + "/export"

	// The form comes with the case's reason chosen.
	r := cc.get(page)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `value="investigation" checked`) || strings.Contains(r.Body, "WhatHappenedE1") {
		t.Fatalf("export form: %d\n%s", r.Status, r.Body)
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"no recipient", url.Values{"reason": {store.ReasonDisclosure}}, "Enter who you are sending this to"},
		{"no reason", url.Values{"recipient": {"DS Jo Bloggs"}}, "Choose why you need to export this case"},
		{"other without words", url.Values{"reason": {"other"}, "recipient": {"DS Jo Bloggs"}}, "Say why you need to export this case"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := cc.submit(page, page, tc.form)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.want) || strings.Contains(r.Body, "WhatHappenedE1") {
				t.Fatalf("%d, want 422 with %q\n%s", r.Status, tc.want, r.Body)
			}
			if v := tc.form.Get("recipient"); v != "" && !strings.Contains(r.Body, `value="`+v+`"`) {
				t.Fatal("the recipient typed is not kept")
			}
		})
	}
	if evs := a.audits.of(store.AuditRefExported); len(evs) != 0 {
		t.Fatalf("refused exports were audited: %+v", evs)
	}
	r = cc.submit(page, page, url.Values{"reason": {store.ReasonDisclosure}, "recipient": {"DS Jo Bloggs, Wessex Police"}})
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Body, "Disclosed to: DS Jo Bloggs, Wessex Police\n") || !strings.Contains(r.Body, "WhatHappenedE1") {
		t.Fatalf("export: %d\n%s", r.Status, r.Body)
	}
	evs := a.audits.of(store.AuditRefExported)
	if len(evs) != 1 || evs[0].Reason != store.ReasonDisclosure || evs[0].Recipient != "DS Jo Bloggs, Wessex Police" || evs[0].Actor != ccu.Email {
		t.Fatalf("export events = %+v", evs)
	}
	// The supervisor's audit page shows why and to whom.
	cs := a.as(a.newUser(store.RoleCCUSupervisor, "supervisor@example.org"))
	if body := cs.get("/ccu/audit?action=" + store.AuditRefExported).Body; !strings.Contains(body, "Disclosure to another force; disclosed to DS Jo Bloggs, Wessex Police") {
		t.Fatalf("audit page:\n%s", body)
	}
}
