package store

import (
	"context"
	"strings"
)

// The published free-text answers of a survey are shown beside its figures
// on every results page. On the embedded server, where one process owns
// the data and the writer reports every write (copies.go), each survey's
// published answers are a copy, so a results page does not read every
// page of the survey's answers (TextPageCollection, up to one page of 50
// for every 50 answers: 200 for 10,000) to show the few published ones.
// The copy is dropped by a write to that survey's pages or head (by _id,
// "<survey>:<n>" or "<survey>:head") and by any other write to the pages
// or to the old one-document-per-answer collection (inserts, deletes by
// filter, the migration). On MongoDB they are read each time, as before.
// (Before the pages, the embedded server matched every survey's answers
// in Go for this read: about 2 ms of the public summary's 12 ms a request
// in make bench -profile.)

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

// surveyTextsChanged is the writer's report of a write to
// TextPageCollection or TextCollection (id: the document's _id, which
// starts with the survey's, or "" or inserted for writes of many).
func (s *Store) surveyTextsChanged(id string) {
	if surveyID, _, ok := strings.Cut(id, ":"); ok && id != inserted {
		s.publishedTexts.invalidate(surveyID)
		return
	}
	s.publishedTexts.invalidate("")
}
