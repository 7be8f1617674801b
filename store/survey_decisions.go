package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
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
// kept: the audit is deterministic, so both are the same. The version's
// mark (SurveyVersionDecided) is stored first, so that no decision is ever
// stored without it.
func (s *Store) SaveSurveyDecision(ctx context.Context, d SurveyDecision) error {
	d.Decided = s.now().UTC()
	if err := s.markDecided(ctx, d.SurveyID, d.Version, d.Decided); err != nil {
		return err
	}
	_, err := s.c(surveyDecisionColl).InsertOne(ctx, d)
	if err != nil && !isDuplicate(err) {
		return fmt.Errorf("store: save survey decision %s: %w", d.Key, err)
	}
	return nil
}

// decidedMark is a survey version's mark beside its decisions: some
// release of the version has a decision stored (or was about to have one
// when the mark was written). Its _id is the survey and the version
// (decidedMarkID), which no decision's key is (they end in the release's
// hash), and it has no survey or version field, so SurveyDecisionCount
// does not count it.
type decidedMark struct {
	ID    string    `bson:"_id"`
	First time.Time `bson:"first"` // when the first decision of the version was stored
}

// decidedMarkID keys a survey version's mark.
func decidedMarkID(surveyID string, version int) string {
	return surveyID + "/" + strconv.Itoa(version)
}

// markDecided stores version's mark, if it is not there already.
func (s *Store) markDecided(ctx context.Context, surveyID string, version int, at time.Time) error {
	_, err := s.c(surveyDecisionColl).InsertOne(ctx, decidedMark{ID: decidedMarkID(surveyID, version), First: at})
	if err != nil && !isDuplicate(err) {
		return fmt.Errorf("store: mark survey %s version %d decided: %w", surveyID, version, err)
	}
	return nil
}

// SurveyVersionDecided reports whether any release of a survey version has
// a stored decision, with one small read by _id and without the counters:
// false means that none has, so the version's results cannot be built yet
// (the portal answers that they are being checked without reading the
// counters, issue 18). True says nothing about the release the counters
// make now (a late response makes a new one); that takes the release's
// own key (SurveyDecision).
func (s *Store) SurveyVersionDecided(ctx context.Context, surveyID string, version int) (bool, error) {
	err := s.r(surveyDecisionColl).FindOne(ctx, bson.D{{Key: "_id", Value: decidedMarkID(surveyID, version)}}).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: survey %s version %d decided: %w", surveyID, version, err)
	}
	return true, nil
}

// markDecidedVersions is the migration that gives every survey version
// with a decision stored before the marks existed its mark (read first,
// then written: nothing is written into the collection while it is read).
func markDecidedVersions(ctx context.Context, s *Store) error {
	cur, err := s.r(surveyDecisionColl).Find(ctx, bson.D{{Key: "survey", Value: bson.D{{Key: "$exists", Value: true}}}},
		options.Find().SetProjection(bson.D{{Key: "survey", Value: 1}, {Key: "version", Value: 1}, {Key: "decided", Value: 1}}))
	if err != nil {
		return fmt.Errorf("store: survey decisions: %w", err)
	}
	var ds []SurveyDecision
	if err := cur.All(ctx, &ds); err != nil {
		return fmt.Errorf("store: survey decisions: %w", err)
	}
	for _, d := range ds {
		if err := s.markDecided(ctx, d.SurveyID, d.Version, d.Decided); err != nil {
			return err
		}
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
