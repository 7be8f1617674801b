package store

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"candour/apperr"
)

// SurveyText is one free-text answer, kept apart from the responses so
// that coordinators can read a question's answers without reading every
// response. Every survey's are in one collection (TextCollection), each
// keyed by its survey and ID (Key). Only staff see it; a coordinator may
// publish a redacted version (names and anything identifying taken out) in
// the public summary. The original is never published.
type SurveyText struct {
	Key        string `bson:"_id"` // survey id + ":" + ID
	ID         string `bson:"id"`  // response id + ":" + question id
	Survey     string `bson:"survey"`
	Version    int    `bson:"version"`
	QuestionID string `bson:"questionId"`
	Day        string `bson:"day"`
	Text       string `bson:"text"`
	Redacted   string `bson:"redacted,omitempty"`
	Published  bool   `bson:"published"`
}

// TextCollection holds every survey's free-text answers (until issue 18,
// one collection per survey: legacyTextColl).
const TextCollection = "survey_texts"

// textKey is the _id of survey surveyID's free-text answer id.
func textKey(surveyID, id string) string { return surveyID + ":" + id }

// Shown is what a published quote says: the redacted version.
func (t *SurveyText) Shown() string { return t.Redacted }

// insertTexts keeps r's free-text answers (ignoring any already kept: a
// retried submission).
func (s *Store) insertTexts(ctx context.Context, v *Version, r *Response) error {
	var docs []any
	for i := range v.Questions {
		q := &v.Questions[i]
		if vals := r.Answers[q.ID]; q.FreeText() && len(vals) == 1 {
			id := r.ID + ":" + q.ID
			docs = append(docs, SurveyText{Key: textKey(r.SurveyID, id), ID: id, Survey: r.SurveyID, Version: v.N, QuestionID: q.ID, Day: r.Day, Text: vals[0]})
		}
	}
	if len(docs) == 0 {
		return nil
	}
	if _, err := s.c(TextCollection).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false)); err != nil && !isDuplicate(err) {
		return fmt.Errorf("store: keep free-text answers: %w", err)
	}
	return nil
}

// SurveyTexts returns the free-text answers to question qid (all
// versions), newest day first; with published, only published ones.
// MongoDB answers it from the index on survey, question and day
// (indexes.go); the embedded server reads the collection (it pushes down
// only a filter by _id).
func (s *Store) SurveyTexts(ctx context.Context, surveyID, qid string, published bool) ([]SurveyText, error) {
	filter := bson.D{{Key: "survey", Value: surveyID}}
	if qid != "" {
		filter = append(filter, bson.E{Key: "questionId", Value: qid})
	}
	if published {
		filter = append(filter, bson.E{Key: "published", Value: true})
	}
	var ts []SurveyText
	cur, err := s.r(TextCollection).Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "day", Value: -1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("store: free-text answers of survey %s: %w", surveyID, err)
	}
	if err := cur.All(ctx, &ts); err != nil {
		return nil, fmt.Errorf("store: free-text answers of survey %s: %w", surveyID, err)
	}
	return ts, nil
}

// RedactSurveyText saves a free-text answer's redacted version and
// whether it is published. Publishing needs a redacted version (the
// coordinator's edited copy; it may be the same words once checked).
// Returns ErrNotFound or an apperr.Invalid on the field "redacted".
func (s *Store) RedactSurveyText(ctx context.Context, surveyID, id, redacted string, publish bool) error {
	redacted = strings.TrimSpace(redacted)
	switch {
	case publish && redacted == "":
		return apperr.New(apperr.Invalid, "redacted", "Enter the version to publish, with anything that could identify someone taken out")
	case utf8.RuneCountInString(redacted) > MaxLongText:
		return apperr.New(apperr.Invalid, "redacted", "The published version must be 1,200 characters or fewer")
	}
	res, err := s.c(TextCollection).UpdateOne(ctx, bson.D{{Key: "_id", Value: textKey(surveyID, id)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "redacted", Value: redacted}, {Key: "published", Value: publish}}}})
	if err != nil {
		return fmt.Errorf("store: redact free text: %w", err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("store: free text %s: %w", id, ErrNotFound)
	}
	return nil
}
