package server

import (
	"fmt"
	"slices"
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
// them from the same people.
func ccuRefFakes(t *testing.T) (*fakeApp, *fakeCCU, *refWorld) {
	a, _, w := refFakes(t)
	fc := a.srv.ccu.(*fakeCCU)
	fc.referral = w.get
	fc.openReferral = w.open
	fc.assessReferral = w.assess
	fc.conflictsWith = func(string, *store.Referral) (bool, error) { return false, nil }
	fc.referralMatches = func(*store.Referral) ([]store.RefSummary, error) { return nil, nil }
	fc.referralsByID = func([]string) ([]store.RefSummary, error) { return nil, nil }
	fc.user = func(id string) (*store.User, error) { return fakeUsers(a.users).User(t.Context(), id) }
	fc.listUsers = func(f store.UserFilter) ([]store.User, bool, error) {
		var out []store.User
		for _, u := range a.users {
			if u.Role == f.Role && u.Status == store.StatusActive {
				out = append(out, *u)
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
	fa.usersByID = usersIn(a.users)
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
