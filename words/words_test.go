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

// TestSurveyLabels: every question type and breakdown the store lists has
// a label of its own, and the people who did not say are "Not stated".
func TestSurveyLabels(t *testing.T) {
	types := append(slices.Clone(store.QuestionTypes), store.QPostcode)
	seen := map[string]bool{}
	for _, ty := range types {
		l := words.QuestionType(ty)
		if l == "" || l == ty || seen[l] {
			t.Errorf("question type %q: label %q (empty, the code or shared)", ty, l)
		}
		seen[l] = true
	}
	if words.QuestionType("essay") != "" {
		t.Error("a type that is not one has a label")
	}
	if got := words.QuestionType(store.QRating); got != "Rating from 0 to 10" {
		t.Errorf("rating = %q", got)
	}
	seen = map[string]bool{}
	for _, d := range store.BreakdownDims {
		l := words.Breakdown(d)
		if l == "" || l == d || seen[l] {
			t.Errorf("breakdown %q: label %q (empty, the code or shared)", d, l)
		}
		seen[l] = true
	}
	if got := words.Breakdown(store.AboutEthnicity); got != "Ethnic group" {
		t.Errorf("ethnicity = %q", got)
	}
	if words.Breakdown(store.AboutPostcode) != "" {
		t.Error("the postcode district is not a breakdown, but has a label")
	}
	if got := words.BreakdownValue(store.AboutYouAnswer(store.AboutSex, store.NotStated)); got != "Not stated" {
		t.Errorf("not stated = %q", got)
	}
	if got := words.BreakdownValue(store.AboutYouAnswer(store.AboutDisability, "yes")); got != "Yes" {
		t.Errorf("disability yes = %q", got)
	}
}

// TestFinancialQuarterLabels: the financial year starts in April, so its
// fourth quarter is January to March of the next calendar year.
func TestFinancialQuarterLabels(t *testing.T) {
	for _, c := range []struct {
		year, q int
		want    string
	}{
		{2026, 1, "Q1 2026/27 (April to June 2026)"},
		{2026, 2, "Q2 2026/27 (July to September 2026)"},
		{2026, 3, "Q3 2026/27 (October to December 2026)"},
		{2026, 4, "Q4 2026/27 (January to March 2027)"},
		{2025, 4, "Q4 2025/26 (January to March 2026)"},
		{1999, 1, "Q1 1999/00 (April to June 1999)"},
	} {
		if got := words.FinancialQuarter(c.year, c.q); got != c.want {
			t.Errorf("%d Q%d = %q, want %q", c.year, c.q, got, c.want)
		}
	}
}
