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
)

// SubmitResponse stores r, an answer to version v, once and moves its
// counters. A response whose id
// is already stored returns ErrAlreadySubmitted and changes nothing (a
// retried POST). With an invitation code, the code is first marked used by
// one conditional update (ErrCodeUsed if it was; ErrNotFound if it is not
// this survey's); nothing links the code to the response.
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
	if code != "" {
		// A retry must not be refused for the code its first try used.
		if err := s.r("survey_responses").FindOne(ctx, bson.D{{Key: "_id", Value: r.ID}}).Err(); err == nil {
			return ErrAlreadySubmitted
		} else if !errors.Is(err, mongo.ErrNoDocuments) {
			return fmt.Errorf("store: submit response: %w", err)
		}
		if err := s.useSurveyCode(ctx, r.SurveyID, code, true); err != nil {
			return err
		}
	}
	r.Day = Day(s.now())
	bt, err := s.enterBatch(ctx)
	if err != nil {
		if code != "" {
			_ = s.useSurveyCode(ctx, r.SurveyID, code, false)
		}
		return err
	}
	r.Batch = bt.id
	// Stored with the responses submitted meanwhile (survey_inserts.go).
	if err := s.insertResponse(r); err != nil {
		if IsBusy(err) {
			// No answer in time is no proof that it was not stored.
			s.leaveUncounted(bt)
		} else {
			s.leaveBatch(bt)
		}
		if code != "" {
			_ = s.useSurveyCode(ctx, r.SurveyID, code, false) // give the code back
		}
		if isDuplicate(err) {
			return ErrAlreadySubmitted
		}
		return fmt.Errorf("store: submit response: %w", err)
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

// InsertResponses stores many responses and counts them (demo data).
func (s *Store) InsertResponses(ctx context.Context, sv *Survey, rs []*Response) error {
	for _, r := range rs {
		if r.ID == "" {
			r.ID = RandomSecret()
		}
		if r.Day == "" {
			r.Day = Day(s.now())
		}
	}
	// Their free-text answers first, each response's page then known.
	for _, r := range rs {
		v := sv.Version(r.Version)
		if v == nil || !hasFreeText(v, r) {
			continue
		}
		n, err := s.lastTextPage(ctx, r.SurveyID)
		if err != nil {
			return err
		}
		r.TextPage = n
		if err := s.insertTexts(ctx, v, r); err != nil {
			return err
		}
	}
	docs := make([]any, len(rs))
	for i, r := range rs {
		docs[i] = r
	}
	if len(docs) > 0 {
		if _, err := s.c("survey_responses").InsertMany(ctx, docs); err != nil {
			return fmt.Errorf("store: insert responses: %w", err)
		}
	}
	_, err := s.RebuildTallies(ctx, sv.ID)
	return err
}

// SurveyCode is a single-use invitation code, kept only as its SHA-256.
type SurveyCode struct {
	ID       string `bson:"_id"`
	SurveyID string `bson:"surveyId"`
	Used     bool   `bson:"used"`
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
// ErrNotFound or ErrCodeUsed.
func (s *Store) CheckSurveyCode(ctx context.Context, surveyID, code string) error {
	var sc SurveyCode
	err := s.r("survey_codes").FindOne(ctx, bson.D{{Key: "_id", Value: tokenKey(NormaliseCode(code))}}).Decode(&sc)
	if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && sc.SurveyID != surveyID) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: survey code: %w", err)
	}
	if sc.Used {
		return ErrCodeUsed
	}
	return nil
}

// useSurveyCode marks a code used (or, with use false, unused again) with
// one conditional update, so two submissions with one code store one.
func (s *Store) useSurveyCode(ctx context.Context, surveyID, code string, use bool) error {
	id := tokenKey(NormaliseCode(code))
	res, err := s.updateIf(ctx, "survey_codes", id, Eq("surveyId", surveyID).And(Eq("used", !use)),
		bson.D{{Key: "$set", Value: bson.D{{Key: "used", Value: use}}}})
	if err != nil {
		return fmt.Errorf("store: use survey code: %w", err)
	}
	if res.MatchedCount == 0 && use {
		if err := s.CheckSurveyCode(ctx, surveyID, code); err != nil {
			return err
		}
		return ErrCodeUsed
	}
	return nil
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
