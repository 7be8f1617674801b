package store

import (
	"context"
	"testing"
	"time"
)

// TestSurveyVersionDecidedMarks: a survey version has its mark once a
// decision of one of its releases is stored, and not before; another
// version or survey has none. The mark is not a decision
// (SurveyDecisionCount counts the decisions alone). A store whose
// decisions were stored before the marks existed gets them from migration
// 13 (markDecidedVersions), once for each version however many of its
// releases were decided.
func TestSurveyVersionDecidedMarks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTest(t)
	decided := func(survey string, version int) bool {
		t.Helper()
		ok, err := s.SurveyVersionDecided(ctx, survey, version)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if decided("s1", 1) {
		t.Fatal("a version with no decision is marked decided")
	}
	if err := s.SaveSurveyDecision(ctx, SurveyDecision{Key: "s1/1/aaaa", SurveyID: "s1", Version: 1, Mask: []int{0}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSurveyDecision(ctx, SurveyDecision{Key: "s1/1/bbbb", SurveyID: "s1", Version: 1, Mask: []int{0}}); err != nil {
		t.Fatal(err) // a late response's release: the mark is there already
	}
	if !decided("s1", 1) || decided("s1", 2) || decided("s2", 1) {
		t.Errorf("marks: s1 v1 %v (want true), s1 v2 %v, s2 v1 %v (want false)", decided("s1", 1), decided("s1", 2), decided("s2", 1))
	}
	if n, err := s.SurveyDecisionCount(ctx, "s1", 1); err != nil || n != 2 {
		t.Errorf("%d decisions of s1 v1 counted (%v), want 2: the mark is not one", n, err)
	}

	// Decisions stored before the marks: written as they were then.
	for _, key := range []string{"s3/1/aaaa", "s3/1/bbbb", "s3/2/cccc"} {
		d := SurveyDecision{Key: key, SurveyID: "s3", Version: int(key[3] - '0'), Mask: []int{0}, Decided: time.Now().UTC()}
		if _, err := s.c(surveyDecisionColl).InsertOne(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if decided("s3", 1) {
		t.Fatal("the fixture has a mark already")
	}
	if err := markDecidedVersions(ctx, s); err != nil {
		t.Fatal(err)
	}
	if !decided("s3", 1) || !decided("s3", 2) || decided("s3", 3) {
		t.Errorf("after the migration: s3 v1 %v, v2 %v (want true), v3 %v (want false)", decided("s3", 1), decided("s3", 2), decided("s3", 3))
	}
	if err := markDecidedVersions(ctx, s); err != nil {
		t.Errorf("the migration run again: %v", err)
	}
}
