package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"candour/store"
)

// A visit's findings on fakes: the record forms and their refusals, with
// the findings kept in the visitFakeWorld. What only the store does with a
// finding (the conditional writes, the panel tally a submitted one adds
// to) is tested on the real store (TestVisitFindingsSignOffAndResponse,
// store/visit_months_test.go's TestPanelTallyFollowsSubmissions).

// savesFindings makes SaveFinding keep findings in the world under the
// store's contract (store/findings.go): a first save (version 0) creates
// the finding at version 1, ErrConflict if there is one; a later save must
// name the version stored and find a draft (ErrLocked once submitted,
// ErrConflict otherwise), and moves the version on; submitting marks the
// finding submitted and adds the author to the visit's Submitted. A
// refusal writes nothing.
func (w *visitFakeWorld) savesFindings() {
	w.fv.saveFinding = func(f *store.Finding, version int, submit bool) error {
		now := w.now().UTC()
		w.mu.Lock()
		defer w.mu.Unlock()
		next := *f
		next.ID, next.UpdatedAt, next.Status = store.FindingID(f.VisitID, f.UserID), now, store.FindingDraft
		if submit {
			next.Status, next.SubmittedAt = store.FindingSubmitted, now
		}
		next.Records = slices.Clone(f.Records)
		old, ok := w.findings[next.ID]
		switch {
		case version == 0 && ok:
			return store.ErrConflict
		case version == 0:
			next.CreatedAt, next.Version = now, 1
		case !ok:
			return store.ErrConflict
		case old.Status != store.FindingDraft:
			return store.ErrLocked
		case old.Version != version:
			return store.ErrConflict
		default:
			next.Version = version + 1
		}
		if v, ok := w.visits[next.VisitID]; ok && submit && !slices.Contains(v.Submitted, next.UserID) {
			v.Submitted = append(v.Submitted, next.UserID)
		}
		w.findings[next.ID] = &next
		f.ID, f.Version, f.Status = next.ID, next.Version, next.Status
		return nil
	}
}

// respondsToFindings makes RespondToFinding answer a submitted finding in
// the world, as the store's conditional update does (ErrNotFound for a
// draft or none; the version moves on, the visit lists the author as
// answered), and PanelTallyOf count the group's findings with
// store.TallyOf, which counts only the submitted ones: the tally the store
// keeps up to date as findings are submitted.
func (w *visitFakeWorld) respondsToFindings() {
	w.fv.respondToFinding = func(id, response, by string) (*store.Finding, error) {
		now := w.now().UTC()
		w.mu.Lock()
		defer w.mu.Unlock()
		f, ok := w.findings[id]
		if !ok || f.Status != store.FindingSubmitted {
			return nil, fmt.Errorf("store: respond to finding: %w", store.ErrNotFound)
		}
		f.Response, f.ResponseBy, f.ResponseAt, f.Version = response, by, now, f.Version+1
		if v, ok := w.visits[f.VisitID]; ok && !slices.Contains(v.Answered, f.UserID) {
			v.Answered = append(v.Answered, f.UserID)
		}
		cp := *f
		return &cp, nil
	}
	w.fc.panelTallyOf = func(groupID string) (*store.PanelTally, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		var fs []store.Finding
		for _, f := range w.findings {
			if f.GroupID == groupID {
				fs = append(fs, *f)
			}
		}
		t := store.TallyOf(groupID, fs)
		return &t, nil
	}
}

// TestSavesFindingsKeepsTheStoresContract: the fake refuses what the
// store refuses (a second first save, a stale version, a change after
// submitting), so the tests on it see the store's answers.
func TestSavesFindingsKeepsTheStoresContract(t *testing.T) {
	w := newVisitFakeWorld(t, visitFakeNow)
	w.savesFindings()
	ctx := context.Background()
	f := func() *store.Finding {
		return &store.Finding{VisitID: "v1", UserID: w.m1.ID, Records: []store.RecordReview{{Reference: "DOR-1"}}}
	}
	for i, step := range []struct {
		version int
		submit  bool
		want    error
	}{
		{0, false, nil},
		{0, false, store.ErrConflict},
		{2, false, store.ErrConflict},
		{1, true, nil},
		{2, false, store.ErrLocked},
	} {
		if err := w.fv.SaveFinding(ctx, f(), step.version, step.submit); err != step.want {
			t.Fatalf("save %d (version %d): %v, want %v", i+1, step.version, err, step.want)
		}
	}
	got, err := w.fv.Finding(ctx, store.FindingID("v1", w.m1.ID))
	if err != nil || got.Version != 2 || got.Status != store.FindingSubmitted {
		t.Fatalf("finding = %+v (%v), want version 2, submitted", got, err)
	}
}

// A review's records are capped (the finding is one document saved whole):
// one more is a 422 that stores nothing. The cap is passed in
// (Options.RecordsPerFinding), so the test runs beside others.
func TestVisitRecordsCapped(t *testing.T) {
	w := newVisitFakeWorldOn(t, newFakeAppWith(t, Options{SignInsPerMinute: 1000, RecordsPerFinding: 2}), visitFakeNow)
	w.signUpTakesASeat()
	w.savesFindings()
	ctx := context.Background()
	id := w.createVisit(w.as(w.chair), visitFormAt(w.panel.ID, w.now().Add(time.Hour), "2"))
	w.as(w.m1).submit("/visits/"+id, "/visits/"+id+"/sign-up", nil)
	w.setNow(w.now().Add(2 * time.Hour))
	m1 := w.as(w.m1)
	rec := url.Values{"reference": {"DOR-1"}, "date-day": {"3"}, "date-month": {"10"}, "date-year": {"2026"},
		"legislation": {"PACE s1"}, "object": {"Drugs"}, "outcome": {"NFA"}, "selfEthnicity": {"Not stated"}, "officerEthnicity": {"Not stated"},
		"bwv": {"yes"}, "grounds": {"yes"}, "rag": {"green"}}
	for i := 0; i < 3; i++ {
		f, _ := w.fv.Finding(ctx, store.FindingID(id, w.m1.ID))
		if f != nil {
			rec.Set("version", strconv.Itoa(f.Version))
		}
		r := m1.submit("/visits/"+id+"/findings/record", "/visits/"+id+"/findings/record", rec)
		want := http.StatusSeeOther
		if i == 2 {
			want = http.StatusUnprocessableEntity
		}
		if r.Status != want {
			t.Fatalf("record %d: %d, want %d\n%.500s", i+1, r.Status, want, r.Body)
		}
	}
	if f, _ := w.fv.Finding(ctx, store.FindingID(id, w.m1.ID)); len(f.Records) != 2 {
		t.Fatalf("%d records stored, want 2", len(f.Records))
	}
	if n := w.fv.calls("SaveFinding"); n != 2 {
		t.Errorf("SaveFinding called %d times, want 2", n)
	}
}
