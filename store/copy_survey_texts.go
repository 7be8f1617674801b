package store

import (
	"context"
	"strings"
)

// The published free-text answers of a survey are shown beside its figures
// on every results page, and the embedded server answers their query by
// decoding and matching every free-text answer in Go (it pushes down only a
// filter by _id): about 2 ms of the public summary's 12 ms a request in
// make bench -profile. On the embedded server, where one process owns the
// data and the writer reports every write (copies.go), each survey's
// published answers are a copy, dropped by a write to that survey's answers
// (by _id: textKey) and by any other write to the collection (inserts,
// deletes by filter). On MongoDB they are a query, as before.

// PublishedSurveyTexts is SurveyTexts(ctx, surveyID, "", true): every
// published free-text answer of the survey, newest day first. The slice is
// shared: callers must not change it.
func (s *Store) PublishedSurveyTexts(ctx context.Context, surveyID string) ([]SurveyText, error) {
	if s.embedded == nil {
		return s.SurveyTexts(ctx, surveyID, "", true)
	}
	return s.publishedTexts.load(surveyID, anyVersion, func() ([]SurveyText, error) {
		return s.SurveyTexts(ctx, surveyID, "", true)
	})
}

// surveyTextsChanged is the writer's report of a write to TextCollection
// (id: the answer's _id, or "" or inserted for writes of many).
func (s *Store) surveyTextsChanged(id string) {
	if surveyID, _, ok := strings.Cut(id, ":"); ok && id != inserted {
		s.publishedTexts.invalidate(surveyID)
		return
	}
	s.publishedTexts.invalidate("")
}
