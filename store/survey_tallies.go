package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Tally is the counter document of one survey version for one breakdown
// value: dim "all" (everyone) or an about-you question with one of its
// values ("ay_eth"/"Black"). C counts, per question id, each answer code,
// plus "_a" (people who answered) and "_s" (the sum of number answers).
// Every survey's counters are in one collection (TallyCollection), each
// document keyed by survey, version, dim and value (tallyID), so a results
// page reads tens of documents by _id however many responses and surveys
// there are; they are maintained with $inc when a response is stored and
// can be rebuilt from the responses (RebuildTallies).
type Tally struct {
	ID      string                      `bson:"_id" json:"-"`
	Survey  string                      `bson:"survey" json:"-"`
	Version int                         `bson:"version" json:"version"`
	Dim     string                      `bson:"dim" json:"dim"`
	Value   string                      `bson:"value" json:"value"`
	N       int64                       `bson:"n" json:"respondents"`
	C       map[string]map[string]int64 `bson:"c" json:"counts"`
}

// Counter keys inside a question's counts besides the answer codes.
const (
	TallyAnswered = "_a"
	TallySum      = "_s"
)

// DimAll is the tally of every respondent.
const DimAll = "all"

// TallyCollection holds every survey's counters (until issue 18, one
// collection per survey: legacyTallyColl).
const TallyCollection = "survey_tallies"

// tallyID keys a counter: survey, version, dim and value.
func tallyID(surveyID string, version int, dim, value string) string {
	return surveyID + ":" + strconv.Itoa(version) + ":" + dim + ":" + value
}

// possibleTallyIDs are the keys every counter of version n of a survey
// may have: everyone's and each breakdown value's (a survey without the
// about-you questions has only the first).
func possibleTallyIDs(surveyID string, n int) []string {
	ids := []string{tallyID(surveyID, n, DimAll, DimAll)}
	for _, d := range BreakdownDims {
		for _, val := range DimValues(d) {
			ids = append(ids, tallyID(surveyID, n, d, val))
		}
	}
	return ids
}

// tallyKeys lists the (dim, value) counters a version has.
func tallyKeys(sv *Survey, v *Version) [][2]string {
	keys := [][2]string{{DimAll, DimAll}}
	if v.Question(AboutEthnicity) == nil {
		return keys
	}
	for _, d := range BreakdownDims {
		for _, val := range DimValues(d) {
			keys = append(keys, [2]string{d, val})
		}
	}
	return keys
}

// ensureTallies creates version n's empty counters (at publication), so
// that every submission is a plain $inc by _id. They go in one unordered
// insert, which goes on past a counter that is there already (a duplicate
// key: left as it is), not one insert each: a survey with the about-you
// questions has 38, and each insert was a command of its own.
func (s *Store) ensureTallies(ctx context.Context, sv *Survey, n int) error {
	v := sv.Version(n)
	keys := tallyKeys(sv, v)
	docs := make([]any, len(keys))
	for i, k := range keys {
		docs[i] = Tally{ID: tallyID(sv.ID, n, k[0], k[1]), Survey: sv.ID, Version: n, Dim: k[0], Value: k[1], C: map[string]map[string]int64{}}
	}
	_, err := s.c(TallyCollection).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil && !onlyDuplicates(err) {
		return fmt.Errorf("store: create tallies of survey %s: %w", sv.ID, err)
	}
	return nil
}

// onlyDuplicates reports whether err, from an unordered insert, says that
// every document it did not store was there already (a duplicate key).
func onlyDuplicates(err error) bool {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false
	}
	for _, we := range bwe.WriteErrors {
		if !isDuplicate(mongo.WriteException{WriteErrors: mongo.WriteErrors{we.WriteError}}) {
			return false
		}
	}
	return true
}

// incFor is the $inc of one response on one counter. Only the counter of
// everyone counts the about-you answers themselves: results are not broken
// down by one about-you answer against another, and leaving them out keeps
// the breakdown counters small (each $inc rewrites its document).
func incFor(v *Version, a Answers, everyone bool) bson.D {
	inc := bson.D{{Key: "n", Value: 1}}
	for i := range v.Questions {
		q := &v.Questions[i]
		vals, ok := a[q.ID]
		if !ok || (q.AboutYou && !everyone) {
			continue
		}
		prefix := "c." + q.ID + "."
		inc = append(inc, bson.E{Key: prefix + TallyAnswered, Value: 1})
		switch {
		case q.Choice():
			for _, c := range vals {
				inc = append(inc, bson.E{Key: prefix + c, Value: 1})
			}
		case q.Type == QNumber:
			n, _ := strconv.ParseInt(vals[0], 10, 64)
			inc = append(inc, bson.E{Key: prefix + TallySum, Value: n})
		}
	}
	return inc
}

// responseKeys are the counters one response moves.
func responseKeys(v *Version, a Answers) [][2]string {
	keys := [][2]string{{DimAll, DimAll}}
	if v.Question(AboutEthnicity) == nil {
		return keys
	}
	for _, d := range BreakdownDims {
		q := v.Question(d)
		keys = append(keys, [2]string{d, dimValue(q, a[d])})
	}
	return keys
}

func incUpdate(inc map[string]int64) bson.D {
	d := bson.D{}
	for k, v := range inc {
		d = append(d, bson.E{Key: k, Value: v})
	}
	return bson.D{{Key: "$inc", Value: d}}
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int64:
		return x
	}
	return 0
}

// Tallies returns version n's counters (tens of small documents), by _id.
func (s *Store) Tallies(ctx context.Context, surveyID string, n int) ([]Tally, error) {
	ts, err := findByIDs[Tally](ctx, s, TallyCollection, possibleTallyIDs(surveyID, n))
	if err != nil {
		return nil, fmt.Errorf("store: tallies of survey %s: %w", surveyID, err)
	}
	return ts, nil
}

// Recount counts version n's stored responses afresh, as the counters
// should be, without writing anything.
func (s *Store) Recount(ctx context.Context, sv *Survey, n int) ([]Tally, error) {
	v := sv.Version(n)
	if v == nil {
		return nil, fmt.Errorf("store: survey %s has no version %d: %w", sv.ID, n, ErrNotFound)
	}
	rs, err := s.Responses(ctx, sv.ID)
	if err != nil {
		return nil, err
	}
	var as []Answers
	for _, r := range rs {
		if r.Version == n {
			as = append(as, r.Answers)
		}
	}
	return CountAnswers(sv, v, as), nil
}

// CountAnswers is what version v's counters hold after the given
// responses: the same increments as a submission makes, without a store.
// Tests and the benchmark build counters with it.
func CountAnswers(sv *Survey, v *Version, as []Answers) []Tally {
	byID := map[string]*Tally{}
	var order []string
	for _, k := range tallyKeys(sv, v) {
		id := tallyID(sv.ID, v.N, k[0], k[1])
		byID[id] = &Tally{ID: id, Survey: sv.ID, Version: v.N, Dim: k[0], Value: k[1], C: map[string]map[string]int64{}}
		order = append(order, id)
	}
	for _, a := range as {
		for _, k := range responseKeys(v, a) {
			t := byID[tallyID(sv.ID, v.N, k[0], k[1])]
			for _, e := range incFor(v, a, k[0] == DimAll) {
				add := toInt64(e.Value)
				if e.Key == "n" {
					t.N += add
					continue
				}
				qid, code := splitCounter(e.Key)
				if t.C[qid] == nil {
					t.C[qid] = map[string]int64{}
				}
				t.C[qid][code] += add
			}
		}
	}
	out := make([]Tally, len(order))
	for i, id := range order {
		out[i] = *byID[id]
	}
	return out
}

func splitCounter(key string) (qid, code string) {
	rest := key[len("c."):]
	for i := len(rest) - 1; i >= 0; i-- {
		if rest[i] == '.' {
			return rest[:i], rest[i+1:]
		}
	}
	return rest, ""
}

// RebuildTallies replaces every version's counters with a recount of the
// stored responses. Run it while the survey is quiet: a response stored
// during the rebuild may be left out (run it again). It returns how many
// responses it counted.
func (s *Store) RebuildTallies(ctx context.Context, surveyID string) (int64, error) {
	sv, err := s.Survey(ctx, surveyID)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, v := range sv.Versions {
		ts, err := s.Recount(ctx, sv, v.N)
		if err != nil {
			return 0, err
		}
		for _, t := range ts {
			res, err := s.c(TallyCollection).ReplaceOne(ctx, bson.D{{Key: "_id", Value: t.ID}}, t)
			if err == nil && res.MatchedCount == 0 {
				_, err = s.c(TallyCollection).InsertOne(ctx, t)
			}
			if err != nil {
				return 0, fmt.Errorf("store: rebuild tallies of survey %s: %w", sv.ID, err)
			}
			if t.Dim == DimAll {
				total += t.N
			}
		}
	}
	return total, nil
}

// putTallies writes counters as given (an imported baseline of aggregated
// counts; the benchmark's million responses through PutTallies, testhooks.go).
func (s *Store) putTallies(ctx context.Context, surveyID string, ts []Tally) error {
	for _, t := range ts {
		t.ID, t.Survey = tallyID(surveyID, t.Version, t.Dim, t.Value), surveyID
		res, err := s.c(TallyCollection).ReplaceOne(ctx, bson.D{{Key: "_id", Value: t.ID}}, t)
		if err == nil && res.MatchedCount == 0 {
			_, err = s.c(TallyCollection).InsertOne(ctx, t)
		}
		if err != nil {
			return fmt.Errorf("store: put tallies of survey %s: %w", surveyID, err)
		}
	}
	return nil
}
