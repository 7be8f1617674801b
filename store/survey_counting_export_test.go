package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// CrashBeforeCountingForTest stores responses as a submission does and
// stops where a crash would: in a batch whose document holds a lease that
// ended (leaseEnded) or is still live, naming their batch. With step1 it also applies the guarded increments of the
// first counter document only (a crash part-way through step 1).
func (s *Store) CrashBeforeCountingForTest(ctx context.Context, sv *Survey, rs []*Response, batch string, leaseEnded, step1 bool) error {
	until := s.now().Add(batchLease)
	if leaseEnded {
		until = s.now().Add(-time.Second)
	}
	if _, err := s.c(tallyBatchColl).InsertOne(ctx, tallyBatchDoc{ID: batch, Until: until.UTC()}); err != nil {
		return err
	}
	pending := map[pendingKey]*pendingInc{}
	for _, r := range rs {
		r.Day, r.Batch = Day(s.now()), batch
		if _, err := s.c("survey_responses").InsertOne(ctx, r); err != nil {
			return err
		}
		addIncs(pending, sv.ID, sv.Version(r.Version), r.Answers)
	}
	if step1 {
		k := pendingKey{coll: TallyCollection, id: tallyID(sv.ID, rs[0].Version, DimAll, DimAll)}
		return s.guardedInc(ctx, batch, k, pending[k], nil)
	}
	return nil
}

// CrashBeforeDiaryForTest takes a seat on the visit as SignUp does and
// stops before the diary's copy is written.
func (s *Store) CrashBeforeDiaryForTest(ctx context.Context, visitID, userID string) error {
	_, err := s.c("visits").UpdateOne(ctx, bson.D{{Key: "_id", Value: visitID}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "seatsTaken", Value: 1}}}, {Key: "$push", Value: bson.D{{Key: "attendees", Value: userID}}}})
	return err
}

// OldSurveyLayoutForTest moves survey surveyID's counters and free-text
// answers out of the shared collections into collections of its own, as
// Candour kept them before migration 8: the documents as they were, with
// their old keys and no survey field.
func (s *Store) OldSurveyLayoutForTest(ctx context.Context, surveyID string) error {
	// The free-text answers as migration 10 found them: one document
	// each in TextCollection (migration 8's layout, undone below).
	texts, err := s.SurveyTexts(ctx, surveyID, "", false)
	if err != nil {
		return err
	}
	// Each collection's documents in one insert: one command a document
	// was most of what this cost the migration tests.
	var docs []any
	for _, t := range texts {
		docs = append(docs, bson.D{{Key: "_id", Value: textKey(surveyID, t.ID)}, {Key: "id", Value: t.ID}, {Key: "survey", Value: surveyID},
			{Key: "version", Value: t.Version}, {Key: "questionId", Value: t.QuestionID}, {Key: "day", Value: t.Day},
			{Key: "text", Value: t.Text}, {Key: "published", Value: t.Published}})
	}
	if len(docs) > 0 {
		if _, err := s.c(TextCollection).InsertMany(ctx, docs); err != nil {
			return err
		}
	}
	if _, err := s.c(TextPageCollection).DeleteMany(ctx, bson.D{{Key: "survey", Value: surveyID}}); err != nil {
		return err
	}
	for from, to := range map[string]string{TallyCollection: legacyTallyColl(surveyID), TextCollection: legacyTextColl(surveyID)} {
		var docs []bson.D
		if err := s.findAll(ctx, from, bson.D{{Key: "survey", Value: surveyID}}, &docs); err != nil {
			return err
		}
		var olds []any
		for _, doc := range docs {
			var old bson.D
			for _, e := range doc {
				switch e.Key {
				case "_id":
					id, _ := e.Value.(string)
					old = append(bson.D{{Key: "_id", Value: id[len(surveyID)+1:]}}, old...)
				case "survey", "id":
				default:
					old = append(old, e)
				}
			}
			olds = append(olds, old)
		}
		if len(olds) > 0 {
			if _, err := s.c(to).InsertMany(ctx, olds); err != nil {
				return err
			}
		}
		if _, err := s.c(from).DeleteMany(ctx, bson.D{{Key: "survey", Value: surveyID}}); err != nil {
			return err
		}
	}
	return nil
}

// textKey was a free-text answer's _id in TextCollection (migration 8).
func textKey(surveyID, id string) string { return surveyID + ":" + id }

// MergeSurveyCollectionsForTest runs migrations 8 and 10 whole, or
// (crash) stops where a kill -9 could: "copied" after every copy of
// migration 8 and before any drop, "one dropped" after dropping the first
// old collection only, "paged" after migration 10 wrote the pages and
// before it dropped TextCollection.
func (s *Store) MergeSurveyCollectionsForTest(ctx context.Context, crash string) error {
	if crash == "" {
		if err := mergeSurveyCollections(ctx, s); err != nil {
			return err
		}
		return pageLegacyTexts(ctx, s)
	}
	if crash == "paged" {
		if err := mergeSurveyCollections(ctx, s); err != nil {
			return err
		}
		return copyLegacyTexts(ctx, s)
	}
	colls, err := legacySurveyColls(ctx, s)
	if err != nil {
		return err
	}
	if err := copyLegacySurveyColls(ctx, s, colls); err != nil {
		return err
	}
	if crash == "one dropped" {
		return s.c(colls[0]).Drop(ctx)
	}
	return nil
}

// CollectionNamesForTest lists the store's collections.
func (s *Store) CollectionNamesForTest(ctx context.Context) ([]string, error) {
	return s.rdb.ListCollectionNames(ctx, bson.D{})
}
