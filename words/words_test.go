package words_test

import (
	"slices"
	"testing"

	"candour/store"
	"candour/words"
)

// Every code the store lists has a label of its own (not the code itself),
// so a new type or status cannot reach a page unnamed.
func TestEveryCodeHasALabel(t *testing.T) {
	for _, tc := range []struct {
		name  string
		codes []string
		label func(string) string
	}{
		{"visit type", store.VisitTypes, words.VisitType},
		{"recommendation status", store.RecStatuses, words.RecStatus},
		{"recommendation source", store.RecSources, words.RecSource},
		{"race action plan area", store.RAPAreas, words.RAPArea},
		{"use-of-force tactic", store.ForceTactics, words.Force},
		{"use-of-force reason", store.ForceReasons, words.Force},
		{"use-of-force impact factor", store.ForceImpactFactors, words.Force},
		{"injury", store.ForceInjuries, words.Force},
		{"training", store.TrainingKinds, words.Training},
		{"group kind", store.GroupKinds, words.GroupKind},
		{"advice handling marker", store.HandlingMarkers, words.Handling},
		{"advice outcome", store.AdviceOutcomes, words.AdviceOutcome},
		{"attendance mark", store.AttendanceMarks, words.Attendance},
		{"referral status", append(slices.Clone(store.RefStatuses), store.RefContentGone), words.RefStatus},
		{"referral category", store.RefCategories, words.RefCategory},
		{"RAG rating", store.RAGRatings, words.RAG},
		{"custody finding section", store.CustodySections, words.Section},
		{"finding section", store.GeneralSections, words.Section},
		{"GOWISELY element", store.Gowisely, words.Gowisely},
		{"role", roleCodes(), words.Role},
	} {
		seen := map[string]string{}
		for _, code := range tc.codes {
			l := tc.label(code)
			if l == code || l == "" {
				t.Errorf("%s %q has no label", tc.name, code)
			}
			if other, dup := seen[l]; dup {
				t.Errorf("%s %q and %q share the label %q", tc.name, code, other, l)
			}
			seen[l] = code
		}
	}
}

func TestStatusListAndRefusal(t *testing.T) {
	if got := words.StatusList(nil); got != "nothing: this recommendation's lifecycle has ended" {
		t.Errorf("StatusList(nil) = %q", got)
	}
	if got := words.StatusList([]string{store.RecAccepted, store.RecAcceptedInPart, store.RecNotAccepted}); got != "Accepted, Accepted in part or Not accepted" {
		t.Errorf("StatusList = %q", got)
	}
	want := `This recommendation is "Raised", so it cannot become "Closed". From "Raised" it can now become: Awaiting force response.`
	if got := words.TransitionRefused(store.RecRaised, store.RecClosed, []string{store.RecAwaiting}); got != want {
		t.Errorf("TransitionRefused = %q\nwant %q", got, want)
	}
}

func roleCodes() []string {
	var out []string
	for _, r := range store.Roles {
		out = append(out, string(r))
	}
	return out
}

// TestRoleLabels: each role's name for people, by hand from the role list
// in store/users.go (the labels were TestRoleFlags' in store until they
// moved here).
func TestRoleLabels(t *testing.T) {
	for _, tc := range []struct {
		role  store.Role
		label string
	}{
		{store.RoleAdmin, "Administrator"},
		{store.RoleCoordinator, "Engagement coordinator"},
		{store.RoleCCU, "Counter Corruption Unit"},
		{store.RoleCCUSupervisor, "Counter Corruption Unit supervisor"},
		{store.RoleChair, "Group chair"},
		{store.RoleMember, "Group member"},
		{store.RolePartner, "Partner organisation worker"},
		{store.RoleSchemeManager, "Custody visiting scheme manager"},
		{store.RoleOfficer, "Police officer (vehicle stops)"},
	} {
		if got := words.Role(string(tc.role)); got != tc.label {
			t.Errorf("%s: label %q, want %q", tc.role, got, tc.label)
		}
	}
}
