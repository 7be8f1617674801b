package surveytest

import (
	"context"

	"candour/store"
)

// Decisions is a store of release decisions in memory: the part of the
// store that survey.Decide and survey.BuildStored use. It starts empty, so
// a release built through it is decided then and there, as a server
// without the survey-decisions job decides it. Not for concurrent use.
type Decisions map[string]store.SurveyDecision

// SurveyDecision is the decision stored under key, if any.
func (m Decisions) SurveyDecision(_ context.Context, key string) (store.SurveyDecision, bool, error) {
	d, ok := m[key]
	return d, ok, nil
}

// SaveSurveyDecision keeps d under its key.
func (m Decisions) SaveSurveyDecision(_ context.Context, d store.SurveyDecision) error {
	m[d.Key] = d
	return nil
}

// SurveyVersionDecided reports whether any release of the survey's version
// has a decision kept.
func (m Decisions) SurveyVersionDecided(_ context.Context, surveyID string, version int) (bool, error) {
	for _, d := range m {
		if d.SurveyID == surveyID && d.Version == version {
			return true, nil
		}
	}
	return false, nil
}
