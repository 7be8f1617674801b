package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// surveyDecisionColl keeps each survey release's decided suppression
// (issue 11): the mask the disclosure audit chose, stored with the release
// it is for, so that a restart or a second instance serves the decision
// already made instead of deciding again. A release is a survey version's
// counts at one moment; the key names the survey, the version and a hash
// of every count and relation of the release, so a changed count (a late
// response) is a different release with a decision of its own.
const surveyDecisionColl = "survey_decisions"

// SurveyDecision is one release's decided suppression.
type SurveyDecision struct {
	Key      string    `bson:"_id"` // survey/version/hash of the release
	SurveyID string    `bson:"survey"`
	Version  int       `bson:"version"`
	Mask     []int     `bson:"mask"`     // stats states, one per count of the release
	Unproven int       `bson:"unproven"` // ends without a witness (then everything is withheld)
	Decided  time.Time `bson:"decided"`
}

// SurveyDecision returns the stored decision under key, or ok false.
func (s *Store) SurveyDecision(ctx context.Context, key string) (d SurveyDecision, ok bool, err error) {
	err = s.r(surveyDecisionColl).FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return SurveyDecision{}, false, nil
	}
	if err != nil {
		return SurveyDecision{}, false, fmt.Errorf("store: survey decision %s: %w", key, err)
	}
	return d, true, nil
}

// SaveSurveyDecision stores a release's decision. A decision already
// stored under the key (another instance decided the same release) is
// kept: the audit is deterministic, so both are the same.
func (s *Store) SaveSurveyDecision(ctx context.Context, d SurveyDecision) error {
	d.Decided = s.now().UTC()
	_, err := s.c(surveyDecisionColl).InsertOne(ctx, d)
	if err != nil && !isDuplicate(err) {
		return fmt.Errorf("store: save survey decision %s: %w", d.Key, err)
	}
	return nil
}

// SurveyDecisionCount is how many decisions are stored for a survey
// version (for tests and operators).
func (s *Store) SurveyDecisionCount(ctx context.Context, surveyID string, version int) (int64, error) {
	n, err := s.r(surveyDecisionColl).CountDocuments(ctx, bson.D{{Key: "survey", Value: surveyID}, {Key: "version", Value: version}})
	if err != nil {
		return 0, fmt.Errorf("store: count survey decisions: %w", err)
	}
	return n, nil
}
