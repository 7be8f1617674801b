package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Until issue 18 each survey kept its counters and its free-text answers in
// collections of its own: survey_tallies_<survey> (keyed version:dim:value)
// and survey_texts_<survey> (keyed response:question). On the embedded
// server every find copied and sorted the metadata of every collection, so
// two collections per survey made every page slower as surveys were added.
// Migration 8 (mergeSurveyCollections) moves them into TallyCollection
// and TextCollection, keyed by survey first.

const (
	legacyTallyPrefix = "survey_tallies_"
	legacyTextPrefix  = "survey_texts_"
)

func legacyTallyColl(surveyID string) string { return legacyTallyPrefix + surveyID }
func legacyTextColl(surveyID string) string  { return legacyTextPrefix + surveyID }

// mergeBatch is how many documents one bulk write of the migration copies.
const mergeBatch = 500

// mergeSurveyCollections copies every survey's own counter and free-text
// collections into the shared ones, then drops them: copy, then (when the
// migration is recorded) switch, then drop.
//
// Crash-safe: the migration runs before the portal answers, so nothing
// writes either layout meanwhile, and the old collections stay the source
// until every one of them is copied. Each copy is a whole-document upsert
// by the new _id (the document as it stands in the old collection, marks
// of batches being counted included), so copying again after a kill -9,
// before or among the drops, writes the same documents; a collection is
// dropped only once all are copied, and the migration is recorded only
// after the last drop. A kill at any point leaves every counter and answer
// readable in one layout or the other, and the next start finishes it.
func mergeSurveyCollections(ctx context.Context, s *Store) error {
	colls, err := legacySurveyColls(ctx, s)
	if err != nil {
		return err
	}
	if err := copyLegacySurveyColls(ctx, s, colls); err != nil {
		return err
	}
	for _, name := range colls {
		if err := s.c(name).Drop(ctx); err != nil {
			return fmt.Errorf("store: drop %s: %w", name, err)
		}
	}
	return nil
}

// legacySurveyColls lists the per-survey collections still there, sorted.
func legacySurveyColls(ctx context.Context, s *Store) ([]string, error) {
	names, err := s.readDB(ctx).ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("store: list collections: %w", err)
	}
	var out []string
	for _, name := range names {
		if strings.HasPrefix(name, legacyTallyPrefix) || strings.HasPrefix(name, legacyTextPrefix) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// copyLegacySurveyColls upserts every document of colls into the shared
// collection with its new key (the first half of the migration).
func copyLegacySurveyColls(ctx context.Context, s *Store, colls []string) error {
	for _, name := range colls {
		to, surveyID := TallyCollection, strings.TrimPrefix(name, legacyTallyPrefix)
		if id, ok := strings.CutPrefix(name, legacyTextPrefix); ok {
			to, surveyID = TextCollection, id
		}
		err := upsertEach(ctx, s, name, to, mergeBatch, func(raw bson.Raw) (string, any, error) {
			var doc bson.D
			if err := bson.Unmarshal(raw, &doc); err != nil {
				return "", nil, err
			}
			doc, key := rekeySurveyDoc(doc, surveyID, to == TextCollection)
			return key, doc, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// upsertEach reads every document of from and upserts it into to under the
// key rekey gives it, n to an unordered bulk write: the copy half of a
// collection merge (migrations 8 and 9), which a crash lets run again
// (the same keys, the same documents).
func upsertEach(ctx context.Context, s *Store, from, to string, n int, rekey func(bson.Raw) (key string, doc any, err error)) error {
	cur, err := s.r(from).Find(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("store: read %s: %w", from, err)
	}
	defer cur.Close(ctx)
	var models []mongo.WriteModel
	flush := func() error {
		if len(models) == 0 {
			return nil
		}
		_, err := s.c(to).BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
		models = models[:0]
		if err != nil {
			return fmt.Errorf("store: copy %s: %w", from, err)
		}
		return nil
	}
	for cur.Next(ctx) {
		key, doc, err := rekey(cur.Current)
		if err != nil {
			return fmt.Errorf("store: read %s: %w", from, err)
		}
		models = append(models, mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: key}}).SetReplacement(doc).SetUpsert(true))
		if len(models) == n {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("store: read %s: %w", from, err)
	}
	return flush()
}

// rekeySurveyDoc is an old per-survey document as the shared collection
// keeps it: its _id prefixed with the survey, the survey named, and (a
// free-text answer) its old _id kept as its id. It returns the new _id.
func rekeySurveyDoc(doc bson.D, surveyID string, text bool) (bson.D, string) {
	var old string
	out := bson.D{}
	for _, e := range doc {
		switch e.Key {
		case "_id":
			old, _ = e.Value.(string)
		case "survey", "id":
			// set below
		default:
			out = append(out, e)
		}
	}
	key := surveyID + ":" + old
	head := bson.D{{Key: "_id", Value: key}}
	if text {
		head = append(head, bson.E{Key: "id", Value: old})
	}
	head = append(head, bson.E{Key: "survey", Value: surveyID})
	return append(head, out...), key
}
