package survey

import (
	"fmt"

	"candour/stats"
	"candour/store"
)

// Looks during fieldwork. While a survey is taking answers its counts move
// with every response, and each look at them is a separate release: a
// coordinator who looked before and after someone responded could subtract
// the two and read that person's answers, whatever each look withheld. So
// while a survey is open (or published but not yet open) every output of
// it (the results page, the results CSV, `candour report survey`) gives
// only the number of responses; its answers and breakdowns appear, decided
// once by the audit, when it has closed. Two looks during fieldwork then
// differ only in the number of responses, which anyone answering could
// count for themselves.

// Fieldwork reports whether a survey is still taking answers on day
// (YYYY-MM-DD): open, or published and not yet open.
func Fieldwork(sv *store.Survey, day string) bool {
	st := sv.State(day)
	return st == store.SurveyOpen || st == store.SurveyNotYet
}

// FieldworkNote says why an open survey's results show only the number of
// responses (on the page, in the CSV and in `candour report survey`).
const FieldworkNote = "This survey is still open. Until it closes, its results show only how many people have responded. The answers, and the breakdowns by ethnic group and other groups, appear once the survey has closed: comparing results taken before and after someone responds would show that person's answers."

// BuildOn is Build as looked at on day: during fieldwork, only the number
// of responses (Results.Fieldwork); once the survey has closed, everything
// Build gives.
func BuildOn(sv *store.Survey, version int, ts []store.Tally, day string) (*Results, error) {
	if !Fieldwork(sv, day) {
		return Build(sv, version, ts)
	}
	if sv.Version(version) == nil {
		return nil, fmt.Errorf("survey %s has no version %d", sv.ID, version)
	}
	var n int64
	for _, t := range ts {
		if t.Dim == store.DimAll && t.Value == store.DimAll {
			n = t.N
		}
	}
	return &Results{SurveyID: sv.ID, Title: sv.Title, Version: version, Fieldwork: true,
		Respondents: Count{N: n, State: stats.Shown}, SmallBase: stats.SmallBase(n)}, nil
}
