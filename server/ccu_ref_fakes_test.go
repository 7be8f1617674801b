package server

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// ccuRefFakes is refFakes with the Counter Corruption Unit's side on the
// same referrals: its fakeCCU reads them from the refWorld (a case opened
// with what was sent in it, as OpenReferral opens it), knows no conflicts,
// matches or links, lists the unit's people from the fake app's users
// (by role, as ListUsers), and reads the audit events the handlers
// recorded (newest first, as ListAudit); the audit pages put names to
// them from the same people. All of it is set before the server starts.
func ccuRefFakes(t *testing.T) (*fakeApp, *fakeCCU, *refWorld) {
	a, _, w := unstartedRefFakes(t)
	fc := a.srv.ccu.(*fakeCCU)
	fc.referral = w.get
	fc.openReferral = w.open
	fc.assessReferral = w.assess
	fc.conflictsWith = func(string, *store.Referral) (bool, error) { return false, nil }
	fc.referralMatches = func(*store.Referral) ([]store.RefSummary, error) { return nil, nil }
	fc.referralsByID = func([]string) ([]store.RefSummary, error) { return nil, nil }
	fc.user = func(id string) (*store.User, error) { return a.users.User(t.Context(), id) }
	fc.listUsers = func(f store.UserFilter) ([]store.User, bool, error) {
		var out []store.User
		for _, u := range a.users.all() {
			if u.Role == f.Role && u.Status == store.StatusActive {
				out = append(out, u)
			}
		}
		slices.SortFunc(out, func(x, y store.User) int { return x.CreatedAt.Compare(y.CreatedAt) })
		return out, false, nil
	}
	fc.listAudit = func(f store.AuditFilter) ([]store.AuditEvent, bool, error) {
		var out []store.AuditEvent
		for _, e := range slices.Backward(a.audits.all()) {
			if f.Action == "" || e.Action == f.Action {
				out = append(out, e)
			}
		}
		return out, false, nil
	}
	fa := &fakeAuditPages{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: time.Now()}}}
	fa.usersByID = a.users.byID
	fa.groups = func() ([]store.Group, error) { return nil, nil }
	fa.recommendationsByID = func([]string) ([]store.RecSummary, error) { return nil, nil }
	fa.schedules = func([]string) ([]store.Visit, error) { return nil, nil }
	fa.referralsByID = func(ids []string) ([]store.RefSummary, error) {
		var out []store.RefSummary
		for _, id := range ids {
			if r, err := w.get(id); err == nil {
				out = append(out, r.Summary())
			}
		}
		return out, nil
	}
	a.srv.auditPages = fa
	a.start()
	return a, fc, w
}

// assess is AssessReferral under the store's contract: a form made from
// another version, or a case whose content is gone, is ErrConflict and
// changes nothing; a status change moves StatusAt, risk "urgent" flags
// the case; it answers the referral as it was before.
func (w *refWorld) assess(id string, version int, as store.Assessment) (*store.Referral, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	r, ok := w.refs[id]
	if !ok {
		return nil, fmt.Errorf("store: referral %s: %w", id, store.ErrNotFound)
	}
	before := *r
	if r.Version != version || r.ContentGone {
		return &before, fmt.Errorf("store: assess referral %s: %w", id, store.ErrConflict)
	}
	if as.Status != r.Status {
		r.StatusAt = time.Now().UTC()
	}
	r.Status, r.Risk, r.Source, r.Intel, r.Handling = as.Status, as.Risk, as.Source, as.Intel, as.Handling
	r.AssigneeID, r.AssigneeName, r.Urgent, r.AwaitingCCU, r.Version = as.AssigneeID, as.AssigneeName, as.Risk == "urgent", false, version+1
	return &before, nil
}

// TestCCUAssessmentWithFakes: an analyst grades and assigns a referral (a
// stale form is a 409), the partner sees the status but not the grading,
// and the supervisor's audit page shows the change. (The match, the link,
// the queue's order and the audit chain: TestCCUAssessmentLinksAndAudit.)
func TestCCUAssessmentWithFakes(t *testing.T) {
	a, _, w := ccuRefFakes(t)
	ccu := a.newUser(store.RoleCCU, "analyst@example.org")
	_, pc := a.newPartnerUser("Refuge Dorset", "w@refuge.example")
	first := submitReferral(t, pc, referralAnswers("L1"))
	cc := a.as(ccu)

	page := "/ccu/referrals/" + first
	cc.openCase(first, store.ReasonAssessment)
	// Bad grading and an assignee outside the unit: TestCCUAssessmentBadInputWithFakes.
	good := url.Values{"version": {"1"}, "status": {store.RefReferred}, "risk": {"urgent"}, "source": {"2"}, "intel": {"B"}, "handling": {"C"}, "assignee": {ccu.ID}}
	if r := cc.submit(page, page+"/assess", good); r.Status != http.StatusSeeOther {
		t.Fatalf("assess: %d\n%s", r.Status, r.Body)
	}
	if r := cc.submit(page, page+"/assess", good); r.Status != http.StatusConflict {
		t.Fatalf("stale assessment: %d, want 409", r.Status)
	}
	got, _ := w.get(first)
	if got.Grading() != "2/B/C" || !got.Urgent || got.AssigneeName != ccu.Name || got.Status != store.RefReferred {
		t.Fatalf("after assessment: %+v", got)
	}
	if r := pc.get("/referrals/" + first); strings.Contains(r.Body, "2/B/C") || !strings.Contains(r.Body, "Referred for investigation") {
		t.Fatal("partner sees the grading, or not the status")
	}

	// The supervisor's audit page lists the status change.
	cs := a.as(a.newUser(store.RoleCCUSupervisor, "supervisor@example.org"))
	r := cs.get("/ccu/audit?action=" + store.AuditRefStatus)
	if !strings.Contains(r.Body, "CCU-00001: received → referred-for-investigation") {
		t.Fatalf("audit page:\n%s", r.Body)
	}
}
