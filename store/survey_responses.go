package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"candour/apperr"
)

// Response is one anonymous response. It keeps no address, browser,
// account, invitation code or time finer than the day it was given; its id
// is random, made when the respondent started, so a repeated submission is
// recognised and stored once.
type Response struct {
	ID       string  `bson:"_id"`
	SurveyID string  `bson:"surveyId"`
	Version  int     `bson:"version"`
	Day      string  `bson:"day"` // YYYY-MM-DD
	Answers  Answers `bson:"answers"`

	// The page of its survey's free-text answers that holds its own
	// (survey_texts.go), chosen before it is stored: writing them again
	// writes the same page.
	TextPage int `bson:"textPage,omitempty"`

	// The batch that counts it (survey_counting.go): counted once the
	// batch's document is gone. A random id, no time.
	Batch string `bson:"batch,omitempty"`
}

// Survey response errors.
var (
	ErrAlreadySubmitted = apperr.New(apperr.Conflict, "", "This response has already been submitted")
	ErrCodeUsed         = apperr.New(apperr.Conflict, "code", "This invitation code has already been used")
	// ErrSentBefore: an earlier try with this invitation code was not
	// confirmed (its insert did not answer in time), and its response
	// turned out to be stored: that one is counted, this one is not.
	ErrSentBefore = apperr.New(apperr.Duplicate, "code", "The answers sent earlier with this invitation code arrived")
)

// SubmitResponse stores r, an answer to version v, once and moves its
// counters. A response whose id
// is already stored returns ErrAlreadySubmitted and changes nothing (a
// retried POST). With an invitation code, the code is first claimed by
// one conditional update (ErrCodeUsed if it was used; ErrNotFound if it
// is not this survey's), which holds r's id until r is known to be stored
// (claimSurveyCode). A code whose earlier try was not confirmed (its
// insert did not answer in time) is answered under that try's id: r.ID
// becomes it, so at most one of the two is ever stored, and
// ErrSentBefore says the earlier one was.
func (s *Store) SubmitResponse(ctx context.Context, v *Version, r *Response, code string) error {
	if v == nil || v.N != r.Version {
		return fmt.Errorf("store: response to survey %s: not version %d: %w", r.SurveyID, r.Version, ErrNotFound)
	}
	if hasFreeText(v, r) {
		n, err := s.lastTextPage(ctx, r.SurveyID)
		if err != nil {
			return err
		}
		r.TextPage = n
	}
	earlier := false // r answers under an earlier, unconfirmed try's id
	if code != "" {
		// A retry must not be refused for the code its first try used.
		if stored, err := s.responseStored(ctx, r.ID); err != nil {
			return err
		} else if stored {
			return ErrAlreadySubmitted
		}
		held, err := s.claimSurveyCode(ctx, r.SurveyID, code, r.ID)
		if err != nil {
			return err
		}
		if held != r.ID {
			if err := s.sentBefore(ctx, held); err != nil {
				if errors.Is(err, ErrSentBefore) {
					s.settleSurveyCode(ctx, r.SurveyID, code, held) // its fate is known
				}
				return err
			}
			r.ID, earlier = held, true
		}
	}
	r.Day = Day(s.now())
	// From here on the code stays held for r.ID until r is known to be
	// stored: it is never given back, since another try may be storing
	// r.ID at the same moment (the earlier one, or one that answers under
	// its id). If this one is not confirmed, the next try with the code
	// answers under r.ID.
	bt, err := s.enterBatch(ctx)
	if err != nil {
		return err
	}
	r.Batch = bt.id
	// Stored with the responses submitted meanwhile (survey_inserts.go).
	if err := s.insertResponse(r); err != nil {
		if IsBusy(err) {
			// No answer in time is no proof that it was not stored.
			s.leaveUncounted(bt)
			if code != "" {
				s.unconfirmedSurveyCode(ctx, r.SurveyID, code, r.ID)
			}
		} else {
			s.leaveBatch(bt)
		}
		if isDuplicate(err) {
			if code != "" {
				s.settleSurveyCode(ctx, r.SurveyID, code, r.ID) // r.ID is stored
			}
			if earlier {
				return ErrSentBefore
			}
			return ErrAlreadySubmitted
		}
		return fmt.Errorf("store: submit response: %w", err)
	}
	if code != "" {
		s.settleSurveyCode(ctx, r.SurveyID, code, r.ID)
	}
	// The response is stored, naming its batch: from here on a failure or
	// a crash leaves it to Repair (repairCounts), never uncounted for good nor
	// counted twice.
	if err := s.insertTexts(ctx, v, r); err != nil {
		s.leaveUncounted(bt)
		return err
	}
	return s.count(ctx, bt, r.SurveyID, v, r.Answers)
}

// responseStored reports whether the response id is stored.
func (s *Store) responseStored(ctx context.Context, id string) (bool, error) {
	err := s.r("survey_responses").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: submit response: %w", err)
	}
	return true, nil
}

// Responses returns every stored response to a survey (exports and
// recounts only: it reads the whole collection).
func (s *Store) Responses(ctx context.Context, surveyID string) ([]Response, error) {
	var rs []Response
	cur, err := s.r("survey_responses").Find(ctx, bson.D{{Key: "surveyId", Value: surveyID}})
	if err != nil {
		return nil, fmt.Errorf("store: responses of survey %s: %w", surveyID, err)
	}
	if err := cur.All(ctx, &rs); err != nil {
		return nil, fmt.Errorf("store: responses of survey %s: %w", surveyID, err)
	}
	return rs, nil
}

// seedBatch is how many documents InsertResponses and the benchmark's
// seeding functions (bench_seed.go) insert at a time.
const seedBatch = 1000

// InsertResponses stores many responses to sv and counts them (the demo's
// surveys, and the benchmark's): the responses, their free-text answers
// and the counters as SubmitResponse one by one would leave them (but no
// batch: a response that names none is counted, survey_counting.go),
// written in bulk. One by one, each response is three writes and a share
// of a group commit; here the responses are inserted many at a time and
// every counter document gets one $inc with the sum of the responses'
// increments, and each page of free-text answers is written once, with
// the answers, page numbers and rev the responses one by one would have
// left (insertTextsTogether). It used to recount every stored response of the
// survey afterwards (RebuildTallies), reading them all back: under the
// race detector that was a third of the demo's surveys' seeding. A
// response without an ID gets a random one, without a Day today's; each
// must answer a published version of sv, and its ID must be new.
func (s *Store) InsertResponses(ctx context.Context, sv *Survey, rs []*Response) error {
	pending := map[pendingKey]*pendingInc{}
	var docs []any
	for _, r := range rs {
		v := sv.Version(r.Version)
		if v == nil || r.SurveyID != sv.ID {
			return fmt.Errorf("store: insert responses: survey %s has no version %d: %w", r.SurveyID, r.Version, ErrNotFound)
		}
		if r.ID == "" {
			r.ID = RandomSecret()
		}
		if r.Day == "" {
			r.Day = Day(s.now())
		}
		docs = append(docs, r)
		addIncs(pending, sv.ID, v, r.Answers)
	}
	// Free-text answers go onto the pages SubmitResponse one response at
	// a time would put them on (the page chosen first and kept on the
	// response), each page written once.
	if err := s.insertTextsTogether(ctx, sv, rs); err != nil {
		return err
	}
	for start := 0; start < len(docs); start += seedBatch {
		if _, err := s.c("survey_responses").InsertMany(ctx, docs[start:min(start+seedBatch, len(docs))]); err != nil {
			return fmt.Errorf("store: insert responses: %w", err)
		}
	}
	defer s.figures.bump(sv.ID) // the results built from the counters are built again
	for k, p := range pending {
		for try := 0; ; try++ {
			res, err := s.c(k.coll).UpdateOne(ctx, bson.D{{Key: "_id", Value: k.id}}, incUpdate(p.inc))
			if err != nil {
				return fmt.Errorf("store: insert responses: count: %w", err)
			}
			if res.MatchedCount == 1 {
				break
			}
			if try > 0 {
				return fmt.Errorf("store: insert responses: counter %s could not be made", k.id)
			}
			// Not made at publication (ensureTallies): made as guardedInc would.
			t := Tally{ID: k.id, Survey: p.survey, Version: p.version, Dim: p.dim, Value: p.value, C: map[string]map[string]int64{}}
			if _, err := s.c(k.coll).InsertOne(ctx, t); err != nil && !isDuplicate(err) {
				return fmt.Errorf("store: insert responses: count: %w", err)
			}
		}
	}
	return nil
}

// SurveyCode is a single-use invitation code, kept only as its SHA-256.
type SurveyCode struct {
	ID       string `bson:"_id"`
	SurveyID string `bson:"surveyId"`
	Used     bool   `bson:"used"`
	// Held is the id of the response a submission with this code is
	// storing, sealed under a key made from the code (sealHeld), from the code's claim until the response is known to be
	// stored; then it is dropped, so that nothing links a code to its
	// response. Unconfirmed says that the insert did not answer in time:
	// the response may be stored, or be stored later, so the next try with
	// the code answers under Held and the two can never both be stored
	// (claimSurveyCode).
	Held        string `bson:"held,omitempty"`
	Unconfirmed bool   `bson:"unconfirmed,omitempty"`
}

// codeAlphabet leaves out letters and digits that look alike (0 O 1 I L).
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// NormaliseCode puts a typed code in its stored form: upper case, no
// spaces or hyphens.
func NormaliseCode(code string) string {
	return strings.NewReplacer(" ", "", "-", "").Replace(strings.ToUpper(strings.TrimSpace(code)))
}

// surveyCodeLength is a code's characters: 16 from 31 give about 79 random
// bits, so the unkeyed SHA-256 kept in the store cannot be reversed by
// trying every code (at 10 characters, about 49 bits, a copy of the
// database would give up unused codes in hours on a GPU).
const surveyCodeLength = 16

// newSurveyCode draws a code like KD7F-M3XQ-9PRT-2HWN, each character
// uniformly from codeAlphabet (bytes that would bias the draw are skipped).
func newSurveyCode() string {
	var c strings.Builder
	limit := 256 - 256%len(codeAlphabet)
	for n := 0; n < surveyCodeLength; {
		var b [32]byte
		_, _ = rand.Read(b[:]) // never fails (crypto/rand panics instead)
		for _, x := range b {
			if int(x) >= limit || n == surveyCodeLength {
				continue
			}
			if n > 0 && n%4 == 0 {
				c.WriteByte('-')
			}
			c.WriteByte(codeAlphabet[int(x)%len(codeAlphabet)])
			n++
		}
	}
	return c.String()
}

// CreateSurveyCodes makes n single-use codes for a survey and returns them
// (shown once; only their hashes are kept).
func (s *Store) CreateSurveyCodes(ctx context.Context, surveyID string, n int) ([]string, error) {
	codes := make([]string, n)
	docs := make([]any, n)
	for i := range codes {
		codes[i] = newSurveyCode()
		docs[i] = SurveyCode{ID: tokenKey(NormaliseCode(codes[i])), SurveyID: surveyID}
	}
	if _, err := s.c("survey_codes").InsertMany(ctx, docs); err != nil {
		return nil, fmt.Errorf("store: create survey codes: %w", err)
	}
	return codes, nil
}

// CheckSurveyCode reports whether code is an unused code of the survey:
// ErrNotFound or ErrCodeUsed; ErrSentBefore for a code whose earlier try
// was not confirmed and whose response turned out to be stored. A code
// whose unconfirmed try's response is not stored may be used: the next
// submission answers under that try's id (SubmitResponse).
func (s *Store) CheckSurveyCode(ctx context.Context, surveyID, code string) error {
	sc, err := s.surveyCode(ctx, surveyID, code)
	if err != nil {
		return err
	}
	switch {
	case sc.Unconfirmed && sc.Held != "":
		held, err := openHeld(code, sc.Held)
		if err != nil {
			return err
		}
		return s.sentBefore(ctx, held)
	case sc.Used:
		return ErrCodeUsed
	}
	return nil
}

// surveyCode reads code's document: ErrNotFound if it is not surveyID's.
func (s *Store) surveyCode(ctx context.Context, surveyID, code string) (*SurveyCode, error) {
	var sc SurveyCode
	err := s.r("survey_codes").FindOne(ctx, bson.D{{Key: "_id", Value: tokenKey(NormaliseCode(code))}}).Decode(&sc)
	if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && sc.SurveyID != surveyID) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: survey code: %w", err)
	}
	return &sc, nil
}

// claimSurveyCode marks a code used, holding the response id, with one
// conditional update, so two submissions with one code store one. It
// returns the id the submission is to be stored under: id (a fresh claim,
// or a retry of the try that holds the code), or the id an earlier,
// unconfirmed try holds (its insert did not answer in time, so its
// response may be stored already or yet: storing this one under the same
// id lets the unique _id keep one of them). A code used otherwise (its
// response stored, or another try's insert under way) is ErrCodeUsed.
// The claim links the code to a response only while that is needed:
// settleSurveyCode drops the id once the response is known to be stored.
func (s *Store) claimSurveyCode(ctx context.Context, surveyID, code, id string) (string, error) {
	res, err := s.updateIf(ctx, "survey_codes", tokenKey(NormaliseCode(code)), Eq("surveyId", surveyID).And(Eq("used", false)),
		bson.D{{Key: "$set", Value: bson.D{{Key: "used", Value: true}, {Key: "held", Value: sealHeld(code, id)}}}})
	if err != nil {
		return "", fmt.Errorf("store: use survey code: %w", err)
	}
	if res.MatchedCount == 1 {
		return id, nil
	}
	sc, err := s.surveyCode(ctx, surveyID, code)
	if err != nil {
		return "", err
	}
	if sc.Held == "" || (sc.Held != sealHeld(code, id) && !sc.Unconfirmed) {
		return "", ErrCodeUsed
	}
	return openHeld(code, sc.Held)
}

// sentBefore is ErrSentBefore when the response an unconfirmed try held
// is stored, and nil when it is not.
func (s *Store) sentBefore(ctx context.Context, held string) error {
	stored, err := s.responseStored(ctx, held)
	if err != nil || !stored {
		return err
	}
	return ErrSentBefore
}

// settleSurveyCode drops the response id a used code holds, once the
// response is stored: the code stays used, and links to nothing. A
// failure leaves the id held (an unconfirmed one is settled by the next
// submission with the code).
func (s *Store) settleSurveyCode(ctx context.Context, surveyID, code, held string) {
	_, _ = s.updateIf(context.WithoutCancel(ctx), "survey_codes", tokenKey(NormaliseCode(code)), Eq("surveyId", surveyID).And(Eq("held", sealHeld(code, held))),
		bson.D{{Key: "$unset", Value: bson.D{{Key: "held", Value: ""}, {Key: "unconfirmed", Value: ""}}}})
}

// unconfirmedSurveyCode marks the try holding a code unconfirmed: its
// insert did not answer in time. A failure leaves the code used as if
// the response were stored: a later try is refused (ErrCodeUsed), never
// stored beside it.
func (s *Store) unconfirmedSurveyCode(ctx context.Context, surveyID, code, held string) {
	_, _ = s.updateIf(context.WithoutCancel(ctx), "survey_codes", tokenKey(NormaliseCode(code)), Eq("surveyId", surveyID).And(Eq("held", sealHeld(code, held))),
		bson.D{{Key: "$set", Value: bson.D{{Key: "unconfirmed", Value: true}}}})
}

// SurveyCodeCounts returns how many codes a survey has and how many are used.
func (s *Store) SurveyCodeCounts(ctx context.Context, surveyID string) (total, used int64, err error) {
	if total, err = s.r("survey_codes").CountDocuments(ctx, bson.D{{Key: "surveyId", Value: surveyID}}); err != nil {
		return 0, 0, fmt.Errorf("store: count survey codes: %w", err)
	}
	if used, err = s.r("survey_codes").CountDocuments(ctx, bson.D{{Key: "surveyId", Value: surveyID}, {Key: "used", Value: true}}); err != nil {
		return 0, 0, fmt.Errorf("store: count survey codes: %w", err)
	}
	return total, used, nil
}
