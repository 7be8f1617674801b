package store

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"candour/apperr"
	"candour/tz"
)

// Question types.
const (
	QSingle   = "single"   // one of a list (radios)
	QMultiple = "multiple" // any of a list (checkboxes)
	QAgree    = "agree"    // 5-point agreement scale with "Don't know"
	QRating   = "rating"   // 0 to 10
	QNumber   = "number"   // a whole number
	QShort    = "short"    // a line of text
	QLong     = "long"     // a paragraph of text
	QPostcode = "postcode" // a postcode district (about you only)
)

// QuestionTypes are the types a coordinator can choose, in menu order.
var QuestionTypes = []string{QSingle, QMultiple, QAgree, QRating, QNumber, QShort, QLong}

// Text answer limits (answers travel in the respondent's cookie until
// they submit, so they are kept short).
const (
	MaxShortText = 200
	MaxLongText  = 1200
	MaxNumber    = 1_000_000
)

// agreeOptions are the agreement scale's answers, most agreeing first.
var agreeOptions = []Option{
	{Code: "sa", Label: "Strongly agree"}, {Code: "a", Label: "Agree"}, {Code: "n", Label: "Neither agree nor disagree"},
	{Code: "d", Label: "Disagree"}, {Code: "sd", Label: "Strongly disagree"}, {Code: "dk", Label: "Don't know"},
}

// Option is one answer to a choice question. Codes are stable across
// versions; Group is the Census 2021 high-level group of an ethnicity option.
type Option struct {
	Code  string `bson:"code" json:"code"`
	Label string `bson:"label" json:"label"`
	Group string `bson:"group,omitempty" json:"group,omitempty"`
}

// Question is one question of a survey version.
type Question struct {
	ID       string   `bson:"id" json:"id"`                       // "q1", "ay_eth": a counter field name
	Key      string   `bson:"key,omitempty" json:"key,omitempty"` // matches the question across surveys and waves
	Type     string   `bson:"type" json:"type"`
	Text     string   `bson:"text" json:"text"`
	Hint     string   `bson:"hint,omitempty" json:"hint,omitempty"`
	Required bool     `bson:"required" json:"required"`
	Options  []Option `bson:"options,omitempty" json:"options,omitempty"`
	ShowIfQ  string   `bson:"showIfQ,omitempty" json:"showIfQuestion,omitempty"` // shown only if this earlier single choice...
	ShowIfA  string   `bson:"showIfA,omitempty" json:"showIfAnswer,omitempty"`   // ...was answered with this code
	AboutYou bool     `bson:"aboutYou,omitempty" json:"aboutYou,omitempty"`
	Reason   string   `bson:"reason,omitempty" json:"reason,omitempty"` // why an about-you question is asked
}

// Choices are the answers a question offers (choice types only).
func (q *Question) Choices() []Option {
	switch q.Type {
	case QAgree:
		return agreeOptions
	case QRating:
		os := make([]Option, 11)
		for i := range os {
			os[i] = Option{Code: "r" + strconv.Itoa(i), Label: strconv.Itoa(i)}
		}
		return os
	}
	return q.Options
}

// Choice reports whether answers are codes from Choices.
func (q *Question) Choice() bool {
	switch q.Type {
	case QSingle, QMultiple, QAgree, QRating:
		return true
	}
	return false
}

// Text reports whether the answer is free text.
func (q *Question) FreeText() bool { return q.Type == QShort || q.Type == QLong }

// OptionLabel is the label of code (or code itself if unknown).
func (q *Question) OptionLabel(code string) string {
	for _, o := range q.Choices() {
		if o.Code == code {
			return o.Label
		}
	}
	return code
}

// Version is a published version of a survey: its questions never change.
type Version struct {
	N           int        `bson:"n" json:"version"`
	PublishedAt time.Time  `bson:"publishedAt" json:"publishedAt"`
	Questions   []Question `bson:"questions" json:"questions"`
}

// Question returns the version's question id, or nil.
func (v *Version) Question(id string) *Question {
	for i := range v.Questions {
		if v.Questions[i].ID == id {
			return &v.Questions[i]
		}
	}
	return nil
}

// Survey is a questionnaire with its draft and published versions.
type Survey struct {
	ID          string     `bson:"_id"`
	Title       string     `bson:"title"`
	Intro       string     `bson:"intro"`
	Series      string     `bson:"series,omitempty"` // e.g. "Community confidence"
	Wave        string     `bson:"wave,omitempty"`   // e.g. "Spring 2026"
	BaselineID  string     `bson:"baselineId,omitempty"`
	AboutYou    bool       `bson:"aboutYou"`           // include the standard section
	OpenLink    bool       `bson:"openLink"`           // anyone with the link may answer
	InviteCodes bool       `bson:"inviteCodes"`        // a single-use code answers too
	OpensOn     string     `bson:"opensOn,omitempty"`  // YYYY-MM-DD, UK days
	ClosesOn    string     `bson:"closesOn,omitempty"` // last day open, YYYY-MM-DD
	Closed      bool       `bson:"closed"`             // closed early by a coordinator
	Public      bool       `bson:"public"`             // the results summary is public
	Sensitive   bool       `bson:"sensitive"`          // asks about abuse or other sensitive topics: its pages offer "Exit this page"
	Imported    bool       `bson:"imported,omitempty"` // a baseline entered from aggregated CSV
	Draft       []Question `bson:"draft"`
	NextQ       int        `bson:"nextQ"` // numbers new question ids
	Versions    []Version  `bson:"versions"`
	Rev         int        `bson:"rev"`
	CreatedAt   time.Time  `bson:"createdAt"`
	UpdatedAt   time.Time  `bson:"updatedAt"`
}

// Current is the latest published version, or nil.
func (sv *Survey) Current() *Version {
	if len(sv.Versions) == 0 {
		return nil
	}
	return &sv.Versions[len(sv.Versions)-1]
}

// Version returns published version n, or nil.
func (sv *Survey) Version(n int) *Version {
	for i := range sv.Versions {
		if sv.Versions[i].N == n {
			return &sv.Versions[i]
		}
	}
	return nil
}

// Open states.
const (
	SurveyDraft    = "draft"
	SurveyNotYet   = "not-yet"
	SurveyOpen     = "open"
	SurveyClosed   = "closed"
	SurveyImported = "imported" // entered from aggregated counts: nobody answers it here
)

// State says whether people can answer on day (YYYY-MM-DD).
func (sv *Survey) State(day string) string {
	switch {
	case sv.Imported:
		return SurveyImported
	case sv.Current() == nil:
		return SurveyDraft
	case sv.Closed || (sv.ClosesOn != "" && day > sv.ClosesOn):
		return SurveyClosed
	case sv.OpensOn != "" && day < sv.OpensOn:
		return SurveyNotYet
	}
	return SurveyOpen
}

// Day is t's date in the UK, the finest time a response keeps.
func Day(t time.Time) string { return t.In(ukTime).Format(time.DateOnly) }

var ukTime = tz.London

// DraftQuestion returns the draft's question id and its index, or -1.
func (sv *Survey) DraftQuestion(id string) (*Question, int) {
	for i := range sv.Draft {
		if sv.Draft[i].ID == id {
			return &sv.Draft[i], i
		}
	}
	return nil, -1
}

// CheckQuestion applies the rules for a question in the draft at index
// at (-1 for a new one appended at the end).
func (sv *Survey) CheckQuestion(q *Question, at int) error {
	if strings.TrimSpace(q.Text) == "" {
		return apperr.New(apperr.Invalid, "text", "Enter the question")
	}
	if !slices.Contains(QuestionTypes, q.Type) {
		return apperr.New(apperr.Invalid, "type", "Choose the type of question")
	}
	if q.Type == QSingle || q.Type == QMultiple {
		if len(q.Options) < 2 {
			return apperr.New(apperr.Invalid, "options", "Enter at least 2 answers, one on each line")
		}
		seen := map[string]bool{}
		for _, o := range q.Options {
			l := strings.ToLower(o.Label)
			if seen[l] {
				return apperr.New(apperr.Invalid, "options", "Each answer must be different: "+o.Label+" appears twice")
			}
			seen[l] = true
		}
	}
	if q.Key != "" && !keyRe.MatchString(q.Key) {
		return apperr.New(apperr.Invalid, "key", "The matching code can only have lower-case letters, numbers and hyphens, like confidence-local")
	}
	if q.ShowIfQ == "" {
		return nil
	}
	end := at
	if at < 0 {
		end = len(sv.Draft)
	}
	for i := 0; i < end; i++ {
		p := &sv.Draft[i]
		if p.ID == q.ShowIfQ {
			if p.Type != QSingle {
				return apperr.New(apperr.Invalid, "showIf", "A question can depend only on an earlier single-choice question")
			}
			for _, o := range p.Options {
				if o.Code == q.ShowIfA {
					return nil
				}
			}
			return apperr.New(apperr.Invalid, "showIf", "Choose one of that question's answers")
		}
	}
	return apperr.New(apperr.Invalid, "showIf", "A question can depend only on an earlier single-choice question")
}

var keyRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// NewOptions gives labels codes, keeping the codes of labels an earlier
// version of the question already had (so results match across versions).
func NewOptions(labels []string, old []Option) []Option {
	byLabel := map[string]string{}
	used := map[string]bool{}
	for _, o := range old {
		byLabel[strings.ToLower(o.Label)] = o.Code
		used[o.Code] = true
	}
	var out []Option
	n := 1
	for _, l := range labels {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		code, ok := byLabel[strings.ToLower(l)]
		if !ok {
			for used["o"+strconv.Itoa(n)] {
				n++
			}
			code = "o" + strconv.Itoa(n)
			used[code] = true
		}
		out = append(out, Option{Code: code, Label: l})
	}
	return out
}

// Dependants are the draft questions shown only after an answer to id.
func (sv *Survey) Dependants(id string) []Question {
	var qs []Question
	for _, q := range sv.Draft {
		if q.ShowIfQ == id {
			qs = append(qs, q)
		}
	}
	return qs
}

// Publish makes the draft (plus the about-you section if chosen) version
// n+1. Published versions are never changed.
func (sv *Survey) Publish(now time.Time) error {
	if len(sv.Draft) == 0 {
		return apperr.New(apperr.Invalid, "publish", "Add at least one question before publishing")
	}
	qs := append([]Question(nil), sv.Draft...)
	if sv.AboutYou {
		qs = append(qs, AboutYouQuestions()...)
	}
	sv.Versions = append(sv.Versions, Version{N: len(sv.Versions) + 1, PublishedAt: now.UTC(), Questions: qs})
	return nil
}

// CreateSurvey inserts a new draft survey.
func (s *Store) CreateSurvey(ctx context.Context, sv *Survey) error {
	now := s.now().UTC()
	sv.ID = NewID()
	sv.Rev, sv.CreatedAt, sv.UpdatedAt = 1, now, now
	if sv.Draft == nil {
		sv.Draft = []Question{}
	}
	if sv.Versions == nil {
		sv.Versions = []Version{}
	}
	if _, err := s.c("surveys").InsertOne(ctx, sv); err != nil {
		return fmt.Errorf("store: create survey: %w", err)
	}
	return nil
}

// Survey returns one survey. Returns ErrNotFound.
func (s *Store) Survey(ctx context.Context, id string) (*Survey, error) {
	var sv Survey
	if err := s.r("surveys").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&sv); err != nil {
		return nil, fmt.Errorf("store: survey %s: %w", id, notFound(err))
	}
	return &sv, nil
}

// Surveys lists every survey, newest first (a force runs a handful a year).
func (s *Store) Surveys(ctx context.Context) ([]Survey, error) {
	var out []Survey
	cur, err := s.r("surveys").Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}}))
	if err != nil {
		return nil, fmt.Errorf("store: surveys: %w", err)
	}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("store: surveys: %w", err)
	}
	return out, nil
}

// ChangeSurvey reads survey id, applies change in memory and writes it back
// only if nobody changed it meanwhile (its rev is still the one read, and
// the one the person's form showed, unless rev is 0). Published versions
// cannot be altered: the write keeps every version already stored. Errors
// from change are returned as they are (apperr.Invalid); otherwise
// ErrNotFound or ErrConflict.
func (s *Store) ChangeSurvey(ctx context.Context, id string, rev int, change func(sv *Survey, now time.Time) error) (*Survey, error) {
	sv, err := s.Survey(ctx, id)
	if err != nil {
		return nil, err
	}
	if rev != 0 && sv.Rev != rev {
		return sv, fmt.Errorf("store: survey %s: %w", id, ErrConflict)
	}
	read := sv.Rev
	published := len(sv.Versions)
	now := s.now()
	if err := change(sv, now); err != nil {
		return sv, err
	}
	if len(sv.Versions) < published {
		return sv, fmt.Errorf("store: survey %s: published versions cannot be removed", id)
	}
	sv.Rev, sv.UpdatedAt = read+1, now.UTC()
	set := bson.D{
		{Key: "title", Value: sv.Title}, {Key: "intro", Value: sv.Intro}, {Key: "series", Value: sv.Series}, {Key: "wave", Value: sv.Wave},
		{Key: "baselineId", Value: sv.BaselineID}, {Key: "aboutYou", Value: sv.AboutYou}, {Key: "openLink", Value: sv.OpenLink},
		{Key: "inviteCodes", Value: sv.InviteCodes}, {Key: "opensOn", Value: sv.OpensOn}, {Key: "closesOn", Value: sv.ClosesOn},
		{Key: "closed", Value: sv.Closed}, {Key: "public", Value: sv.Public}, {Key: "sensitive", Value: sv.Sensitive},
		{Key: "draft", Value: sv.Draft}, {Key: "nextQ", Value: sv.NextQ},
		{Key: "rev", Value: sv.Rev}, {Key: "updatedAt", Value: sv.UpdatedAt},
	}
	update := bson.D{{Key: "$set", Value: set}}
	if len(sv.Versions) > published {
		// New versions are appended; stored ones are never rewritten.
		update = append(update, bson.E{Key: "$push", Value: bson.D{{Key: "versions", Value: sv.Versions[published]}}})
	}
	res, err := s.updateIf(ctx, "surveys", id, Eq("rev", read), update)
	if err != nil {
		return sv, fmt.Errorf("store: save survey %s: %w", id, err)
	}
	if res.MatchedCount == 0 {
		return sv, fmt.Errorf("store: save survey %s: %w", id, ErrConflict)
	}
	if len(sv.Versions) > published {
		if err := s.ensureTallies(ctx, sv, sv.Versions[published].N); err != nil {
			return sv, err
		}
	}
	return sv, nil
}

// ImportSurvey stores a survey entered from aggregated counts (a baseline
// run outside Candour): its questions become version 1 and its counters
// are written as given. Nobody can answer it.
func (s *Store) ImportSurvey(ctx context.Context, sv *Survey, qs []Question, ts []Tally) error {
	sv.Imported, sv.AboutYou, sv.OpenLink, sv.Closed = true, true, false, true
	if err := s.CreateSurvey(ctx, sv); err != nil {
		return err
	}
	got, err := s.ChangeSurvey(ctx, sv.ID, sv.Rev, func(sv *Survey, now time.Time) error {
		sv.Draft, sv.NextQ = qs, len(qs)
		return sv.Publish(now)
	})
	if err != nil {
		return err
	}
	*sv = *got
	return s.putTallies(ctx, sv.ID, ts)
}
